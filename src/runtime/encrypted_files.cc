#include "runtime/encrypted_files.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>

#include "common/log.h"

namespace uid2::runtime {

// A read-only protected-file context of its own (host descriptor + context): lets reads of one
// file run on several FUSE threads at once while nothing is being written.
struct Reader {
  int fd = -1;
  std::unique_ptr<pf::ProtectedFile> pf;
  ~Reader() {
    pf.reset();
    if (fd >= 0) close(fd);
  }
};

struct EncryptedFiles::Node {
  std::mutex mu;  // serialises the protected-file context (not thread-safe) and the fields below
  std::string host;
  std::string pf_path;
  std::string view_path;
  pf::Key key{};
  int fd = -1;
  std::unique_ptr<pf::ProtectedFile> pf;
  std::atomic<uint64_t> size{0};  // plaintext size, for stat without `mu`
  int refs = 0;                   // guarded by EncryptedFiles::mu_
  // Reads may use `readers` only while the host file holds everything written (!dirty); `gen`
  // counts the changes this context makes to the host file, so a read that raced one is redone.
  bool dirty = false;
  uint64_t gen = 0;
  std::vector<std::unique_ptr<Reader>> readers;  // idle reader contexts
};

namespace {

int ErrnoOf(const Error& e) { return e.code() == ErrorCode::kIo ? -EIO : -EACCES; }

bool SameTime(const struct timespec& a, const struct timespec& b) {
  return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

}  // namespace

EncryptedFiles::~EncryptedFiles() {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [host, node] : nodes_) CloseNode(*node);
  nodes_.clear();
}

int EncryptedFiles::Refused(const std::string& view_path, const std::string& host,
                            const std::string& pf_path, const Error& e) {
  std::lock_guard<std::mutex> lock(log_mu_);
  if (logged_.insert(host + "\n" + e.message()).second) {
    log::Warn("encrypted_file_refused",
              {{"path", view_path}, {"uri", "file:" + pf_path}, {"reason", e.message()}});
  }
  return ErrnoOf(e);
}

int EncryptedFiles::Refused(const Node& node, const Error& e) {
  return Refused(node.view_path, node.host, node.pf_path, e);
}

int EncryptedFiles::KeyFor(const std::string& view_path, const Location& loc, pf::Key* key) {
  int rc = keys_(loc.key_name, key);
  if (rc == 0) return 0;
  std::string why = rc == -ENOKEY
                        ? "key '" + loc.key_name +
                              "' is not set: write its 16 bytes to /dev/attestation/keys/" +
                              loc.key_name + " first"
                        : "key '" + loc.key_name + "' is not available";
  Refused(view_path, loc.host, loc.pf_path, Error::VerifyFailed(why));
  return -EACCES;
}

int EncryptedFiles::OpenLocked(const std::string& view_path, const Location& loc, bool create,
                               mode_t mode, std::shared_ptr<Node>* out) {
  auto it = nodes_.find(loc.host);
  if (it != nodes_.end()) {
    *out = it->second;
    return 0;
  }
  pf::Key key;
  if (int rc = KeyFor(view_path, loc, &key); rc != 0) return rc;
  int fd = open(loc.host.c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW | (create ? O_CREAT : 0),
                mode | S_IRUSR | S_IWUSR);
  if (fd < 0) return errno == ELOOP ? -EACCES : -errno;
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return -EACCES;
  }
  bool fresh = create && st.st_size == 0;
  Result<std::unique_ptr<pf::ProtectedFile>> pf =
      pf::ProtectedFile::Open(fd, loc.pf_path, key, pf::Mode::kReadWrite, fresh);
  if (!pf.ok()) {
    close(fd);
    return Refused(view_path, loc.host, loc.pf_path, pf.error());
  }
  auto node = std::make_shared<Node>();
  node->host = loc.host;
  node->pf_path = loc.pf_path;
  node->view_path = view_path;
  node->fd = fd;
  node->key = key;
  node->pf = std::move(pf).value();
  node->size = node->pf->size();
  nodes_[loc.host] = node;
  sizes_.erase(loc.host);
  *out = std::move(node);
  return 0;
}

int EncryptedFiles::Open(const std::string& view_path, const Location& loc, bool create,
                         bool truncate, mode_t mode, std::shared_ptr<Node>* out) {
  std::lock_guard<std::mutex> lock(mu_);
  std::shared_ptr<Node> node;
  if (int rc = OpenLocked(view_path, loc, create, mode, &node); rc != 0) return rc;
  node->refs++;
  if (truncate && node->size != 0) {
    std::lock_guard<std::mutex> nlock(node->mu);
    Status s = node->pf->SetSize(0);
    Changed(*node, false);
    if (!s.ok()) {
      Refused(view_path, loc.host, loc.pf_path, s.error());
      if (--node->refs == 0) {
        CloseNode(*node);
        nodes_.erase(loc.host);
      }
      return ErrnoOf(s.error());
    }
    node->size = 0;
  }
  *out = std::move(node);
  return 0;
}

void EncryptedFiles::CloseNode(Node& node) {
  std::lock_guard<std::mutex> nlock(node.mu);
  node.readers.clear();
  if (!node.pf) return;
  Status s = node.pf->Close();
  if (!s.ok()) {
    log::Error("encrypted_file_flush_failed", {{"path", node.view_path},
                                               {"uri", "file:" + node.pf_path},
                                               {"error", s.error().message()}});
  } else {
    struct stat st;
    if (fstat(node.fd, &st) == 0 && st.st_nlink > 0) {
      sizes_[node.host] = {st.st_ino, st.st_mtim, st.st_ctim, st.st_size, node.size};
    }
  }
  node.pf.reset();
  close(node.fd);
  node.fd = -1;
}

void EncryptedFiles::Release(const std::shared_ptr<Node>& node) {
  std::lock_guard<std::mutex> lock(mu_);
  if (--node->refs > 0) return;
  CloseNode(*node);
  auto it = nodes_.find(node->host);
  if (it != nodes_.end() && it->second == node) nodes_.erase(it);
}

int EncryptedFiles::Read(Node& node, std::span<uint8_t> out, uint64_t offset) {
  std::unique_ptr<Reader> reader;
  uint64_t gen = 0;
  std::string host, pf_path;
  {
    std::lock_guard<std::mutex> lock(node.mu);
    if (node.dirty || !node.pf) return ReadShared(node, out, offset);
    gen = node.gen;
    host = node.host;
    pf_path = node.pf_path;
    if (!node.readers.empty()) {
      reader = std::move(node.readers.back());
      node.readers.pop_back();
    }
  }
  // Outside the lock: another thread may use the shared context (or another reader) meanwhile.
  if (!reader) {
    reader = std::make_unique<Reader>();
    reader->fd = open(host.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (reader->fd >= 0) {
      auto pf = pf::ProtectedFile::Open(reader->fd, pf_path, node.key, pf::Mode::kRead, false);
      if (pf.ok()) reader->pf = std::move(pf).value();
    }
  }
  Result<size_t> n = reader->pf ? reader->pf->Read(offset, out)
                                : Result<size_t>(Error::Internal("no reader context"));
  std::lock_guard<std::mutex> lock(node.mu);
  if (!n.ok() || node.gen != gen || node.dirty || !node.pf) {
    // A failure, or a change made while reading: the shared context decides (and reports).
    return ReadShared(node, out, offset);
  }
  if (node.readers.size() < kMaxReaders) node.readers.push_back(std::move(reader));
  return static_cast<int>(*n);
}

int EncryptedFiles::ReadShared(Node& node, std::span<uint8_t> out, uint64_t offset) {
  Result<size_t> n = node.pf->Read(offset, out);
  if (!n.ok()) return Refused(node, n.error());
  return static_cast<int>(*n);
}

void EncryptedFiles::Changed(Node& node, bool flushed) {
  node.dirty = !flushed;
  node.gen++;
  node.readers.clear();  // their caches hold the old version
}

int EncryptedFiles::Write(Node& node, std::span<const uint8_t> data, uint64_t offset) {
  std::lock_guard<std::mutex> lock(node.mu);
  Status s = node.pf->Write(offset, data);
  Changed(node, false);
  if (!s.ok()) {
    return Refused(node, s.error());
  }
  node.size = node.pf->size();
  return static_cast<int>(data.size());
}

int EncryptedFiles::Truncate(Node& node, uint64_t size) {
  std::lock_guard<std::mutex> lock(node.mu);
  Status s = node.pf->SetSize(size);
  Changed(node, false);
  if (!s.ok()) {
    return Refused(node, s.error());
  }
  node.size = node.pf->size();
  return 0;
}

int EncryptedFiles::Flush(Node& node) {
  std::lock_guard<std::mutex> lock(node.mu);
  if (!node.dirty) return 0;  // nothing written since the last flush
  Status s = node.pf->Flush();
  Changed(node, s.ok());
  if (!s.ok()) {
    return Refused(node, s.error());
  }
  return 0;
}

int EncryptedFiles::Fsync(Node& node, bool datasync) {
  if (int rc = Flush(node); rc != 0) return rc;
  return (datasync ? fdatasync(node.fd) : fsync(node.fd)) == 0 ? 0 : -errno;
}

int EncryptedFiles::Getattr(const std::string& view_path, const Location& loc, struct stat* st) {
  if (lstat(loc.host.c_str(), st) != 0) return -errno;
  if (S_ISDIR(st->st_mode)) return 0;
  if (!S_ISREG(st->st_mode)) {
    Refused(view_path, loc.host, loc.pf_path,
            Error::VerifyFailed("not a regular file or directory"));
    return -EACCES;
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = nodes_.find(loc.host); it != nodes_.end()) {
    st->st_size = static_cast<off_t>(it->second->size.load());
    return 0;
  }
  auto cached = sizes_.find(loc.host);
  if (cached != sizes_.end() && cached->second.ino == st->st_ino &&
      SameTime(cached->second.mtime, st->st_mtim) && SameTime(cached->second.ctime, st->st_ctim) &&
      cached->second.host_size == st->st_size) {
    st->st_size = static_cast<off_t>(cached->second.plain_size);
    return 0;
  }
  // The size is in the (authenticated) metadata: open the file read-only to learn it. A file
  // that fails its check stats with size 0, so that it can still be listed and deleted.
  st->st_size = 0;
  pf::Key key;
  if (KeyFor(view_path, loc, &key) != 0) return 0;
  int fd = open(loc.host.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return 0;
  Result<std::unique_ptr<pf::ProtectedFile>> pf =
      pf::ProtectedFile::Open(fd, loc.pf_path, key, pf::Mode::kRead, false);
  if (pf.ok()) {
    uint64_t size = (*pf)->size();
    pf.value().reset();
    sizes_[loc.host] = {st->st_ino, st->st_mtim, st->st_ctim, st->st_size, size};
    st->st_size = static_cast<off_t>(size);
  } else {
    Refused(view_path, loc.host, loc.pf_path, pf.error());
  }
  close(fd);
  return 0;
}

int EncryptedFiles::TruncatePath(const std::string& view_path, const Location& loc, uint64_t size) {
  std::shared_ptr<Node> node;
  if (int rc = Open(view_path, loc, false, false, 0, &node); rc != 0) return rc;
  int rc = Truncate(*node, size);
  Release(node);
  return rc;
}

int EncryptedFiles::Unlink(const Location& loc) {
  std::lock_guard<std::mutex> lock(mu_);
  if (unlink(loc.host.c_str()) != 0) return -errno;
  nodes_.erase(loc.host);  // open descriptors keep the (now nameless) file, as on POSIX
  sizes_.erase(loc.host);
  return 0;
}

int EncryptedFiles::Rename(const std::string& from_view, const Location& from,
                           const std::string& to_view, const Location& to, unsigned int flags) {
  if (to.kind != Location::Kind::kEncrypted || to.mount_path != from.mount_path) return -EXDEV;
  if (flags & RENAME_EXCHANGE) return -EINVAL;
  struct stat st;
  if (lstat(from.host.c_str(), &st) != 0) return -errno;
  if (S_ISDIR(st.st_mode)) return -EXDEV;  // its files stay bound to their old paths
  if (!S_ISREG(st.st_mode)) return -EACCES;
  std::lock_guard<std::mutex> lock(mu_);
  std::shared_ptr<Node> node;
  if (int rc = OpenLocked(from_view, from, false, 0, &node); rc != 0) return rc;
  node->refs++;
  int rc = 0;
  {
    std::lock_guard<std::mutex> nlock(node->mu);
    Status s = node->pf->Rename(to.pf_path);
    Changed(*node, s.ok());
    if (!s.ok()) {
      rc = Refused(from_view, from.host, from.pf_path, s.error());
    } else if (renameat2(AT_FDCWD, from.host.c_str(), AT_FDCWD, to.host.c_str(), flags) != 0) {
      rc = -errno;
      Status back = node->pf->Rename(from.pf_path);
      if (!back.ok()) Refused(from_view, from.host, from.pf_path, back.error());
    } else {
      node->host = to.host;
      node->pf_path = to.pf_path;
      node->view_path = to_view;
    }
  }
  if (rc == 0) {
    nodes_.erase(from.host);
    nodes_[to.host] = node;  // an open descriptor of an overwritten target keeps its file
    sizes_.erase(from.host);
    sizes_.erase(to.host);
  }
  if (--node->refs == 0) {
    CloseNode(*node);
    auto it = nodes_.find(node->host);
    if (it != nodes_.end() && it->second == node) nodes_.erase(it);
  }
  return rc;
}

}  // namespace uid2::runtime
