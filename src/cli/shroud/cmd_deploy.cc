// shroud deploy k8s|docker: deployment descriptions for a shielded image (src/deploy).
#include <cstdio>

#include "common/cli.h"
#include "common/file.h"
#include "common/json.h"
#include "deploy/deploy.h"

namespace {

using uid2::Error;
using uid2::Result;

struct K8sArgs {
  uid2::deploy::K8sOptions o;
  std::vector<std::string> env, secrets;
  std::string out;
};
struct DockerArgs {
  uid2::deploy::DockerOptions o;
  std::vector<std::string> env;
  std::string out;
};

int Emit(const std::string& text, const std::string& out) {
  if (out.empty() || out == "-") {
    std::fwrite(text.data(), 1, text.size(), stdout);
    return uid2::cli::kExitOk;
  }
  uid2::Status s = uid2::WriteFileAtomic(out, text);
  if (!s.ok()) return uid2::cli::ReportError(s.error());
  if (!uid2::cli::CurrentGlobals().quiet) std::fprintf(stderr, "wrote %s\n", out.c_str());
  return uid2::cli::kExitOk;
}

int RunK8s(K8sArgs& a) {
  for (const auto& e : a.env) {
    auto kv = uid2::deploy::ParseEnv(e);
    if (!kv.ok()) return uid2::cli::ReportError(kv.error());
    a.o.env.push_back(*kv);
  }
  for (const auto& s : a.secrets) {
    auto se = uid2::deploy::ParseSecretEnv(s);
    if (!se.ok()) return uid2::cli::ReportError(se.error());
    a.o.env_from_secret.push_back(*se);
  }
  auto yaml = uid2::deploy::GenerateK8s(a.o);
  if (!yaml.ok()) return uid2::cli::ReportError(yaml.error());
  return Emit(*yaml, a.out);
}

int RunDocker(DockerArgs& a) {
  for (const auto& e : a.env) {
    if (e.find('=') == std::string::npos) {
      a.o.env_from_host.push_back(e);
      continue;
    }
    auto kv = uid2::deploy::ParseEnv(e);
    if (!kv.ok()) return uid2::cli::ReportError(kv.error());
    a.o.env.push_back(*kv);
  }
  auto argv = uid2::deploy::DockerArgv(a.o);
  if (!argv.ok()) return uid2::cli::ReportError(argv.error());
  std::string line = uid2::deploy::ShellJoin(*argv);
  if (uid2::cli::CurrentGlobals().json) {
    std::string j = "{\"argv\":[";
    for (size_t i = 0; i < argv->size(); i++) j += (i ? "," : "") + uid2::JsonQuote((*argv)[i]);
    uid2::cli::PrintJson(j + "],\"command\":" + uid2::JsonQuote(line) + "}");
    return uid2::cli::kExitOk;
  }
  return Emit(line + "\n", a.out);
}

void Setup(CLI::App& app, const uid2::cli::Globals&) {
  app.require_subcommand(1);
  static K8sArgs k;
  CLI::App* k8s = app.add_subcommand("k8s", "Kubernetes YAML for an AKS SGX node pool");
  k8s->add_option("--image", k.o.image, "Image reference (registry/name:tag)")->required();
  k8s->add_option("--name", k.o.name, "Name of the workload (a-z, 0-9, '-')")->required();
  k8s->add_option("--kind", k.o.kind, "deployment (with a Service) or job")
      ->check(CLI::IsMember({"deployment", "job"}));
  k8s->add_option("--namespace", k.o.namespace_name, "Namespace to write into metadata");
  k8s->add_option("--epc-mib", k.o.epc_mib, "EPC to request, MiB (sgx_epc_mem_in_MiB)");
  k8s->add_option("--replicas", k.o.replicas, "Replicas of a deployment");
  k8s->add_option("--termination-grace", k.o.termination_grace_seconds,
                  "Seconds between SIGTERM and SIGKILL on pod deletion "
                  "(terminationGracePeriodSeconds; cover the app's drain)")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  k8s->add_option("--port", k.o.ports, "Container port (repeatable); the first is probed");
  k8s->add_option("--env", k.env, "K=V environment value (repeatable; never secrets)");
  k8s->add_option("--env-from-secret", k.secrets,
                  "SECRET:KEY=ENV: ENV from key KEY of Secret SECRET (repeatable)");
  k8s->add_option("--health-path", k.o.health_path,
                  "HTTP path for liveness/readiness probes (e.g. /ops/healthcheck)");
  k8s->add_option("--service-type", k.o.service_type, "ClusterIP, NodePort or LoadBalancer");
  k8s->add_option("--arg", k.o.args, "Container argument (repeatable)");
  k8s->add_flag("!--no-aesmd", k.o.mount_aesmd, "Do not mount the host's /var/run/aesmd");
  k8s->add_option("-o,--output", k.out, "Write the YAML here instead of stdout");
  uid2::cli::AddExamples(
      k8s,
      "  shroud deploy k8s --image myacr.azurecr.io/uid2-operator:1 --name uid2-operator \\\n"
      "      --port 8080 --port 9091 --health-path /ops/healthcheck --epc-mib 512 \\\n"
      "      --env-from-secret uid2-secrets:core-api-token=core_api_token\n"
      "  shroud deploy k8s --image app:1 --name hello --kind job -o hello-job.yaml");
  uid2::cli::OnRun(k8s, [] { return RunK8s(k); });

  static DockerArgs d;
  CLI::App* docker = app.add_subcommand("docker", "The docker run line for an SGX host");
  docker->add_option("--image", d.o.image, "Image reference")->required();
  docker->add_option("--name", d.o.name, "Container name");
  docker->add_option("--port", d.o.ports, "Port to publish as P:P (repeatable)");
  docker->add_option("--env", d.env,
                     "K=V sets a value; a bare NAME passes the caller's value (for secrets)");
  docker->add_flag("--legacy-devices", d.o.legacy_devices,
                   "Use /dev/sgx/enclave and /dev/sgx/provision (out-of-tree driver)");
  docker->add_flag("!--no-aesmd", d.o.mount_aesmd, "Do not mount /var/run/aesmd");
  docker->add_flag("-d,--detach", d.o.detach, "Run in the background");
  docker->add_option("--mode", d.o.mode, "sgx (default) or direct (GRAMINE_MODE=direct, no SGX)");
  docker->add_option("--arg", d.o.args, "Argument after the image (repeatable)");
  docker->add_option("-o,--output", d.out, "Write the line here instead of stdout");
  uid2::cli::AddExamples(
      docker,
      "  shroud deploy docker --image uid2-operator-azure-sgx:latest --port 8080 \\\n"
      "      --env core_api_token --env optout_api_token\n"
      "  eval \"$(shroud deploy docker --image app:1 --legacy-devices)\"");
  uid2::cli::OnRun(docker, [] { return RunDocker(d); });
}

const uid2::cli::Registration kRegistration({"deploy",
                                             "Generate Kubernetes (AKS) YAML or a docker run "
                                             "line for a shielded image",
                                             "  shroud deploy k8s --help\n"
                                             "  shroud deploy docker --help",
                                             Setup});

}  // namespace
