#include "oci/layer.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <set>
#include <vector>

#include "common/log.h"
#include "oci/archive_util.h"

namespace uid2::oci {
namespace {

constexpr std::string_view kWhiteoutPrefix = ".wh.";
constexpr std::string_view kOpaqueMarker = ".wh..wh..opq";

// LayerApplier applies one layer's entries; `added_` holds the paths this layer created, which
// an opaque marker in the same layer must keep.
class LayerApplier {
 public:
  LayerApplier(const SafeRoot& root, const Limits& limits, Budget* budget)
      : root_(root), limits_(limits), budget_(budget) {}

  Status Run(archive* a);

 private:
  Status Entry(archive* a, archive_entry* e, const std::vector<std::string>& parts);
  Status Whiteout(const std::vector<std::string>& parts);
  Status Opaque(const std::vector<std::string>& dir_parts);
  Status ClearExcept(int fd, const std::string& prefix);
  Status WriteRegular(archive* a, archive_entry* e, const SafeRoot::Location& loc);
  Status HardLink(const char* target, const SafeRoot::Location& loc);
  Status MakeDir(archive_entry* e, const SafeRoot::Location& loc);

  const SafeRoot& root_;
  const Limits& limits_;
  Budget* budget_;
  std::set<std::string> added_;
};

Status LayerApplier::Run(archive* a) {
  std::string last = "(start of archive)";
  for (;;) {
    archive_entry* e = nullptr;
    int r = archive_read_next_header(a, &e);
    if (r == ARCHIVE_EOF) return Ok();
    if (r < ARCHIVE_WARN) {
      return Error::Invalid("archive error after entry '" + last + "': " + ArchiveMessage(a));
    }
    const char* raw = archive_entry_pathname(e);
    if (raw == nullptr) return Error::Invalid("entry without a name after '" + last + "'");
    last = raw;
    if (++budget_->entries > limits_.max_entries) {
      return Error::Invalid("entry '" + last + "': more than " +
                            std::to_string(limits_.max_entries) + " entries");
    }
    auto parts = SplitEntryPath(raw, limits_.max_path_bytes);
    if (!parts.ok()) return std::move(parts).error().Context("entry '" + last + "'");
    if (parts->empty()) continue;  // the root directory entry "./"
    Status s = Entry(a, e, *parts);
    if (!s.ok()) return std::move(s).error().Context("entry '" + last + "'");
  }
}

Status LayerApplier::Entry(archive* a, archive_entry* e, const std::vector<std::string>& parts) {
  const std::string& base = parts.back();
  if (base == kOpaqueMarker) {
    return Opaque(std::vector<std::string>(parts.begin(), parts.end() - 1));
  }
  if (base.starts_with(kWhiteoutPrefix)) return Whiteout(parts);

  int64_t size = archive_entry_size(e);
  if (size < 0 || uint64_t(size) > limits_.max_entry_bytes) {
    return Error::Invalid("size " + std::to_string(size) + " is over the per-file limit of " +
                          std::to_string(limits_.max_entry_bytes) + " bytes");
  }
  budget_->bytes += uint64_t(size);
  if (budget_->bytes > limits_.max_total_bytes) {
    return Error::Invalid("image content is over the total limit of " +
                          std::to_string(limits_.max_total_bytes) + " bytes");
  }

  mode_t type = archive_entry_filetype(e);
  const char* hardlink = archive_entry_hardlink(e);
  if (hardlink == nullptr &&
      (type == AE_IFCHR || type == AE_IFBLK || type == AE_IFIFO || type == AE_IFSOCK)) {
    budget_->skipped_special++;
    log::Warn("oci_special_file_skipped", {{"entry", JoinParts(parts, parts.size())}});
    return Ok();
  }
  UID2_ASSIGN_OR_RETURN(SafeRoot::Location loc, root_.Resolve(parts, false, true));
  added_.insert(loc.path);
  if (type == AE_IFDIR && hardlink == nullptr) return MakeDir(e, loc);
  UID2_RETURN_IF_ERROR(RemoveAt(loc.parent.get(), loc.name));
  if (hardlink != nullptr) return HardLink(hardlink, loc);
  if (type == AE_IFLNK) {
    const char* target = archive_entry_symlink(e);
    if (target == nullptr) return Error::Invalid("symlink without a target");
    if (std::string_view(target).size() > limits_.max_path_bytes) {
      return Error::Invalid("symlink target is over the path limit");
    }
    if (::symlinkat(target, loc.parent.get(), loc.name.c_str()) != 0) {
      return Error::Errno("cannot create symlink", errno);
    }
    return Ok();
  }
  if (type == AE_IFREG) return WriteRegular(a, e, loc);
  return Error::Unsupported("unsupported entry type " + std::to_string(type));
}

Status LayerApplier::MakeDir(archive_entry* e, const SafeRoot::Location& loc) {
  mode_t mode = (archive_entry_perm(e) & 0777) | 0700;
  struct stat st {};
  if (::fstatat(loc.parent.get(), loc.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
    if (S_ISDIR(st.st_mode)) {
      if (::fchmodat(loc.parent.get(), loc.name.c_str(), mode, 0) != 0) {
        return Error::Errno("cannot chmod directory", errno);
      }
      return Ok();
    }
    UID2_RETURN_IF_ERROR(RemoveAt(loc.parent.get(), loc.name));
  }
  if (::mkdirat(loc.parent.get(), loc.name.c_str(), mode) != 0) {
    return Error::Errno("cannot create directory", errno);
  }
  return Ok();
}

Status LayerApplier::WriteRegular(archive* a, archive_entry* e, const SafeRoot::Location& loc) {
  mode_t mode = (archive_entry_perm(e) & 0777) | 0600;
  UniqueFd out(::openat(loc.parent.get(), loc.name.c_str(),
                        O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode));
  if (!out.valid()) return Error::Errno("cannot create file", errno);
  uint64_t written = 0;
  for (;;) {
    const void* buf = nullptr;
    size_t n = 0;
    la_int64_t offset = 0;
    int r = archive_read_data_block(a, &buf, &n, &offset);
    if (r == ARCHIVE_EOF) break;
    if (r < ARCHIVE_WARN) return Error::Invalid("cannot read file data: " + ArchiveMessage(a));
    if (offset < 0 || uint64_t(offset) + n > limits_.max_entry_bytes) {
      return Error::Invalid("file data is over the per-file limit");
    }
    if (uint64_t(offset) != written && ::lseek(out.get(), offset, SEEK_SET) < 0) {
      return Error::Errno("cannot seek", errno);
    }
    UID2_RETURN_IF_ERROR(WriteAll(out.get(), {static_cast<const uint8_t*>(buf), n}, loc.path));
    written = uint64_t(offset) + n;
  }
  int64_t size = archive_entry_size(e);
  if (size > 0 && uint64_t(size) > written && ::ftruncate(out.get(), size) != 0) {
    return Error::Errno("cannot extend sparse file", errno);
  }
  return Ok();
}

Status LayerApplier::HardLink(const char* target, const SafeRoot::Location& loc) {
  auto tparts = SplitEntryPath(target, limits_.max_path_bytes);
  if (!tparts.ok()) {
    return std::move(tparts).error().Context("hard link target '" + std::string(target) + "'");
  }
  if (tparts->empty()) return Error::Invalid("hard link to the root directory");
  auto tloc = root_.Resolve(*tparts, false, false);
  if (!tloc.ok()) {
    return std::move(tloc).error().Context("hard link target '" + std::string(target) + "'");
  }
  struct stat st {};
  if (::fstatat(tloc->parent.get(), tloc->name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    return Error::Invalid("hard link target '" + std::string(target) +
                          "' is not in the image (it must come earlier in the layers)");
  }
  if (S_ISDIR(st.st_mode)) return Error::Invalid("hard link to a directory refused");
  if (::linkat(tloc->parent.get(), tloc->name.c_str(), loc.parent.get(), loc.name.c_str(), 0) !=
      0) {
    return Error::Errno("cannot create hard link", errno);
  }
  return Ok();
}

Status LayerApplier::Whiteout(const std::vector<std::string>& parts) {
  std::vector<std::string> target = parts;
  target.back() = parts.back().substr(kWhiteoutPrefix.size());
  if (target.back().empty() || target.back() == "." || target.back() == "..") {
    return Error::Invalid("malformed whiteout");
  }
  auto loc = root_.Resolve(target, false, false);
  if (!loc.ok()) {
    if (loc.error().code() == ErrorCode::kNotFound) return Ok();  // nothing below to hide
    return std::move(loc).error();
  }
  return RemoveAt(loc->parent.get(), loc->name);
}

Status LayerApplier::Opaque(const std::vector<std::string>& dir_parts) {
  int fd = root_.fd();
  UniqueFd dir;
  std::string prefix;
  if (!dir_parts.empty()) {
    auto loc = root_.Resolve(dir_parts, true, false);
    if (!loc.ok()) {
      if (loc.error().code() == ErrorCode::kNotFound) return Ok();
      return std::move(loc).error();
    }
    dir = UniqueFd(::openat(loc->parent.get(), loc->name.c_str(),
                            O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!dir.valid()) return Ok();  // not (yet) a directory: nothing below to hide
    fd = dir.get();
    prefix = loc->path + "/";
  }
  return ClearExcept(fd, prefix);
}

// ClearExcept removes every child of `fd` that this layer did not add, descending into the
// directories it did add.
Status LayerApplier::ClearExcept(int fd, const std::string& prefix) {
  DIR* d = ::fdopendir(::dup(fd));
  if (d == nullptr) return Error::Errno("cannot list directory", errno);
  std::vector<std::string> names;
  while (dirent* de = ::readdir(d)) {
    std::string_view n = de->d_name;
    if (n != "." && n != "..") names.emplace_back(n);
  }
  ::closedir(d);
  for (const std::string& n : names) {
    std::string path = prefix + n;
    if (!added_.contains(path)) {
      UID2_RETURN_IF_ERROR(RemoveAt(fd, n));
      continue;
    }
    UniqueFd sub(::openat(fd, n.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (sub.valid()) UID2_RETURN_IF_ERROR(ClearExcept(sub.get(), path + "/"));
  }
  return Ok();
}

Status Apply(ArchiveReader a, int open_result, std::string_view layer_name, const SafeRoot& root,
             const Limits& limits, Budget* budget) {
  std::string ctx = "layer " + std::string(layer_name);
  if (open_result != ARCHIVE_OK) {
    return Error::Invalid("cannot open archive: " + ArchiveMessage(a.get())).Context(ctx);
  }
  LayerApplier applier(root, limits, budget);
  Status s = applier.Run(a.get());
  if (!s.ok()) return std::move(s).error().Context(ctx);
  return Ok();
}

}  // namespace

Status ApplyLayerFile(const std::string& path, std::string_view layer_name, const SafeRoot& root,
                      const Limits& limits, Budget* budget) {
  ArchiveReader a = NewTarReader();
  int r = archive_read_open_filename(a.get(), path.c_str(), kReadBlock);
  return Apply(std::move(a), r, layer_name, root, limits, budget);
}

Status ApplyLayerBuffer(ByteSpan data, std::string_view layer_name, const SafeRoot& root,
                        const Limits& limits, Budget* budget) {
  ArchiveReader a = NewTarReader();
  int r = archive_read_open_memory(a.get(), data.data(), data.size());
  return Apply(std::move(a), r, layer_name, root, limits, budget);
}

}  // namespace uid2::oci
