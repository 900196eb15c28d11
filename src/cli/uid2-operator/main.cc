// uid2-operator: the UID2 operator service. `uid2-operator --profile local` serves the bundled
// local dataset; a profile with core_attest_url (local-core, integ, prod) attests to a core and
// syncs from it; see docs/operator.md.
#include "common/cli.h"
#include "operator/service/operator_app.h"

namespace {

uid2::service::OperatorFlags g_flags;

void SetupRoot(CLI::App& app, const uid2::cli::Globals&) {
  app.add_option("--profile", g_flags.profile,
                 "Configuration profile: loads conf/<profile>-config.json")
      ->capture_default_str();
  app.add_option("--config", g_flags.config_file, "Configuration file (overrides --profile)");
  app.add_option("--address", g_flags.address, "Listen address (default from config: 127.0.0.1)");
  app.add_option("--port", g_flags.port, "API port (0: any free port; port_offset still applies)")
      ->check(CLI::Range(0, 65535));
  app.add_option("--metrics-port", g_flags.metrics_port, "Prometheus /metrics port")
      ->check(CLI::Range(0, 65535));
  app.add_option("--threads", g_flags.threads, "Server threads (service_instances)")
      ->check(CLI::Range(1, 1024));
  app.add_option("--optout-dir", g_flags.optout_dir, "Opt-out delta/partition folder");
  app.add_option("--enclave-platform", g_flags.enclave_platform,
                 "Attested mode: azure-sgx (quote from --attestation-dir) or none (document 0x00)")
      ->check(CLI::IsMember({"azure-sgx", "none"}));
  app.add_option("--attestation-dir", g_flags.attestation_dir,
                 "Attested mode: folder of user_report_data and quote (default /dev/attestation)");
  uid2::cli::AddExamples(
      &app,
      "  uid2-operator --profile local                   # serve data/uid2 on 127.0.0.1:8080\n"
      "  uid2-operator --config my.json --port 9000 --metrics-port 9001\n"
      "  core_api_token=KEY uid2-operator --profile local-core  # in the enclave: quote, attest, "
      "serve\n"
      "  core_api_token=KEY uid2-operator --profile local-core --enclave-platform none  # no "
      "enclave\n"
      "  curl -s localhost:8080/ops/healthcheck          # OK\n"
      "  curl -s localhost:9091/metrics                  # Prometheus text");
  uid2::cli::OnRun(&app, [] { return uid2::service::RunOperator(g_flags); });
}

}  // namespace

int main(int argc, char** argv) {
  return uid2::cli::RunMain(
      "uid2-operator",
      "uid2-operator: the UID2 Operator service (HTTP API on :8080, Prometheus on :9091).",
      uid2::cli::RegisteredCommands(), argc, argv, SetupRoot);
}
