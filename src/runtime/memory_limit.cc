#include "runtime/memory_limit.h"
#include "runtime/fd_passing.h"
#include "runtime/seccomp_filter.h"

#include <fcntl.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>

#include "common/log.h"

#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)  // Linux 5.19
#endif
#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS  // Linux 6.6
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

namespace uid2::runtime {
namespace {

constexpr uint64_t kPage = 4096;
constexpr uint64_t kMiB = 1ull << 20;
constexpr char kListenerTag = 'L';  // message with the listener descriptor (SCM_RIGHTS)
constexpr char kErrnoTag = 'E';     // message with the errno of a refused installation

uint64_t PageRound(uint64_t n) {
  return n > UINT64_MAX - (kPage - 1) ? UINT64_MAX : (n + kPage - 1) & ~(kPage - 1);
}

std::string SizeText(uint64_t bytes) {
  char buf[64];
  if (bytes >= kMiB && bytes % kMiB == 0) {
    std::snprintf(buf, sizeof(buf), "%" PRIu64 " MiB", bytes / kMiB);
  } else if (bytes >= kMiB) {
    std::snprintf(buf, sizeof(buf), "%.1f MiB", static_cast<double>(bytes) / kMiB);
  } else {
    std::snprintf(buf, sizeof(buf), "%" PRIu64 " KiB", bytes >> 10);
  }
  return buf;
}

// SuggestedSize is the smallest power of two (Gramine's rule for sgx.enclave_size) above both
// the limit and what the app asked for, as manifest text ("512M", "2G").
std::string SuggestedSize(uint64_t needed, uint64_t limit) {
  uint64_t size = kMiB;
  while ((size < needed || size <= limit) && size < (1ull << 62)) size <<= 1;
  return size >= (1ull << 30) ? std::to_string(size >> 30) + "G" : std::to_string(size >> 20) + "M";
}

void CloseFd(int* fd) {
  if (*fd >= 0) close(*fd);
  *fd = -1;
}

}  // namespace

// VmSize reads the address-space size of `pid` (first field of /proc/PID/statm, in pages),
// keeping the last file open: loops mostly come from one thread.
class VmSize {
 public:
  ~VmSize() { Close(); }
  bool Read(pid_t pid, uint64_t* bytes) {
    char buf[128];
    ssize_t n = pid == pid_ ? pread(fd_, buf, sizeof(buf) - 1, 0) : -1;
    if (n <= 0) {
      Close();
      char path[64];
      std::snprintf(path, sizeof(path), "/proc/%d/statm", static_cast<int>(pid));
      fd_ = open(path, O_RDONLY | O_CLOEXEC);
      if (fd_ < 0) return false;
      pid_ = pid;
      n = pread(fd_, buf, sizeof(buf) - 1, 0);
      if (n <= 0) return false;
    }
    buf[n] = '\0';
    uint64_t pages = 0;
    if (std::sscanf(buf, "%" SCNu64, &pages) != 1) return false;
    *bytes = pages * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
    return true;
  }

 private:
  void Close() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
    pid_ = 0;
  }
  int fd_ = -1;
  pid_t pid_ = 0;
};

AddressSpaceRequest GrowthOf(int syscall_nr, const uint64_t args[6]) {
  if (syscall_nr == SCMP_SYS(mmap)) {
    if ((args[3] & MAP_FIXED) != 0) return {"mmap", 0};
    return {"mmap", PageRound(args[1])};
  }
  if (syscall_nr == SCMP_SYS(mremap)) {
    uint64_t old_len = PageRound(args[1]), new_len = PageRound(args[2]);
    return {"mremap", new_len > old_len ? new_len - old_len : 0};
  }
  return {};
}

bool ExceedsLimit(uint64_t mapped, uint64_t requested, uint64_t limit) {
  return requested > limit || mapped > limit - requested;
}

std::string MemoryLimitMessage(uint64_t limit, uint64_t mapped, const AddressSpaceRequest& r) {
  uint64_t needed = mapped > UINT64_MAX - r.bytes ? UINT64_MAX : mapped + r.bytes;
  return "the app asked for " + SizeText(r.bytes) + " more address space (" + r.call + ") with " +
         SizeText(mapped) + " already mapped: over sgx.enclave_size = " + SizeText(limit) +
         " (the enclave's memory, enforced as RLIMIT_AS), so the allocation "
         "fails with ENOMEM. Raise sgx.enclave_size in the manifest (e.g. sgx.enclave_size = \"" +
         SuggestedSize(needed, limit) + "\") and sign again";
}

bool InstallMemoryWatch(const MemoryWatchChild& child, bool* installed) {
  if (installed != nullptr) *installed = false;
  if (child.sock_fd < 0) return true;
  long fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
                    SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV,
                    &child.prog);
  if (fd < 0 && errno == EINVAL) {  // a kernel before 5.19: no WAIT_KILLABLE_RECV
    fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER,
                 &child.prog);
  }
  int err = fd < 0 ? errno : 0;
  if (installed != nullptr) *installed = fd >= 0;
  char data[1 + sizeof(int)] = {fd < 0 ? kErrnoTag : kListenerTag};
  std::memcpy(data + 1, &err, sizeof(err));
  bool sent = SendWithFd(child.sock_fd, data, static_cast<int>(fd));
  if (fd >= 0) close(static_cast<int>(fd));
  close(child.sock_fd);
  return sent || fd < 0;
}

MemoryWatch::~MemoryWatch() {
  Stop();
  CloseFd(&child_.sock_fd);
  CloseFd(&parent_fd_);
  CloseFd(&stop_fds_[0]);
  CloseFd(&stop_fds_[1]);
}

Status MemoryWatch::PrepareChannel() {
  // Before Linux 5.5 a notified call cannot be let through (no ..._FLAG_CONTINUE): the app
  // would hang, so there is no watch at all.
  struct utsname uts = {};
  int major = 0, minor = 0;
  if (uname(&uts) != 0 || std::sscanf(uts.release, "%d.%d", &major, &minor) != 2 ||
      major * 1000 + minor < 5005) {
    return Error::Unsupported("Linux " + std::string(uts.release) +
                              " has no SECCOMP_USER_NOTIF_FLAG_CONTINUE (Linux 5.5)");
  }
  UID2_ASSIGN_OR_RETURN(prog_bytes_, AppFilter(true));
  child_.prog.len = static_cast<unsigned short>(prog_bytes_.size() / sizeof(struct sock_filter));
  child_.prog.filter = reinterpret_cast<struct sock_filter*>(prog_bytes_.data());
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
    return Error::Errno("socketpair", errno);
  }
  parent_fd_ = sv[0];
  child_.sock_fd = sv[1];
  if (pipe2(stop_fds_, O_CLOEXEC) != 0) return Error::Errno("pipe", errno);
  return Ok();
}

MemoryWatchChild MemoryWatch::Prepare() {
  if (limit_ == 0) return {};
  Status s = PrepareChannel();
  if (s.ok()) return child_;
  log::Warn("memory_limit_watch_unavailable",
            {{"reason", s.error().message()},
             {"note",
              "sgx.enclave_size is still enforced (RLIMIT_AS), but reaching it is not "
              "reported while the app runs"}});
  CloseFd(&child_.sock_fd);
  CloseFd(&parent_fd_);
  return {};
}

void MemoryWatch::Start() {
  if (parent_fd_ < 0) return;
  CloseFd(&child_.sock_fd);
  thread_ = std::thread([this] { Serve(); });
}

void MemoryWatch::Stop() {
  if (!thread_.joinable()) return;
  (void)!write(stop_fds_[1], "s", 1);
  thread_.join();
}

int MemoryWatch::ReceiveListener() {
  char data[1 + sizeof(int)] = {};
  int fd = -1;
  ssize_t n;
  for (;;) {  // retry errors: a listener left unreceived would stall the app's mmap calls
    struct pollfd fds[2] = {{parent_fd_, POLLIN, 0}, {stop_fds_[0], POLLIN, 0}};
    if (poll(fds, 2, -1) < 0) {
      if (errno != EINTR) usleep(1000);
      continue;
    }
    if (fds[1].revents != 0) return -1;  // stopped: the app is gone
    n = ReceiveWithFd(parent_fd_, data, &fd, MSG_DONTWAIT);
    if (n >= 0 || (errno != EINTR && errno != EAGAIN)) break;
  }
  if (n != static_cast<ssize_t>(sizeof(data))) {  // the app failed before its exec
    if (fd >= 0) close(fd);
    return -1;
  }
  if (data[0] == kListenerTag && fd >= 0) return fd;
  if (fd >= 0) close(fd);
  int err = 0;
  std::memcpy(&err, data + 1, sizeof(err));
  log::Warn("memory_limit_watch_unavailable",
            {{"reason", "this kernel refused a seccomp user-notification filter: " +
                            std::string(strerrorname_np(err) ? strerrorname_np(err) : "?")},
             {"note",
              "sgx.enclave_size is still enforced (RLIMIT_AS), but reaching it is not "
              "reported while the app runs"}});
  return -1;
}

void MemoryWatch::Serve() {
  int listener = ReceiveListener();
  if (listener < 0) return;
  // Wake the app and this thread on the same CPU (shorter round trips; ignored before 6.6).
  (void)ioctl(listener, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP);
  VmSize vm_size;
  for (;;) {
    struct pollfd fds[2] = {{listener, POLLIN, 0}, {stop_fds_[0], POLLIN, 0}};
    if (poll(fds, 2, -1) < 0) {
      // Never give up while the app runs: closing the listener would make its calls fail.
      if (errno != EINTR) usleep(1000);
      continue;
    }
    if (fds[0].revents & POLLIN) Handle(listener, &vm_size);
    if (fds[1].revents != 0 || (fds[0].revents & (POLLHUP | POLLERR | POLLNVAL))) break;
  }
  close(listener);
}

// Handle answers one notification. It must always answer CONTINUE: the app's thread waits.
void MemoryWatch::Handle(int listener, VmSize* vm_size) {
  struct seccomp_notif req;
  std::memset(&req, 0, sizeof(req));  // the kernel requires a zeroed buffer
  if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &req) != 0) return;  // the caller went away
  notifications_++;
  if (!reported_) {
    uint64_t args[6];
    for (int i = 0; i < 6; i++) args[i] = req.data.args[i];
    AddressSpaceRequest r = GrowthOf(req.data.nr, args);
    uint64_t mapped = 0;
    if (r.bytes != 0 && vm_size->Read(static_cast<pid_t>(req.pid), &mapped) &&
        ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &req.id) == 0 &&
        ExceedsLimit(mapped, r.bytes, limit_) && !reported_.exchange(true)) {
      log::Warn("memory_limit_reached", {{"enclave_size", SizeText(limit_)},
                                         {"requested", SizeText(r.bytes)},
                                         {"mapped", SizeText(mapped)},
                                         {"call", r.call},
                                         {"message", MemoryLimitMessage(limit_, mapped, r)}});
    }
  }
  struct seccomp_notif_resp resp = {};
  resp.id = req.id;
  resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
  (void)ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
}

}  // namespace uid2::runtime
