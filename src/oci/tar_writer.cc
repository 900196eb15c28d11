#include "oci/tar_writer.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <vector>

#include "common/encoding.h"
#include "crypto/hash.h"
#include "oci/archive_util.h"
#include "oci/fs.h"

namespace uid2::oci {

// Sink receives the tar stream: hashes it, optionally deflates it, writes and hashes the file.
class Sink {
 public:
  Sink(UniqueFd fd, std::string path, bool gzip, int level)
      : fd_(std::move(fd)), path_(std::move(path)), gzip_(gzip) {
    if (gzip_) {
      // windowBits 15 + 16: a gzip wrapper whose header has no name and mtime 0.
      ok_ = deflateInit2(&z_, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK;
      zinit_ = ok_;
    }
  }
  ~Sink() {
    if (zinit_) deflateEnd(&z_);
  }

  Status Write(ByteSpan data) {
    if (!ok_) return Error::Internal("compressor failed to start");
    tar_hash_.Update(data);
    if (!gzip_) return Out(data);
    return Deflate(data, Z_NO_FLUSH);
  }

  Status Close(std::string* digest, std::string* tar_digest, uint64_t* size) {
    if (gzip_) UID2_RETURN_IF_ERROR(Deflate({}, Z_FINISH));
    if (::fsync(fd_.get()) != 0 && errno != EINVAL)
      return Error::Errno("cannot sync " + path_, errno);
    fd_.Reset();
    *digest = "sha256:" + HexEncode(out_hash_.Final());
    *tar_digest = "sha256:" + HexEncode(tar_hash_.Final());
    *size = size_;
    return Ok();
  }

 private:
  Status Out(ByteSpan data) {
    out_hash_.Update(data);
    size_ += data.size();
    return WriteAll(fd_.get(), data, path_);
  }

  Status Deflate(ByteSpan data, int flush) {
    z_.next_in = const_cast<Bytef*>(data.data());
    z_.avail_in = uInt(data.size());
    uint8_t buf[1 << 16];
    for (;;) {
      z_.next_out = buf;
      z_.avail_out = sizeof buf;
      int r = deflate(&z_, flush);
      if (r == Z_STREAM_ERROR) return Error::Internal("zlib deflate failed");
      UID2_RETURN_IF_ERROR(Out({buf, sizeof buf - z_.avail_out}));
      if (flush == Z_FINISH ? r == Z_STREAM_END : (z_.avail_in == 0 && z_.avail_out != 0)) break;
    }
    return Ok();
  }

  UniqueFd fd_;
  std::string path_;
  bool gzip_;
  bool ok_ = true;
  bool zinit_ = false;
  z_stream z_{};
  crypto::Sha256Hasher tar_hash_, out_hash_;
  uint64_t size_ = 0;
};

struct TarWriter::Impl {
  std::unique_ptr<Sink> sink;
  ArchiveWriter a;
  TarOptions options;
  Status error = Ok();  // the first sink error, reported instead of libarchive's text
  std::map<std::pair<dev_t, ino_t>, std::string> links;  // first name of each hard-linked file
};

namespace {

la_ssize_t WriteCallback(archive*, void* client, const void* buf, size_t n) {
  auto* impl = static_cast<TarWriter::Impl*>(client);
  Status s = impl->sink->Write({static_cast<const uint8_t*>(buf), n});
  if (!s.ok()) {
    if (impl->error.ok()) impl->error = std::move(s);
    return -1;
  }
  return la_ssize_t(n);
}

}  // namespace

TarWriter::TarWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TarWriter::~TarWriter() = default;

Result<std::unique_ptr<TarWriter>> TarWriter::Create(const std::string& path,
                                                     const TarOptions& options) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd.valid()) return Error::Errno("cannot create " + path, errno);
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->sink = std::make_unique<Sink>(std::move(fd), path, options.gzip, options.gzip_level);
  impl->a.reset(archive_write_new());
  archive* a = impl->a.get();
  if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
      archive_write_add_filter_none(a) != ARCHIVE_OK ||
      archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
      archive_write_open2(a, impl.get(), nullptr, WriteCallback, nullptr, nullptr) != ARCHIVE_OK) {
    return Error::Internal("cannot start tar output " + path + ": " + ArchiveMessage(a));
  }
  return std::unique_ptr<TarWriter>(new TarWriter(std::move(impl)));
}

Status TarWriter::Header(std::string_view name, uint32_t type, uint32_t mode, int64_t size,
                         std::string_view link, bool hardlink) {
  ArchiveEntryPtr e(archive_entry_new());
  std::string n(name);
  archive_entry_set_pathname(e.get(), n.c_str());
  archive_entry_set_filetype(e.get(), type);
  archive_entry_set_perm(e.get(), mode & 07777);
  archive_entry_set_size(e.get(), size);
  archive_entry_set_mtime(e.get(), impl_->options.mtime, 0);
  archive_entry_set_uid(e.get(), 0);
  archive_entry_set_gid(e.get(), 0);
  std::string l(link);
  if (hardlink) {
    archive_entry_set_hardlink(e.get(), l.c_str());
  } else if (type == AE_IFLNK) {
    archive_entry_set_symlink(e.get(), l.c_str());
  }
  if (archive_write_header(impl_->a.get(), e.get()) != ARCHIVE_OK) {
    if (!impl_->error.ok()) return impl_->error;
    return Error::Internal("tar entry '" + n + "': " + ArchiveMessage(impl_->a.get()));
  }
  return Ok();
}

Status TarWriter::AddDirectory(std::string_view name, uint32_t mode) {
  return Header(name, AE_IFDIR, mode, 0, "", false);
}

Status TarWriter::AddData(std::string_view name, uint32_t mode, ByteSpan data) {
  UID2_RETURN_IF_ERROR(Header(name, AE_IFREG, mode, int64_t(data.size()), "", false));
  if (!data.empty() &&
      archive_write_data(impl_->a.get(), data.data(), data.size()) != la_ssize_t(data.size())) {
    if (!impl_->error.ok()) return impl_->error;
    return Error::Internal("tar data of '" + std::string(name) + "'");
  }
  return Ok();
}

Status TarWriter::AddFile(std::string_view name, uint32_t mode, const std::string& source) {
  UniqueFd in(::open(source.c_str(), O_RDONLY | O_CLOEXEC));
  if (!in.valid()) return Error::Errno("cannot open " + source, errno);
  struct stat st {};
  if (::fstat(in.get(), &st) != 0) return Error::Errno("cannot stat " + source, errno);
  UID2_RETURN_IF_ERROR(Header(name, AE_IFREG, mode, st.st_size, "", false));
  std::vector<uint8_t> buf(kReadBlock);
  int64_t left = st.st_size;
  while (left > 0) {
    ssize_t n = ::read(in.get(), buf.data(), size_t(std::min<int64_t>(left, int64_t(buf.size()))));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Error::Io(source + " changed while it was archived");
    if (archive_write_data(impl_->a.get(), buf.data(), size_t(n)) != n) {
      if (!impl_->error.ok()) return impl_->error;
      return Error::Internal("tar data of '" + std::string(name) + "'");
    }
    left -= n;
  }
  return Ok();
}

Status TarWriter::AddSymlink(std::string_view name, std::string_view target) {
  return Header(name, AE_IFLNK, 0777, 0, target, false);
}

Status TarWriter::AddHardlink(std::string_view name, std::string_view target) {
  return Header(name, AE_IFREG, 0644, 0, target, true);
}

Status TarWriter::AddTree(const std::string& dir, std::string_view prefix) {
  return AddTreeDir(dir, std::string(prefix));
}

Status TarWriter::AddTreeDir(const std::string& dir, const std::string& prefix) {
  auto* links = &impl_->links;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return Error::Errno("cannot list " + dir, errno);
  std::vector<std::string> names;
  while (dirent* e = ::readdir(d)) {
    std::string_view n = e->d_name;
    if (n != "." && n != "..") names.emplace_back(n);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  Status result = Ok();
  for (const std::string& n : names) {
    std::string host = dir + "/" + n;
    std::string name = prefix + n;
    struct stat st {};
    if (::lstat(host.c_str(), &st) != 0) {
      result = Error::Errno("cannot stat " + host, errno);
      break;
    }
    Status s = Ok();
    if (S_ISDIR(st.st_mode)) {
      s = AddDirectory(name, st.st_mode);
      if (s.ok()) s = AddTreeDir(host, name + "/");
    } else if (S_ISLNK(st.st_mode)) {
      std::string target(4096, '\0');
      ssize_t len = ::readlink(host.c_str(), target.data(), target.size());
      if (len < 0) {
        s = Error::Errno("cannot read symlink " + host, errno);
      } else {
        target.resize(size_t(len));
        s = AddSymlink(name, target);
      }
    } else if (S_ISREG(st.st_mode)) {
      auto key = std::make_pair(st.st_dev, st.st_ino);
      auto it = st.st_nlink > 1 ? links->find(key) : links->end();
      if (it != links->end()) {
        s = AddHardlink(name, it->second);
      } else {
        if (st.st_nlink > 1) (*links)[key] = name;
        s = AddFile(name, st.st_mode, host);
      }
    }
    if (!s.ok()) {
      result = std::move(s);
      break;
    }
  }
  return result;
}

Status TarWriter::Finish() {
  if (archive_write_close(impl_->a.get()) != ARCHIVE_OK) {
    if (!impl_->error.ok()) return impl_->error;
    return Error::Internal("cannot finish tar: " + ArchiveMessage(impl_->a.get()));
  }
  return impl_->sink->Close(&digest_, &tar_digest_, &size_);
}

Result<std::string> GzipFile(const std::string& source, const std::string& dest, int level) {
  UniqueFd in(::open(source.c_str(), O_RDONLY | O_CLOEXEC));
  if (!in.valid()) return Error::Errno("cannot open " + source, errno);
  UniqueFd out(::open(dest.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!out.valid()) return Error::Errno("cannot create " + dest, errno);
  Sink sink(std::move(out), dest, true, level);
  std::vector<uint8_t> buf(kReadBlock);
  for (;;) {
    ssize_t n = ::read(in.get(), buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error::Errno("cannot read " + source, errno);
    if (n == 0) break;
    UID2_RETURN_IF_ERROR(sink.Write({buf.data(), size_t(n)}));
  }
  std::string digest, tar_digest;
  uint64_t size = 0;
  UID2_RETURN_IF_ERROR(sink.Close(&digest, &tar_digest, &size));
  return digest;
}

}  // namespace uid2::oci
