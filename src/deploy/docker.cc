// docker.cc: the `docker run` line for a shielded image on an SGX host (see deploy.h).
#include "deploy/deploy.h"

namespace uid2::deploy {

Result<std::vector<std::string>> DockerArgv(const DockerOptions& o) {
  if (o.image.empty()) return Error::Invalid("--image is required");
  if (!o.name.empty()) UID2_RETURN_IF_ERROR(CheckDnsLabel("--name", o.name));
  if (!o.mode.empty() && o.mode != "direct" && o.mode != "sgx") {
    return Error::Invalid("--mode '" + o.mode + "': expected sgx or direct");
  }
  std::vector<std::string> argv = {"docker", "run", "--rm"};
  if (o.detach) argv.push_back("--detach");
  if (!o.name.empty()) argv.insert(argv.end(), {"--name", o.name});
  if (o.mode != "direct") {
    if (o.legacy_devices) {
      argv.insert(argv.end(), {"--device", "/dev/sgx/enclave", "--device", "/dev/sgx/provision"});
    } else {
      argv.insert(argv.end(), {"--device", "/dev/sgx_enclave", "--device", "/dev/sgx_provision"});
    }
    if (o.mount_aesmd) argv.insert(argv.end(), {"-v", "/var/run/aesmd:/var/run/aesmd"});
  } else {
    argv.insert(argv.end(), {"-e", "GRAMINE_MODE=direct"});
  }
  for (int p : o.ports) {
    UID2_RETURN_IF_ERROR(CheckPort(p));
    argv.insert(argv.end(), {"-p", std::to_string(p) + ":" + std::to_string(p)});
  }
  for (const auto& [k, v] : o.env) {
    UID2_RETURN_IF_ERROR(CheckEnvName(k));
    argv.insert(argv.end(), {"-e", k + "=" + v});
  }
  for (const auto& k : o.env_from_host) {
    UID2_RETURN_IF_ERROR(CheckEnvName(k));
    argv.insert(argv.end(), {"-e", k});
  }
  argv.push_back(o.image);
  argv.insert(argv.end(), o.args.begin(), o.args.end());
  return argv;
}

std::string ShellJoin(const std::vector<std::string>& argv) {
  std::string out;
  for (const std::string& a : argv) {
    if (!out.empty()) out += ' ';
    bool plain = !a.empty();
    for (char c : a) {
      plain = plain && (isalnum(static_cast<unsigned char>(c)) ||
                        std::string_view("/_-.:=,@+%").find(c) != std::string_view::npos);
    }
    if (plain) {
      out += a;
      continue;
    }
    out += '\'';
    for (char c : a) {
      if (c == '\'') {
        out += "'\\''";
      } else {
        out += c;
      }
    }
    out += '\'';
  }
  return out;
}

}  // namespace uid2::deploy
