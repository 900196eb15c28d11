// launcher.h: start the app inside the mounted view, confined, and wait for it.
//
// Process tree (all on the host's network and user namespace):
//   shroud run   serves the FUSE view, watches limits, applies host signals (host_signals.h)
//   - init       new PID + mount namespace and a session of its own (setsid: a terminal's
//                signals reach shroud run only); mounts the view (the FUSE connection shroud
//                run serves, so the view exists only in this namespace and goes with it), /dev
//                (tmpfs with null, zero, full, random, urandom, tty, fd links, /dev/attestation
//                bound from the view, /dev/shm), /proc, the manifest's tmpfs mounts;
//                pivot_root into the view; passes an injected SIGTERM on to the app
//     - app      chdir(fs.start_dir); RLIMIT_AS = sgx.enclave_size; RLIMIT_STACK, RLIMIT_NOFILE,
//                uid/gid and ASLR from sys.* / loader.*; no capabilities, no_new_privs, seccomp
//                filters (seccomp_filter.h: mount, pivot_root, ptrace, bpf, modules, ... fail
//                with EPERM; sys.disallow_subprocesses, flock); execve(entrypoint)
// sgx.max_threads bounds the number of tasks (threads and processes) of the app with a pids
// cgroup (v1 "pids" hierarchy, or cgroup2); hitting it makes clone() fail with EAGAIN and
// is reported once on stderr while the app runs. Reaching sgx.enclave_size (RLIMIT_AS) is
// reported the same way (memory_limit.h).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/status.h"

namespace uid2::runtime {

struct LaunchPlan {
  std::string view_dir;      // where init mounts the view (an empty directory)
  int fuse_fd = -1;          // the view's FUSE connection (ViewFs::device_fd)
  std::string fuse_options;  // its mount(2) data (ViewFs::MountOptions)
  // Required. Called once init mounted the view (serve it now: ViewFs::Serve), with a
  // descriptor of the view's root (O_PATH, or -1) that the callee owns.
  std::function<void(int view_fd)> on_view_mounted;
  // Called last before the app is started; an error stops the launch (and is returned), as
  // does a signal that would kill a Gramine loader (host_signals.h: SIGINT, SIGHUP, ...).
  std::function<Status()> before_app;
  std::string stage_dir;                 // an empty directory outside the view (for bind mounts)
  std::vector<std::string> tmpfs_paths;  // view paths to mount tmpfs on
  std::string start_dir = "/";
  std::string exec_path;  // inside the view
  std::vector<std::string> argv;
  std::vector<std::string> envp;
  uint64_t address_space_limit = 0;  // bytes; 0 = none
  uint32_t max_threads = 0;          // 0 = no limit
  uint64_t enclave_size_for_messages = 0;

  // Host signals (host_signals.h): the first SIGTERM reaches the app only with this
  // (sys.enable_sigterm_injection); otherwise host SIGTERMs are ignored.
  bool sigterm_injection = false;
  // Applied to the app before its execve, as Gramine applies them (manifest/runtime_options.h).
  uint64_t stack_limit = 0;            // RLIMIT_STACK soft limit (sys.stack.size); 0 = the host's
  uint64_t fds_limit = 0;              // RLIMIT_NOFILE soft limit (sys.fds.limit); 0 = the host's
  uint32_t uid = 0, gid = 0;           // loader.uid / loader.gid
  bool disable_aslr = false;           // loader.insecure__disable_aslr
  bool disallow_subprocesses = false;  // sys.disallow_subprocesses
  bool deny_flock = false;             // not sys.experimental__enable_flock
  std::vector<std::pair<std::string, int64_t>> mock_syscalls;  // sys.debug__mock_syscalls
};

// LaunchAndWait runs the plan and returns the app's exit status (128 + signal number when it
// was killed, or when a host signal ended the run: host_signals.h). Errors: the host refused
// namespaces or mounts (kIo, naming the call).
Result<int> LaunchAndWait(const LaunchPlan& plan);

// HostSupport says what this host lacks for `shroud run` ("" when everything is there): root
// (CAP_SYS_ADMIN), /dev/fuse, mount and PID namespaces.
std::string MissingHostSupport();

}  // namespace uid2::runtime
