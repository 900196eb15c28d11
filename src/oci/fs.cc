#include "oci/fs.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <vector>

namespace uid2::oci {

void UniqueFd::Reset() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

Result<TempDir> TempDir::Create(std::string_view prefix) {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl =
      std::string(base && *base ? base : "/tmp") + "/" + std::string(prefix) + ".XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) {
    return Error::Errno("cannot create a temporary directory " + tmpl, errno);
  }
  return TempDir(tmpl);
}

TempDir::~TempDir() {
  if (!path_.empty()) (void)RemoveTree(path_);
}

namespace {

Status RemoveChildren(int fd, const std::string& where) {
  DIR* dir = ::fdopendir(::dup(fd));
  if (dir == nullptr) return Error::Errno("cannot list " + where, errno);
  std::vector<std::string> names;
  while (dirent* e = ::readdir(dir)) {
    std::string_view n = e->d_name;
    if (n != "." && n != "..") names.emplace_back(n);
  }
  ::closedir(dir);
  for (const std::string& n : names) UID2_RETURN_IF_ERROR(RemoveAt(fd, n));
  return Ok();
}

}  // namespace

Status RemoveAt(int dirfd, const std::string& name) {
  struct stat st {};
  if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return Ok();
    return Error::Errno("cannot stat " + name, errno);
  }
  if (S_ISDIR(st.st_mode)) {
    // Make the directory writable and searchable so that read-only trees can be removed.
    (void)::fchmodat(dirfd, name.c_str(), 0700, 0);
    UniqueFd sub(::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!sub.valid()) return Error::Errno("cannot open directory " + name, errno);
    UID2_RETURN_IF_ERROR(RemoveChildren(sub.get(), name));
    if (::unlinkat(dirfd, name.c_str(), AT_REMOVEDIR) != 0) {
      return Error::Errno("cannot remove directory " + name, errno);
    }
    return Ok();
  }
  if (::unlinkat(dirfd, name.c_str(), 0) != 0 && errno != ENOENT) {
    return Error::Errno("cannot remove " + name, errno);
  }
  return Ok();
}

Status RemoveTree(const std::string& path) { return RemoveAt(AT_FDCWD, path); }

Status MakeDirs(const std::string& path) {
  if (path.empty()) return Ok();
  std::string cur;
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t next = path.find('/', pos);
    if (next == std::string::npos) next = path.size();
    cur = path.substr(0, next);
    if (!cur.empty() && ::mkdir(cur.c_str(), 0755) != 0 && errno != EEXIST) {
      return Error::Errno("cannot create directory " + cur, errno);
    }
    pos = next + 1;
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return Error::Io("not a directory: " + path);
  }
  return Ok();
}

Status WriteAll(int fd, ByteSpan data, std::string_view what) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error::Errno("cannot write " + std::string(what), errno);
    }
    done += size_t(n);
  }
  return Ok();
}

std::string JoinPath(std::string_view a, std::string_view b) {
  std::string out(a);
  while (!out.empty() && out.back() == '/') out.pop_back();
  while (!b.empty() && b.front() == '/') b.remove_prefix(1);
  out += '/';
  out += b;
  return out;
}

}  // namespace uid2::oci
