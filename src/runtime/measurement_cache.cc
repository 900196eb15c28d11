#include "runtime/measurement_cache.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/encoding.h"
#include "common/log.h"
#include "oci/fs.h"

namespace uid2::runtime {
namespace {

// kCacheFormat names the key derivation and the entry layout; change it whenever either, or
// the way src/sgx measures, changes, so that old entries miss.
constexpr std::string_view kCacheFormat = "shroud-mrenclave-cache/1";

void HashWithLength(crypto::Sha256Hasher* h, ByteSpan data) {
  uint8_t len[8];
  StoreU64LE(len, 0, data.size());
  h->Update(ByteSpan(len, sizeof(len)));
  h->Update(data);
}

// CheckDir refuses a directory that someone other than root could change.
Status CheckDir(int fd, const std::string& path) {
  struct stat st;
  if (fstat(fd, &st) != 0) return Error::Errno(path, errno);
  if (st.st_uid != 0) {
    return Error::Io("measurement cache: " + path + " is not owned by root (uid " +
                     std::to_string(st.st_uid) + ")");
  }
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0 && (st.st_mode & S_ISVTX) == 0) {
    return Error::Io("measurement cache: " + path + " is writable by group or others");
  }
  return Ok();
}

// OpenTrustedDir opens the absolute `dir` one component at a time without following symbolic
// links, checking every directory on the way (CheckDir); with `create`, missing components
// are made with mode 0700.
Result<oci::UniqueFd> OpenTrustedDir(const std::string& dir, bool create) {
  if (dir.empty() || dir[0] != '/') {
    return Error::Invalid("measurement cache directory must be absolute: '" + dir + "'");
  }
  oci::UniqueFd fd(open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return Error::Errno("/", errno);
  UID2_RETURN_IF_ERROR(CheckDir(fd.get(), "/"));
  std::string at;
  size_t i = 0;
  while (i < dir.size()) {
    size_t j = dir.find('/', i);
    if (j == std::string::npos) j = dir.size();
    std::string part = dir.substr(i, j - i);
    i = j + 1;
    if (part.empty() || part == ".") continue;
    if (part == "..") return Error::Invalid("measurement cache directory has '..': " + dir);
    at += "/" + part;
    const int flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
    int next = openat(fd.get(), part.c_str(), flags);
    if (next < 0 && errno == ENOENT && create) {
      if (mkdirat(fd.get(), part.c_str(), 0700) != 0 && errno != EEXIST) {
        return Error::Errno("creating " + at, errno);
      }
      next = openat(fd.get(), part.c_str(), flags);
    }
    if (next < 0) return Error::Errno(at, errno);
    fd = oci::UniqueFd(next);
    UID2_RETURN_IF_ERROR(CheckDir(fd.get(), at));
  }
  return fd;
}

void Distrust(const std::string& path, const std::string& why) {
  log::Warn("measurement_cache_ignored",
            {{"path", path}, {"reason", why}, {"note", "the enclave is measured instead"}});
}

}  // namespace

CacheKey MeasurementCacheKey(ByteSpan manifest_sgx, ByteSpan libpal, ByteSpan sig,
                             std::string_view layout_release) {
  crypto::Sha256Hasher h;
  HashWithLength(&h, AsBytes(kCacheFormat));
  HashWithLength(&h, AsBytes(layout_release));
  HashWithLength(&h, manifest_sgx);
  HashWithLength(&h, libpal);
  HashWithLength(&h, sig);
  return h.Final();
}

std::optional<sgx::Measurement> MeasurementCache::Lookup(const CacheKey& key) const {
  std::string name = HexEncode(key);
  std::string path = dir_ + "/" + name;
  struct stat st;
  if (stat(path.c_str(), &st) != 0 && errno == ENOENT) return std::nullopt;  // the common miss
  Result<oci::UniqueFd> dir = OpenTrustedDir(dir_, false);
  if (!dir.ok()) {
    Distrust(path, dir.error().message());
    return std::nullopt;
  }
  oci::UniqueFd fd(openat(dir->get(), name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno != ENOENT) Distrust(path, std::string("cannot open: ") + std::strerror(errno));
    return std::nullopt;
  }
  if (fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != 0 ||
      (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    Distrust(path, "not a regular file owned by root and writable only by root");
    return std::nullopt;
  }
  uint8_t buf[kEntrySize + 1];
  ssize_t n = pread(fd.get(), buf, sizeof(buf), 0);
  ByteReader r(ByteSpan(buf, n < 0 ? 0 : static_cast<size_t>(n)));
  ByteSpan magic, stored_key;
  sgx::Measurement mr;
  if (n != static_cast<ssize_t>(kEntrySize) || !r.ReadBytes(8, &magic) ||
      !r.ReadBytes(32, &stored_key) || !r.ReadInto(mr) ||
      !std::equal(magic.begin(), magic.end(), kEntryMagic.begin()) ||
      !std::equal(stored_key.begin(), stored_key.end(), key.begin())) {
    Distrust(path, "malformed entry (size, magic or key)");
    return std::nullopt;
  }
  return mr;
}

Status MeasurementCache::Store(const CacheKey& key, const sgx::Measurement& mr) const {
  UID2_ASSIGN_OR_RETURN(oci::UniqueFd dir, OpenTrustedDir(dir_, true));
  Bytes entry(kEntryMagic.begin(), kEntryMagic.end());
  entry.insert(entry.end(), key.begin(), key.end());
  entry.insert(entry.end(), mr.begin(), mr.end());
  std::string name = HexEncode(key);
  std::string tmp = "." + name + ".tmp" + std::to_string(getpid());
  oci::UniqueFd fd(
      openat(dir.get(), tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd.valid()) return Error::Errno(dir_ + "/" + tmp, errno);
  bool ok = write(fd.get(), entry.data(), entry.size()) == static_cast<ssize_t>(entry.size()) &&
            fchmod(fd.get(), 0600) == 0;
  int err = errno;
  fd.Reset();
  if (!ok || renameat(dir.get(), tmp.c_str(), dir.get(), name.c_str()) != 0) {
    if (ok) err = errno;
    unlinkat(dir.get(), tmp.c_str(), 0);
    return Error::Errno("writing " + dir_ + "/" + name, err);
  }
  return Ok();
}

}  // namespace uid2::runtime
