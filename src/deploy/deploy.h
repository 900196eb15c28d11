// deploy.h: deployment descriptions for a shielded (SGX) image: Kubernetes YAML for Azure AKS
// confidential-computing node pools, and the `docker run` line for an SGX host.
//
// Secrets never appear as values: Kubernetes reads them with secretKeyRef from a Secret, and the
// docker line passes them by name (`-e NAME`) from the caller's environment.
//
//   K8sOptions o;
//   o.image = "registry/uid2-operator:1"; o.name = "uid2-operator"; o.ports = {8080};
//   o.env_from_secret = {{"uid2-secrets", "core-api-token", "core_api_token"}};
//   UID2_ASSIGN_OR_RETURN(std::string yaml, GenerateK8s(o));
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "common/status.h"

namespace uid2::deploy {

struct SecretEnv {
  std::string secret;  // Kubernetes Secret name
  std::string key;     // key inside the Secret
  std::string env;     // environment variable in the container
};

// ParseSecretEnv parses "SECRET:KEY=ENV".
Result<SecretEnv> ParseSecretEnv(std::string_view text);
// ParseEnv parses "K=V" (V may be empty or contain '=').
Result<std::pair<std::string, std::string>> ParseEnv(std::string_view text);

struct K8sOptions {
  std::string image;
  std::string name;                 // DNS-1123 label: [a-z0-9-], <= 63
  std::string kind = "deployment";  // "deployment" or "job"
  std::string namespace_name;       // empty: none written (kubectl's current namespace)
  int epc_mib = 10;                 // kubernetes.azure.com/sgx_epc_mem_in_MiB limit
  int replicas = 1;                 // deployments only
  std::vector<int> ports;
  std::vector<std::pair<std::string, std::string>> env;
  std::vector<SecretEnv> env_from_secret;
  std::string health_path;  // liveness/readiness httpGet path; needs a port
  std::string service_type = "ClusterIP";
  bool mount_aesmd = true;        // hostPath /var/run/aesmd for DCAP quoting through aesmd
  std::vector<std::string> args;  // container args (ignored by a trusted-argv enclave)
  // terminationGracePeriodSeconds: how long Kubernetes waits after SIGTERM before SIGKILL.
  // Must cover the app's drain; the SIGTERM reaches a Gramine app only if its manifest sets
  // sys.enable_sigterm_injection = true (docs/runtime.md "Host signals").
  int termination_grace_seconds = 30;  // Kubernetes' default
};

// GenerateK8s validates `o` and returns a multi-document YAML (Deployment + Service, or Job).
// Errors name the option at fault.
Result<std::string> GenerateK8s(const K8sOptions& o);

struct DockerOptions {
  std::string image;
  std::string name;
  std::vector<int> ports;                                // published as -p P:P
  std::vector<std::pair<std::string, std::string>> env;  // -e K=V
  std::vector<std::string> env_from_host;                // -e NAME (value from the caller)
  bool legacy_devices = false;  // /dev/sgx/enclave, /dev/sgx/provision (out-of-tree driver)
  bool mount_aesmd = true;
  bool detach = false;
  std::string mode;  // "" or "direct" (GRAMINE_MODE=direct: no SGX)
  std::vector<std::string> args;
};

// DockerArgv returns the docker command line as an argument vector ("docker", "run", ...).
Result<std::vector<std::string>> DockerArgv(const DockerOptions& o);
// ShellJoin quotes each argument for a POSIX shell (single quotes when needed) and joins them.
std::string ShellJoin(const std::vector<std::string>& argv);

// Validators shared by both generators.
Status CheckDnsLabel(std::string_view what, std::string_view name);
Status CheckEnvName(std::string_view name);
Status CheckPort(int port);

}  // namespace uid2::deploy
