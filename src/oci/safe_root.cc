#include "oci/safe_root.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <deque>

namespace uid2::oci {
namespace {

constexpr int kMaxSymlinkHops = 40;  // as the kernel's MAXSYMLINKS

std::vector<std::string> SplitLoose(std::string_view s) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos <= s.size()) {
    size_t next = s.find('/', pos);
    if (next == std::string_view::npos) next = s.size();
    std::string_view c = s.substr(pos, next - pos);
    if (!c.empty() && c != ".") out.emplace_back(c);
    pos = next + 1;
  }
  return out;
}

Result<std::string> ReadLinkAt(int dirfd, const std::string& name) {
  std::string buf(4096, '\0');
  ssize_t n = ::readlinkat(dirfd, name.c_str(), buf.data(), buf.size());
  if (n < 0) return Error::Errno("cannot read symlink " + name, errno);
  if (size_t(n) >= buf.size()) return Error::Invalid("symlink target too long: " + name);
  buf.resize(size_t(n));
  return buf;
}

}  // namespace

Result<std::vector<std::string>> SplitEntryPath(std::string_view name, size_t max_bytes) {
  if (name.size() > max_bytes) {
    return Error::Invalid("path is " + std::to_string(name.size()) + " bytes, over the limit of " +
                          std::to_string(max_bytes));
  }
  if (name.find('\0') != std::string_view::npos) return Error::Invalid("path contains a NUL byte");
  if (!name.empty() && name.front() == '/') return Error::Invalid("absolute path refused");
  std::vector<std::string> parts = SplitLoose(name);
  for (const std::string& p : parts) {
    if (p == "..") return Error::Invalid("'..' component refused");
  }
  return parts;
}

std::string JoinParts(const std::vector<std::string>& parts, size_t count) {
  std::string out;
  for (size_t i = 0; i < count && i < parts.size(); i++) {
    if (i) out += '/';
    out += parts[i];
  }
  return out;
}

Result<SafeRoot> SafeRoot::Open(const std::string& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return Error::Errno("cannot open root directory " + dir, errno);
  return SafeRoot(std::move(fd), dir);
}

Result<SafeRoot::Location> SafeRoot::Resolve(const std::vector<std::string>& parts,
                                             bool follow_last, bool create_parents) const {
  std::deque<std::string> todo(parts.begin(), parts.end());
  std::vector<UniqueFd> fds;
  std::vector<std::string> names;
  auto top = [&] { return fds.empty() ? fd_.get() : fds.back().get(); };
  auto where = [&] {
    return names.empty() ? std::string("/") : "/" + JoinParts(names, names.size());
  };
  int hops = 0;
  while (!todo.empty()) {
    std::string c = std::move(todo.front());
    todo.pop_front();
    if (c.empty() || c == ".") continue;
    if (c == "..") {
      if (names.empty()) return Error::VerifyFailed("a symlink leads outside the root");
      fds.pop_back();
      names.pop_back();
      continue;
    }
    bool last = todo.empty();
    auto here = [&]() -> Result<Location> {
      UniqueFd parent(::dup(top()));
      if (!parent.valid()) return Error::Errno("dup", errno);
      std::string path = names.empty() ? c : JoinParts(names, names.size()) + "/" + c;
      return Location{std::move(parent), c, std::move(path)};
    };
    if (last && !follow_last) return here();
    struct stat st {};
    if (::fstatat(top(), c.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno != ENOENT) return Error::Errno("cannot stat " + where() + "/" + c, errno);
      if (last) return here();
      if (!create_parents) return Error::NotFound(where() + "/" + c + " does not exist");
      if (::mkdirat(top(), c.c_str(), 0755) != 0) {
        return Error::Errno("cannot create directory " + where() + "/" + c, errno);
      }
      st.st_mode = S_IFDIR;
    }
    if (S_ISLNK(st.st_mode)) {
      if (++hops > kMaxSymlinkHops) return Error::VerifyFailed("too many levels of symlinks");
      UID2_ASSIGN_OR_RETURN(std::string target, ReadLinkAt(top(), c));
      std::vector<std::string> sub = SplitLoose(target);
      if (!target.empty() && target.front() == '/') {
        fds.clear();
        names.clear();
      }
      todo.insert(todo.begin(), sub.begin(), sub.end());
      continue;
    }
    if (last) return here();
    if (!S_ISDIR(st.st_mode)) return Error::Invalid(where() + "/" + c + " is not a directory");
    UniqueFd next(::openat(top(), c.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!next.valid()) return Error::Errno("cannot open directory " + where() + "/" + c, errno);
    fds.push_back(std::move(next));
    names.push_back(c);
  }
  // The path resolved to the root itself (empty, or a symlink to "/").
  return Error::Invalid("path resolves to the root directory itself");
}

}  // namespace uid2::oci
