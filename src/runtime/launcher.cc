#include "runtime/launcher.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <mutex>
#include <thread>

#include "common/bytes.h"
#include "common/log.h"
#include "runtime/fd_passing.h"
#include "runtime/host_signals.h"
#include "runtime/memory_limit.h"
#include "runtime/seccomp_filter.h"

namespace uid2::runtime {
namespace {

constexpr size_t kChildStack = 1 << 20;
constexpr size_t kAppStack = 256 << 10;

struct DevNode {
  const char* name;
  unsigned major, minor;
};
constexpr DevNode kDevNodes[] = {{"null", 1, 3},   {"zero", 1, 5},    {"full", 1, 7},
                                 {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0}};
constexpr const char* kDevLinks[][2] = {{"fd", "/proc/self/fd"},
                                        {"stdin", "/proc/self/fd/0"},
                                        {"stdout", "/proc/self/fd/1"},
                                        {"stderr", "/proc/self/fd/2"}};

// Everything the child needs, prepared before clone() (the child must not allocate: the parent
// has other threads that may hold the allocator's lock).
struct ChildArgs {
  int fuse_fd = -1;
  std::string fuse_options;
  std::string view, stage, dev, dev_attestation, dev_shm, proc, view_attestation;
  std::vector<std::string> dev_paths, link_paths, tmpfs;
  std::string start_dir, exec_path;
  std::vector<char*> argv, envp;
  uint64_t as_limit = 0;
  uint64_t stack_limit = 0, fds_limit = 0;
  uint32_t uid = 0, gid = 0;
  bool disable_aslr = false;
  struct sock_fprog prog = {};
  struct sock_fprog sys_prog = {};  // SysFilter's (len 0 = none)
  // Reports sgx.enclave_size being hit (memory_limit.h).
  MemoryWatchChild memory;
  // init's end of a socket: the parent sends 'g' (mount), init answers 'm' with a descriptor of
  // the mounted view, the parent sends 'r' (start the app).
  int go_fd = -1;
  int parent_go_fd = -1;  // the parent's end: init closes its copy, to see the parent go away
  int err_fd = -1;        // write end: a setup error message (CLOEXEC, closes at exec)
  char* app_stack_top = nullptr;  // the app's stack until its execve
  sigset_t init_mask = {};        // init's signal mask, saved across the app's clone
};

// init's side of an injected SIGTERM (host_signals.h): shroud run sends it to init, which passes
// it on to the app; one sent before the app exists is passed on once it does.
std::atomic<pid_t> g_app_pid{0};
std::atomic<bool> g_term_pending{false};

void PassTermToApp(int, siginfo_t* info, void*) {
  if (info->si_pid != 0) return;  // only from outside the PID namespace (shroud run), not the app
  pid_t app = g_app_pid.load();
  if (app > 0) {
    kill(app, SIGTERM);
  } else {
    g_term_pending = true;
  }
}

[[noreturn]] void Die(const ChildArgs* a, const char* what, const char* arg, int err) {
  char buf[1024];
  int n = std::snprintf(buf, sizeof(buf), "%s %s: %s", what, arg, strerrorname_np(err));
  if (n > 0) (void)!write(a->err_fd, buf, static_cast<size_t>(std::min(n, 1023)));
  _exit(125);
}

[[noreturn]] void AppMain(const ChildArgs* a) {
  // The app starts with every disposition at its default (as a Gramine app does: the LibOS
  // keeps its own table), whatever shroud run and init ignored.
  for (int sig = 1; sig < SIGRTMIN; sig++) {
    if (sig != SIGKILL && sig != SIGSTOP) signal(sig, SIG_DFL);
  }
  if (chdir(a->start_dir.c_str()) != 0) Die(a, "fs.start_dir", a->start_dir.c_str(), errno);
  if (a->as_limit != 0) {
    struct rlimit rl = {a->as_limit, a->as_limit};
    if (setrlimit(RLIMIT_AS, &rl) != 0) Die(a, "setrlimit", "RLIMIT_AS", errno);
  }
  // Gramine's rlimits: RLIMIT_STACK = {sys.stack.size, unlimited}, RLIMIT_NOFILE =
  // {sys.fds.limit, 65536} (libos_getrlimit.c, libos_init stack). The hard limits cannot be
  // raised without CAP_SYS_RESOURCE; they then stay the host's.
  if (a->stack_limit != 0) {
    struct rlimit rl = {a->stack_limit, RLIM_INFINITY}, host = {};
    if (setrlimit(RLIMIT_STACK, &rl) != 0 && getrlimit(RLIMIT_STACK, &host) == 0) {
      rl.rlim_max = std::max<rlim_t>(a->stack_limit, host.rlim_max);
      if (setrlimit(RLIMIT_STACK, &rl) != 0)
        Die(a, "setrlimit RLIMIT_STACK", "sys.stack.size", errno);
    }
  }
  if (a->fds_limit != 0) {  // the hard limit stays the host's when it cannot be raised
    struct rlimit rl = {a->fds_limit, std::max<rlim_t>(a->fds_limit, 65536)}, host = {};
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0 && getrlimit(RLIMIT_NOFILE, &host) == 0) {
      rl.rlim_max = std::max<rlim_t>(a->fds_limit, host.rlim_max);
      if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
        Die(a, "setrlimit RLIMIT_NOFILE", "sys.fds.limit", errno);
    }
  }
  if (a->disable_aslr && personality(ADDR_NO_RANDOMIZE) < 0) {
    Die(a, "personality", "ADDR_NO_RANDOMIZE", errno);
  }
  for (int cap = 0; cap <= 63; cap++) prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);
  // loader.uid / loader.gid; setresuid clears the capabilities. Raw system calls: glibc's
  // wrappers would signal every thread it knows of and wait for them (setxid), and the threads of
  // shroud run it remembers do not exist in this process.
  if (a->uid != 0 || a->gid != 0) {
    if (syscall(SYS_setgroups, 0, nullptr) != 0) Die(a, "setgroups", "0", errno);
    if (syscall(SYS_setresgid, a->gid, a->gid, a->gid) != 0) {
      Die(a, "setresgid", "loader.gid", errno);
    }
    if (syscall(SYS_setresuid, a->uid, a->uid, a->uid) != 0) {
      Die(a, "setresuid", "loader.uid", errno);
    }
  }
  struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct data[2] = {};
  if (syscall(SYS_capset, &hdr, data) != 0) Die(a, "capset", "0", errno);
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) Die(a, "prctl", "NO_NEW_PRIVS", errno);
  // One filter: the memory watch's (the same rules plus its notifications) when it could be
  // installed, else the plain one.
  bool watched = false;
  if (!InstallMemoryWatch(a->memory, &watched)) Die(a, "seccomp", "memory watch listener", errno);
  if (!watched && prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &a->prog) != 0) {
    Die(a, "prctl", "SECCOMP", errno);
  }
  sigprocmask(SIG_SETMASK, &a->init_mask, nullptr);
  // Last before execve: the manifest's rules (and mocks) apply to the app's calls, not ours.
  if (a->sys_prog.len != 0 && prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &a->sys_prog) != 0) {
    Die(a, "prctl", "SECCOMP (sys rules)", errno);
  }
  execve(a->exec_path.c_str(), a->argv.data(), a->envp.data());
  Die(a, "cannot run libos.entrypoint", a->exec_path.c_str(), errno);
}

void MountOrDie(const ChildArgs* a, const char* src, const std::string& dst, const char* type,
                unsigned long flags, const char* data) {
  if (mount(src, dst.c_str(), type, flags, data) != 0) Die(a, "mount", dst.c_str(), errno);
}

// RaiseReadahead lets the kernel read ahead kReadaheadKiB per FUSE request instead of its
// default 128 KiB: sequential reads and the app's first page faults then take 8x fewer round
// trips to the server. Best effort (needs a writable /sys).
void RaiseReadahead(const std::string& view) {
  constexpr char kReadaheadKiB[] = "1024";
  struct stat st;
  if (stat(view.c_str(), &st) != 0) return;
  char knob[96];
  std::snprintf(knob, sizeof(knob), "/sys/class/bdi/%u:%u/read_ahead_kb", major(st.st_dev),
                minor(st.st_dev));
  int fd = open(knob, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return;
  (void)!write(fd, kReadaheadKiB, sizeof(kReadaheadKiB) - 1);
  close(fd);
}

// SendView answers 'm' with a descriptor of the mounted view (none if it cannot be opened):
// shroud run reaches the view through it, whatever init's root is by then.
void SendView(const ChildArgs* a) {
  int view = open(a->view.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  (void)SendWithFd(a->go_fd, std::span<const char>("m", 1), view);
  if (view >= 0) close(view);
}

// ReceiveView waits for init's 'm' and returns the view's descriptor (-1 without one); false
// when init ended first.
bool ReceiveView(int sock, int* view) {
  char tag = 0;
  ssize_t n;
  while ((n = ReceiveWithFd(sock, std::span<char>(&tag, 1), view, 0)) < 0 && errno == EINTR) {
  }
  return n == 1 && tag == 'm';
}

bool AwaitParent(const ChildArgs* a, char expected) {
  char c;
  return read(a->go_fd, &c, 1) == 1 && c == expected;
}

int AppEntry(void* arg) { AppMain(static_cast<const ChildArgs*>(arg)); }

int InitMain(void* arg) {
  const auto* a = static_cast<const ChildArgs*>(arg);
  // shroud run going away (even killed) takes init, and so the app, with it.
  prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  // A session of its own: a terminal's ^C, ^Z or hangup reaches shroud run only, which applies
  // it as Gramine's loader would (host_signals.h); the app's reads of a terminal still work (it
  // is not their controlling terminal any more, so no SIGTTIN).
  setsid();
  struct sigaction term = {};
  term.sa_sigaction = PassTermToApp;
  sigemptyset(&term.sa_mask);
  term.sa_flags = SA_SIGINFO | SA_RESTART;
  sigaction(SIGTERM, &term, nullptr);
  close(a->parent_go_fd);
  if (!AwaitParent(a, 'g')) _exit(125);
  MountOrDie(a, nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr);
  if (mount("shroud", a->view.c_str(), "fuse.shroud", MS_NOSUID | MS_NODEV,
            a->fuse_options.c_str()) != 0) {
    Die(a, "mounting the FUSE view on", a->view.c_str(), errno);
  }
  close(a->fuse_fd);  // the app must never hold the connection
  SendView(a);
  RaiseReadahead(a->view);
  MountOrDie(a, a->view_attestation.c_str(), a->stage, nullptr, MS_BIND, nullptr);
  MountOrDie(a, "tmpfs", a->dev, "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=755,size=65536");
  for (size_t i = 0; i < std::size(kDevNodes); i++) {
    if (mknod(a->dev_paths[i].c_str(), S_IFCHR | 0666,
              makedev(kDevNodes[i].major, kDevNodes[i].minor)) != 0) {
      Die(a, "mknod", a->dev_paths[i].c_str(), errno);
    }
    chmod(a->dev_paths[i].c_str(), 0666);
  }
  for (size_t i = 0; i < std::size(kDevLinks); i++) {
    (void)!symlink(kDevLinks[i][1], a->link_paths[i].c_str());
  }
  mkdir(a->dev_attestation.c_str(), 0755);
  mkdir(a->dev_shm.c_str(), 01777);
  MountOrDie(a, a->stage.c_str(), a->dev_attestation, nullptr, MS_BIND, nullptr);
  // The staging bind stays: it is under the old root, which pivot_root below detaches whole
  // (one unmount instead of two; each waits for an RCU grace period).
  MountOrDie(a, "tmpfs", a->dev_shm, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
  for (const std::string& t : a->tmpfs) {
    MountOrDie(a, "tmpfs", t, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
  }
  MountOrDie(a, "proc", a->proc, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr);
  if (chdir(a->view.c_str()) != 0) Die(a, "chdir", a->view.c_str(), errno);
  if (syscall(SYS_pivot_root, ".", ".") != 0) Die(a, "pivot_root", a->view.c_str(), errno);
  if (umount2(".", MNT_DETACH) != 0) Die(a, "umount2", "old root", errno);
  if (chdir("/") != 0) Die(a, "chdir", "/", errno);

  if (!AwaitParent(a, 'r')) _exit(125);  // the thread limit and memory watch are ready
  close(a->go_fd);
  // The app shares init's memory until its execve (as posix_spawn does; init waits): no copy
  // of the address space. Not glibc's fork(): its atfork handlers would take the allocator's
  // locks, which a thread of shroud run may have held when init was cloned (a deadlock).
  // Signals stay blocked across the clone (no handler may run on the shared memory); the app
  // resets the handlers, then restores the mask before its execve.
  sigset_t all;
  sigfillset(&all);
  sigprocmask(SIG_SETMASK, &all, const_cast<sigset_t*>(&a->init_mask));
  pid_t app = clone(AppEntry, a->app_stack_top, CLONE_VM | CLONE_VFORK | SIGCHLD,
                    const_cast<ChildArgs*>(a));
  if (app > 0) g_app_pid = app;
  sigprocmask(SIG_SETMASK, &a->init_mask, nullptr);
  if (app < 0) Die(a, "fork", "app", errno);
  if (g_term_pending.exchange(false)) kill(app, SIGTERM);
  close(a->err_fd);
  if (a->memory.sock_fd >= 0) close(a->memory.sock_fd);
  for (;;) {
    int status;
    pid_t pid = waitpid(-1, &status, 0);
    if (pid < 0 && errno == EINTR) continue;
    if (pid < 0) _exit(125);
    if (pid != app) continue;  // an orphan of the app
    if (WIFEXITED(status)) _exit(WEXITSTATUS(status));
    if (WIFSIGNALED(status)) _exit(128 + WTERMSIG(status));
  }
}

bool WriteText(const std::string& path, const std::string& text) {
  std::ofstream f(path);
  f << text;
  f.flush();
  return static_cast<bool>(f);
}

// ThreadLimit is a pids cgroup holding the app's tasks.
class ThreadLimit {
 public:
  ~ThreadLimit() {
    StopMonitor();
    if (!dir_.empty()) rmdir(dir_.c_str());
  }
  bool Create(uint32_t max_tasks) {
    std::string name = "/shroud-run-" + std::to_string(getpid());
    for (const char* base : {"/sys/fs/cgroup/pids", "/sys/fs/cgroup/unified", "/sys/fs/cgroup"}) {
      std::string dir = base + name;
      if (access((std::string(base) + "/cgroup.procs").c_str(), W_OK) != 0) continue;
      if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) continue;
      if (WriteText(dir + "/pids.max", std::to_string(max_tasks))) {
        dir_ = dir;
        return true;
      }
      rmdir(dir.c_str());
    }
    return false;
  }
  bool Add(pid_t pid) { return WriteText(dir_ + "/cgroup.procs", std::to_string(pid)); }
  void Monitor(uint32_t max_threads) {
    max_threads_ = max_threads;
    monitor_ = std::thread([this] {
      std::unique_lock<std::mutex> lock(wake_mu_);
      while (!stop_ && !ReportIfHit()) {
        wake_.wait_for(lock, std::chrono::milliseconds(50), [this] { return stop_.load(); });
      }
    });
  }
  // ReportIfHit logs the limit once if pids.events counted a refused fork/clone.
  bool ReportIfHit() {
    if (dir_.empty() || reported_.exchange(true)) return true;
    std::ifstream f(dir_ + "/pids.events");
    std::string key;
    long count = 0;
    if (!(f >> key >> count) || key != "max" || count == 0) {
      reported_ = false;
      return false;
    }
    log::Warn("thread_limit_reached",
              {{"max_threads", static_cast<int64_t>(max_threads_)},
               {"message", "the app tried to run more threads than sgx.max_threads = " +
                               std::to_string(max_threads_) +
                               "; thread creation failed with EAGAIN. Raise sgx.max_threads in "
                               "the manifest and sign again"}});
    return true;
  }
  void Stop() {
    StopMonitor();
    ReportIfHit();
  }

 private:
  std::string dir_;
  uint32_t max_threads_ = 0;
  // StopMonitor wakes the monitor at once (the app's exit is not delayed by its poll period).
  void StopMonitor() {
    {
      std::lock_guard<std::mutex> lock(wake_mu_);
      stop_ = true;
    }
    wake_.notify_all();
    if (monitor_.joinable()) monitor_.join();
  }

  std::atomic<bool> stop_{false}, reported_{false};
  std::mutex wake_mu_;
  std::condition_variable wake_;
  std::thread monitor_;
};

std::vector<char*> CStrings(std::vector<std::string>& v) {
  std::vector<char*> out;
  for (std::string& s : v) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

}  // namespace

std::string MissingHostSupport() {
  if (geteuid() != 0) return "shroud run needs root (CAP_SYS_ADMIN) for namespaces and FUSE";
  if (access("/dev/fuse", R_OK | W_OK) != 0) return "/dev/fuse is missing or not accessible";
  return "";
}

Result<int> LaunchAndWait(const LaunchPlan& plan) {
  if (!plan.on_view_mounted) return Error::Internal("LaunchPlan::on_view_mounted is required");
  UID2_ASSIGN_OR_RETURN(Bytes prog_bytes, AppFilter(false));
  UID2_ASSIGN_OR_RETURN(Bytes sys_bytes, SysFilter({plan.disallow_subprocesses, plan.deny_flock,
                                                    plan.mock_syscalls}));
  ChildArgs a;
  a.fuse_fd = plan.fuse_fd;
  a.fuse_options = plan.fuse_options;
  // FUSE lets only the mounting uid/gid in, unless allow_other: an app run as loader.uid/gid
  // needs it (the server still decides every access from the manifest, as Gramine does, not
  // from the files' owners).
  if (plan.uid != 0 || plan.gid != 0) a.fuse_options += ",allow_other";
  a.view = plan.view_dir;
  a.stage = plan.stage_dir;
  a.dev = plan.view_dir + "/dev";
  a.dev_attestation = a.dev + "/attestation";
  a.dev_shm = a.dev + "/shm";
  a.proc = plan.view_dir + "/proc";
  a.view_attestation = a.dev_attestation;
  for (const DevNode& d : kDevNodes) a.dev_paths.push_back(a.dev + "/" + d.name);
  for (const auto& l : kDevLinks) a.link_paths.push_back(a.dev + "/" + l[0]);
  for (const std::string& t : plan.tmpfs_paths) a.tmpfs.push_back(plan.view_dir + t);
  a.start_dir = plan.start_dir;
  a.exec_path = plan.exec_path;
  std::vector<std::string> argv = plan.argv, envp = plan.envp;
  a.argv = CStrings(argv);
  a.envp = CStrings(envp);
  a.as_limit = plan.address_space_limit;
  a.prog.len = static_cast<unsigned short>(prog_bytes.size() / sizeof(struct sock_filter));
  a.prog.filter = reinterpret_cast<struct sock_filter*>(prog_bytes.data());
  a.sys_prog.len = static_cast<unsigned short>(sys_bytes.size() / sizeof(struct sock_filter));
  a.sys_prog.filter = reinterpret_cast<struct sock_filter*>(sys_bytes.data());
  a.stack_limit = plan.stack_limit;
  a.fds_limit = plan.fds_limit;
  a.uid = plan.uid;
  a.gid = plan.gid;
  a.disable_aslr = plan.disable_aslr;

  ThreadLimit limit;
  bool limited = plan.max_threads == 0 || limit.Create(plan.max_threads + 1);  // + our init
  if (!limited) {
    log::Warn("thread_limit_unavailable",
              {{"message", "no writable pids cgroup: sgx.max_threads is not enforced"}});
  }
  MemoryWatch memory(plan.address_space_limit);
  a.memory = memory.Prepare();
  // go is a socket: it carries the view's descriptor, and telling an init that already failed
  // is EPIPE, not SIGPIPE.
  int go[2], err[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, go) != 0) {
    return Error::Errno("socketpair", errno);
  }
  if (pipe2(err, O_CLOEXEC) != 0) {
    int e = errno;
    close(go[0]);
    close(go[1]);
    return Error::Errno("pipe", e);
  }
  a.go_fd = go[0];
  a.parent_go_fd = go[1];
  a.err_fd = err[1];
  // Not zero-filled: the child touches only the pages it uses (no 1 MiB memset + faults).
  std::unique_ptr<char[]> stack(new char[kChildStack]), app_stack(new char[kAppStack]);
  a.app_stack_top = app_stack.get() + kAppStack;
  pid_t init = clone(InitMain, stack.get() + kChildStack, CLONE_NEWNS | CLONE_NEWPID | SIGCHLD, &a);
  int clone_errno = errno;
  close(go[0]);
  close(err[1]);
  if (init < 0) {
    close(go[1]);
    close(err[0]);
    return Error::Errno("clone(CLONE_NEWNS | CLONE_NEWPID)", clone_errno);
  }
  HostSignals signals(plan.sigterm_injection);
  signals.Install(init);
  (void)!send(go[1], "g", 1, MSG_NOSIGNAL);  // init mounts while the limits are set up
  if (plan.max_threads != 0 && limited) {
    if (!limit.Add(init))
      log::Warn("thread_limit_unavailable", {{"message", "cgroup join failed"}});
    limit.Monitor(plan.max_threads);
  }
  memory.Start();
  int view = -1;
  bool mounted = ReceiveView(go[1], &view);
  if (mounted) {
    plan.on_view_mounted(view);
  } else if (view >= 0) {
    close(view);
  }  // else init failed: err says why
  // The last word before the app exists: without 'r', init exits and nothing of the app runs.
  Status gate = mounted && plan.before_app ? plan.before_app() : Ok();
  if (gate.ok() && signals.TerminatedBy() != 0) {
    gate = Error::Internal("stopped by signal " + std::to_string(signals.TerminatedBy()) +
                           " before the app started");
  }
  if (gate.ok()) {
    (void)!send(go[1], "r", 1, MSG_NOSIGNAL);
    signals.AppReleased();
  } else {
    kill(init, SIGKILL);
  }
  close(go[1]);
  std::string setup_error;
  char buf[1024];
  for (;;) {
    ssize_t n = read(err[0], buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    setup_error.append(buf, static_cast<size_t>(n));
  }
  close(err[0]);
  int status = 0;
  while (waitpid(init, &status, 0) < 0) {
    if (errno != EINTR) return Error::Errno("waitpid", errno);
  }
  signals.Uninstall();
  if (plan.max_threads != 0 && limited) limit.Stop();
  memory.Stop();
  if (!gate.ok()) return std::move(gate).error();
  if (!setup_error.empty()) return Error::Io("starting the app: " + setup_error);
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  if (signals.TerminatedBy() != 0) return 128 + signals.TerminatedBy();  // as the loader's
  if (code > 128 && plan.address_space_limit != 0) {
    log::Info("app_killed",
              {{"signal", code - 128},
               {"note", "the app's address space is bounded by sgx.enclave_size = " +
                            std::to_string(plan.enclave_size_for_messages >> 20) +
                            "M (RLIMIT_AS); allocations beyond it fail with ENOMEM"}});
  }
  return code;
}

}  // namespace uid2::runtime
