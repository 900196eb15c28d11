// image_read.cc: ReadImage for docker-archive and OCI layouts (see image.h).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "common/encoding.h"
#include "common/file.h"
#include "common/json.h"
#include "crypto/hash.h"
#include "oci/archive_util.h"
#include "oci/image.h"
#include "oci/json_util.h"

namespace uid2::oci {
namespace {

constexpr int kMaxIndexDepth = 4;

// OpenIn opens a regular file at `rel` inside `root`, following symlinks only inside it.
Result<UniqueFd> OpenIn(const SafeRoot& root, std::string_view rel, const Limits& limits) {
  UID2_ASSIGN_OR_RETURN(auto parts, SplitEntryPath(rel, limits.max_path_bytes));
  if (parts.empty()) return Error::Invalid("empty path");
  UID2_ASSIGN_OR_RETURN(SafeRoot::Location loc, root.Resolve(parts, true, false));
  UniqueFd fd(::openat(loc.parent.get(), loc.name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid()) return Error::Errno("cannot open " + std::string(rel), errno);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return Error::Invalid(std::string(rel) + " is not a regular file");
  }
  return fd;
}

Result<std::string> ReadIn(const SafeRoot& root, std::string_view rel, const Limits& limits) {
  UID2_ASSIGN_OR_RETURN(UniqueFd fd, OpenIn(root, rel, limits));
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error::Errno("cannot read " + std::string(rel), errno);
    if (n == 0) break;
    out.append(buf, size_t(n));
    if (out.size() > (size_t{64} << 20)) return Error::Invalid(std::string(rel) + " is too big");
  }
  return out;
}

// Decompress copies the blob behind `in` (plain, gzip, zstd, xz, bzip2...) to `out_path`
// uncompressed and returns "sha256:<hex>" of what it wrote.
Result<std::string> Decompress(int in, const std::string& out_path, const Limits& limits) {
  ArchiveReader a(archive_read_new());
  archive_read_support_filter_all(a.get());
  archive_read_support_format_raw(a.get());
  if (archive_read_open_fd(a.get(), in, kReadBlock) != ARCHIVE_OK) {
    return Error::Invalid("cannot open blob: " + ArchiveMessage(a.get()));
  }
  archive_entry* e = nullptr;
  if (archive_read_next_header(a.get(), &e) != ARCHIVE_OK) {
    return Error::Invalid("empty or unreadable blob: " + ArchiveMessage(a.get()));
  }
  UniqueFd out(::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!out.valid()) return Error::Errno("cannot create " + out_path, errno);
  crypto::Sha256Hasher h;
  uint64_t total = 0;
  std::vector<uint8_t> buf(kReadBlock);
  for (;;) {
    la_ssize_t n = archive_read_data(a.get(), buf.data(), buf.size());
    if (n < 0) return Error::Invalid("corrupt blob: " + ArchiveMessage(a.get()));
    if (n == 0) break;
    total += uint64_t(n);
    if (total > limits.max_total_bytes) return Error::Invalid("layer is over the size limit");
    ByteSpan chunk(buf.data(), size_t(n));
    h.Update(chunk);
    UID2_RETURN_IF_ERROR(WriteAll(out.get(), chunk, out_path));
  }
  return "sha256:" + HexEncode(h.Final());
}

// Reader holds the state of one ReadImage call.
class Reader {
 public:
  Reader(const ReadOptions& o, Image* img) : opt_(o), img_(img) {}
  // Load reads the image at `path` into the Image; false when `path` is not an image.
  Result<bool> Load(const std::string& path);
  // Where an archive was unpacked (nothing for a directory input).
  const UnpackedArchive& unpacked() const { return unpacked_; }

 private:
  bool HasNotImageMarker(const SafeRoot& src) const;
  Status LoadDocker(const SafeRoot& src);
  Status LoadOci(const SafeRoot& src);
  Status PickOciManifest(const SafeRoot& src, const rapidjson::Value& index, int depth,
                         std::string* manifest_digest);
  Result<std::string> ReadBlob(const SafeRoot& src, std::string_view digest);
  Status AddLayerFrom(const SafeRoot& src, std::string_view rel, std::string_view what);
  Status CheckDiffIds();

  const ReadOptions& opt_;
  Image* img_;
  UnpackedArchive unpacked_;
};

bool Reader::HasNotImageMarker(const SafeRoot& src) const {
  if (opt_.not_image_if_present.empty()) return false;
  auto parts = SplitEntryPath(opt_.not_image_if_present, opt_.limits.max_path_bytes);
  if (!parts.ok() || parts->empty()) return false;
  auto loc = src.Resolve(*parts, false, false);
  struct stat st {};
  return loc.ok() && ::fstatat(loc->parent.get(), loc->name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0;
}

Result<bool> Reader::Load(const std::string& path) {
  UID2_ASSIGN_OR_RETURN(TempDir tmp, TempDir::Create("shroud-image"));
  img_->staging = std::make_shared<TempDir>(std::move(tmp));
  UID2_RETURN_IF_ERROR(MakeDirs(img_->staging->path() + "/layers"));
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return Error::Errno("cannot open image " + path, errno);
  std::string src_dir = path;
  if (!S_ISDIR(st.st_mode)) {
    UID2_ASSIGN_OR_RETURN(TempDir in_dir, TempDir::Create("shroud-archive"));
    unpacked_.temp = std::make_shared<TempDir>(std::move(in_dir));
    unpacked_.dir = src_dir = unpacked_.temp->path() + "/in";
    UID2_RETURN_IF_ERROR(MakeDirs(src_dir));
    UID2_ASSIGN_OR_RETURN(SafeRoot in, SafeRoot::Open(src_dir));
    Budget budget;
    UID2_RETURN_IF_ERROR(ApplyLayerFile(path, "(image archive)", in, opt_.limits, &budget));
  }
  UID2_ASSIGN_OR_RETURN(SafeRoot src, SafeRoot::Open(src_dir));
  if (HasNotImageMarker(src)) return false;
  struct stat probe {};
  if (::fstatat(src.fd(), "oci-layout", &probe, 0) == 0) {
    UID2_RETURN_IF_ERROR(LoadOci(src));
    return true;
  }
  if (::fstatat(src.fd(), "manifest.json", &probe, 0) == 0) {
    UID2_RETURN_IF_ERROR(LoadDocker(src));
    return true;
  }
  return false;
}

Status Reader::AddLayerFrom(const SafeRoot& src, std::string_view rel, std::string_view what) {
  UID2_ASSIGN_OR_RETURN(UniqueFd fd, OpenIn(src, rel, opt_.limits));
  Layer layer;
  layer.path = img_->staging->path() + "/layers/" + std::to_string(img_->layers.size()) + ".tar";
  auto digest = Decompress(fd.get(), layer.path, opt_.limits);
  if (!digest.ok()) return std::move(digest).error().Context(std::string(what));
  layer.diff_id = *digest;
  struct stat st {};
  if (::stat(layer.path.c_str(), &st) == 0) layer.size = uint64_t(st.st_size);
  img_->layers.push_back(std::move(layer));
  return Ok();
}

Status Reader::CheckDiffIds() {
  UID2_ASSIGN_OR_RETURN(rapidjson::Document doc, ParseJson(img_->config_json));
  const rapidjson::Value& cfg = doc;
  if (!cfg.IsObject()) return Error::Invalid("image config is not a JSON object");
  auto rootfs = cfg.FindMember("rootfs");
  if (rootfs == cfg.MemberEnd() || !rootfs->value.IsObject()) {
    return Error::Invalid("image config has no rootfs");
  }
  auto ids = rootfs->value.FindMember("diff_ids");
  if (ids == rootfs->value.MemberEnd() || !ids->value.IsArray()) {
    return Error::Invalid("image config has no rootfs.diff_ids");
  }
  if (ids->value.Size() != img_->layers.size()) {
    return Error::Invalid("image config lists " + std::to_string(ids->value.Size()) +
                          " diff_ids but the image has " + std::to_string(img_->layers.size()) +
                          " layers");
  }
  for (size_t i = 0; i < img_->layers.size(); i++) {
    const auto& v = ids->value[rapidjson::SizeType(i)];
    if (!v.IsString() || img_->layers[i].diff_id != v.GetString()) {
      return Error::VerifyFailed("layer " + std::to_string(i) + ": content digest " +
                                 img_->layers[i].diff_id + " does not match the config's diff_id");
    }
  }
  return Ok();
}

Status Reader::LoadDocker(const SafeRoot& src) {
  UID2_ASSIGN_OR_RETURN(std::string text, ReadIn(src, "manifest.json", opt_.limits));
  auto doc = ParseJson(text);
  if (!doc.ok()) return std::move(doc).error().Context("manifest.json");
  if (!doc->IsArray() || doc->Empty())
    return Error::Invalid("manifest.json: expected a non-empty array");
  const rapidjson::Value* pick = nullptr;
  for (const auto& m : doc->GetArray()) {
    std::vector<std::string> tags = StringArray(m, "RepoTags");
    bool match = opt_.ref.empty() || std::find(tags.begin(), tags.end(), opt_.ref) != tags.end();
    if (match && pick != nullptr) {
      return Error::Invalid("manifest.json holds several images; pick one with a tag");
    }
    if (match) {
      pick = &m;
      img_->tags = tags;
    }
  }
  if (pick == nullptr) return Error::NotFound("manifest.json: no image tagged " + opt_.ref);
  std::string config = StringField(*pick, "Config");
  if (config.empty()) return Error::Invalid("manifest.json: missing Config");
  auto cfg = ReadIn(src, config, opt_.limits);
  if (!cfg.ok()) return std::move(cfg).error().Context("manifest.json: Config");
  img_->config_json = std::move(*cfg);
  for (const std::string& rel : StringArray(*pick, "Layers")) {
    UID2_RETURN_IF_ERROR(AddLayerFrom(src, rel, "layer " + rel));
  }
  return CheckDiffIds();
}

Result<std::string> Reader::ReadBlob(const SafeRoot& src, std::string_view digest) {
  if (!digest.starts_with("sha256:") || digest.size() != 71) {
    return Error::Unsupported("blob digest '" + std::string(digest) +
                              "': only sha256 is supported");
  }
  std::string rel = "blobs/sha256/" + std::string(digest.substr(7));
  UID2_ASSIGN_OR_RETURN(std::string data, ReadIn(src, rel, opt_.limits));
  if ("sha256:" + HexEncode(crypto::Sha256(AsBytes(data))) != digest) {
    return Error::VerifyFailed("blob " + std::string(digest) + " does not match its digest");
  }
  return data;
}

Status Reader::PickOciManifest(const SafeRoot& src, const rapidjson::Value& index, int depth,
                               std::string* manifest_digest) {
  if (depth > kMaxIndexDepth) return Error::Invalid("image indexes nested too deeply");
  auto m = index.FindMember("manifests");
  if (!index.IsObject() || m == index.MemberEnd() || !m->value.IsArray() || m->value.Empty()) {
    return Error::Invalid("index has no manifests");
  }
  const rapidjson::Value* pick = nullptr;
  for (const auto& d : m->value.GetArray()) {
    std::string ref = AnnotationRef(d);
    if (depth == 0 && !opt_.ref.empty() && ref != opt_.ref) continue;
    if (depth > 0 && !PlatformIsLinuxAmd64(d)) continue;
    if (pick != nullptr && depth == 0) {
      return Error::Invalid("the OCI layout holds several images; pick one with a ref name");
    }
    if (pick == nullptr) pick = &d;
    if (depth == 0 && !ref.empty()) img_->tags = {ref};
  }
  if (pick == nullptr) return Error::NotFound("no matching image in the OCI index");
  std::string digest = StringField(*pick, "digest");
  if (StringField(*pick, "mediaType") != "application/vnd.oci.image.index.v1+json" &&
      StringField(*pick, "mediaType") !=
          "application/vnd.docker.distribution.manifest.list.v2+json") {
    *manifest_digest = digest;
    return Ok();
  }
  UID2_ASSIGN_OR_RETURN(std::string text, ReadBlob(src, digest));
  UID2_ASSIGN_OR_RETURN(rapidjson::Document sub, ParseJson(text));
  return PickOciManifest(src, sub, depth + 1, manifest_digest);
}

Status Reader::LoadOci(const SafeRoot& src) {
  UID2_ASSIGN_OR_RETURN(std::string text, ReadIn(src, "index.json", opt_.limits));
  auto index = ParseJson(text);
  if (!index.ok()) return std::move(index).error().Context("index.json");
  std::string digest;
  UID2_RETURN_IF_ERROR(PickOciManifest(src, *index, 0, &digest));
  UID2_ASSIGN_OR_RETURN(std::string mtext, ReadBlob(src, digest));
  auto parsed = ParseJson(mtext);
  if (!parsed.ok()) return std::move(parsed).error().Context("manifest " + digest);
  const rapidjson::Value* manifest = &*parsed;
  auto cfg = manifest->FindMember("config");
  if (!manifest->IsObject() || cfg == manifest->MemberEnd()) {
    return Error::Invalid("manifest " + digest + " has no config");
  }
  UID2_ASSIGN_OR_RETURN(img_->config_json, ReadBlob(src, StringField(cfg->value, "digest")));
  auto layers = manifest->FindMember("layers");
  if (layers == manifest->MemberEnd() || !layers->value.IsArray()) {
    return Error::Invalid("manifest " + digest + " has no layers");
  }
  for (const auto& l : layers->value.GetArray()) {
    std::string ld = StringField(l, "digest");
    if (!ld.starts_with("sha256:") || ld.size() != 71) {
      return Error::Unsupported("layer digest '" + ld + "': only sha256 is supported");
    }
    std::string rel = "blobs/sha256/" + ld.substr(7);
    {
      UID2_ASSIGN_OR_RETURN(UniqueFd fd, OpenIn(src, rel, opt_.limits));
      UID2_ASSIGN_OR_RETURN(auto got,
                            crypto::Sha256File("/proc/self/fd/" + std::to_string(fd.get())));
      if ("sha256:" + HexEncode(got) != ld) {
        return Error::VerifyFailed("layer blob " + ld + " does not match its digest");
      }
    }
    UID2_RETURN_IF_ERROR(AddLayerFrom(src, rel, "layer " + ld));
  }
  return CheckDiffIds();
}

}  // namespace

Result<std::optional<Image>> TryReadImage(const std::string& path, const ReadOptions& options,
                                          UnpackedArchive* unpacked) {
  Image img;
  Reader reader(options, &img);  // an image's unpacked archive goes with it: its layers are staged
  Result<bool> is_image = reader.Load(path);
  if (!is_image.ok()) return std::move(is_image).error().Context(path);
  if (!*is_image) {
    if (unpacked != nullptr) *unpacked = reader.unpacked();
    return std::optional<Image>();
  }
  return std::optional<Image>(std::move(img));
}

Result<Image> ReadImage(const std::string& path, const ReadOptions& options) {
  UID2_ASSIGN_OR_RETURN(std::optional<Image> img, TryReadImage(path, options));
  if (!img) return Error::Invalid(std::string(kNotAnImage)).Context(path);
  return std::move(*img);
}

}  // namespace uid2::oci
