// convert.cc: whole-file conversions (see convert.h). Encryption of a regular file writes the
// format directly, in physical order (below); other inputs go through ProtectedFile in 1 MiB
// chunks, as decryption does.
#include "pf/convert.h"

#include <openssl/crypto.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "crypto/aes128.h"
#include "crypto/random.h"
#include "pf/kdf.h"
#include "pf/metadata.h"
#include "pf/mht.h"

namespace uid2::pf {
namespace {

constexpr size_t kChunk = size_t{1} << 20;
// The direct writer keeps every MHT node's plaintext until the end (1/96 of the plaintext size:
// the MHT is a breadth-first tree, so most MHT nodes wait for children until near the end);
// larger inputs go through ProtectedFile, whose 48-node cache bounds the memory.
constexpr uint64_t kDirectMaxSize = uint64_t{4} << 30;
constexpr size_t kGroupBytes = ATTACHED_DATA_NODES_COUNT * PF_NODE_SIZE;  // one MHT node's data
constexpr crypto::GcmIv kZeroIv{};

using NodeBuf = std::array<uint8_t, PF_NODE_SIZE>;

// ReadFull reads until `len` bytes or the end of the input; returns the count.
Result<size_t> ReadFull(int fd, uint8_t* data, size_t len) {
  size_t done = 0;
  while (done < len) {
    ssize_t n = ::read(fd, data + done, len - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error::Errno("reading the plaintext", errno);
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  return done;
}

Status PwriteAll(int fd, const uint8_t* data, size_t len, uint64_t physical) {
  size_t done = 0;
  while (done < len) {
    ssize_t n =
        ::pwrite(fd, data + done, len - done, static_cast<off_t>(physical * PF_NODE_SIZE + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      return Error::Errno("writing node " + std::to_string(physical), n < 0 ? errno : EIO);
    }
    done += static_cast<size_t>(n);
  }
  return Ok();
}

// DirectEncryptor writes a whole protected file in one pass, producing exactly what
// ProtectedFile's Write + Close produce (the same nodes at the same places, zero-filled node
// tails, fresh random keys), without its node cache, on two threads. The input is cut into units
// of kUnitGroups groups of 96 data nodes (one MHT node's worth); each thread in turn reads the
// next unit into a free buffer (the reads are serialized, in order, so the input is read to its
// end exactly as one reader would), seals its nodes in place, each under a fresh key, and queues
// the unit for one pwrite (its MHT nodes left as zeros there). Whichever thread queues a unit
// while nobody writes becomes the writer until the queue is empty, so one thread copies into the
// page cache while the other reads and seals (two writers would only spin on the file's lock).
// The MHT nodes are sealed at the end from the deepest up (their keys go into their parents) and
// written over the zeros, then the metadata node is written last, as a flush does.
constexpr size_t kUnitGroups = 4;
constexpr size_t kGroupNodes = 1 + ATTACHED_DATA_NODES_COUNT;  // an MHT node, then its data
constexpr size_t kUnitBytes = kUnitGroups * kGroupBytes;       // of plaintext
constexpr size_t kBuffers = 4;                                 // units being read, sealed, written

class DirectEncryptor {
 public:
  DirectEncryptor(int in_fd, int out_fd, const std::string& bound_path, const Key& kdk)
      : in_fd_(in_fd), out_fd_(out_fd), kdk_(kdk) {
    md_.file_path = bound_path;
  }
  ~DirectEncryptor() {
    OPENSSL_cleanse(kdk_.data(), kdk_.size());
    OPENSSL_cleanse(md_.file_data.data(), md_.file_data.size());
    for (NodeBuf& m : mht_) OPENSSL_cleanse(m.data(), m.size());
    for (auto& b : buffers_) OPENSSL_cleanse(b.data(), b.size());
  }

  Result<uint64_t> Run(uint64_t expected_size, const OnProgress& on_progress) {
    on_progress_ = &on_progress;
    UID2_ASSIGN_OR_RETURN(size_t head, ReadFull(in_fd_, md_.file_data.data(), MD_USER_DATA_SIZE));
    md_.file_size = head;
    if (on_progress && head > 0) on_progress(head);
    if (head == MD_USER_DATA_SIZE) {  // data nodes follow only a full metadata node
      mht_.reserve(expected_size / kGroupBytes + 1);
      for (auto& b : buffers_) {
        b.resize(kUnitGroups * kGroupNodes * PF_NODE_SIZE);
        free_.push_back(b.data());
      }
      std::thread helper([this] { Work(); });
      Work();
      helper.join();
      UID2_RETURN_IF_ERROR(status_);
    }
    UID2_ASSIGN_OR_RETURN(crypto::Aes128Gcm gcm, crypto::Aes128Gcm::Create());
    UID2_RETURN_IF_ERROR(SealMhtNodes(gcm));
    UID2_RETURN_IF_ERROR(WriteMetadata(gcm));
    return md_.file_size;
  }

 private:
  struct Write {
    uint64_t unit;
    uint8_t* buffer;
    size_t len;  // from the unit's first data node
  };

  // Work takes units until the input ends or a unit fails.
  void Work() {
    std::array<NodeBuf, kUnitGroups> mht{};
    auto gcm = crypto::Aes128Gcm::Create();
    Status st = gcm.ok() ? Ok() : Status(gcm.error());
    while (true) {
      uint8_t* buffer = nullptr;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [this] { return !free_.empty(); });
        buffer = free_.back();
        free_.pop_back();
      }
      uint64_t unit = 0;
      size_t len = 0;
      bool last = false;
      {
        std::lock_guard lock(read_mu_);
        last = read_end_;
        if (!last) {
          unit = next_unit_++;
          if (st.ok()) {  // else: no cipher context; the unit fails
            auto n = ReadUnit(buffer);
            if (!n.ok()) st = n.error();
            len = n.ok() ? *n : 0;
          }
          if (len < kUnitBytes) read_end_ = true;
        }
      }
      size_t write_len = 0;
      if (!last && st.ok() && len > 0) st = SealUnit(*gcm, len, buffer, mht, &write_len);
      std::unique_lock lock(mu_);
      if (last || !st.ok() || len == 0) {
        free_.push_back(buffer);
        cv_.notify_all();
        if (!last && !st.ok()) Fail(unit, std::move(st));  // a unit of its own failed
        break;
      }
      const uint64_t groups = (len + kGroupBytes - 1) / kGroupBytes;
      const uint64_t first = unit * kUnitGroups;
      if (mht_.size() < first + groups) mht_.resize(first + groups);
      for (uint64_t k = 0; k < groups; k++) mht_[first + k] = mht[k];
      md_.file_size += len;
      if (*on_progress_) (*on_progress_)(len);
      writes_.push_back({unit, buffer, write_len});
      if (!writing_) DrainWrites(lock);
    }
    for (NodeBuf& m : mht) OPENSSL_cleanse(m.data(), m.size());
  }

  // DrainWrites writes the queued units until none is left (`lock` holds mu_; released while
  // writing). Units after a failed one are dropped; those before it are still written, so that
  // the first unit's failure is the one returned.
  void DrainWrites(std::unique_lock<std::mutex>& lock) {
    writing_ = true;
    while (!writes_.empty()) {
      Write w = writes_.front();
      writes_.pop_front();
      if (w.unit < failed_unit_) {
        lock.unlock();
        const uint64_t physical = PhysicalMhtNode(w.unit * kUnitGroups) + 1;
        Status st = PwriteAll(out_fd_, w.buffer + PF_NODE_SIZE, w.len, physical);
        lock.lock();
        if (!st.ok()) Fail(w.unit, std::move(st));
      }
      free_.push_back(w.buffer);
      cv_.notify_all();
    }
    writing_ = false;
  }

  // Fail records unit `unit`'s failure (mu_ held): the first unit's is returned, whichever thread
  // sees its own first; no unit is read after it.
  void Fail(uint64_t unit, Status st) {
    if (unit < failed_unit_) {
      failed_unit_ = unit;
      status_ = std::move(st);
    }
    std::lock_guard read_lock(read_mu_);
    read_end_ = true;
  }

  // ReadUnit reads the next unit's plaintext, each group into its place in `buffer` (laid out as
  // the file is: an MHT node, then its data nodes); returns the bytes read (short at the end).
  Result<size_t> ReadUnit(uint8_t* buffer) {
    size_t total = 0;
    for (size_t k = 0; k < kUnitGroups; k++) {
      UID2_ASSIGN_OR_RETURN(
          size_t n, ReadFull(in_fd_, buffer + (k * kGroupNodes + 1) * PF_NODE_SIZE, kGroupBytes));
      total += n;
      if (n < kGroupBytes) break;
    }
    return total;
  }

  // SealUnit seals the `len` plaintext bytes in `buffer` in place, the data nodes' keys and MACs
  // going into `mht` (one MHT node per group); `write_len`: the bytes to write from the first data
  // node (the later groups' MHT nodes zeros).
  Status SealUnit(crypto::Aes128Gcm& gcm, size_t len, uint8_t* buffer,
                  std::array<NodeBuf, kUnitGroups>& mht, size_t* write_len) {
    const size_t nodes = (len + PF_NODE_SIZE - 1) / PF_NODE_SIZE;
    const size_t groups = (nodes + ATTACHED_DATA_NODES_COUNT - 1) / ATTACHED_DATA_NODES_COUNT;
    std::array<uint8_t, ATTACHED_DATA_NODES_COUNT * PF_KEY_SIZE> keys;
    Status st = Ok();
    for (size_t k = 0; k < groups && st.ok(); k++) {
      std::memset(buffer + k * kGroupNodes * PF_NODE_SIZE, 0, PF_NODE_SIZE);  // MHT node k
      mht[k].fill(0);
      const size_t in_group =
          std::min<size_t>(nodes - k * ATTACHED_DATA_NODES_COUNT, ATTACHED_DATA_NODES_COUNT);
      crypto::RandomFill(std::span<uint8_t>(keys.data(), in_group * PF_KEY_SIZE));
      for (size_t i = 0; i < in_group && st.ok(); i++) {
        uint8_t* node = buffer + (k * kGroupNodes + 1 + i) * PF_NODE_SIZE;
        const size_t used = len - (k * ATTACHED_DATA_NODES_COUNT + i) * PF_NODE_SIZE;
        if (used < PF_NODE_SIZE) std::memset(node + used, 0, PF_NODE_SIZE - used);  // the tail
        CryptoData entry;
        std::memcpy(entry.key.data(), keys.data() + i * PF_KEY_SIZE, PF_KEY_SIZE);
        st = gcm.Seal(entry.key, kZeroIv, ByteSpan(node, PF_NODE_SIZE),
                      std::span<uint8_t>(node, PF_NODE_SIZE), &entry.mac);
        PutCryptoData(mht[k], i, entry);
      }
    }
    OPENSSL_cleanse(keys.data(), keys.size());
    *write_len = ((groups - 1) * kGroupNodes + (nodes - (groups - 1) * ATTACHED_DATA_NODES_COUNT)) *
                 PF_NODE_SIZE;
    return st;
  }

  // SealMhtNodes seals MHT node m into its parent's slot, from the last to the root.
  Status SealMhtNodes(crypto::Aes128Gcm& gcm) {
    NodeBuf cipher;
    for (uint64_t m = mht_.size(); m-- > 0;) {
      CryptoData entry;
      crypto::RandomFill(entry.key);
      UID2_RETURN_IF_ERROR(gcm.Seal(entry.key, kZeroIv, mht_[m], cipher, &entry.mac));
      if (m == 0) {
        md_.root_mht_node_key = entry.key;
        md_.root_mht_node_mac = entry.mac;
      } else {
        PutCryptoData(mht_[ParentMhtNode(m)], MhtSlot(m), entry);
      }
      UID2_RETURN_IF_ERROR(PwriteAll(out_fd_, cipher.data(), PF_NODE_SIZE, PhysicalMhtNode(m)));
    }
    return Ok();
  }

  // WriteMetadata: a fresh nonce, hence a fresh metadata key, as every flush.
  Status WriteMetadata(crypto::Aes128Gcm& gcm) {
    MetadataPlain plain;
    crypto::RandomFill(plain.metadata_key_nonce);
    UID2_ASSIGN_OR_RETURN(NodeKey key, DeriveMetadataKey(kdk_, plain.metadata_key_nonce));
    std::array<uint8_t, kMetadataEncryptedSize> decrypted, encrypted;
    SerializeMetadataDecrypted(md_, decrypted);
    Status sealed = gcm.Seal(key, kZeroIv, decrypted, encrypted, &plain.metadata_mac);
    OPENSSL_cleanse(decrypted.data(), decrypted.size());
    OPENSSL_cleanse(key.data(), key.size());
    UID2_RETURN_IF_ERROR(sealed);
    NodeBuf node;
    SerializeMetadataNode(plain, encrypted, node);
    return PwriteAll(out_fd_, node.data(), PF_NODE_SIZE, 0);
  }

  int in_fd_;
  int out_fd_;
  Key kdk_;
  const OnProgress* on_progress_ = nullptr;
  MetadataDecrypted md_;
  std::vector<NodeBuf> mht_;  // plaintext of MHT node m (0: the root)

  std::array<std::vector<uint8_t>, kBuffers> buffers_;

  std::mutex read_mu_;  // the input's position; taken after mu_ when both are
  uint64_t next_unit_ = 0;
  bool read_end_ = false;

  std::mutex mu_;               // the rest
  std::condition_variable cv_;  // a buffer was freed
  std::vector<uint8_t*> free_;
  std::deque<Write> writes_;
  bool writing_ = false;
  uint64_t failed_unit_ = UINT64_MAX;
  Status status_ = Ok();
};

Status WriteAllFd(int fd, const uint8_t* data, size_t len) {
  size_t done = 0;
  while (done < len) {
    ssize_t n = ::write(fd, data + done, len - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error::Errno("writing the plaintext", errno);
    done += static_cast<size_t>(n);
  }
  return Ok();
}

}  // namespace

Result<uint64_t> EncryptFd(int in_fd, int out_fd, const std::string& bound_path, const Key& key,
                           const OnProgress& on_progress) {
  struct stat st;
  if (::fstat(in_fd, &st) == 0 && S_ISREG(st.st_mode) &&
      static_cast<uint64_t>(st.st_size) <= kDirectMaxSize) {
    if (bound_path.empty() || bound_path.size() + 1 > PATH_MAX_SIZE ||
        bound_path.find('\0') != std::string::npos) {
      return Error::Invalid("bound path must be 1..771 bytes without NUL").Context(bound_path);
    }
    DirectEncryptor encryptor(in_fd, out_fd, bound_path, key);
    auto size = encryptor.Run(static_cast<uint64_t>(st.st_size), on_progress);
    if (!size.ok()) return std::move(size).error().Context(bound_path);
    return *size;
  }
  UID2_ASSIGN_OR_RETURN(std::unique_ptr<ProtectedFile> file,
                        ProtectedFile::Open(out_fd, bound_path, key, Mode::kReadWrite, true));
  std::vector<uint8_t> chunk(kChunk);
  uint64_t offset = 0;
  while (true) {
    ssize_t n = ::read(in_fd, chunk.data(), chunk.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error::Errno("reading the plaintext", errno).Context(bound_path);
    if (n == 0) break;
    const size_t len = static_cast<size_t>(n);
    UID2_RETURN_IF_ERROR(file->Write(offset, std::span<const uint8_t>(chunk.data(), len)));
    offset += len;
    if (on_progress) on_progress(len);
  }
  UID2_RETURN_IF_ERROR(file->Close());
  return offset;
}

// DecryptFd decrypts on two threads, each with a read-only ProtectedFile of its own over the same
// host file (reads are positional), taking alternate chunks; the chunks are written in order.
Result<Decrypted> DecryptFd(int in_fd, int out_fd, const std::string& bound_path, const Key& key,
                            const OnProgress& on_size, const OnProgress& on_progress) {
  UID2_ASSIGN_OR_RETURN(std::unique_ptr<ProtectedFile> file,
                        ProtectedFile::Open(in_fd, bound_path, key, Mode::kRead, false));
  if (on_size) on_size(file->size());
  const uint64_t size = file->size();
  const uint64_t chunks = (size + kChunk - 1) / kChunk;
  std::unique_ptr<ProtectedFile> second;
  if (chunks > 1) {
    UID2_ASSIGN_OR_RETURN(second,
                          ProtectedFile::Open(in_fd, file->path(), key, Mode::kRead, false));
  }

  std::mutex mu;
  std::condition_variable cv;
  uint64_t next_write = 0;  // the chunk to write next
  Status status = Ok();     // the first failure; the workers stop at it
  auto work = [&](ProtectedFile* pf, uint64_t first) {
    std::vector<uint8_t> chunk(kChunk);
    for (uint64_t i = first; i < chunks; i += 2) {
      auto n = pf->Read(i * kChunk, chunk);
      std::unique_lock lock(mu);
      cv.wait(lock, [&] { return next_write == i || !status.ok(); });
      if (!status.ok()) return;
      Status st = n.ok() ? WriteAllFd(out_fd, chunk.data(), *n) : Status(n.error());
      if (!st.ok()) {
        status = std::move(st);
      } else {
        if (on_progress) on_progress(*n);
        next_write++;
      }
      cv.notify_all();
    }
  };
  std::thread helper;
  if (second) helper = std::thread(work, second.get(), 1);
  work(file.get(), 0);
  if (helper.joinable()) helper.join();
  UID2_RETURN_IF_ERROR(status);
  if (second) UID2_RETURN_IF_ERROR(second->Close());
  Decrypted out{size, file->path()};
  UID2_RETURN_IF_ERROR(file->Close());
  return out;
}

}  // namespace uid2::pf
