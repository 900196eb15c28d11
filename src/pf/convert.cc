// convert.cc: whole-file conversions (see convert.h). Encryption of a regular file writes the
// format directly, in physical order (below); other inputs go through ProtectedFile in 1 MiB
// chunks, as decryption does.
#include "pf/convert.h"

#include <openssl/crypto.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <condition_variable>
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

// GroupWriter writes sealed groups on a thread of its own, so that sealing the next group (user
// CPU) overlaps the kernel's copy of the last one into the page cache, the largest cost of a
// conversion. Two buffers: the sealer fills one while the other is written.
class GroupWriter {
 public:
  explicit GroupWriter(int fd) : fd_(fd), thread_([this] { Loop(); }) {
    for (auto& b : buffers_) free_.push_back(&b);
  }
  ~GroupWriter() { (void)Finish(); }

  // Acquire waits for a free buffer of kGroupBytes; nullptr once a write has failed.
  uint8_t* Acquire() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return !free_.empty() || !status_.ok(); });
    if (!status_.ok()) return nullptr;
    uint8_t* b = free_.back()->data();
    free_.pop_back();
    return b;
  }
  // Submit queues `len` bytes of an acquired buffer for physical node `physical` onwards.
  void Submit(uint8_t* buffer, size_t len, uint64_t physical) {
    std::lock_guard lock(mu_);
    queue_.push_back({buffer, len, physical});
    cv_.notify_all();
  }
  // Finish waits for every queued write; the first error.
  Status Finish() {
    {
      std::lock_guard lock(mu_);
      done_ = true;
      cv_.notify_all();
    }
    if (thread_.joinable()) thread_.join();
    return status_;
  }

 private:
  struct Job {
    uint8_t* buffer;
    size_t len;
    uint64_t physical;
  };
  void Loop() {
    std::unique_lock lock(mu_);
    while (true) {
      cv_.wait(lock, [this] { return !queue_.empty() || done_; });
      if (queue_.empty()) return;
      Job job = queue_.front();
      queue_.pop_front();
      Status st = Ok();
      if (status_.ok()) {
        lock.unlock();
        st = PwriteAll(fd_, job.buffer, job.len, job.physical);
        lock.lock();
      }
      if (!st.ok() && status_.ok()) status_ = std::move(st);
      for (auto& b : buffers_) {
        if (b.data() == job.buffer) free_.push_back(&b);
      }
      cv_.notify_all();
    }
  }

  int fd_;
  std::array<std::vector<uint8_t>, 2> buffers_{std::vector<uint8_t>(kGroupBytes),
                                               std::vector<uint8_t>(kGroupBytes)};
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::vector<uint8_t>*> free_;
  std::deque<Job> queue_;
  Status status_ = Ok();
  bool done_ = false;
  std::thread thread_;  // last: starts once the rest is built
};

// DirectEncryptor writes a whole protected file in one pass, producing exactly what
// ProtectedFile's Write + Close produce (the same nodes at the same places, zero-filled node
// tails, fresh random keys), without its node cache: each group of 96 data nodes is sealed
// straight from the input buffer and written with one pwrite next to its (still unwritten) MHT
// node; the MHT nodes are sealed at the end from the deepest up (their keys go into their parents),
// then the root, and the metadata node is written last, as a flush does.
class DirectEncryptor {
 public:
  DirectEncryptor(int out_fd, const std::string& bound_path, const Key& kdk, crypto::Aes128Gcm gcm)
      : out_fd_(out_fd), kdk_(kdk), gcm_(std::move(gcm)) {
    md_.file_path = bound_path;
  }
  ~DirectEncryptor() {
    OPENSSL_cleanse(kdk_.data(), kdk_.size());
    OPENSSL_cleanse(md_.file_data.data(), md_.file_data.size());
    OPENSSL_cleanse(plain_.data(), plain_.size());
    OPENSSL_cleanse(keys_.data(), keys_.size());
    for (NodeBuf& m : mht_) OPENSSL_cleanse(m.data(), m.size());
  }

  Result<uint64_t> Run(int in_fd, const OnProgress& on_progress) {
    UID2_ASSIGN_OR_RETURN(size_t head, ReadFull(in_fd, md_.file_data.data(), MD_USER_DATA_SIZE));
    md_.file_size = head;
    if (on_progress && head > 0) on_progress(head);
    GroupWriter writer(out_fd_);
    while (head == MD_USER_DATA_SIZE) {  // data nodes follow only a full metadata node
      UID2_ASSIGN_OR_RETURN(size_t n, ReadFull(in_fd, plain_.data(), plain_.size()));
      if (n == 0) break;
      uint8_t* cipher = writer.Acquire();
      if (!cipher) break;  // a write failed: Finish returns why
      UID2_RETURN_IF_ERROR(SealGroup(n, cipher, &writer));
      md_.file_size += n;
      if (on_progress) on_progress(n);
      if (n < plain_.size()) break;
    }
    UID2_RETURN_IF_ERROR(writer.Finish());
    UID2_RETURN_IF_ERROR(SealMhtNodes());
    UID2_RETURN_IF_ERROR(WriteMetadata());
    return md_.file_size;
  }

 private:
  // SealGroup seals the `len` bytes in plain_ into `cipher` as the data nodes of a new MHT node,
  // and hands them to `writer`.
  Status SealGroup(size_t len, uint8_t* cipher, GroupWriter* writer) {
    const uint64_t m = mht_.size();
    mht_.emplace_back();  // zeros: no entries yet
    const size_t nodes = (len + PF_NODE_SIZE - 1) / PF_NODE_SIZE;
    std::memset(plain_.data() + len, 0, nodes * PF_NODE_SIZE - len);  // a new node's tail
    crypto::RandomFill(std::span<uint8_t>(keys_.data(), nodes * PF_KEY_SIZE));
    for (size_t i = 0; i < nodes; i++) {
      CryptoData entry;
      std::memcpy(entry.key.data(), keys_.data() + i * PF_KEY_SIZE, PF_KEY_SIZE);
      UID2_RETURN_IF_ERROR(
          gcm_.Seal(entry.key, kZeroIv, ByteSpan(plain_.data() + i * PF_NODE_SIZE, PF_NODE_SIZE),
                    std::span<uint8_t>(cipher + i * PF_NODE_SIZE, PF_NODE_SIZE), &entry.mac));
      PutCryptoData(mht_.back(), i, entry);
    }
    writer->Submit(cipher, nodes * PF_NODE_SIZE, PhysicalDataNode(m * ATTACHED_DATA_NODES_COUNT));
    return Ok();
  }

  // SealMhtNodes seals MHT node m into its parent's slot, from the last to the root.
  Status SealMhtNodes() {
    NodeBuf cipher;
    for (uint64_t m = mht_.size(); m-- > 0;) {
      CryptoData entry;
      crypto::RandomFill(entry.key);
      UID2_RETURN_IF_ERROR(gcm_.Seal(entry.key, kZeroIv, mht_[m], cipher, &entry.mac));
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
  Status WriteMetadata() {
    MetadataPlain plain;
    crypto::RandomFill(plain.metadata_key_nonce);
    UID2_ASSIGN_OR_RETURN(NodeKey key, DeriveMetadataKey(kdk_, plain.metadata_key_nonce));
    std::array<uint8_t, kMetadataEncryptedSize> decrypted, encrypted;
    SerializeMetadataDecrypted(md_, decrypted);
    Status sealed = gcm_.Seal(key, kZeroIv, decrypted, encrypted, &plain.metadata_mac);
    OPENSSL_cleanse(decrypted.data(), decrypted.size());
    OPENSSL_cleanse(key.data(), key.size());
    UID2_RETURN_IF_ERROR(sealed);
    NodeBuf node;
    SerializeMetadataNode(plain, encrypted, node);
    return PwriteAll(out_fd_, node.data(), PF_NODE_SIZE, 0);
  }

  int out_fd_;
  Key kdk_;
  crypto::Aes128Gcm gcm_;
  MetadataDecrypted md_;
  std::vector<NodeBuf> mht_;  // plaintext of MHT node m (0: the root)
  std::vector<uint8_t> plain_ = std::vector<uint8_t>(kGroupBytes);
  std::array<uint8_t, ATTACHED_DATA_NODES_COUNT * PF_KEY_SIZE> keys_{};
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
    UID2_ASSIGN_OR_RETURN(crypto::Aes128Gcm gcm, crypto::Aes128Gcm::Create());
    DirectEncryptor encryptor(out_fd, bound_path, key, std::move(gcm));
    auto size = encryptor.Run(in_fd, on_progress);
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
