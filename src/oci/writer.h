// writer.h: write an Image as a docker-archive or an OCI image layout, reproducibly.
//
// The same Image and options give byte-identical output: tar entries are sorted with fixed
// mtimes and uid/gid 0, JSON is compact with a fixed member order, and gzip output has no
// timestamp. Outputs are accepted by `docker load`, `skopeo inspect docker-archive:OUT` /
// `oci:OUT` and `umoci unpack --image OUT:TAG`.
//
//   docker-archive: <diffid-hex>.tar per layer (uncompressed), <config-hex>.json,
//                   manifest.json; optionally the whole archive gzip'd (.tar.gz).
//   OCI layout:     oci-layout, index.json, blobs/sha256/* with gzip'd layers; as a directory
//                   or as a tar of that directory.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "oci/image.h"

namespace uid2::oci {

enum class ImageFormat { kDockerArchive, kOciDir, kOciTar };

// ParseImageFormat accepts "docker-archive", "oci" (directory) and "oci-archive" (tar).
Result<ImageFormat> ParseImageFormat(std::string_view name);

struct WriteOptions {
  ImageFormat format = ImageFormat::kDockerArchive;
  int64_t mtime = 0;   // entry mtimes; see SourceDateEpoch()
  bool gzip = false;   // gzip the docker-archive or OCI tar file itself
  int gzip_level = 6;  // for gzip'd layers and archives
  std::string tag;     // "name:tag" (docker RepoTags) / ref name (OCI, part after ':')
};

// WriteImage writes `image` to `out` (a file for archives, a directory for kOciDir, which must
// not exist or be empty). The output appears only when complete (written beside, renamed).
Status WriteImage(const Image& image, const std::string& out, const WriteOptions& options);

// SourceDateEpoch returns $SOURCE_DATE_EPOCH when set to a valid number, else `fallback`.
int64_t SourceDateEpoch(int64_t fallback);

}  // namespace uid2::oci
