#define FUSE_USE_VERSION 35
#include "runtime/view_fs.h"

#include <dirent.h>
#include <fcntl.h>
#include <fuse3/fuse.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>

#include "common/json.h"
#include "common/log.h"

namespace uid2::runtime {
namespace {

// One open file of the app.
struct Handle {
  enum class Kind { kHost, kTrusted, kAttestation, kEncrypted } kind = Kind::kHost;
  int fd = -1;
  std::shared_ptr<EncryptedFiles::Node> enc;  // kEncrypted
  std::string host;
  std::string att_name;  // kAttestation
  Bytes data;            // kAttestation: the snapshot (and the written bytes)
  bool dirty = false;
};

ViewFs* Self() { return static_cast<ViewFs*>(fuse_get_context()->private_data); }
Handle* H(struct fuse_file_info* fi) { return reinterpret_cast<Handle*>(fi->fh); }

std::string AttName(const char* path) {
  std::string p = NormalisePath(path);
  return p.size() > kAttestationDir.size() ? p.substr(kAttestationDir.size() + 1) : "";
}

void SyntheticDirStat(struct stat* st) {
  std::memset(st, 0, sizeof(*st));
  st->st_mode = S_IFDIR | 0755;
  st->st_nlink = 2;
}

int OpGetattr(const char* path, struct stat* st, struct fuse_file_info*) {
  ViewFs* fs = Self();
  Location loc = fs->view().Resolve(path);
  switch (loc.kind) {
    case Location::Kind::kHost:
      if (lstat(loc.host.c_str(), st) == 0) return 0;
      if (fs->view().IsSyntheticDir(NormalisePath(path))) {
        SyntheticDirStat(st);
        return 0;
      }
      return -errno;
    case Location::Kind::kEncrypted: {
      int rc = fs->encrypted().Getattr(NormalisePath(path), loc, st);
      if (rc != 0 && fs->view().IsSyntheticDir(NormalisePath(path))) {
        SyntheticDirStat(st);
        return 0;
      }
      return rc;
    }
    case Location::Kind::kSynthetic:
      SyntheticDirStat(st);
      return 0;
    case Location::Kind::kAttestation: {
      AttestationFiles::Node node;
      if (int rc = fs->attestation().Stat(AttName(path), &node); rc != 0) return rc;
      std::memset(st, 0, sizeof(*st));
      st->st_mode = node.dir ? (S_IFDIR | 0755) : (S_IFREG | (node.writable ? 0600 : 0400));
      st->st_nlink = node.dir ? 2 : 1;
      st->st_size = static_cast<off_t>(node.size);
      return 0;
    }
    case Location::Kind::kNone:
      break;
  }
  return -ENOENT;
}

int OpReadlink(const char* path, char* buf, size_t size) {
  Location loc = Self()->view().Resolve(path);
  if (loc.kind != Location::Kind::kHost) return -EINVAL;
  ssize_t n = readlink(loc.host.c_str(), buf, size - 1);
  if (n < 0) return -errno;
  buf[n] = '\0';
  return 0;
}

int OpReaddir(const char* path, void* buf, fuse_fill_dir_t fill, off_t, struct fuse_file_info*,
              enum fuse_readdir_flags) {
  ViewFs* fs = Self();
  std::string view_path = NormalisePath(path);
  Location loc = fs->view().Resolve(view_path);
  std::set<std::string> names = fs->view().SyntheticChildren(view_path);
  if (loc.kind == Location::Kind::kAttestation ||
      (loc.kind == Location::Kind::kSynthetic && view_path == kAttestationDir)) {
    for (const std::string& n : fs->attestation().List(AttName(path))) names.insert(n);
  } else if (loc.kind == Location::Kind::kHost || loc.kind == Location::Kind::kEncrypted) {
    DIR* d = opendir(loc.host.c_str());
    if (d == nullptr && names.empty()) return -errno;
    if (d != nullptr) {
      while (struct dirent* e = readdir(d)) names.insert(e->d_name);
      closedir(d);
    }
  } else if (loc.kind != Location::Kind::kSynthetic) {
    return -ENOENT;
  }
  names.insert(".");
  names.insert("..");
  for (const std::string& n : names)
    fill(buf, n.c_str(), nullptr, 0, static_cast<fuse_fill_dir_flags>(0));
  return 0;
}

int OpenAttestation(ViewFs* fs, const char* path, struct fuse_file_info* fi) {
  auto h = std::make_unique<Handle>();
  h->kind = Handle::Kind::kAttestation;
  h->att_name = AttName(path);
  AttestationFiles::Node node;
  if (int rc = fs->attestation().Stat(h->att_name, &node); rc != 0) return rc;
  bool write = (fi->flags & O_ACCMODE) != O_RDONLY;
  if (write && !node.writable) return -EACCES;
  if (int rc = fs->attestation().Snapshot(h->att_name, &h->data); rc != 0) return rc;
  if (fi->flags & O_TRUNC) h->data.clear();
  fi->direct_io = 1;
  fi->fh = reinterpret_cast<uint64_t>(h.release());
  return 0;
}

bool Writes(int flags) { return (flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC); }

int OpenEncrypted(ViewFs* fs, const char* path, const Location& loc, bool create, mode_t mode,
                  struct fuse_file_info* fi) {
  auto h = std::make_unique<Handle>();
  h->kind = Handle::Kind::kEncrypted;
  h->host = loc.host;
  bool truncate = create || (fi->flags & O_TRUNC);
  int rc = fs->encrypted().Open(NormalisePath(path), loc, create, truncate, mode, &h->enc);
  if (rc != 0) return rc;
  fi->fh = reinterpret_cast<uint64_t>(h.release());
  return 0;
}

int OpOpen(const char* path, struct fuse_file_info* fi) {
  ViewFs* fs = Self();
  Location loc = fs->view().Resolve(path);
  if (loc.kind == Location::Kind::kAttestation) return OpenAttestation(fs, path, fi);
  if (loc.kind == Location::Kind::kEncrypted) return OpenEncrypted(fs, path, loc, false, 0, fi);
  if (loc.kind != Location::Kind::kHost) return -EACCES;
  bool write = Writes(fi->flags);
  const crypto::Sha256Digest* sha = nullptr;
  Access access = fs->Decide(NormalisePath(path), loc.bundle_path, write, &sha);
  if (access == Access::kDenied) return -EACCES;
  auto h = std::make_unique<Handle>();
  h->host = loc.host;
  if (access == Access::kTrusted) {
    TrustedFiles::Opened opened;
    int rc = fs->trusted().Open(loc.host, "file:" + loc.bundle_path, *sha, &opened);
    if (rc != 0) return rc;
    h->kind = Handle::Kind::kTrusted;
    h->fd = opened.fd;
    fi->keep_cache = opened.keep_cache;
    fs->NoteViewPath(loc.host, NormalisePath(path));
  } else {
    h->fd = open(loc.host.c_str(), (fi->flags & ~(O_CREAT | O_EXCL | O_NOCTTY)) | O_CLOEXEC);
    if (h->fd < 0) return -errno;
  }
  fi->fh = reinterpret_cast<uint64_t>(h.release());
  return 0;
}

int OpCreate(const char* path, mode_t mode, struct fuse_file_info* fi) {
  ViewFs* fs = Self();
  Location loc = fs->view().Resolve(path);
  if (loc.kind == Location::Kind::kEncrypted) return OpenEncrypted(fs, path, loc, true, mode, fi);
  if (loc.kind != Location::Kind::kHost) return -EACCES;
  const crypto::Sha256Digest* sha = nullptr;
  if (fs->Decide(NormalisePath(path), loc.bundle_path, true, &sha) != Access::kAllowed) {
    return -EACCES;
  }
  auto h = std::make_unique<Handle>();
  h->host = loc.host;
  h->fd = open(loc.host.c_str(), fi->flags | O_CREAT | O_CLOEXEC, mode);
  if (h->fd < 0) return -errno;
  fi->fh = reinterpret_cast<uint64_t>(h.release());
  return 0;
}

// OpReadBuf answers a read with one malloc'ed buffer that libfuse writes to /dev/fuse as is
// and then frees: trusted bytes are verified in that buffer, so nothing is copied after the
// check (and nothing between the check and the kernel).
int OpReadBuf(const char*, struct fuse_bufvec** bufp, size_t size, off_t offset,
              struct fuse_file_info* fi) {
  Handle* h = H(fi);
  size_t cap = h->kind == Handle::Kind::kTrusted ? TrustedFiles::ReadCapacity(size) : size;
  auto* mem = static_cast<uint8_t*>(std::malloc(std::max<size_t>(cap, 1)));
  auto* vec = static_cast<struct fuse_bufvec*>(std::malloc(sizeof(struct fuse_bufvec)));
  if (mem == nullptr || vec == nullptr) {
    std::free(mem);
    std::free(vec);
    return -ENOMEM;
  }
  if (cap >= 64 * 1024) PrefaultWritable(mem, cap);
  int n = -EIO;
  switch (h->kind) {
    case Handle::Kind::kTrusted:
      n = Self()->trusted().ReadInPlace(h->host, h->fd, mem, size, offset);
      break;
    case Handle::Kind::kAttestation:
      n = 0;
      if (offset < static_cast<off_t>(h->data.size())) {
        n = static_cast<int>(std::min(size, h->data.size() - static_cast<size_t>(offset)));
        std::memcpy(mem, h->data.data() + offset, static_cast<size_t>(n));
      }
      break;
    case Handle::Kind::kHost: {
      ssize_t got = pread(h->fd, mem, size, offset);
      n = got < 0 ? -errno : static_cast<int>(got);
      break;
    }
    case Handle::Kind::kEncrypted:
      n = Self()->encrypted().Read(*h->enc, std::span<uint8_t>(mem, size),
                                   static_cast<uint64_t>(offset));
      break;
  }
  if (n < 0) {
    std::free(mem);
    std::free(vec);
    return n;
  }
  std::memset(vec, 0, sizeof(*vec));
  vec->count = 1;
  vec->buf[0].size = static_cast<size_t>(n);
  vec->buf[0].mem = mem;
  vec->buf[0].fd = -1;
  *bufp = vec;
  return 0;
}

int OpWrite(const char*, const char* buf, size_t size, off_t offset, struct fuse_file_info* fi) {
  Handle* h = H(fi);
  if (h->kind == Handle::Kind::kTrusted) return -EACCES;
  if (h->kind == Handle::Kind::kAttestation) {
    if (offset < 0 || static_cast<size_t>(offset) + size > 1 << 20) return -EFBIG;
    if (h->data.size() < static_cast<size_t>(offset) + size) h->data.resize(offset + size);
    std::memcpy(h->data.data() + offset, buf, size);
    h->dirty = true;
    return static_cast<int>(size);
  }
  if (h->kind == Handle::Kind::kEncrypted) {
    if (offset < 0) return -EINVAL;
    return Self()->encrypted().Write(
        *h->enc, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(buf), size),
        static_cast<uint64_t>(offset));
  }
  ssize_t n = pwrite(h->fd, buf, size, offset);
  return n < 0 ? -errno : static_cast<int>(n);
}

int OpFlush(const char*, struct fuse_file_info* fi) {
  Handle* h = H(fi);
  if (h->kind == Handle::Kind::kEncrypted) return Self()->encrypted().Flush(*h->enc);
  if (h->kind != Handle::Kind::kAttestation || !h->dirty) return 0;
  h->dirty = false;
  return Self()->attestation().Commit(h->att_name, h->data);
}

int OpRelease(const char*, struct fuse_file_info* fi) {
  Handle* h = H(fi);
  if (h->kind == Handle::Kind::kEncrypted) Self()->encrypted().Release(h->enc);
  if (h->fd >= 0) close(h->fd);
  delete h;
  return 0;
}

int OpFsync(const char*, int datasync, struct fuse_file_info* fi) {
  Handle* h = H(fi);
  if (h->kind == Handle::Kind::kEncrypted) return Self()->encrypted().Fsync(*h->enc, datasync);
  if (h->fd < 0) return 0;
  return (datasync ? fdatasync(h->fd) : fsync(h->fd)) == 0 ? 0 : -errno;
}

// Mutations of the tree: only inside allowed paths and encrypted mounts.
int CheckMutable(ViewFs* fs, const char* path, Location* loc) {
  *loc = fs->view().Resolve(path);
  if (loc->kind == Location::Kind::kEncrypted) return 0;
  if (loc->kind != Location::Kind::kHost) return -EACCES;
  const crypto::Sha256Digest* sha = nullptr;
  if (fs->Decide(NormalisePath(path), loc->bundle_path, true, &sha) != Access::kAllowed) {
    return -EACCES;
  }
  return 0;
}

#define UID2_MUTATE(call)                                            \
  Location loc;                                                      \
  if (int rc = CheckMutable(Self(), path, &loc); rc != 0) return rc; \
  return (call) == 0 ? 0 : -errno

int OpMkdir(const char* path, mode_t mode) { UID2_MUTATE(mkdir(loc.host.c_str(), mode)); }
int OpUnlink(const char* path) {
  Location loc;
  if (int rc = CheckMutable(Self(), path, &loc); rc != 0) return rc;
  if (loc.kind == Location::Kind::kEncrypted) return Self()->encrypted().Unlink(loc);
  return unlink(loc.host.c_str()) == 0 ? 0 : -errno;
}
int OpRmdir(const char* path) { UID2_MUTATE(rmdir(loc.host.c_str())); }
int OpChmod(const char* path, mode_t mode, struct fuse_file_info*) {
  UID2_MUTATE(chmod(loc.host.c_str(), mode));
}
int OpTruncate(const char* path, off_t size, struct fuse_file_info* fi) {
  Location loc;
  if (int rc = CheckMutable(Self(), path, &loc); rc != 0) return rc;
  if (loc.kind == Location::Kind::kEncrypted) {
    if (size < 0) return -EINVAL;
    if (fi != nullptr && H(fi)->kind == Handle::Kind::kEncrypted) {
      return Self()->encrypted().Truncate(*H(fi)->enc, static_cast<uint64_t>(size));
    }
    return Self()->encrypted().TruncatePath(NormalisePath(path), loc, static_cast<uint64_t>(size));
  }
  return truncate(loc.host.c_str(), size) == 0 ? 0 : -errno;
}
int OpUtimens(const char* path, const struct timespec tv[2], struct fuse_file_info*) {
  UID2_MUTATE(utimensat(AT_FDCWD, loc.host.c_str(), tv, AT_SYMLINK_NOFOLLOW));
}
int OpSymlink(const char* target, const char* path) {
  if (Self()->view().Resolve(path).kind == Location::Kind::kEncrypted) return -EACCES;
  UID2_MUTATE(symlink(target, loc.host.c_str()));
}
int OpRename(const char* from, const char* to, unsigned int flags) {
  Location src, dst;
  if (int rc = CheckMutable(Self(), from, &src); rc != 0) return rc;
  if (int rc = CheckMutable(Self(), to, &dst); rc != 0) return rc;
  if (src.kind == Location::Kind::kEncrypted) {
    return Self()->encrypted().Rename(NormalisePath(from), src, NormalisePath(to), dst, flags);
  }
  if (dst.kind == Location::Kind::kEncrypted) return -EXDEV;
  return renameat2(AT_FDCWD, src.host.c_str(), AT_FDCWD, dst.host.c_str(), flags) == 0 ? 0 : -errno;
}
#undef UID2_MUTATE

int OpStatfs(const char*, struct statvfs* st) {
  return statvfs(Self()->view().bundle_root().c_str(), st) == 0 ? 0 : -errno;
}

void* OpInit(struct fuse_conn_info* conn, struct fuse_config* cfg) {
  cfg->entry_timeout = 1.0;
  cfg->attr_timeout = 1.0;
  cfg->negative_timeout = 1.0;
  cfg->kernel_cache = 0;
  cfg->use_ino = 0;
  cfg->nullpath_ok = 0;
  conn->max_readahead = 1 << 20;
  // Replies come from memory (verified bytes): writev them to /dev/fuse. Splicing would copy
  // them into a pipe first.
  conn->want &= ~FUSE_CAP_SPLICE_WRITE;
  return fuse_get_context()->private_data;
}

struct fuse_operations MakeOps() {
  struct fuse_operations ops = {};
  ops.init = OpInit;
  ops.getattr = OpGetattr;
  ops.readlink = OpReadlink;
  ops.readdir = OpReaddir;
  ops.open = OpOpen;
  ops.create = OpCreate;
  ops.read_buf = OpReadBuf;
  ops.write = OpWrite;
  ops.flush = OpFlush;
  ops.release = OpRelease;
  ops.fsync = OpFsync;
  ops.mkdir = OpMkdir;
  ops.unlink = OpUnlink;
  ops.rmdir = OpRmdir;
  ops.chmod = OpChmod;
  ops.truncate = OpTruncate;
  ops.utimens = OpUtimens;
  ops.symlink = OpSymlink;
  ops.rename = OpRename;
  ops.statfs = OpStatfs;
  return ops;
}

// WakeSignal interrupts fuse_loop_mt's wait at unmount (a no-op handler without SA_RESTART).
int WakeSignal() { return SIGRTMIN; }
constexpr int kWakeAttempts = 50000;  // 10 s

void NoOp(int) {}

void InstallWakeHandler() {
  struct sigaction sa = {};
  sa.sa_handler = NoOp;
  sigemptyset(&sa.sa_mask);
  sigaction(WakeSignal(), &sa, nullptr);
}

}  // namespace

ViewFs::ViewFs(const View* view, AttestationFiles* attestation, Enforcement mode)
    : view_(view),
      attestation_(attestation),
      mode_(mode),
      trusted_([this](const std::string& host) { InvalidateHost(host); }),
      encrypted_([this](const std::string& name, pf::Key* out) {
        Bytes key;
        if (int rc = attestation_->Key(name, &key); rc != 0) return rc;
        if (key.size() != out->size()) return -EINVAL;
        std::copy(key.begin(), key.end(), out->begin());
        return 0;
      }) {}

ViewFs::~ViewFs() { Stop(); }

Access ViewFs::Decide(const std::string& view_path, const std::string& bundle_path, bool write,
                      const crypto::Sha256Digest** sha256) {
  Access access = view_->Classify(bundle_path, sha256);
  std::string uri = "file:" + bundle_path;
  if (access == Access::kTrusted && write) {
    std::lock_guard<std::mutex> lock(mu_);
    if (denied_set_.insert(bundle_path + "\n w").second) {
      log::Warn("file_denied", {{"path", view_path},
                                {"reason", "trusted files are read-only"},
                                {"allow_with", "sgx.allowed_files = [\"" + uri + "\"]"}});
    }
    return mode_ == Enforcement::kTrace ? Access::kAllowed : Access::kDenied;
  }
  if (access != Access::kDenied) return access;
  std::lock_guard<std::mutex> lock(mu_);
  if (mode_ == Enforcement::kTrace || view_->allow_all_but_log()) {
    bool& written = outside_[bundle_path];
    written = written || write;
    if (view_->allow_all_but_log() && denied_set_.insert(bundle_path).second) {
      log::Warn("file_allowed_but_logged", {{"path", view_path}, {"uri", uri}});
    }
    return Access::kAllowed;
  }
  if (denied_set_.insert(bundle_path).second) {
    std::string entry =
        write ? "sgx.allowed_files = [\"" + uri + "\"]" : "sgx.trusted_files = [\"" + uri + "\"]";
    log::Warn("file_denied", {{"path", view_path},
                              {"reason", "file is not trusted or allowed by the manifest"},
                              {"allow_with", entry}});
  }
  return Access::kDenied;
}

void ViewFs::NoteViewPath(const std::string& host, const std::string& view_path) {
  std::lock_guard<std::mutex> lock(mu_);
  view_paths_[host].insert(view_path);
}

void ViewFs::InvalidateHost(const std::string& host) {
  std::set<std::string> paths;
  {
    std::lock_guard<std::mutex> lock(mu_);
    paths = view_paths_[host];
  }
  if (fuse_ == nullptr) return;
  for (const std::string& p : paths) fuse_invalidate_path(fuse_, p.c_str());
}

Status ViewFs::Start() {
  device_fd_ = open("/dev/fuse", O_RDWR | O_CLOEXEC);
  if (device_fd_ < 0) return Error::Errno("opening /dev/fuse", errno);
  const char* argv[] = {"shroud", nullptr};
  struct fuse_args args = FUSE_ARGS_INIT(1, const_cast<char**>(argv));
  struct fuse_operations ops = MakeOps();
  fuse_ = fuse_new(&args, &ops, sizeof(ops), this);
  fuse_opt_free_args(&args);
  // "/dev/fd/N": libfuse serves an open connection that its caller mounts (and never unmounts).
  std::string device = "/dev/fd/" + std::to_string(device_fd_);
  if (fuse_ == nullptr || fuse_mount(fuse_, device.c_str()) != 0) {
    if (fuse_ != nullptr) fuse_destroy(fuse_);
    fuse_ = nullptr;
    close(device_fd_);
    device_fd_ = -1;
    return Error::Internal("starting the FUSE server failed");
  }
  trusted_.StartWatcher();
  return Ok();
}

void ViewFs::Serve() {
  if (fuse_ == nullptr || serving_) return;
  serving_ = true;
  InstallWakeHandler();
  loop_done_ = false;
  loop_ = std::thread([this] {
    struct fuse_loop_config config = {};
    config.clone_fd = 0;
    config.max_idle_threads = 16;
    fuse_loop_mt(fuse_, &config);
    loop_done_ = true;
  });
}

std::string ViewFs::MountOptions() const {
  return "fd=" + std::to_string(device_fd_) +
         ",rootmode=40000,user_id=" + std::to_string(getuid()) +
         ",group_id=" + std::to_string(getgid());
}

void ViewFs::Stop() {
  if (fuse_ == nullptr) return;
  if (!serving_) {
    fuse_destroy(fuse_);
    fuse_ = nullptr;
    device_fd_ = -1;
    return;
  }
  serving_ = false;
  fuse_exit(fuse_);
  // fuse_loop_mt notices fuse_exit only when a worker returns from /dev/fuse, which happens
  // when the kernel tears the connection down: late, or never while the mount lives on.
  // Interrupting its wait makes it cancel the workers now.
  for (int i = 0; !loop_done_ && i < kWakeAttempts; i++) {
    pthread_kill(loop_.native_handle(), WakeSignal());
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  if (loop_.joinable()) loop_.join();
  fuse_destroy(fuse_);  // closes device_fd_
  fuse_ = nullptr;
  device_fd_ = -1;
}

std::map<std::string, bool> ViewFs::Outside() const {
  std::lock_guard<std::mutex> lock(mu_);
  return outside_;
}

std::string TraceSnippet(const std::map<std::string, bool>& outside) {
  std::string trusted, allowed;
  for (const auto& [path, written] : outside) {
    std::string line = "  " + JsonQuote("file:" + path) + ",\n";
    (written ? allowed : trusted) += line;
  }
  std::string out =
      "# Written by `shroud run --trace`: the files the app used outside its manifest.\n"
      "# Merge into the manifest (shroud's signer fills in each trusted file's sha256).\n"
      "";
  out += "sgx.trusted_files = [\n" + trusted + "]\n";
  out += "sgx.allowed_files = [\n" + allowed + "]\n";
  // Written files stay in the host's hands (readable, changeable): propose sealing their
  // directories instead, as encrypted mounts (the app sees the same paths).
  std::set<std::string> dirs;
  for (const auto& [path, written] : outside) {
    size_t slash = path.rfind('/');
    if (written && slash != std::string::npos && slash > 0) dirs.insert(path.substr(0, slash));
  }
  if (!dirs.empty()) {
    out +=
        "# Allowed files are plaintext the host can read and change. To keep what the app writes\n"
        "# confidential and authenticated, mount these directories encrypted instead (sealed to\n"
        "# this enclave; see docs/runtime.md \"Encrypted mounts\") and drop them from\n"
        "# sgx.allowed_files:\n"
        "# fs.mounts = [\n";
    for (const std::string& d : dirs) {
      out += "#   { type = \"encrypted\", path = " + JsonQuote(d) +
             ", uri = " + JsonQuote("file:" + d) + ", key_name = \"_sgx_mrenclave\" },\n";
    }
    out += "# ]\n";
  }
  return out;
}

}  // namespace uid2::runtime
