#include "manifest/runtime_options.h"

namespace uid2::manifest {

const std::vector<RuntimeOption>& RuntimeOptions() {
  using enum RuntimeSupport;
  static const std::vector<RuntimeOption> kOptions = {
      {"loader.entrypoint.uri", kNoEffect,
       "names the LibOS (libsysdb.so); shroud run loads no LibOS, the app runs on the host "
       "kernel. Measured like every manifest byte"},
      {"loader.entrypoint.sha256", kNoEffect, "as loader.entrypoint.uri"},
      {"loader.log_level", kNoEffect,
       "Gramine's own log; shroud run logs with `shroud --log-level`"},
      {"loader.log_file", kNoEffect, "as loader.log_level"},
      {"loader.argv", kEnforced, "the app's argv"},
      {"loader.argv_src_file", kEnforced, "NUL-separated argv, hash-checked when trusted"},
      {"loader.insecure__use_cmdline_argv", kEnforced, "arguments after `--` reach the app"},
      {"loader.env.*", kEnforced, "fixed values and passthrough"},
      {"loader.env_src_file", kEnforced, "NUL-separated NAME=VALUE, hash-checked when trusted"},
      {"loader.insecure__use_host_env", kEnforced, "the host environment reaches the app"},
      {"loader.uid", kEnforced, "the app runs with this real, effective and saved uid"},
      {"loader.gid", kEnforced, "the app runs with this gid and no supplementary groups"},
      {"loader.insecure__disable_aslr", kEnforced, "personality(ADDR_NO_RANDOMIZE) before execve"},
      {"sys.enable_sigterm_injection", kEnforced,
       "the first host SIGTERM reaches the app; without it host SIGTERMs are ignored"},
      {"sys.disallow_subprocesses", kEnforced,
       "fork, vfork and clone without CLONE_THREAD fail with EAGAIN (seccomp)"},
      {"sys.stack.size", kEnforced,
       "RLIMIT_STACK soft limit (default 256K, as Gramine): the main stack's size and glibc's "
       "default thread stack"},
      {"sys.brk.max_size", kRefused,
       "the program break cannot be capped apart from the rest of memory outside Gramine "
       "(RLIMIT_DATA also counts mmap); sgx.enclave_size bounds all memory"},
      {"sys.fds.limit", kEnforced, "RLIMIT_NOFILE soft limit (default 900, as Gramine)"},
      {"sys.insecure__allow_eventfd", kNoEffect,
       "eventfd works either way: Gramine v1.9 emulates it in the LibOS without the option and "
       "passes it to the host with it; shroud run's eventfd is the host kernel's in both cases"},
      {"sys.experimental__enable_flock", kEnforced,
       "without it flock() fails with ENOSYS, as in Gramine (seccomp)"},
      {"sys.enable_extra_runtime_domain_names_conf", kRefused,
       "the view serves /etc from the bundle only; list file:/etc/resolv.conf in "
       "sgx.allowed_files instead (the hostname already is the host's)"},
      {"sys.allowed_ioctls", kNoEffect,
       "Gramine passes listed ioctls to host devices; the view has no host devices (nodev), "
       "only /dev/null, zero, full, random, urandom and tty"},
      {"sys.ioctl_structs", kNoEffect, "as sys.allowed_ioctls"},
      {"sys.debug__mock_syscalls", kEnforced,
       "each listed system call returns `return` (default 0) without running (seccomp); a "
       "positive `return`, and mocking execve or execveat, are refused"},
  };
  return kOptions;
}

const RuntimeOption* FindRuntimeOption(std::string_view dotted) {
  for (const RuntimeOption& o : RuntimeOptions()) {
    if (o.key == dotted) return &o;
    if (o.key.ends_with(".*") && dotted.size() > o.key.size() - 1 &&
        dotted.substr(0, o.key.size() - 1) == o.key.substr(0, o.key.size() - 1) &&
        dotted.find('.', o.key.size() - 1) == std::string_view::npos) {
      return &o;
    }
  }
  return nullptr;
}

std::vector<RefusedOption> RefusedOptionsIn(const Value& root) {
  std::vector<RefusedOption> out;
  for (const RuntimeOption& o : RuntimeOptions()) {
    if (o.support != RuntimeSupport::kRefused) continue;
    const Value* v = root.FindPath(o.key);
    if (v == nullptr) continue;
    bool is_default = (v->is_bool() && !v->boolean()) || (v->is_array() && v->array().empty());
    if (!is_default) out.push_back({std::string(o.key), v, o.note});
  }
  // sys.debug__mock_syscalls is applied by seccomp, which can make a call fail or return 0
  // without running it, but not return a positive value; and the app is started by an execve
  // made under the same filter.
  const Value* mocks = root.FindPath("sys.debug__mock_syscalls");
  for (size_t i = 0; mocks != nullptr && mocks->is_array() && i < mocks->array().size(); i++) {
    const Value& entry = mocks->array()[i];
    const Value* name = entry.is_table() ? entry.Find("name") : nullptr;
    const Value* ret = entry.is_table() ? entry.Find("return") : nullptr;
    std::string key = "sys.debug__mock_syscalls[" + std::to_string(i) + "]";
    if (ret != nullptr && ret->is_integer() && ret->integer() > 0) {
      out.push_back({key, &entry,
                     "a positive `return` cannot be produced without running the call (seccomp "
                     "makes a call fail or return 0)"});
    } else if (name != nullptr && name->is_string() &&
               (name->str() == "execve" || name->str() == "execveat")) {
      out.push_back({key, &entry, "shroud run starts the app with execve under the same filter"});
    }
  }
  return out;
}

std::string_view SupportName(RuntimeSupport s) {
  switch (s) {
    case RuntimeSupport::kEnforced:
      return "enforced";
    case RuntimeSupport::kNoEffect:
      return "no effect";
    case RuntimeSupport::kRefused:
      return "refused";
  }
  return "";
}

}  // namespace uid2::manifest
