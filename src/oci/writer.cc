#include "oci/writer.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <set>

#include "common/encoding.h"
#include "common/file.h"
#include "common/json.h"
#include "crypto/hash.h"
#include "oci/tar_writer.h"

namespace uid2::oci {
namespace {

constexpr std::string_view kOciManifestType = "application/vnd.oci.image.manifest.v1+json";
constexpr std::string_view kOciConfigType = "application/vnd.oci.image.config.v1+json";
constexpr std::string_view kOciLayerGzipType = "application/vnd.oci.image.layer.v1.tar+gzip";

std::string Hex(std::string_view digest) { return std::string(digest.substr(7)); }

std::string ConfigDigest(const Image& image) {
  return "sha256:" + HexEncode(crypto::Sha256(AsBytes(image.config_json)));
}

std::string OciRef(const std::string& tag) {
  if (tag.empty()) return "latest";
  size_t colon = tag.rfind(':');
  size_t slash = tag.rfind('/');
  if (colon == std::string::npos || (slash != std::string::npos && colon < slash)) return tag;
  return tag.substr(colon + 1);
}

Status WriteDockerArchive(const Image& image, const std::string& out, const WriteOptions& o) {
  TarOptions t{o.mtime, o.gzip, o.gzip_level};
  UID2_ASSIGN_OR_RETURN(auto tar, TarWriter::Create(out, t));
  std::string config_name = Hex(ConfigDigest(image)) + ".json";
  std::string manifest = "[{\"Config\":" + JsonQuote(config_name) + ",\"RepoTags\":";
  manifest += o.tag.empty() ? "null" : "[" + JsonQuote(o.tag) + "]";
  manifest += ",\"Layers\":[";
  std::map<std::string, const Layer*> files;  // sorted by name
  for (size_t i = 0; i < image.layers.size(); i++) {
    std::string name = Hex(image.layers[i].diff_id) + ".tar";
    manifest += (i ? "," : "") + JsonQuote(name);
    files[name] = &image.layers[i];
  }
  manifest += "]}]";
  std::map<std::string, std::string> small = {{config_name, image.config_json},
                                              {"manifest.json", manifest}};
  auto fi = files.begin();
  auto si = small.begin();
  while (fi != files.end() || si != small.end()) {
    if (si == small.end() || (fi != files.end() && fi->first < si->first)) {
      UID2_RETURN_IF_ERROR(tar->AddFile(fi->first, 0644, fi->second->path));
      ++fi;
    } else {
      UID2_RETURN_IF_ERROR(tar->AddData(si->first, 0644, AsBytes(si->second)));
      ++si;
    }
  }
  return tar->Finish();
}

struct Descriptor {
  std::string media_type, digest;
  uint64_t size = 0;
  std::string Json() const {
    return "{\"mediaType\":" + JsonQuote(media_type) + ",\"digest\":" + JsonQuote(digest) +
           ",\"size\":" + std::to_string(size) + "}";
  }
};

Result<Descriptor> PutBlob(const std::string& dir, std::string_view media_type,
                           std::string_view data) {
  Descriptor d{std::string(media_type), "sha256:" + HexEncode(crypto::Sha256(AsBytes(data))),
               data.size()};
  UID2_RETURN_IF_ERROR(WriteFileAtomic(dir + "/blobs/sha256/" + Hex(d.digest), data));
  return d;
}

Status WriteOciDir(const Image& image, const std::string& dir, const WriteOptions& o) {
  UID2_RETURN_IF_ERROR(MakeDirs(dir + "/blobs/sha256"));
  std::vector<Descriptor> layers;
  for (const Layer& l : image.layers) {
    std::string tmp = dir + "/blobs/sha256/.layer.tmp";
    UID2_ASSIGN_OR_RETURN(std::string digest, GzipFile(l.path, tmp, o.gzip_level));
    struct stat st {};
    if (::stat(tmp.c_str(), &st) != 0) return Error::Errno("cannot stat " + tmp, errno);
    std::string final_path = dir + "/blobs/sha256/" + Hex(digest);
    if (::rename(tmp.c_str(), final_path.c_str()) != 0) {
      return Error::Errno("cannot rename " + tmp, errno);
    }
    layers.push_back({std::string(kOciLayerGzipType), digest, uint64_t(st.st_size)});
  }
  UID2_ASSIGN_OR_RETURN(Descriptor config, PutBlob(dir, kOciConfigType, image.config_json));
  std::string manifest = "{\"schemaVersion\":2,\"mediaType\":" + JsonQuote(kOciManifestType) +
                         ",\"config\":" + config.Json() + ",\"layers\":[";
  for (size_t i = 0; i < layers.size(); i++) manifest += (i ? "," : "") + layers[i].Json();
  manifest += "]}";
  UID2_ASSIGN_OR_RETURN(Descriptor m, PutBlob(dir, kOciManifestType, manifest));
  std::string mj = m.Json();
  mj.pop_back();
  mj +=
      ",\"annotations\":{\"org.opencontainers.image.ref.name\":" + JsonQuote(OciRef(o.tag)) + "}}";
  std::string index =
      "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\","
      "\"manifests\":[" +
      mj + "]}";
  UID2_RETURN_IF_ERROR(WriteFileAtomic(dir + "/index.json", index));
  return WriteFileAtomic(dir + "/oci-layout",
                         std::string_view("{\"imageLayoutVersion\":\"1.0.0\"}"));
}

Status WriteOciTar(const Image& image, const std::string& out, const WriteOptions& o) {
  UID2_ASSIGN_OR_RETURN(TempDir tmp, TempDir::Create("shroud-oci-out"));
  UID2_RETURN_IF_ERROR(WriteOciDir(image, tmp.path(), o));
  TarOptions t{o.mtime, o.gzip, o.gzip_level};
  UID2_ASSIGN_OR_RETURN(auto tar, TarWriter::Create(out, t));
  UID2_RETURN_IF_ERROR(tar->AddTree(tmp.path(), ""));
  return tar->Finish();
}

// CheckReplaceable refuses to delete anything at `out` but a file or an OCI layout (or an
// empty directory): `-o ~` must never remove a home directory.
Status CheckReplaceable(const std::string& out) {
  struct stat st {};
  if (::lstat(out.c_str(), &st) != 0) return Ok();
  if (!S_ISDIR(st.st_mode)) return Ok();
  if (::access((out + "/oci-layout").c_str(), F_OK) == 0) return Ok();
  std::error_code ec;
  if (std::filesystem::is_empty(out, ec) && !ec) return Ok();
  return Error::Invalid("refusing to replace " + out +
                        ": it is a directory that is neither empty nor an OCI layout");
}

}  // namespace

Result<ImageFormat> ParseImageFormat(std::string_view name) {
  if (name == "docker-archive") return ImageFormat::kDockerArchive;
  if (name == "oci") return ImageFormat::kOciDir;
  if (name == "oci-archive") return ImageFormat::kOciTar;
  return Error::Invalid("unknown image format '" + std::string(name) +
                        "' (expected docker-archive, oci or oci-archive)");
}

int64_t SourceDateEpoch(int64_t fallback) {
  const char* s = std::getenv("SOURCE_DATE_EPOCH");
  if (s == nullptr || *s == '\0') return fallback;
  char* end = nullptr;
  long long v = std::strtoll(s, &end, 10);
  if (*end != '\0' || v < 0) return fallback;
  return v;
}

Status WriteImage(const Image& image, const std::string& out, const WriteOptions& options) {
  UID2_RETURN_IF_ERROR(CheckReplaceable(out));  // before any work, and before touching .partial
  std::string tmp = out + ".partial";
  (void)RemoveTree(tmp);
  Status s = Ok();
  switch (options.format) {
    case ImageFormat::kDockerArchive:
      s = WriteDockerArchive(image, tmp, options);
      break;
    case ImageFormat::kOciDir:
      s = WriteOciDir(image, tmp, options);
      break;
    case ImageFormat::kOciTar:
      s = WriteOciTar(image, tmp, options);
      break;
  }
  if (!s.ok()) {
    (void)RemoveTree(tmp);
    return std::move(s).error().Context("writing " + out);
  }
  UID2_RETURN_IF_ERROR(RemoveTree(out));
  if (::rename(tmp.c_str(), out.c_str()) != 0) {
    return Error::Errno("cannot rename to " + out, errno);
  }
  return Ok();
}

}  // namespace uid2::oci
