#include "runtime/bundle.h"

#include <sys/stat.h>

#include <climits>
#include <cstdlib>
#include <optional>

#include "common/encoding.h"
#include "common/file.h"
#include "common/log.h"
#include "oci/image.h"
#include "runtime/run_spec.h"
#include "sgx/measure.h"

namespace uid2::runtime {
namespace {

bool Exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

std::string AppFile(const std::string& root, std::string_view name) {
  return root + std::string(kAppFilesDir) + "/" + std::string(name);
}

// NotSigned explains how to sign what the user named: a shielded image, an image that is not
// shielded yet, or a bundle root (`root` holds what was found).
Error NotSigned(const std::string& path, const std::string& root, bool is_image) {
  std::string what =
      path + ": not signed (no " + std::string(kAppFilesDir) + "/entrypoint.manifest.sgx): ";
  std::string key = " (a key: `shroud keygen -o KEY.pem`)";
  if (is_image && Exists(AppFile(root, "entrypoint.manifest"))) {
    return Error::NotFound(what + "sign the shielded image with `shroud sign-image " + path +
                           " KEY.pem -o SIGNED.tar`" + key +
                           ", then `shroud run SIGNED.tar` (docs/shielding.md)");
  }
  if (is_image) {
    return Error::NotFound(what + "the image is not shielded either: `shroud shield " + path +
                           " --engine GRAMINE_IMAGE -o UNSIGNED.tar`, then `shroud sign-image "
                           "UNSIGNED.tar KEY.pem -o SIGNED.tar`" +
                           key + " (docs/shielding.md)");
  }
  std::string app = "ROOT" + std::string(kAppFilesDir) + "/";
  return Error::NotFound(
      what + "sign the bundle's manifest with `shroud sign -m " + app +
      "entrypoint.manifest -k KEY.pem --chroot ROOT --libpal ROOT" + std::string(kDefaultLibpal) +
      " -o " + app + "entrypoint.manifest.sgx -s " + app +
      "entrypoint.sig` where ROOT is the bundle directory" + key + " (docs/runtime.md)");
}

// Unpack reads `path` once (a pipe works too): an image's own error (a layer changed after
// signing, say) is final; what is not an image is taken as a bundle, an archive's from the files
// the image reader unpacked.
Result<Bundle> Unpack(const std::string& path) {
  oci::Limits limits;
  oci::ReadOptions read;
  read.limits = limits;
  // A bundle wins over a top-level manifest.json or oci-layout of its own (e.g. a web app's).
  read.not_image_if_present = AppFile("", "entrypoint.manifest.sgx").substr(1);
  oci::UnpackedArchive unpacked;
  UID2_ASSIGN_OR_RETURN(std::optional<oci::Image> image, oci::TryReadImage(path, read, &unpacked));
  if (!image) {
    std::string dir = unpacked.temp != nullptr ? unpacked.dir : path;
    if (Exists(AppFile(dir, "entrypoint.manifest.sgx"))) return Bundle{dir, path, unpacked.temp};
    if (Exists(AppFile(dir, "entrypoint.manifest"))) return NotSigned(path, dir, false);
    return Error::NotFound(path + ": neither a bundle (no " + std::string(kAppFilesDir) +
                           "/entrypoint.manifest.sgx) nor a signed image (" + path + ": " +
                           std::string(oci::kNotAnImage) + ")");
  }
  UID2_ASSIGN_OR_RETURN(oci::TempDir dir, oci::TempDir::Create("shroud-run-bundle-"));
  auto temp = std::make_shared<oci::TempDir>(std::move(dir));
  std::string root = temp->path() + "/root";
  UID2_RETURN_IF_ERROR(oci::MakeDirs(root));
  oci::Budget budget;
  UID2_RETURN_IF_ERROR(oci::ApplyImage(*image, root, limits, &budget));
  if (!Exists(AppFile(root, "entrypoint.manifest.sgx"))) return NotSigned(path, root, true);
  UID2_ASSIGN_OR_RETURN(oci::RuntimeConfig rc, oci::ParseRuntimeConfig(image->config_json));
  return Bundle{root, path, temp, ImageCommand{rc.entrypoint, rc.cmd}};
}

Result<std::string> LibpalPath(const std::string& root) {
  std::string conf = AppFile(root, "shroud.toml");
  std::string libpal(kDefaultLibpal);
  if (Exists(conf)) {
    UID2_ASSIGN_OR_RETURN(manifest::Manifest parsed, manifest::LoadManifest(conf));
    if (const manifest::Value* v = parsed.root.Find("libpal")) {
      if (!v->is_string()) return Error::Invalid(conf + ": 'libpal' must be a string");
      libpal = v->str();
    }
  }
  return root + NormalisePath(libpal);
}

}  // namespace

Result<Bundle> OpenBundle(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return Error::Errno(path, errno);
  if (S_ISDIR(st.st_mode)) {
    char real[PATH_MAX];
    if (realpath(path.c_str(), real) == nullptr) return Error::Errno(path, errno);
    if (Exists(AppFile(real, "entrypoint.manifest.sgx"))) return Bundle{real, path, nullptr};
    return Unpack(path);
  }
  return Unpack(path);
}

namespace {

Status SameMeasurement(const sgx::SigstructFields& sig, const sgx::Measurement& measured,
                       const std::string& sig_path, const std::string& libpal) {
  if (sig.mr_enclave == measured) return Ok();
  return Error::VerifyFailed("MRENCLAVE mismatch: " + sig_path + " was signed for MRENCLAVE " +
                             HexEncode(sig.mr_enclave) + " but entrypoint.manifest.sgx with " +
                             libpal + " measures " + HexEncode(measured) +
                             " (the manifest or libpal changed after signing)");
}

}  // namespace

Result<VerifiedBundle> VerifyBundle(const Bundle& bundle, const MeasurementCache* cache,
                                    bool defer_measurement) {
  VerifiedBundle v;
  std::string sgx_path = AppFile(bundle.root, "entrypoint.manifest.sgx");
  std::string sig_path = AppFile(bundle.root, "entrypoint.sig");
  UID2_ASSIGN_OR_RETURN(v.manifest_text, ReadFile(sgx_path));
  UID2_ASSIGN_OR_RETURN(Bytes sig, ReadFileBytes(sig_path));
  UID2_ASSIGN_OR_RETURN(v.manifest, manifest::ParseManifest(v.manifest_text, sgx_path));
  UID2_ASSIGN_OR_RETURN(sgx::EnclaveParams params, manifest::EnclaveParamsFrom(v.manifest));
  UID2_ASSIGN_OR_RETURN(std::string libpal, LibpalPath(bundle.root));
  Result<Bytes> pal = ReadFileBytes(libpal);
  if (!pal.ok()) return std::move(pal).error().Context("libpal");
  Status sig_ok = sgx::VerifySigstruct(sig);
  if (!sig_ok.ok()) return std::move(sig_ok).error().Context(sig_path);
  UID2_ASSIGN_OR_RETURN(v.sig, sgx::ParseSigstruct(sig));
  if (v.sig.isv_prod_id != params.isv_prod_id || v.sig.isv_svn != params.isv_svn ||
      v.sig.debug() != params.debug) {
    return Error::VerifyFailed(sig_path + ": ISVPRODID/ISVSVN/DEBUG (" +
                               std::to_string(v.sig.isv_prod_id) + "/" +
                               std::to_string(v.sig.isv_svn) + "/" + (v.sig.debug() ? "1" : "0") +
                               ") differ from the manifest's sgx.isvprodid/isvsvn/debug");
  }
  CacheKey key =
      MeasurementCacheKey(AsBytes(v.manifest_text), *pal, sig, sgx::kGramineV1_9.release);
  if (std::optional<sgx::Measurement> cached = cache ? cache->Lookup(key) : std::nullopt) {
    v.measured = *cached;
    v.measurement_cached = true;
    UID2_RETURN_IF_ERROR(SameMeasurement(v.sig, v.measured, sig_path, libpal));
    return v;
  }
  v.finish = [text = v.manifest_text, pal = std::move(*pal), params, signed_for = v.sig, sig_path,
              libpal, key, cache]() -> Status {
    Result<sgx::Measurement> measured =
        sgx::MeasureEnclave(AsBytes(text), pal, params, sgx::kGramineV1_9);
    if (!measured.ok()) return std::move(measured).error().Context(libpal);
    UID2_RETURN_IF_ERROR(SameMeasurement(signed_for, *measured, sig_path, libpal));
    if (cache != nullptr) {
      Status stored = cache->Store(key, *measured);
      if (!stored.ok()) {
        log::Warn("measurement_cache_not_written", {{"error", stored.error().message()}});
      }
    }
    return Ok();
  };
  if (!defer_measurement) {
    UID2_RETURN_IF_ERROR(v.finish());
    v.finish = nullptr;
    v.measured = v.sig.mr_enclave;
  }
  return v;
}

}  // namespace uid2::runtime
