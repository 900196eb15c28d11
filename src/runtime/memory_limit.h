// memory_limit.h: a live message when the app reaches sgx.enclave_size.
//
// sgx.enclave_size is the app's RLIMIT_AS (launcher.cc): the kernel refuses any mmap, mremap or
// brk that would take the address space past it (ENOMEM), as an enclave without EDMM cannot
// grow. The kernel reports nothing when that happens, so MemoryWatch watches the requests: the
// app's seccomp filter (seccomp_filter.h, installed here instead of the launcher's plain one)
// also hands every mmap without MAP_FIXED and every mremap to shroud run (seccomp user
// notification). shroud run reads the caller's VmSize
// (/proc/PID/statm) and, when VmSize + the request exceeds the limit (the kernel's own test),
// logs once, while the app runs:
//
//   warn memory_limit_reached enclave_size="256 MiB" requested="512 MiB" mapped="3.1 MiB"
//        call=mmap message="... Raise sgx.enclave_size in the manifest (e.g. \"1G\") ..."
//
// Every call then continues unchanged (SECCOMP_USER_NOTIF_FLAG_CONTINUE): RLIMIT_AS still does
// the refusing. Not watched: MAP_FIXED mappings (they mostly replace existing pages, which the
// kernel subtracts and /proc does not give cheaply) and brk (glibc's and musl's malloc fall back
// to mmap when brk fails, and that mmap is watched).
//
// Use (launcher.cc), in this order:
//   MemoryWatch watch(limit);
//   child_args.memory = watch.Prepare();       // before clone; warns and disables on failure
//   ... clone; in the app, after no_new_privs and before execve: InstallMemoryWatch(memory);
//   watch.Start();                             // after clone, before the app may run
//   ... wait for the app ...
//   watch.Stop();
#pragma once

#include <linux/filter.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>

#include "common/bytes.h"
#include "common/status.h"

namespace uid2::runtime {

// AddressSpaceRequest is what one watched call asks for.
struct AddressSpaceRequest {
  const char* call = "";  // "mmap" or "mremap"
  uint64_t bytes = 0;     // page-rounded growth of the address space; 0 = cannot grow it
};

// GrowthOf decodes a watched syscall (x86-64 numbers and arguments, as seccomp_data has them).
// Other syscalls, MAP_FIXED mmaps and shrinking mremaps give bytes = 0.
AddressSpaceRequest GrowthOf(int syscall_nr, const uint64_t args[6]);

// ExceedsLimit is the kernel's RLIMIT_AS test: mapped + requested > limit (no overflow).
bool ExceedsLimit(uint64_t mapped, uint64_t requested, uint64_t limit);

// MemoryLimitMessage is the message logged when a request exceeds the limit: the limit, the
// request, what is mapped, and how to fix it (a power-of-two sgx.enclave_size that fits).
std::string MemoryLimitMessage(uint64_t limit, uint64_t mapped, const AddressSpaceRequest& r);

// MemoryWatchChild is what the app's process needs between fork and execve.
struct MemoryWatchChild {
  struct sock_fprog prog = {};  // the notifying filter (points into MemoryWatch's storage)
  int sock_fd = -1;             // where to send the listener; -1 = no watch
};

// InstallMemoryWatch runs in the app's process after PR_SET_NO_NEW_PRIVS and before execve; it
// allocates nothing (async-signal-safe calls only). It installs the app's filter with the
// notifications and sends its listener descriptor to shroud run, or the errno when this kernel
// refuses user notification (shroud run then warns; the run goes on, and the caller installs
// the plain filter: *installed, when given, says whether this one was installed). Returns false
// only if the filter was installed but the listener could not be handed over: the caller must not
// execve then (every watched call would fail with ENOSYS).
bool InstallMemoryWatch(const MemoryWatchChild& child, bool* installed = nullptr);

class VmSize;  // memory_limit.cc

// MemoryWatch is shroud run's side. Not copyable; the destructor stops it.
class MemoryWatch {
 public:
  explicit MemoryWatch(uint64_t limit_bytes) : limit_(limit_bytes) {}
  ~MemoryWatch();
  MemoryWatch(const MemoryWatch&) = delete;
  MemoryWatch& operator=(const MemoryWatch&) = delete;

  // Prepare builds the filter and the channel to the app. On failure (Linux before 5.5,
  // libseccomp without SCMP_ACT_NOTIFY, no socket) it logs memory_limit_watch_unavailable and
  // returns an empty MemoryWatchChild: the limit is still enforced, only the live message is
  // missing.
  MemoryWatchChild Prepare();

  // Start closes this process's copy of the child's end and serves the app's notifications on
  // a thread until Stop(). Call it after the app's process was created and before it can exec.
  void Start();

  // Stop ends the thread (call after the app exited); idempotent.
  void Stop();

  // reported says whether the limit message was logged.
  bool reported() const { return reported_; }
  // notifications counts the calls answered so far (for benchmarks).
  uint64_t notifications() const { return notifications_; }

 private:
  Status PrepareChannel();
  int ReceiveListener();  // the listener descriptor, or -1
  void Serve();
  void Handle(int listener, VmSize* vm_size);

  uint64_t limit_;
  Bytes prog_bytes_;
  MemoryWatchChild child_;
  int parent_fd_ = -1;
  int stop_fds_[2] = {-1, -1};
  std::atomic<bool> reported_{false};
  std::atomic<uint64_t> notifications_{0};
  std::thread thread_;
};

}  // namespace uid2::runtime
