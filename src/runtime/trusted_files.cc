#include "runtime/trusted_files.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/encoding.h"
#include "common/log.h"

namespace uid2::runtime {
namespace {

// 256 KiB reads while hashing: each block is hashed twice (whole file, then per chunk) while
// it is still in the CPU cache.
constexpr size_t kHashBlock = 4 * kChunkSize;

ssize_t PreadFull(int fd, uint8_t* buf, size_t size, off_t offset) {
  size_t done = 0;
  while (done < size) {
    ssize_t n = pread(fd, buf + done, size - done, offset + static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -errno;
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  return static_cast<ssize_t>(done);
}

}  // namespace

void PrefaultWritable(void* p, size_t n) {
  const uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  uintptr_t begin = reinterpret_cast<uintptr_t>(p) & ~(page - 1);
  uintptr_t end = reinterpret_cast<uintptr_t>(p) + n;
  if (n == 0) return;
  (void)madvise(reinterpret_cast<void*>(begin), end - begin, MADV_POPULATE_WRITE);
}

TrustedFiles::TrustedFiles(std::function<void(const std::string&)> on_change)
    : on_change_(std::move(on_change)) {}

TrustedFiles::~TrustedFiles() {
  if (watcher_.joinable()) {
    char c = 0;
    (void)!write(stop_pipe_[1], &c, 1);
    watcher_.join();
  }
  for (int fd : {inotify_fd_, stop_pipe_[0], stop_pipe_[1]}) {
    if (fd >= 0) close(fd);
  }
}

TrustedFiles::Entry* TrustedFiles::Get(const std::string& host) {
  std::lock_guard<std::mutex> lock(mu_);
  std::unique_ptr<Entry>& e = entries_[host];
  if (!e) e = std::make_unique<Entry>();
  return e.get();
}

void TrustedFiles::Refuse(Entry* e, const std::string& why) {
  if (e->reported) return;
  e->reported = true;
  log::Warn("trusted_file_refused", {{"uri", e->uri}, {"reason", why}, {"errno", "EACCES"}});
}

std::shared_ptr<TrustedFiles::KeptFile> TrustedFiles::ReserveKept(off_t size) {
  auto bytes = static_cast<size_t>(size);
  if (size <= 0 || bytes > kKeepMax) return nullptr;
  if (kept_bytes_.fetch_add(bytes) + bytes > kKeepBudget) {
    kept_bytes_ -= bytes;
    return nullptr;
  }
  std::shared_ptr<KeptFile> kept = KeptFile::Allocate(bytes);
  if (!kept) kept_bytes_ -= bytes;
  return kept;
}

std::shared_ptr<TrustedFiles::KeptFile> TrustedFiles::KeptFile::Allocate(size_t size) {
  constexpr size_t kHuge = 2 << 20;
  size_t rounded = (size + kHuge - 1) & ~(kHuge - 1);
  // Over-map by one huge page to align the start, then trim both ends.
  void* p =
      mmap(nullptr, rounded + kHuge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return nullptr;
  auto start = reinterpret_cast<uintptr_t>(p);
  uintptr_t aligned = (start + kHuge - 1) & ~(kHuge - 1);
  if (aligned > start) munmap(p, aligned - start);
  size_t tail = start + rounded + kHuge - (aligned + rounded);
  if (tail > 0) munmap(reinterpret_cast<void*>(aligned + rounded), tail);
  auto* data = reinterpret_cast<uint8_t*>(aligned);
  (void)madvise(data, rounded, MADV_HUGEPAGE);
  PrefaultWritable(data, size);
  return std::shared_ptr<KeptFile>(new KeptFile(data, size, rounded));
}

TrustedFiles::KeptFile::~KeptFile() { munmap(data_, mapped_); }

void TrustedFiles::DropKept(Entry* e) {
  if (!e->kept) return;
  kept_bytes_ -= e->kept->size();
  e->kept.reset();
  e->served.clear();
}

int TrustedFiles::Verify(Entry* e, int fd, const StatKey& key,
                         const crypto::Sha256Digest& expected) {
  DropKept(e);
  auto chunks = std::make_shared<std::vector<crypto::Sha256Digest>>();
  chunks->reserve(static_cast<size_t>(key.size) / kChunkSize + 1);
  crypto::Sha256Hasher whole;
  auto hash = [&](ByteSpan data) {
    whole.Update(data);
    for (size_t at = 0; at < data.size(); at += kChunkSize) {
      chunks->push_back(crypto::Sha256(data.subspan(at, std::min(kChunkSize, data.size() - at))));
    }
  };
  std::shared_ptr<KeptFile> kept = ReserveKept(key.size);
  off_t offset = 0;
  if (kept) {  // the whole file in one read, then hashed from memory
    ssize_t n = PreadFull(fd, kept->data(), kept->size(), 0);
    if (n < 0) {
      kept_bytes_ -= kept->size();
      return static_cast<int>(n);
    }
    ByteSpan data = kept->span().first(static_cast<size_t>(n));
    for (size_t at = 0; at < data.size(); at += kHashBlock) {
      hash(data.subspan(at, std::min(kHashBlock, data.size() - at)));
    }
    uint8_t extra;
    offset = n == key.size && PreadFull(fd, &extra, 1, n) != 0 ? n + 1 : n;  // it grew: refused
  } else {
    // Per thread and reused, never zero-filled: no memset or page faults per open.
    thread_local std::unique_ptr<uint8_t[]> buf = [] {
      std::unique_ptr<uint8_t[]> b(new uint8_t[kHashBlock]);
      PrefaultWritable(b.get(), kHashBlock);
      return b;
    }();
    for (;;) {
      ssize_t n = PreadFull(fd, buf.get(), kHashBlock, offset);
      if (n < 0) return static_cast<int>(n);
      if (n == 0) break;
      hash(ByteSpan(buf.get(), static_cast<size_t>(n)));
      offset += n;
      if (static_cast<size_t>(n) < kHashBlock) break;
    }
  }
  crypto::Sha256Digest got = whole.Final();
  if (offset != key.size || got != expected) {
    if (kept) kept_bytes_ -= kept->size();
    e->verified = false;
    Refuse(e, "SHA-256 mismatch: the manifest says " + HexEncode(expected) + ", the file has " +
                  HexEncode(got));
    return -EACCES;
  }
  e->verified = true;
  e->reported = false;
  e->key = key;
  e->size = key.size;
  e->chunks = std::move(chunks);
  if (kept) {
    e->kept = std::move(kept);
    e->served.assign(e->chunks->size(), false);
    e->unserved = e->chunks->size();
    e->kept_at = std::chrono::steady_clock::now();
  }
  return 0;
}

bool TrustedFiles::ServeKept(Entry* e, uint8_t* buf, size_t size, off_t offset, int* n) {
  if (!e->kept) return false;
  if (std::chrono::steady_clock::now() - e->kept_at > std::chrono::seconds(kKeepSeconds)) {
    DropKept(e);
    return false;
  }
  if (offset >= e->size || size == 0) {
    *n = 0;
    return true;
  }
  size_t len = std::min<size_t>(size, static_cast<size_t>(e->size - offset));
  std::memcpy(buf, e->kept->span().data() + offset, len);
  *n = static_cast<int>(len);
  for (size_t c = static_cast<size_t>(offset) / kChunkSize;
       c <= (static_cast<size_t>(offset) + len - 1) / kChunkSize; c++) {
    if (!e->served[c]) {
      e->served[c] = true;
      e->unserved--;
    }
  }
  if (e->unserved == 0) DropKept(e);  // the kernel's page cache has it all now
  return true;
}

std::shared_ptr<const TrustedFiles::KeptFile> TrustedFiles::Kept(const std::string& host) {
  Entry* e = Get(host);
  std::lock_guard<std::mutex> lock(e->mu);
  return e->kept;
}

void TrustedFiles::DropExpired() {
  if (kept_bytes_ == 0) return;
  std::vector<Entry*> entries;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [host, e] : entries_) entries.push_back(e.get());
  }
  auto now = std::chrono::steady_clock::now();
  for (Entry* e : entries) {
    std::lock_guard<std::mutex> lock(e->mu);
    if (e->kept && now - e->kept_at > std::chrono::seconds(kKeepSeconds)) DropKept(e);
  }
}

int TrustedFiles::Open(const std::string& host, const std::string& uri,
                       const crypto::Sha256Digest& expected, Opened* out) {
  int fd = open(host.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -errno;
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return -EACCES;
  }
  StatKey key{st.st_dev, st.st_ino, st.st_size,
              st.st_mtim.tv_sec * 1'000'000'000LL + st.st_mtim.tv_nsec,
              st.st_ctim.tv_sec * 1'000'000'000LL + st.st_ctim.tv_nsec};
  Entry* e = Get(host);
  bool fresh = false;
  {
    std::lock_guard<std::mutex> lock(e->mu);
    e->uri = uri;
    if (!e->verified || !(e->key == key)) {
      int rc = Verify(e, fd, key, expected);
      if (rc != 0) {
        close(fd);
        return rc;
      }
      fresh = true;
    }
  }
  AddWatch(host, e);
  out->fd = fd;
  out->keep_cache = !fresh;
  return 0;
}

int TrustedFiles::ReadInPlace(const std::string& host, int fd, uint8_t* buf, size_t size,
                              off_t offset) {
  Entry* e = Get(host);
  std::shared_ptr<const std::vector<crypto::Sha256Digest>> chunks;
  off_t file_size;
  {
    std::lock_guard<std::mutex> lock(e->mu);
    if (!e->verified) {
      Refuse(e, "the file changed on disk after it was verified");
      return -EACCES;
    }
    if (int n; ServeKept(e, buf, size, offset, &n)) return n;
    chunks = e->chunks;
    file_size = e->size;
  }
  if (offset >= file_size || size == 0) return 0;
  off_t end = std::min<off_t>(offset + static_cast<off_t>(size), file_size);
  size_t first = static_cast<size_t>(offset) / kChunkSize;
  size_t last = static_cast<size_t>(end - 1) / kChunkSize;
  off_t span_start = static_cast<off_t>(first * kChunkSize);
  size_t span_len = std::min<size_t>((last + 1) * kChunkSize, static_cast<size_t>(file_size)) -
                    static_cast<size_t>(span_start);
  ssize_t n = PreadFull(fd, buf, span_len, span_start);
  if (n < 0) return static_cast<int>(n);
  bool ok = static_cast<size_t>(n) == span_len;
  for (size_t c = first; ok && c <= last; c++) {
    size_t at = (c - first) * kChunkSize;
    ok = crypto::Sha256(ByteSpan(buf + at, std::min(kChunkSize, span_len - at))) == (*chunks)[c];
  }
  if (!ok) {
    std::lock_guard<std::mutex> lock(e->mu);
    e->verified = false;
    Refuse(e, "chunk at offset " + std::to_string(span_start) +
                  " no longer matches: the file changed on disk after it was verified");
    return -EACCES;
  }
  size_t skip = static_cast<size_t>(offset - span_start);
  size_t len = static_cast<size_t>(end - offset);
  if (skip != 0) std::memmove(buf, buf + skip, len);
  return static_cast<int>(len);
}

void TrustedFiles::StartWatcher() {
  std::lock_guard<std::mutex> lock(mu_);
  if (watcher_.joinable()) return;
  inotify_fd_ = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  if (inotify_fd_ < 0 || pipe2(stop_pipe_, O_CLOEXEC) != 0) {
    log::Warn("trusted_file_watch_unavailable", {{"error", std::strerror(errno)}});
    return;
  }
  watcher_ = std::thread([this] { WatchLoop(); });
}

void TrustedFiles::AddWatch(const std::string& host, Entry* e) {
  std::lock_guard<std::mutex> lock(mu_);
  if (inotify_fd_ < 0 || e->watch >= 0) return;
  int wd =
      inotify_add_watch(inotify_fd_, host.c_str(),
                        IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_MOVE_SELF | IN_DELETE_SELF);
  if (wd < 0) return;
  e->watch = wd;
  watches_[wd] = host;
}

void TrustedFiles::WatchLoop() {
  alignas(struct inotify_event) char buf[16 * 1024];
  for (;;) {
    struct pollfd fds[2] = {{inotify_fd_, POLLIN, 0}, {stop_pipe_[0], POLLIN, 0}};
    int ready = poll(fds, 2, kKeepSeconds * 1000);
    if (ready < 0 && errno != EINTR) return;
    if (fds[1].revents) return;
    if (ready == 0) {
      DropExpired();
      continue;
    }
    ssize_t n = read(inotify_fd_, buf, sizeof(buf));
    if (n <= 0) continue;
    for (char* p = buf; p < buf + n;) {
      auto* ev = reinterpret_cast<struct inotify_event*>(p);
      p += sizeof(struct inotify_event) + ev->len;
      std::string host;
      {
        std::lock_guard<std::mutex> lock(mu_);
        auto it = watches_.find(ev->wd);
        if (it == watches_.end()) continue;
        host = it->second;
        if (ev->mask & IN_IGNORED) {
          watches_.erase(it);
          auto e = entries_.find(host);
          if (e != entries_.end()) e->second->watch = -1;
        }
      }
      Entry* e = Get(host);
      {
        std::lock_guard<std::mutex> lock(e->mu);
        e->verified = false;  // re-hash at the next open; refuse reads until then
        DropKept(e);
      }
      if (on_change_) on_change_(host);
    }
  }
}

}  // namespace uid2::runtime
