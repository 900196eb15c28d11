// seccomp_filter.h: the app's one seccomp filter (libseccomp, exported as classic BPF).
//
// Every syscall is allowed except the ones that could undo the confinement (mount, pivot_root,
// setns, ptrace, bpf, module loading, ...): those fail with EPERM (defence in depth: the app
// also has no capabilities). With `notify_memory`, mmap without MAP_FIXED and every mremap are
// handed to shroud run's listener (SCMP_ACT_NOTIFY) for the sgx.enclave_size message
// (memory_limit.h); that filter must be installed with SECCOMP_FILTER_FLAG_NEW_LISTENER.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"

namespace uid2::runtime {

// AppFilter returns the filter program (struct sock_filter entries). Errors: libseccomp refused
// a rule (kUnsupported: e.g. no SCMP_ACT_NOTIFY in this libseccomp) or the export failed.
Result<Bytes> AppFilter(bool notify_memory);

// SysRules are the manifest's system-call rules, applied as Gramine's LibOS applies them:
//   disallow_subprocesses (sys.disallow_subprocesses = true): fork, vfork and clone without
//     CLONE_THREAD fail with EAGAIN (libos_clone.c); clone3 fails with ENOSYS, so that the C
//     library falls back to clone for threads (its flags are behind a pointer seccomp cannot read).
//   deny_flock (sys.experimental__enable_flock unset): flock fails with ENOSYS (libos_flock.c),
//     except LOCK_MAND requests, which Linux and Gramine both ignore (0).
//   mocks (sys.debug__mock_syscalls): each named call returns its value (0 or -errno) without
//     running, as Gramine's mock table; a mock replaces the rules above for its call.
struct SysRules {
  bool disallow_subprocesses = false;
  bool deny_flock = false;
  std::vector<std::pair<std::string, int64_t>> mocks;  // {name, return <= 0}
};

// SysFilter returns a second filter for `rules`, installed on top of AppFilter's (empty when
// there is nothing to deny). kInvalid names a mock whose system call is unknown.
Result<Bytes> SysFilter(const SysRules& rules);

}  // namespace uid2::runtime
