#include "runtime/warm.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <deque>
#include <set>

#include "sgx/elf64.h"

namespace uid2::runtime {
namespace {

constexpr size_t kMaxDirs = 64;  // library directories searched per object

// The loader reads its cache (when the image has one) before any library.
constexpr char kLoaderCache[] = "/etc/ld.so.cache";

// The loader's default directories (x86-64 Debian and Ubuntu, multiarch first).
constexpr const char* kDefaultDirs[] = {"/lib/x86_64-linux-gnu",
                                        "/usr/lib/x86_64-linux-gnu",
                                        "/lib64",
                                        "/usr/lib64",
                                        "/lib",
                                        "/usr/lib"};

std::string DirName(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == 0 || slash == std::string::npos ? "/" : path.substr(0, slash);
}

// ExpandOrigin replaces $ORIGIN / ${ORIGIN} with `origin`; other tokens make the entry unusable.
std::string ExpandOrigin(std::string dir, const std::string& origin) {
  for (const char* token : {"${ORIGIN}", "$ORIGIN"}) {
    for (size_t at; (at = dir.find(token)) != std::string::npos;) {
      dir.replace(at, std::string_view(token).size(), origin);
    }
  }
  return dir.find('$') == std::string::npos ? dir : "";
}

std::vector<std::string> LibraryPath(const std::vector<std::string>& envp) {
  std::vector<std::string> dirs;
  for (const std::string& e : envp) {
    if (e.rfind("LD_LIBRARY_PATH=", 0) != 0) continue;
    std::string list = e.substr(16);
    for (size_t at = 0; at <= list.size();) {
      size_t end = std::min(list.find_first_of(":;", at), list.size());
      if (end > at) dirs.push_back(list.substr(at, end - at));
      at = end + 1;
    }
  }
  return dirs;
}

}  // namespace

void Warmer::Start(const std::string& program, const std::vector<std::string>& envp) {
  thread_ = std::thread([this, program, envp] {
    std::vector<std::string> verified = Run(program, envp);
    int view_fd;
    {
      std::unique_lock<std::mutex> lock(mu_);
      view_ready_.wait(lock, [this] { return view_fd_ >= 0 || stop_; });
      view_fd = stop_ ? -1 : view_fd_;
    }
    if (view_fd >= 0) ReadAhead(view_fd, verified);
  });
}

void Warmer::Prefetch(int view_fd) {
  if (view_fd < 0) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (view_fd_ >= 0) close(view_fd_);
    view_fd_ = view_fd;
  }
  view_ready_.notify_all();
}

void Warmer::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  view_ready_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (view_fd_ >= 0) close(view_fd_);
  view_fd_ = -1;
}

size_t Warmer::ReadAhead(int view_fd, const std::vector<std::string>& paths) {
  size_t read = 0;
  std::set<std::string> dirs;
  struct stat st;
  fstatat(view_fd, "etc/ld.so.preload", &st, AT_SYMLINK_NOFOLLOW);
  for (const std::string& path : paths) {
    // Resolved inside the view (an absolute link such as /lib64/ld-linux-x86-64.so.2 must not
    // reach the host's file), never blocking on a FIFO or taking a terminal.
    struct open_how how = {};
    how.flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY;
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    int fd = static_cast<int>(syscall(SYS_openat2, view_fd, path.c_str(), &how, sizeof(how)));
    if (fd < 0) continue;  // also before Linux 5.6 (no openat2): the app just reads it itself
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
        readahead(fd, 0, static_cast<size_t>(st.st_size)) == 0) {
      read++;
    }
    close(fd);
    std::string dir = DirName(path).substr(1);
    if (!dirs.insert(dir).second) continue;
    for (const char* probe : {"glibc-hwcaps", "tls", "x86_64"}) {
      std::string name = dir.empty() ? std::string(probe) : dir + "/" + probe;
      fstatat(view_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW);
    }
  }
  return read;
}

std::string Warmer::Verify(const std::string& view_path, uint64_t* bytes) {
  Location loc = view_->Resolve(view_path);
  if (loc.kind != Location::Kind::kHost) return "";
  std::string canon = view_->CanonicalBundlePath(loc.bundle_path);
  const crypto::Sha256Digest* sha = nullptr;
  if (view_->Classify(canon, &sha) != Access::kTrusted) return "";
  std::string host = view_->bundle_root() + canon;
  struct stat st;
  if (lstat(host.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return "";
  TrustedFiles::Opened opened;
  if (trusted_->Open(host, "file:" + canon, *sha, &opened) != 0) return "";
  close(opened.fd);
  *bytes += static_cast<uint64_t>(st.st_size);
  return host;
}

std::vector<std::string> Warmer::Run(const std::string& program,
                                     const std::vector<std::string>& envp) {
  std::vector<std::string> done;
  std::deque<std::string> queue = {program, kLoaderCache};
  std::set<std::string> seen = {program, kLoaderCache}, names;
  const std::vector<std::string> ld_library_path = LibraryPath(envp);
  uint64_t bytes = 0;
  while (!queue.empty() && !stop_ && done.size() < kMaxFiles && bytes < kMaxBytes) {
    std::string path = queue.front();
    queue.pop_front();
    std::string host = Verify(path, &bytes);
    if (host.empty()) continue;
    done.push_back(path);
    std::shared_ptr<const TrustedFiles::KeptFile> kept = trusted_->Kept(host);
    if (!kept) continue;  // too large to keep: not a library worth following
    Result<sgx::ElfDeps> deps = sgx::ReadElfDeps(kept->span());
    if (!deps.ok()) continue;  // not an ELF file (a script, data)
    if (!deps->interp.empty() && seen.insert(deps->interp).second) {
      queue.push_front(deps->interp);  // the kernel maps it before anything else
    }
    std::vector<std::string> dirs;
    std::string origin = DirName(path);
    if (deps->runpath.empty()) {
      for (const std::string& d : deps->rpath) dirs.push_back(ExpandOrigin(d, origin));
    }
    dirs.insert(dirs.end(), ld_library_path.begin(), ld_library_path.end());
    for (const std::string& d : deps->runpath) dirs.push_back(ExpandOrigin(d, origin));
    dirs.insert(dirs.end(), std::begin(kDefaultDirs), std::end(kDefaultDirs));
    // The paths come from files not verified yet as a whole (the manifest may still fail its
    // measurement): each list is bounded and without repeats.
    std::set<std::string> unique;
    std::erase_if(dirs, [&](const std::string& d) { return !unique.insert(d).second; });
    if (dirs.size() > kMaxDirs) dirs.resize(kMaxDirs);
    for (const std::string& name : deps->needed) {
      if (stop_) break;
      if (!names.insert(name).second) continue;  // the loader maps each soname once
      std::vector<std::string> candidates;
      if (name.find('/') != std::string::npos) {
        candidates.push_back(name[0] == '/' ? name : origin + "/" + name);
      } else {
        for (const std::string& d : dirs) {
          if (!d.empty() && d[0] == '/') candidates.push_back(d + "/" + name);
        }
      }
      for (const std::string& c : candidates) {
        if (stop_) break;
        Location loc = view_->Resolve(c);
        if (loc.kind != Location::Kind::kHost) continue;
        std::string host = view_->bundle_root() + view_->CanonicalBundlePath(loc.bundle_path);
        struct stat st;
        if (lstat(host.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
        if (seen.insert(c).second) queue.push_back(c);
        break;  // the first one that exists is the one the loader takes
      }
    }
  }
  return done;
}

}  // namespace uid2::runtime
