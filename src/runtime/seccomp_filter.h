// seccomp_filter.h: the app's one seccomp filter (libseccomp, exported as classic BPF).
//
// Every syscall is allowed except the ones that could undo the confinement (mount, pivot_root,
// setns, ptrace, bpf, module loading, ...): those fail with EPERM (defence in depth: the app
// also has no capabilities). With `notify_memory`, mmap without MAP_FIXED and every mremap are
// handed to shroud run's listener (SCMP_ACT_NOTIFY) for the sgx.enclave_size message
// (memory_limit.h); that filter must be installed with SECCOMP_FILTER_FLAG_NEW_LISTENER.
#pragma once

#include "common/bytes.h"
#include "common/status.h"

namespace uid2::runtime {

// AppFilter returns the filter program (struct sock_filter entries). Errors: libseccomp refused
// a rule (kUnsupported: e.g. no SCMP_ACT_NOTIFY in this libseccomp) or the export failed.
Result<Bytes> AppFilter(bool notify_memory);

}  // namespace uid2::runtime
