// image.h: a container image in memory: its config JSON and its layers as uncompressed tar
// files in a private staging directory, plus the fields of the config that shroud uses.
//
// Reading (ReadImage) accepts, detected from the content and not the file name:
//   - a docker-archive (`docker save`, `skopeo copy ... docker-archive:`), plain or gzip'd tar,
//     or a directory holding one unpacked;
//   - an OCI image layout, as a directory or a tar (plain or gzip'd).
// Every blob is checked: OCI blobs against their sha256 digest, every layer against the
// config's rootfs.diff_ids. Only linux images with sha256 digests are supported.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "oci/fs.h"
#include "oci/layer.h"

namespace uid2::oci {

// The runtime part of an image config ("config" in the config JSON).
struct RuntimeConfig {
  std::vector<std::string> entrypoint;
  std::vector<std::string> cmd;
  std::vector<std::string> env;  // "K=V"
  std::string working_dir;
  std::string user;
  std::map<std::string, std::string> labels;
};

struct Layer {
  std::string path;     // uncompressed tar; owned by the Image's staging directory
  std::string diff_id;  // "sha256:<hex>" of the uncompressed tar
  uint64_t size = 0;
  std::string created_by;  // history text for new layers ("" for layers read from an image)
};

struct Image {
  std::string config_json;  // the full config, as read (or as rebuilt by SetRuntimeConfig)
  std::vector<Layer> layers;
  std::vector<std::string> tags;     // repo tags / OCI ref names found in the input
  std::shared_ptr<TempDir> staging;  // keeps the layer files alive
};

struct ReadOptions {
  Limits limits;
  // For an OCI layout with several images: the org.opencontainers.image.ref.name to pick.
  std::string ref;
  // For TryReadImage: a path inside the input ("a/b/c", e.g. a bundle's signed manifest) whose
  // presence means the input is the caller's own format, even when it also holds a top-level
  // manifest.json or oci-layout (say, a root filesystem with a web app's /manifest.json).
  std::string not_image_if_present;
};

// What ReadImage says of an input that has neither image layout's top-level file.
inline constexpr std::string_view kNotAnImage =
    "not a container image: no manifest.json (docker-archive) or oci-layout (OCI layout)";

// ReadImage loads the image at `path` (see above). Errors name the file and blob at fault; an
// input that is not an image at all is kInvalid "<path>: " + kNotAnImage.
Result<Image> ReadImage(const std::string& path, const ReadOptions& options = {});

// An archive TryReadImage unpacked that was not an image.
struct UnpackedArchive {
  std::shared_ptr<TempDir> temp;  // private (0700); removed with the last copy
  std::string dir;                // the archive's files, inside `temp`
};

// TryReadImage is ReadImage for callers that also accept other inputs (`shroud run` takes a
// bundle directory or tar too). It reads `path` once and tells the cases apart:
//   - std::nullopt: not an image: a directory, or an archive read to its end, with neither
//     top-level file (or holding options.not_image_if_present); an archive's files are then
//     left in *unpacked (when given) for the caller's own format, with no second read;
//   - an Error: an image that fails a check (named as ReadImage names it), or an input that
//     cannot be read at all (missing, or not an archive: "layer (image archive): ...");
//   - the Image otherwise.
Result<std::optional<Image>> TryReadImage(const std::string& path, const ReadOptions& options = {},
                                          UnpackedArchive* unpacked = nullptr);

// ParseRuntimeConfig extracts the runtime fields from a config JSON.
Result<RuntimeConfig> ParseRuntimeConfig(const std::string& config_json);

// ApplyImage applies every layer of `image`, in order, into the existing directory `root_dir`.
Status ApplyImage(const Image& image, const std::string& root_dir, const Limits& limits,
                  Budget* budget);

// AddLayer records an uncompressed layer tar (hashing it) as the new top layer. The file must
// live in, or be moved by the caller into, a place that outlives the image.
Status AddLayer(Image* image, const std::string& tar_path, std::string created_by);

// UpdateConfig rewrites the config JSON: runtime fields from `rc` (labels merged over existing
// ones), rootfs.diff_ids from the layers, a history entry for each new layer, and "created" set
// to `created_epoch` (seconds since 1970, UTC).
Status UpdateConfig(Image* image, const RuntimeConfig& rc, int64_t created_epoch);

// Sha256FileHex returns "sha256:<hex>" of a file.
Result<std::string> DigestFile(const std::string& path);

// FormatTime returns the RFC 3339 UTC text of an epoch ("2026-01-15T00:00:00Z").
std::string FormatTime(int64_t epoch);

}  // namespace uid2::oci

namespace uid2::oci {

// NewImageFromTree makes a one-layer image from the host directory `dir` (every entry owned by
// root, mtimes `mtime`), with `rc` as its runtime config. The layer tar lives in the image's
// staging directory.
Result<Image> NewImageFromTree(const std::string& dir, const RuntimeConfig& rc, int64_t mtime);

// AddTreeLayer adds the host directory `dir` as a new top layer of `image` (see TarWriter).
Status AddTreeLayer(Image* image, const std::string& dir, int64_t mtime, std::string created_by);

}  // namespace uid2::oci
