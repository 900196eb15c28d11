// sign.cc: SignImage and ReadImageSignature (see shield.h).
#include <archive.h>
#include <archive_entry.h>

#include <filesystem>

#include "common/encoding.h"
#include "common/file.h"
#include "crypto/rsa.h"
#include "manifest/manifest.h"
#include "manifest/trusted_files.h"
#include "oci/safe_root.h"
#include "sgx/measure.h"
#include "sgx/sigstruct.h"
#include "shield/shield.h"

namespace uid2::shield {
namespace {

constexpr const char* kSigPath = "gramine/app_files/entrypoint.sig";

// LibpalFromShroudToml reads `libpal = "..."` from /gramine/app_files/shroud.toml (default
// kDefaultLibpal when the file is absent).
Result<std::string> LibpalFromShroudToml(const std::string& rootfs) {
  std::string path = rootfs + kAppFiles + "/shroud.toml";
  if (!std::filesystem::exists(path)) return std::string(kDefaultLibpal);
  UID2_ASSIGN_OR_RETURN(manifest::Manifest m, manifest::LoadManifest(path));
  const manifest::Value* v = m.root.Find("libpal");
  if (v == nullptr || !v->is_string() || v->str().empty() || v->str().front() != '/') {
    return Error::Invalid(path + ": libpal must be an absolute path string");
  }
  return v->str();
}

struct Signed {
  std::string manifest_sgx;
  Bytes sigstruct;
};

Result<Signed> MeasureAndSign(const std::string& rootfs, const SignOptions& o) {
  std::string mpath = rootfs + kAppFiles + "/entrypoint.manifest";
  if (!std::filesystem::exists(mpath)) {
    return Error::NotFound(
        "no /gramine/app_files/entrypoint.manifest in the image: shield it "
        "first (shroud shield)");
  }
  UID2_ASSIGN_OR_RETURN(manifest::Manifest m, manifest::LoadManifest(mpath));
  UID2_RETURN_IF_ERROR(manifest::ApplyGramineDefaults(&m));
  manifest::ExpandOptions eo;
  eo.base_dir = rootfs;
  eo.chroot = rootfs;
  eo.quiet = o.quiet;
  UID2_RETURN_IF_ERROR(manifest::ExpandAndHash(&m, eo));
  Signed out;
  out.manifest_sgx = manifest::WriteManifestSgx(m);
  UID2_ASSIGN_OR_RETURN(sgx::EnclaveParams params, manifest::EnclaveParamsFrom(m));
  UID2_ASSIGN_OR_RETURN(std::string libpal, LibpalFromShroudToml(rootfs));
  UID2_ASSIGN_OR_RETURN(std::string pal_inner, manifest::ResolveInChroot(libpal, rootfs));
  UID2_ASSIGN_OR_RETURN(
      sgx::Measurement mr,
      sgx::MeasureEnclaveWithLibpalFile(AsBytes(out.manifest_sgx), rootfs + pal_inner, params));
  UID2_ASSIGN_OR_RETURN(std::string pem, ReadFile(o.key_pem));
  auto key = crypto::RsaKey::FromPem(pem);
  if (!key.ok()) return std::move(key).error().Context(o.key_pem);
  UID2_RETURN_IF_ERROR(sgx::CheckSigningKey(*key));
  UID2_ASSIGN_OR_RETURN(sgx::SigstructDate date, sgx::ParseSigstructDate(o.date));
  Bytes unsigned_sig = sgx::BuildUnsignedSigstruct(params, mr, date);
  UID2_ASSIGN_OR_RETURN(out.sigstruct, sgx::SignSigstruct(unsigned_sig, *key));
  return out;
}

}  // namespace

Result<SignReport> SignImage(const SignOptions& o) {
  oci::ReadOptions ro;
  ro.limits = o.limits;
  UID2_ASSIGN_OR_RETURN(oci::Image image, oci::ReadImage(o.image, ro));
  UID2_ASSIGN_OR_RETURN(oci::TempDir tmp, oci::TempDir::Create("shroud-sign"));
  std::string rootfs = tmp.path() + "/rootfs", layer = tmp.path() + "/layer";
  UID2_RETURN_IF_ERROR(oci::MakeDirs(rootfs));
  UID2_RETURN_IF_ERROR(oci::MakeDirs(layer + kAppFiles));
  oci::Budget budget;
  UID2_RETURN_IF_ERROR(oci::ApplyImage(image, rootfs, o.limits, &budget));
  auto s = MeasureAndSign(rootfs, o);
  if (!s.ok()) return std::move(s).error().Context(o.image);
  UID2_ASSIGN_OR_RETURN(sgx::SigstructFields f, sgx::ParseSigstruct(s->sigstruct));

  std::string app = layer + kAppFiles;
  UID2_RETURN_IF_ERROR(WriteFileAtomic(app + "/entrypoint.manifest.sgx", s->manifest_sgx));
  UID2_RETURN_IF_ERROR(WriteFileAtomic(app + "/entrypoint.sig", s->sigstruct));
  UID2_RETURN_IF_ERROR(oci::AddTreeLayer(
      &image, layer, o.write.mtime, "shroud sign-image: entrypoint.manifest.sgx, entrypoint.sig"));
  SignReport r;
  r.mrenclave = HexEncode(f.mr_enclave);
  r.mrsigner = HexEncode(f.mr_signer);
  r.isv_prod_id = f.isv_prod_id;
  r.isv_svn = f.isv_svn;
  r.debug = f.debug();
  UID2_ASSIGN_OR_RETURN(oci::RuntimeConfig rc, oci::ParseRuntimeConfig(image.config_json));
  rc.labels["com.shroud.shielded"] = "signed";
  rc.labels["com.shroud.mrenclave"] = r.mrenclave;
  rc.labels["com.shroud.mrsigner"] = r.mrsigner;
  rc.labels["com.shroud.isvprodid"] = std::to_string(r.isv_prod_id);
  rc.labels["com.shroud.isvsvn"] = std::to_string(r.isv_svn);
  UID2_RETURN_IF_ERROR(oci::UpdateConfig(&image, rc, o.write.mtime));
  UID2_RETURN_IF_ERROR(oci::WriteImage(image, o.output, o.write));
  if (!o.bundle_dir.empty()) {
    UID2_RETURN_IF_ERROR(oci::MakeDirs(o.bundle_dir));
    oci::Budget b;
    UID2_RETURN_IF_ERROR(oci::ApplyImage(image, o.bundle_dir, o.limits, &b));
  }
  return r;
}

namespace {

// FindInLayer looks for the signature in one layer. Sets *hidden when the layer deletes it (a
// whiteout of the file or of a parent, or an opaque parent) and *found with its bytes.
Status FindInLayer(const std::string& path, bool* hidden, Bytes* found) {
  archive* a = archive_read_new();
  std::unique_ptr<archive, int (*)(archive*)> guard(a, archive_read_free);
  archive_read_support_filter_all(a);
  archive_read_support_format_tar(a);
  if (archive_read_open_filename(a, path.c_str(), 1 << 20) != ARCHIVE_OK) {
    return Error::Invalid(path + ": " + archive_error_string(a));
  }
  const std::vector<std::string> hiders = {
      ".wh.gramine", "gramine/.wh.app_files", "gramine/app_files/.wh.entrypoint.sig",
      "gramine/.wh..wh..opq", "gramine/app_files/.wh..wh..opq"};
  archive_entry* e = nullptr;
  int r;
  while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
    auto parts = oci::SplitEntryPath(archive_entry_pathname(e), 4096);
    if (!parts.ok()) continue;
    std::string name = oci::JoinParts(*parts, parts->size());
    if (std::find(hiders.begin(), hiders.end(), name) != hiders.end()) *hidden = true;
    if (name == kSigPath && archive_entry_filetype(e) == AE_IFREG) {
      if (archive_entry_size(e) != int64_t(sgx::kSigstructSize)) {
        return Error::Invalid(std::string(kSigPath) + " is " +
                              std::to_string(archive_entry_size(e)) + " bytes, not 1808");
      }
      found->resize(sgx::kSigstructSize);
      if (archive_read_data(a, found->data(), found->size()) != la_ssize_t(found->size())) {
        return Error::Invalid(std::string(kSigPath) + ": truncated");
      }
    }
  }
  if (r != ARCHIVE_EOF) return Error::Invalid(path + ": " + archive_error_string(a));
  return Ok();
}

}  // namespace

Result<ImageSignature> ReadImageSignature(const std::string& image_path,
                                          const oci::Limits& limits) {
  oci::ReadOptions ro;
  ro.limits = limits;
  UID2_ASSIGN_OR_RETURN(oci::Image image, oci::ReadImage(image_path, ro));
  UID2_ASSIGN_OR_RETURN(oci::RuntimeConfig rc, oci::ParseRuntimeConfig(image.config_json));
  ImageSignature out;
  out.labels = rc.labels;
  for (size_t i = image.layers.size(); i-- > 0;) {
    bool hidden = false;
    Bytes found;
    UID2_RETURN_IF_ERROR(FindInLayer(image.layers[i].path, &hidden, &found));
    if (!found.empty()) {
      out.sigstruct = std::move(found);
      return out;
    }
    if (hidden) break;
  }
  return Error::NotFound(image_path + ": no /" + kSigPath +
                         " in the image (sign it first: "
                         "shroud sign-image)");
}

}  // namespace uid2::shield
