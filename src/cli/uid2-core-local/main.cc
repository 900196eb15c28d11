// uid2-core-local: a UID2 Core + Opt-out relying party for one machine (docs/core-local.md).
// `uid2-core-local --data DIR --operators FILE --allowlist FILE [--sim-pki DIR]` serves; the
// subcommands add operator keys and allowlist entries.
#include <signal.h>

#include <cstdio>

#include "common/cli.h"
#include "common/file.h"
#include "common/log.h"
#include "corelocal/service.h"

namespace {

uid2::corelocal::CoreLocalOptions g_options;
std::string g_jwt_public_out;

int Serve() {
  // Block the stop signals before any thread starts, so only sigwait below receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  auto core = uid2::corelocal::CoreLocal::Start(g_options);
  if (!core.ok()) return uid2::cli::ReportError(core.error());
  if (!g_jwt_public_out.empty()) {
    if (auto w = uid2::WriteFileAtomic(g_jwt_public_out, (*core)->JwtPublicPem()); !w.ok()) {
      return uid2::cli::ReportError(w.error());
    }
  }
  if (uid2::cli::CurrentGlobals().json) {
    uid2::cli::PrintJson((*core)->SummaryJson());
  } else if (!uid2::cli::CurrentGlobals().quiet) {
    std::printf("uid2-core-local: core on %s (POST /attest), opt-out on %s\n",
                (*core)->core_url().c_str(), (*core)->optout_url().c_str());
  }
  std::fflush(stdout);
  uid2::log::Info("core_local_ready",
                  {{"core_url", (*core)->core_url()}, {"optout_url", (*core)->optout_url()}});
  int sig = 0;
  sigwait(&stop_signals, &sig);
  uid2::log::Info("core_local_stopping", {{"signal", sig}});
  (*core)->Stop();
  return uid2::cli::kExitOk;
}

void SetupRoot(CLI::App& app, const uid2::cli::Globals&) {
  auto& o = g_options;
  o.optout_dir = "/tmp/uid2-core-local-optout";
  app.add_option("--data", o.data_dir, "Core data directory (laid out like data/uid2/core)");
  app.add_option("--operators", o.operators_file,
                 "Operators file (JSON; keys stored as salted SHA-512; see add-operator)");
  app.add_option("--allowlist", o.allowlist_file,
                 "Enclave allowlist (JSON: MRENCLAVE and/or MRSIGNER, ISVPRODID, min ISVSVN, "
                 "allow_debug; see allow)");
  app.add_option("--allow-mrenclave", o.allow_mrenclaves,
                 "Also accept this MRENCLAVE (64 hex; repeatable)");
  app.add_option("--sim-pki", o.sim_pki_dir,
                 "Trust this simulated PKI (shroud quote sim-pki init) instead of Intel's root");
  app.add_option("--collateral", o.collateral_file,
                 "Intel root: the collateral bundle (JSON) to verify quotes with");
  app.add_option("--optout-dir", o.optout_dir, "Opt-out delta/partition folder (created)")
      ->capture_default_str();
  app.add_option("--address", o.address, "Listen address")->capture_default_str();
  app.add_option("--core-port", o.core_port, "Core port (0: any free port)")->capture_default_str();
  app.add_option("--optout-port", o.optout_port, "Opt-out port (0: any free port)")
      ->capture_default_str();
  app.add_option("--public-host", o.public_host,
                 "Host name put in the URLs handed out (default: the listen address)");
  app.add_option("--token-ttl", o.token_ttl, "Attestation token and JWT lifetime, seconds")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--url-ttl", o.url_ttl, "Pre-signed URL lifetime, seconds")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--delta-rotate", o.delta_rotate, "Opt-out delta rotation, seconds")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--jwt-key", o.jwt_key_file,
                 "JWT signing key (PEM: RSA gives RS256, P-256 gives ES256); default: generated");
  app.add_option("--jwt-alg", o.jwt_alg, "Algorithm of a generated JWT key")
      ->check(CLI::IsMember({"RS256", "ES256"}))
      ->capture_default_str();
  app.add_option("--jwt-public-key-out", g_jwt_public_out,
                 "Write the JWT verification key (PEM) here at start");
  uid2::cli::AddExamples(
      &app,
      "  # one-time setup: a simulated PKI, an operator key, the enclave to accept\n"
      "  shroud quote sim-pki init pki\n"
      "  uid2-core-local add-operator --operators ops.json --name demo --site-id 999 "
      "--operator-type public\n"
      "  uid2-core-local allow --allowlist allow.json --sig bundle/uid2-operator.sig\n"
      "  # serve core on :8088 and opt-out on :8089 with the bundled dataset\n"
      "  uid2-core-local --data data/uid2/core --operators ops.json --allowlist allow.json "
      "--sim-pki pki\n"
      "  # short tokens for tests, any free ports, a JSON status line on stdout\n"
      "  uid2-core-local --data data/uid2/core --operators ops.json --allow-mrenclave <64 hex> "
      "--sim-pki pki --token-ttl 30 --core-port 0 --optout-port 0 --json\n"
      "  curl -s localhost:8088/ops/healthcheck    # OK\n"
      "Stop with SIGTERM or Ctrl-C. Refused attestations are logged with the reason.");
  uid2::cli::OnRun(&app, [] { return Serve(); });
}

}  // namespace

int main(int argc, char** argv) {
  return uid2::cli::RunMain(
      "uid2-core-local",
      "uid2-core-local: a UID2 Core (:8088) and Opt-out (:8089) for development, CI and demos. It "
      "verifies the operator's DCAP quote (Intel root, or a simulated PKI with --sim-pki) "
      "against an enclave allowlist, then serves core data and opt-outs to attested operators.",
      uid2::cli::RegisteredCommands(), argc, argv, SetupRoot);
}
