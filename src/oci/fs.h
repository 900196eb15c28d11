// fs.h: small file-system helpers for the OCI library: an owning file descriptor, a temporary
// directory removed on destruction, recursive removal that never follows symbolic links, and a
// streaming file writer.
#pragma once

#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/status.h"

namespace uid2::oci {

// UniqueFd closes its descriptor on destruction. -1 means "none".
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() { Reset(); }
  UniqueFd(UniqueFd&& o) noexcept : fd_(o.Release()) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept {
    if (this != &o) {
      Reset();
      fd_ = o.Release();
    }
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int Release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void Reset();

 private:
  int fd_ = -1;
};

// TempDir creates a fresh private directory (under $TMPDIR or /tmp) and removes it, with all its
// contents, on destruction.
class TempDir {
 public:
  static Result<TempDir> Create(std::string_view prefix);
  ~TempDir();
  TempDir(TempDir&& o) noexcept : path_(std::move(o.path_)) { o.path_.clear(); }
  TempDir& operator=(TempDir&&) = delete;
  TempDir(const TempDir&) = delete;

  const std::string& path() const { return path_; }

 private:
  explicit TempDir(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

// RemoveAt deletes `name` in `dirfd` (a file, a symlink or a whole directory tree). Symbolic links
// are removed, never followed. A missing `name` is not an error.
Status RemoveAt(int dirfd, const std::string& name);
// RemoveTree is RemoveAt for an absolute or cwd-relative path.
Status RemoveTree(const std::string& path);

// MakeDirs creates `path` and its missing parents (mode 0755), like `mkdir -p`.
Status MakeDirs(const std::string& path);

// WriteAll writes every byte to `fd`, retrying on EINTR; the error names `what`.
Status WriteAll(int fd, ByteSpan data, std::string_view what);

// JoinPath joins with exactly one '/' between the parts.
std::string JoinPath(std::string_view a, std::string_view b);

}  // namespace uid2::oci
