// protected_file.cc: Gramine's protected files engine (protected_files.c, Gramine 1.9), written
// from its behaviour: the same node numbering, the same append/read decisions, the same flush
// (fresh random keys for every dirty node, bottom MHT layers first, then the root, then the
// metadata with a fresh nonce), the same truncation point. Layout in layout.h.
#include <openssl/crypto.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <optional>
#include <vector>

#include "crypto/aes128.h"
#include "crypto/random.h"
#include "pf/kdf.h"
#include "pf/metadata.h"
#include "pf/mht.h"
#include "pf/node_cache.h"
#include "pf/protected_file.h"

namespace uid2::pf {

// All the GCM operations of the format use an all-zero IV (every key is used once).
constexpr crypto::GcmIv kZeroIv{};
// Data nodes read with one system call when reading forward (32 KiB).
constexpr size_t kReadAhead = 8;

class FileState {
 public:
  FileState(int fd, std::string path, const Key& key, Mode mode, crypto::Aes128Gcm gcm)
      : fd_(fd),
        path_(std::move(path)),
        kdk_(key),
        mode_(mode),
        gcm_(std::move(gcm)),
        cache_(MAX_NODES_IN_CACHE) {
    root_.type = Node::Type::kMht;
    root_.logical = 0;
    root_.physical = 1;
  }
  ~FileState() {
    OPENSSL_cleanse(kdk_.data(), kdk_.size());
    OPENSSL_cleanse(md_.file_data.data(), md_.file_data.size());
    OPENSSL_cleanse(root_.plain.data(), root_.plain.size());
  }

  Status InitNew();
  Status InitExisting();

  uint64_t size() const { return md_.file_size; }
  const std::string& path() const { return path_; }
  bool closed() const { return closed_; }

  Result<size_t> Read(uint64_t offset, std::span<uint8_t> out);
  Status Write(uint64_t offset, const uint8_t* data, size_t len);
  Status SetSize(uint64_t size);
  Status Rename(std::string new_path);
  Status Flush();
  Status Close();

 private:
  Error Fail(Error e) const {
    return std::move(e).Context(path_.empty() ? "protected file" : path_);
  }
  // Corrupt marks the file unusable (as Gramine's PF_STATUS_CORRUPTED) and returns the error.
  Error Corrupt(std::string what);
  Status CheckUsable() const;
  Status CheckWritable() const;

  Status ReadHostNode(uint64_t physical, std::span<uint8_t, PF_NODE_SIZE> out);
  Status WriteHostNodes(std::vector<Node*>& nodes);

  Result<Node*> GetDataNode(uint64_t offset);
  Result<Node*> GetMhtNodeFor(uint64_t offset);
  Result<Node*> ReadMhtNode(uint64_t logical_mht);
  Result<Node*> ReadDataNode(uint64_t offset);
  Status MakeRoom(const Node* keep);
  Node* MhtNode(uint64_t logical_mht);  // cached (or root) MHT node, nullptr when absent
  void MarkDirty(Node* data_node);

  Status EncryptDirtyNodes();
  Status EncryptMetadata(std::span<uint8_t, PF_NODE_SIZE> out_node);
  Status InternalFlush();

  int fd_;
  std::string path_;
  Key kdk_;
  Mode mode_;
  crypto::Aes128Gcm gcm_;
  MetadataPlain plain_;
  MetadataDecrypted md_;
  Node root_;
  NodeCache cache_;
  bool need_writing_ = false;
  bool closed_ = false;
  std::optional<Error> broken_;
  std::array<uint8_t, PF_NODE_SIZE> metadata_node_{};
  std::array<uint8_t, kMetadataEncryptedSize> scratch_{};
};

Error FileState::Corrupt(std::string what) {
  Error e = Fail(Error::VerifyFailed(std::move(what) + " (the file was altered or torn)"));
  broken_ = e;
  return e;
}

Status FileState::CheckUsable() const {
  if (closed_) return Fail(Error::Invalid("protected file is closed"));
  if (broken_) return *broken_;
  return Ok();
}

Status FileState::CheckWritable() const {
  UID2_RETURN_IF_ERROR(CheckUsable());
  if (mode_ != Mode::kReadWrite) return Fail(Error::Invalid("protected file is open read-only"));
  return Ok();
}

Status FileState::ReadHostNode(uint64_t physical, std::span<uint8_t, PF_NODE_SIZE> out) {
  size_t done = 0;
  while (done < out.size()) {
    ssize_t n = pread(fd_, out.data() + done, out.size() - done,
                      static_cast<off_t>(physical * PF_NODE_SIZE + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Fail(Error::Errno("reading node " + std::to_string(physical), errno));
    if (n == 0) {
      return Fail(Error::Invalid("node " + std::to_string(physical) +
                                 " is missing (the host file is truncated)"));
    }
    done += static_cast<size_t>(n);
  }
  return Ok();
}

// WriteHostNodes writes each node's ciphertext at its place, runs of consecutive nodes with one
// pwritev each.
Status FileState::WriteHostNodes(std::vector<Node*>& nodes) {
  std::sort(nodes.begin(), nodes.end(),
            [](const Node* a, const Node* b) { return a->physical < b->physical; });
  std::vector<iovec> iov;
  iov.reserve(std::min<size_t>(nodes.size(), IOV_MAX));
  size_t i = 0;
  while (i < nodes.size()) {
    iov.clear();
    uint64_t first = nodes[i]->physical;
    while (i < nodes.size() && iov.size() < IOV_MAX && nodes[i]->physical == first + iov.size()) {
      iov.push_back({nodes[i]->cipher.data(), PF_NODE_SIZE});
      i++;
    }
    size_t total = iov.size() * PF_NODE_SIZE;
    size_t done = 0;
    size_t k = 0;
    while (done < total) {
      ssize_t n = pwritev(fd_, iov.data() + k, static_cast<int>(iov.size() - k),
                          static_cast<off_t>(first * PF_NODE_SIZE + done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        return Fail(Error::Errno("writing node " + std::to_string(first), n < 0 ? errno : EIO));
      }
      done += static_cast<size_t>(n);
      // Skip the fully written vectors and trim a partially written one.
      size_t left = static_cast<size_t>(n);
      while (left > 0 && k < iov.size()) {
        if (left >= iov[k].iov_len) {
          left -= iov[k].iov_len;
          k++;
        } else {
          iov[k].iov_base = static_cast<uint8_t*>(iov[k].iov_base) + left;
          iov[k].iov_len -= left;
          left = 0;
        }
      }
    }
  }
  return Ok();
}

Status FileState::InitNew() {
  md_.file_path = path_;
  need_writing_ = true;
  return InternalFlush();  // as ipf_init_new_file: the empty file exists on disk at once
}

Status FileState::InitExisting() {
  struct stat st;
  if (fstat(fd_, &st) != 0) return Fail(Error::Errno("fstat", errno));
  const uint64_t host_size = static_cast<uint64_t>(st.st_size);
  if (host_size == 0) return Fail(Error::Invalid("empty file: not a protected file"));
  if (host_size % PF_NODE_SIZE != 0) {
    return Fail(Error::Invalid("host file size " + std::to_string(host_size) +
                               " is not a multiple of 4096: not a protected file, or torn"));
  }
  UID2_RETURN_IF_ERROR(ReadHostNode(0, metadata_node_));
  Status parsed = ParseMetadataNode(metadata_node_, &plain_, scratch_);
  if (!parsed.ok()) return Fail(std::move(parsed).error());

  UID2_ASSIGN_OR_RETURN(NodeKey md_key, DeriveMetadataKey(kdk_, plain_.metadata_key_nonce));
  std::array<uint8_t, kMetadataEncryptedSize> decrypted;
  Status opened = gcm_.Open(md_key, kZeroIv, scratch_, decrypted, plain_.metadata_mac);
  OPENSSL_cleanse(md_key.data(), md_key.size());
  if (!opened.ok()) {
    return Fail(Error::VerifyFailed("metadata MAC mismatch: wrong key, or the file was altered"));
  }
  MetadataDecrypted md;
  Status md_ok = ParseMetadataDecrypted(decrypted, &md);
  OPENSSL_cleanse(decrypted.data(), decrypted.size());
  if (!md_ok.ok()) return Fail(std::move(md_ok).error());
  if (path_.empty()) {
    path_ = md.file_path;  // no binding requested: take the file's own
  } else if (md.file_path != path_) {
    return Fail(Error::VerifyFailed("the file is bound to path '" + md.file_path +
                                    "', not to this path (moved or renamed on the host?)"));
  }
  md_ = std::move(md);
  const uint64_t needed = HostNodesFor(md_.file_size) * PF_NODE_SIZE;
  if (host_size < needed) {
    return Fail(Error::Invalid("host file is " + std::to_string(host_size) + " bytes but " +
                               std::to_string(md_.file_size) + " plaintext bytes need " +
                               std::to_string(needed) + " (truncated)"));
  }
  if (md_.file_size > MD_USER_DATA_SIZE) {
    UID2_RETURN_IF_ERROR(ReadHostNode(1, root_.cipher));
    if (!gcm_.Open(md_.root_mht_node_key, kZeroIv, root_.cipher, root_.plain, md_.root_mht_node_mac)
             .ok()) {
      return Fail(Error::VerifyFailed("root MHT node (node 1) MAC mismatch: the file was altered"));
    }
  }
  return Ok();
}

Node* FileState::MhtNode(uint64_t logical_mht) {
  if (logical_mht == 0) return &root_;
  return cache_.Find(PhysicalMhtNode(logical_mht));
}

// MakeRoom frees a cache slot (never `keep`, the parent about to get a child): a clean node goes
// first; when none can go the whole file is flushed (as ipf_get_data_node does past
// MAX_NODES_IN_CACHE) so that the nodes become clean.
Status FileState::MakeRoom(const Node* keep) {
  if (!cache_.full() || cache_.Evict(keep)) return Ok();
  UID2_RETURN_IF_ERROR(InternalFlush());
  if (!cache_.Evict(keep)) return Fail(Error::Internal("node cache holds no evictable node"));
  return Ok();
}

Result<Node*> FileState::ReadMhtNode(uint64_t logical_mht) {
  if (Node* n = MhtNode(logical_mht)) return n;
  UID2_ASSIGN_OR_RETURN(Node * parent, ReadMhtNode(ParentMhtNode(logical_mht)));
  const CryptoData entry = GetCryptoData(parent->plain, MhtSlot(logical_mht));
  const uint64_t physical = PhysicalMhtNode(logical_mht);
  UID2_RETURN_IF_ERROR(MakeRoom(parent));
  Node* n = cache_.Insert(Node::Type::kMht, logical_mht, physical, parent);
  Status read = ReadHostNode(physical, n->cipher);
  if (read.ok() && !gcm_.Open(entry.key, kZeroIv, n->cipher, n->plain, entry.mac).ok()) {
    read = Corrupt("MHT node " + std::to_string(logical_mht) + " (node " +
                   std::to_string(physical) + ") MAC mismatch");
  }
  if (!read.ok()) {
    cache_.Remove(n);
    return std::move(read).error();
  }
  return n;
}

// GetMhtNodeFor returns the MHT node that owns the data node at `offset`, appending a new one
// when `offset` is the end of the file at an MHT boundary (ipf_get_mht_node).
Result<Node*> FileState::GetMhtNodeFor(uint64_t offset) {
  const uint64_t logical_mht = LogicalDataNode(offset) / ATTACHED_DATA_NODES_COUNT;
  if (logical_mht == 0) return &root_;
  const bool append =
      (offset - MD_USER_DATA_SIZE) % (ATTACHED_DATA_NODES_COUNT * PF_NODE_SIZE) == 0 &&
      offset == md_.file_size;
  if (!append) return ReadMhtNode(logical_mht);
  if (Node* n = MhtNode(logical_mht)) return n;
  UID2_ASSIGN_OR_RETURN(Node * parent, ReadMhtNode(ParentMhtNode(logical_mht)));
  UID2_RETURN_IF_ERROR(MakeRoom(parent));
  Node* n = cache_.Insert(Node::Type::kMht, logical_mht, PhysicalMhtNode(logical_mht), parent);
  n->plain.fill(0);  // a new MHT node: no children yet
  return n;
}

// ReadDataNode reads and verifies the data node holding `offset`, and with the same preadv up to
// kReadAhead - 1 following data nodes of the same MHT node that are not cached yet, so that a
// sequential reader makes one system call per 32 KiB. A read-ahead node that fails its MAC is
// dropped quietly: it fails, and breaks the file, only when it is read for itself.
Result<Node*> FileState::ReadDataNode(uint64_t offset) {
  const uint64_t logical = LogicalDataNode(offset);
  UID2_ASSIGN_OR_RETURN(Node * mht, GetMhtNodeFor(offset));
  const uint64_t mht_last = (logical / ATTACHED_DATA_NODES_COUNT + 1) * ATTACHED_DATA_NODES_COUNT;
  const uint64_t last = std::min(LogicalDataNode(md_.file_size - 1), mht_last - 1);
  std::array<Node*, kReadAhead> nodes{};
  size_t count = 0;
  Status st = Ok();
  for (uint64_t d = logical; d <= last && count < kReadAhead; d++) {
    if (d != logical && cache_.Contains(PhysicalDataNode(d))) break;
    st = MakeRoom(mht);
    if (!st.ok()) break;
    nodes[count] = cache_.Insert(Node::Type::kData, d, PhysicalDataNode(d), mht);
    nodes[count++]->pinned = true;  // not evicted while the rest are inserted
  }
  size_t got = 0;  // whole nodes read
  if (st.ok() && count > 0) {
    std::array<iovec, kReadAhead> iov;
    for (size_t i = 0; i < count; i++) iov[i] = {nodes[i]->cipher.data(), PF_NODE_SIZE};
    const uint64_t at = nodes[0]->physical * PF_NODE_SIZE;
    size_t done = 0;
    while (done < count * PF_NODE_SIZE) {
      ssize_t n = preadv(fd_, iov.data(), static_cast<int>(count), static_cast<off_t>(at));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0)
        st = Fail(Error::Errno("reading node " + std::to_string(nodes[0]->physical), errno));
      if (n <= 0) break;
      done = static_cast<size_t>(n);
      break;  // a short read: the nodes after it are simply not read ahead
    }
    got = done / PF_NODE_SIZE;
    if (st.ok() && got == 0) {
      st = Fail(Error::Invalid("node " + std::to_string(nodes[0]->physical) +
                               " is missing (the host file is truncated)"));
    }
  }
  for (size_t i = 0; i < count; i++) {
    Node* n = nodes[i];
    n->pinned = false;
    const CryptoData entry = GetCryptoData(mht->plain, DataSlot(n->logical));
    const bool ok =
        st.ok() && i < got && gcm_.Open(entry.key, kZeroIv, n->cipher, n->plain, entry.mac).ok();
    if (ok) continue;
    if (i == 0 && st.ok()) {
      st = Corrupt("data node " + std::to_string(logical) + " (node " +
                   std::to_string(n->physical) + ") MAC mismatch");
    }
    cache_.Remove(n);
  }
  if (!st.ok()) return std::move(st).error();
  return nodes[0];
}

// GetDataNode returns the data node holding `offset` (>= 3072): cached, appended when `offset`
// is the end of the file at a node boundary, or read and verified (ipf_get_data_node).
Result<Node*> FileState::GetDataNode(uint64_t offset) {
  const uint64_t logical = LogicalDataNode(offset);
  const uint64_t physical = PhysicalDataNode(logical);
  Node* n = cache_.Find(physical);
  if (!n) {
    const bool append = (offset - MD_USER_DATA_SIZE) % PF_NODE_SIZE == 0 && offset == md_.file_size;
    if (append) {
      UID2_ASSIGN_OR_RETURN(Node * mht, GetMhtNodeFor(offset));
      UID2_RETURN_IF_ERROR(MakeRoom(mht));
      n = cache_.Insert(Node::Type::kData, logical, physical, mht);
      n->fresh = true;  // zeroed around the first write (Write), which comes next
    } else {
      UID2_ASSIGN_OR_RETURN(n, ReadDataNode(offset));
    }
  }
  cache_.TouchAncestors(n);
  return n;
}

void FileState::MarkDirty(Node* data_node) {
  if (data_node->dirty) return;
  data_node->dirty = true;
  for (Node* n = data_node->parent; n != nullptr; n = n->parent) n->dirty = true;  // up to root_
  need_writing_ = true;
}

Result<size_t> FileState::Read(uint64_t offset, std::span<uint8_t> out) {
  UID2_RETURN_IF_ERROR(CheckUsable());
  if (offset >= md_.file_size || out.empty()) return size_t{0};
  const size_t total = static_cast<size_t>(std::min<uint64_t>(out.size(), md_.file_size - offset));
  size_t done = 0;
  if (offset < MD_USER_DATA_SIZE) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(total, MD_USER_DATA_SIZE - offset));
    std::memcpy(out.data(), md_.file_data.data() + offset, n);
    done = n;
  }
  while (done < total) {
    const uint64_t pos = offset + done;
    UID2_ASSIGN_OR_RETURN(Node * node, GetDataNode(pos));
    const size_t in_node = static_cast<size_t>((pos - MD_USER_DATA_SIZE) % PF_NODE_SIZE);
    const size_t n = std::min(total - done, PF_NODE_SIZE - in_node);
    std::memcpy(out.data() + done, node->plain.data() + in_node, n);
    done += n;
  }
  return done;
}

// Write stores `len` bytes of `data` (zeros when data is null) at `offset` <= size (ipf_write).
Status FileState::Write(uint64_t offset, const uint8_t* data, size_t len) {
  UID2_RETURN_IF_ERROR(CheckWritable());
  if (len == 0) return Ok();
  if (offset > kMaxPlaintextSize || len > kMaxPlaintextSize - offset) {
    return Fail(Error::Invalid("write past the largest protected file size"));
  }
  if (offset > md_.file_size) UID2_RETURN_IF_ERROR(SetSize(offset));
  size_t done = 0;
  if (offset < MD_USER_DATA_SIZE) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(len, MD_USER_DATA_SIZE - offset));
    if (data) {
      std::memcpy(md_.file_data.data() + offset, data, n);
    } else {
      std::memset(md_.file_data.data() + offset, 0, n);
    }
    done = n;
    md_.file_size = std::max<uint64_t>(md_.file_size, offset + n);
    need_writing_ = true;
  }
  while (done < len) {
    const uint64_t pos = offset + done;
    UID2_ASSIGN_OR_RETURN(Node * node, GetDataNode(pos));
    const size_t in_node = static_cast<size_t>((pos - MD_USER_DATA_SIZE) % PF_NODE_SIZE);
    const size_t n = std::min(len - done, PF_NODE_SIZE - in_node);
    if (node->fresh) {  // a new node reads as zeros outside what is written
      std::memset(node->plain.data(), 0, in_node);
      std::memset(node->plain.data() + in_node + n, 0, PF_NODE_SIZE - in_node - n);
      node->fresh = false;
    }
    if (data) {
      std::memcpy(node->plain.data() + in_node, data + done, n);
    } else {
      std::memset(node->plain.data() + in_node, 0, n);
    }
    done += n;
    md_.file_size = std::max<uint64_t>(md_.file_size, pos + n);
    MarkDirty(node);
  }
  return Ok();
}

Status FileState::SetSize(uint64_t size) {
  UID2_RETURN_IF_ERROR(CheckWritable());
  if (size == md_.file_size) return Ok();
  if (size > md_.file_size) return Write(md_.file_size, nullptr, size - md_.file_size);
  // Shrink as pf_set_size: flush, forget the cache, cut the host file after the last node still
  // used. MHT entries of the cut nodes stay behind unused until those nodes are appended again.
  UID2_RETURN_IF_ERROR(InternalFlush());
  cache_.Clear();
  const uint64_t host_size = HostNodesFor(size) * PF_NODE_SIZE;
  if (ftruncate(fd_, static_cast<off_t>(host_size)) != 0) {
    return Fail(Error::Errno("truncating the host file to " + std::to_string(host_size), errno));
  }
  md_.file_size = size;
  need_writing_ = true;
  return Ok();
}

Status FileState::Rename(std::string new_path) {
  UID2_RETURN_IF_ERROR(CheckWritable());
  if (new_path.size() + 1 > PATH_MAX_SIZE) {
    return Fail(Error::Invalid("new path is longer than 771 bytes"));
  }
  if (new_path.find('\0') != std::string::npos) {
    return Fail(Error::Invalid("new path contains a NUL byte"));
  }
  md_.file_path = new_path;
  path_ = std::move(new_path);
  need_writing_ = true;
  return InternalFlush();
}

// EncryptDirtyNodes: new random keys for every dirty data node (into its MHT slot), then every
// dirty MHT node from the deepest (highest number) up, then the root into the metadata
// (ipf_update_all_data_and_mht_nodes).
Status FileState::EncryptDirtyNodes() {
  std::vector<Node*> mht_nodes;
  Status status = Ok();
  cache_.ForEach([&](Node& n) {
    if (!n.dirty || !status.ok()) return;
    if (n.type == Node::Type::kMht) {
      mht_nodes.push_back(&n);
      return;
    }
    CryptoData entry;
    crypto::RandomFill(entry.key);
    status = gcm_.Seal(entry.key, kZeroIv, n.plain, n.cipher, &entry.mac);
    PutCryptoData(n.parent->plain, DataSlot(n.logical), entry);
  });
  UID2_RETURN_IF_ERROR(status);
  std::sort(mht_nodes.begin(), mht_nodes.end(),
            [](const Node* a, const Node* b) { return a->logical > b->logical; });
  for (Node* n : mht_nodes) {
    CryptoData entry;
    crypto::RandomFill(entry.key);
    UID2_RETURN_IF_ERROR(gcm_.Seal(entry.key, kZeroIv, n->plain, n->cipher, &entry.mac));
    PutCryptoData(n->parent->plain, MhtSlot(n->logical), entry);
  }
  crypto::RandomFill(md_.root_mht_node_key);
  return gcm_.Seal(md_.root_mht_node_key, kZeroIv, root_.plain, root_.cipher,
                   &md_.root_mht_node_mac);
}

// EncryptMetadata: a fresh nonce, hence a fresh metadata key (ipf_update_metadata_node).
Status FileState::EncryptMetadata(std::span<uint8_t, PF_NODE_SIZE> out_node) {
  crypto::RandomFill(plain_.metadata_key_nonce);
  UID2_ASSIGN_OR_RETURN(NodeKey key, DeriveMetadataKey(kdk_, plain_.metadata_key_nonce));
  std::array<uint8_t, kMetadataEncryptedSize> decrypted;
  SerializeMetadataDecrypted(md_, decrypted);
  Status sealed = gcm_.Seal(key, kZeroIv, decrypted, scratch_, &plain_.metadata_mac);
  OPENSSL_cleanse(decrypted.data(), decrypted.size());
  OPENSSL_cleanse(key.data(), key.size());
  UID2_RETURN_IF_ERROR(sealed);
  SerializeMetadataNode(plain_, scratch_, out_node);
  return Ok();
}

// InternalFlush (ipf_internal_flush): encrypt, then write the nodes and the root, and the
// metadata node last. Dirty flags are cleared only once everything is written, so a failed
// flush can be retried (with fresh keys again).
Status FileState::InternalFlush() {
  if (!need_writing_) return Ok();
  const bool nodes = md_.file_size > MD_USER_DATA_SIZE && root_.dirty;
  Status st = nodes ? EncryptDirtyNodes() : Ok();
  if (st.ok()) st = EncryptMetadata(metadata_node_);
  if (!st.ok()) return Fail(std::move(st).error());
  if (nodes) {
    std::vector<Node*> dirty;
    cache_.ForEach([&](Node& n) {
      if (n.dirty) dirty.push_back(&n);
    });
    dirty.push_back(&root_);
    UID2_RETURN_IF_ERROR(WriteHostNodes(dirty));
  }
  if (pwrite(fd_, metadata_node_.data(), PF_NODE_SIZE, 0) != static_cast<ssize_t>(PF_NODE_SIZE)) {
    return Fail(Error::Errno("writing the metadata node", errno));
  }
  if (nodes) {
    cache_.ForEach([](Node& n) { n.dirty = false; });
    root_.dirty = false;
  }
  need_writing_ = false;
  return Ok();
}

Status FileState::Flush() {
  UID2_RETURN_IF_ERROR(CheckUsable());
  return InternalFlush();
}

Status FileState::Close() {
  if (closed_) return Ok();
  Status st = CheckUsable();
  if (st.ok()) st = InternalFlush();
  closed_ = true;
  cache_.Clear();
  return st;
}

// ProtectedFile

ProtectedFile::ProtectedFile(std::unique_ptr<FileState> state) : state_(std::move(state)) {}

ProtectedFile::~ProtectedFile() {
  if (state_ && !state_->closed()) (void)state_->Close();
}

Result<std::unique_ptr<ProtectedFile>> ProtectedFile::Open(int fd, std::string path, const Key& key,
                                                           Mode mode, bool create) {
  if ((create && path.empty()) || path.size() + 1 > PATH_MAX_SIZE ||
      path.find('\0') != std::string::npos) {
    return Error::Invalid("bound path must be 1..771 bytes without NUL").Context(path);
  }
  if (create && mode != Mode::kReadWrite) {
    return Error::Invalid("creating a protected file needs read-write mode").Context(path);
  }
  UID2_ASSIGN_OR_RETURN(crypto::Aes128Gcm gcm, crypto::Aes128Gcm::Create());
  auto state = std::make_unique<FileState>(fd, std::move(path), key, mode, std::move(gcm));
  UID2_RETURN_IF_ERROR(create ? state->InitNew() : state->InitExisting());
  return std::unique_ptr<ProtectedFile>(new ProtectedFile(std::move(state)));
}

uint64_t ProtectedFile::size() const { return state_->size(); }
const std::string& ProtectedFile::path() const { return state_->path(); }
Result<size_t> ProtectedFile::Read(uint64_t offset, std::span<uint8_t> out) {
  return state_->Read(offset, out);
}
Status ProtectedFile::Write(uint64_t offset, std::span<const uint8_t> data) {
  return state_->Write(offset, data.data(), data.size());
}
Status ProtectedFile::SetSize(uint64_t size) { return state_->SetSize(size); }
Status ProtectedFile::Rename(std::string new_path) { return state_->Rename(std::move(new_path)); }
Status ProtectedFile::Flush() { return state_->Flush(); }
Status ProtectedFile::Close() { return state_->Close(); }

}  // namespace uid2::pf
