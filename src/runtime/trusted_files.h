// trusted_files.h: integrity of sgx.trusted_files at run time, as Gramine's LibOS does it.
//
// First open: the whole file is hashed (SHA-256) and compared with the manifest; on a match the
// SHA-256 of every kChunkSize chunk is kept. A file of at most kKeepMax bytes is read into
// memory for that, and the verified bytes are kept (within kKeepBudget for all files) until
// each chunk was read once or kKeepSeconds passed: reads are served from them, with no second
// read or hash (a program's libraries are read right after their first open). Every other
// read that reaches the runtime re-reads the covering chunks from disk and checks them against
// the chunk hashes, so bytes changed after the first open are refused (EACCES), never served. A
// later open re-hashes the whole file when its (device, inode, size, mtime, ctime) changed, and
// otherwise reuses the verification so the kernel may keep serving the already verified pages from
// its cache. The page cache only ever holds verified bytes; Watch() (inotify) drops it as soon as a
// trusted file is touched on disk, so a read after a change reaches the runtime and fails.
//
// Thread-safe. Errors are negative errno values (FUSE's convention) and each refusal is logged
// once per file.
#pragma once

#include <sys/types.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/bytes.h"
#include "crypto/hash.h"

namespace uid2::runtime {

inline constexpr size_t kChunkSize = 64 * 1024;
inline constexpr size_t kKeepMax = 16 << 20;
inline constexpr size_t kKeepBudget = 128 << 20;
inline constexpr int kKeepSeconds = 5;

// PrefaultWritable populates the pages of [p, p + n) in one system call (MADV_POPULATE_WRITE)
// before a large read lands there: a page fault per 4 KiB page costs ~10 us on virtual
// machines (2.5 ms per MiB measured here). Best effort: a kernel without it just faults.
void PrefaultWritable(void* p, size_t n);

class TrustedFiles {
 public:
  // `on_change(host_path)` runs (on the watcher thread) when a verified file changes on disk;
  // the FUSE layer uses it to drop the kernel's cached pages.
  explicit TrustedFiles(std::function<void(const std::string&)> on_change = nullptr);
  ~TrustedFiles();
  TrustedFiles(const TrustedFiles&) = delete;
  TrustedFiles& operator=(const TrustedFiles&) = delete;

  struct Opened {
    int fd = -1;              // host descriptor (O_RDONLY), owned by the caller
    bool keep_cache = false;  // the previous verification still holds
  };
  // Open opens and verifies `host` against `expected`; `uri` names it in messages.
  // Returns 0 or -EACCES (hash mismatch), -errno (the host refused).
  int Open(const std::string& host, const std::string& uri, const crypto::Sha256Digest& expected,
           Opened* out);

  // ReadInPlace reads up to `size` bytes at `offset` from `fd` (a descriptor from Open for
  // `host`), verified chunk by chunk: `buf` (at least ReadCapacity(size) bytes) receives the
  // whole chunks covering the range, which are verified there, and the requested bytes are then
  // moved to its start (the FUSE layer hands `buf` to the kernel as is). Returns the byte count
  // or -EACCES / -errno.
  int ReadInPlace(const std::string& host, int fd, uint8_t* buf, size_t size, off_t offset);
  static size_t ReadCapacity(size_t size) { return size + 2 * kChunkSize; }

  // KeptFile is a verified copy of a whole file, in memory of its own (2 MiB-aligned,
  // transparent huge pages where the kernel allows: one page fault per 2 MiB, not 512).
  class KeptFile {
   public:
    static std::shared_ptr<KeptFile> Allocate(size_t size);  // null when out of memory
    ~KeptFile();
    KeptFile(const KeptFile&) = delete;
    KeptFile& operator=(const KeptFile&) = delete;
    uint8_t* data() { return data_; }
    size_t size() const { return size_; }
    ByteSpan span() const { return {data_, size_}; }

   private:
    KeptFile(uint8_t* data, size_t size, size_t mapped)
        : data_(data), size_(size), mapped_(mapped) {}
    uint8_t* data_;
    size_t size_, mapped_;
  };
  // Kept returns the verified bytes kept for `host` (null when none are kept).
  std::shared_ptr<const KeptFile> Kept(const std::string& host);

  // StartWatcher starts the inotify thread (idempotent). Without it, changes are still caught
  // at the next read that reaches the runtime or the next open.
  void StartWatcher();

 private:
  struct StatKey {
    dev_t dev = 0;
    ino_t ino = 0;
    off_t size = 0;
    int64_t mtime_ns = 0, ctime_ns = 0;
    bool operator==(const StatKey&) const = default;
  };
  struct Entry {
    std::mutex mu;
    bool verified = false;
    bool reported = false;  // a refusal was logged
    StatKey key;
    std::string uri;
    std::shared_ptr<const std::vector<crypto::Sha256Digest>> chunks;
    std::shared_ptr<const KeptFile> kept;  // the verified bytes (small files, for a while)
    std::vector<bool> served;              // per chunk: read once from `kept`
    size_t unserved = 0;
    std::chrono::steady_clock::time_point kept_at;
    off_t size = 0;
    int watch = -1;
  };
  Entry* Get(const std::string& host);
  int Verify(Entry* e, int fd, const StatKey& key, const crypto::Sha256Digest& expected);
  std::shared_ptr<KeptFile> ReserveKept(off_t size);
  void DropKept(Entry* e);                                                    // e->mu held
  bool ServeKept(Entry* e, uint8_t* buf, size_t size, off_t offset, int* n);  // e->mu held
  void DropExpired();
  void Refuse(Entry* e, const std::string& why);
  void AddWatch(const std::string& host, Entry* e);
  void WatchLoop();

  std::function<void(const std::string&)> on_change_;
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<Entry>> entries_;
  std::map<int, std::string> watches_;  // inotify wd -> host path
  std::atomic<size_t> kept_bytes_{0};
  int inotify_fd_ = -1;
  int stop_pipe_[2] = {-1, -1};
  std::thread watcher_;
};

}  // namespace uid2::runtime
