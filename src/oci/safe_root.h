// safe_root.h: look up and create entries inside a root directory without ever leaving it.
//
// Every path is resolved one component at a time from the root's descriptor with O_NOFOLLOW and
// lstat, never by the kernel's path walk. Symbolic links met on the way are followed only while
// they stay inside the root: an absolute target is taken relative to the root (as a container
// sees it) and a ".." that would climb above the root is refused. So a layer entry
// "lib/x86_64-linux-gnu/libc.so.6" under a merged-/usr "lib -> usr/lib" lands in usr/lib, and an
// entry below "evil -> ../../etc" is refused.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "oci/fs.h"

namespace uid2::oci {

// SplitEntryPath normalises an archive entry name ("./usr//bin/" -> {"usr", "bin"}). It refuses
// an absolute name, a ".." component, a NUL byte and a name longer than `max_bytes`. The root
// itself ("." or "./") gives an empty vector.
Result<std::vector<std::string>> SplitEntryPath(std::string_view name, size_t max_bytes);

// JoinParts joins components with '/' (no leading slash).
std::string JoinParts(const std::vector<std::string>& parts, size_t count);

class SafeRoot {
 public:
  // Open opens an existing directory as the root. The SafeRoot owns the descriptor.
  static Result<SafeRoot> Open(const std::string& dir);

  // A resolved location: the directory that holds the entry (an open descriptor inside the root)
  // and the entry's name in it. `path` is the resolved path relative to the root, for messages.
  struct Location {
    UniqueFd parent;
    std::string name;
    std::string path;
  };

  // Resolve walks `parts` (from SplitEntryPath, or any components, ".." allowed while it stays
  // inside the root). Every component but the last is followed if it is a symlink; the last is
  // followed too when `follow_last`. With `create_parents`, missing intermediate directories are
  // created (mode 0755). The last entry itself may not exist. Errors: kNotFound for a missing
  // parent, kVerifyFailed for a link leading outside the root or a loop, kInvalid when a parent
  // is not a directory.
  Result<Location> Resolve(const std::vector<std::string>& parts, bool follow_last,
                           bool create_parents) const;

  int fd() const { return fd_.get(); }
  const std::string& dir() const { return dir_; }

 private:
  SafeRoot(UniqueFd fd, std::string dir) : fd_(std::move(fd)), dir_(std::move(dir)) {}
  UniqueFd fd_;
  std::string dir_;
};

}  // namespace uid2::oci
