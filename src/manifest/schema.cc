// schema.cc: Gramine v1.9 manifest keys (Documentation/manifest-syntax.rst of that release).
#include "manifest/schema.h"

#include <algorithm>
#include <string>

namespace uid2::manifest {

const std::vector<KeySpec>& KnownKeys() {
  static const std::vector<KeySpec> kKeys = {
      {"libos.entrypoint", KeyType::kString},
      {"libos.check_invalid_pointers", KeyType::kBoolean},
      {"loader.entrypoint.uri", KeyType::kString},
      {"loader.entrypoint.sha256", KeyType::kString},
      {"loader.log_level", KeyType::kString},
      {"loader.log_file", KeyType::kString},
      {"loader.argv", KeyType::kStringArray},
      {"loader.argv_src_file", KeyType::kString},
      {"loader.insecure__use_cmdline_argv", KeyType::kBoolean},
      {"loader.env.*", KeyType::kAny},
      {"loader.env_src_file", KeyType::kString},
      {"loader.insecure__use_host_env", KeyType::kBoolean},
      {"loader.insecure__disable_aslr", KeyType::kBoolean},
      {"loader.uid", KeyType::kInteger},
      {"loader.gid", KeyType::kInteger},
      {"loader.pal_internal_mem_size", KeyType::kSize},
      {"fs.root.type", KeyType::kString},
      {"fs.root.uri", KeyType::kString},
      {"fs.root.path", KeyType::kString},
      {"fs.start_dir", KeyType::kString},
      {"fs.mounts", KeyType::kArray},
      {"fs.insecure__keys.*", KeyType::kString},
      {"sys.stack.size", KeyType::kSize},
      {"sys.brk.max_size", KeyType::kSize},
      {"sys.enable_sigterm_injection", KeyType::kBoolean},
      {"sys.enable_extra_runtime_domain_names_conf", KeyType::kBoolean},
      {"sys.experimental__enable_flock", KeyType::kBoolean},
      {"sys.disallow_subprocesses", KeyType::kBoolean},
      {"sys.insecure__allow_eventfd", KeyType::kBoolean},
      {"sys.fds.limit", KeyType::kInteger},
      {"sys.allowed_ioctls", KeyType::kArray},
      {"sys.ioctl_structs.*", KeyType::kAny},
      {"sys.debug__mock_syscalls", KeyType::kArray},
      {"sgx.debug", KeyType::kBoolean},
      {"sgx.enclave_size", KeyType::kSize},
      {"sgx.max_threads", KeyType::kInteger},
      {"sgx.edmm_enable", KeyType::kBoolean},
      {"sgx.isvprodid", KeyType::kInteger},
      {"sgx.isvsvn", KeyType::kInteger},
      {"sgx.remote_attestation", KeyType::kString},
      {"sgx.trusted_files", KeyType::kArray},
      {"sgx.allowed_files", KeyType::kStringArray},
      {"sgx.file_check_policy", KeyType::kString},
      {"sgx.use_exinfo", KeyType::kBoolean},
      {"sgx.enable_stats", KeyType::kBoolean},
      {"sgx.preheat_enclave", KeyType::kBoolean},
      {"sgx.insecure__rpc_thread_num", KeyType::kInteger},
      {"sgx.insecure__allow_memfaults_without_exinfo", KeyType::kBoolean},
      {"sgx.cpu_features.avx", KeyType::kString},
      {"sgx.cpu_features.avx512", KeyType::kString},
      {"sgx.cpu_features.amx", KeyType::kString},
      {"sgx.cpu_features.mpx", KeyType::kString},
      {"sgx.cpu_features.pkru", KeyType::kString},
      {"sgx.seal_key.flags_mask", KeyType::kString},
      {"sgx.seal_key.xfrm_mask", KeyType::kString},
      {"sgx.seal_key.misc_mask", KeyType::kString},
      {"sgx.profile.enable", KeyType::kString},
      {"sgx.profile.mode", KeyType::kString},
      {"sgx.profile.with_stack", KeyType::kBoolean},
      {"sgx.profile.frequency", KeyType::kInteger},
      {"sgx.vtune_profile", KeyType::kBoolean},
  };
  return kKeys;
}

namespace {

bool Matches(std::string_view pattern, std::string_view key) {
  while (true) {
    size_t pd = pattern.find('.'), kd = key.find('.');
    std::string_view p = pattern.substr(0, pd), k = key.substr(0, kd);
    if (p != "*" && p != k) return false;
    if (pd == std::string_view::npos || kd == std::string_view::npos) {
      return pd == std::string_view::npos && kd == std::string_view::npos;
    }
    pattern.remove_prefix(pd + 1);
    key.remove_prefix(kd + 1);
  }
}

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); j++) prev[j] = j;
  for (size_t i = 1; i <= a.size(); i++) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); j++) {
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1])});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

}  // namespace

const KeySpec* FindKeySpec(std::string_view dotted) {
  for (const KeySpec& s : KnownKeys()) {
    if (Matches(s.key, dotted)) return &s;
  }
  return nullptr;
}

std::string_view ClosestKnownKey(std::string_view dotted) {
  std::string_view best;
  size_t best_d = SIZE_MAX;
  for (const KeySpec& s : KnownKeys()) {
    size_t d = EditDistance(dotted, s.key);
    if (d < best_d) best_d = d, best = s.key;
  }
  return best;
}

}  // namespace uid2::manifest
