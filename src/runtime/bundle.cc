#include "runtime/bundle.h"

#include <sys/stat.h>

#include <climits>
#include <cstdlib>

#include "common/encoding.h"
#include "common/file.h"
#include "oci/image.h"
#include "oci/layer.h"
#include "oci/safe_root.h"
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

Result<Bundle> Unpack(const std::string& path, bool is_dir) {
  UID2_ASSIGN_OR_RETURN(oci::TempDir dir, oci::TempDir::Create("shroud-run-bundle-"));
  auto temp = std::make_shared<oci::TempDir>(std::move(dir));
  std::string root = temp->path() + "/root";
  UID2_RETURN_IF_ERROR(oci::MakeDirs(root));
  oci::Limits limits;
  oci::Budget budget;
  Result<oci::Image> image = oci::ReadImage(path);
  if (image.ok()) {
    UID2_RETURN_IF_ERROR(oci::ApplyImage(*image, root, limits, &budget));
  } else if (is_dir) {
    return Error::NotFound(path + ": neither a bundle (no " + std::string(kAppFilesDir) +
                           "/entrypoint.manifest.sgx) nor a signed image (" +
                           image.error().message() + ")");
  } else {
    UID2_ASSIGN_OR_RETURN(oci::SafeRoot safe, oci::SafeRoot::Open(root));
    Status s = oci::ApplyLayerFile(path, "bundle", safe, limits, &budget);
    if (!s.ok()) return std::move(s).error().Context(path);
  }
  if (!Exists(AppFile(root, "entrypoint.manifest.sgx"))) {
    return Error::NotFound(path + ": no " + std::string(kAppFilesDir) +
                           "/entrypoint.manifest.sgx inside (was it signed?)");
  }
  return Bundle{root, path, temp};
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
    return Unpack(path, true);
  }
  return Unpack(path, false);
}

Result<VerifiedBundle> VerifyBundle(const Bundle& bundle) {
  VerifiedBundle v;
  std::string sgx_path = AppFile(bundle.root, "entrypoint.manifest.sgx");
  std::string sig_path = AppFile(bundle.root, "entrypoint.sig");
  UID2_ASSIGN_OR_RETURN(v.manifest_text, ReadFile(sgx_path));
  UID2_ASSIGN_OR_RETURN(Bytes sig, ReadFileBytes(sig_path));
  UID2_ASSIGN_OR_RETURN(v.manifest, manifest::ParseManifest(v.manifest_text, sgx_path));
  UID2_ASSIGN_OR_RETURN(sgx::EnclaveParams params, manifest::EnclaveParamsFrom(v.manifest));
  UID2_ASSIGN_OR_RETURN(std::string libpal, LibpalPath(bundle.root));
  UID2_ASSIGN_OR_RETURN(
      v.measured, sgx::MeasureEnclaveWithLibpalFile(AsBytes(v.manifest_text), libpal, params));
  Status sig_ok = sgx::VerifySigstruct(sig);
  if (!sig_ok.ok()) return std::move(sig_ok).error().Context(sig_path);
  UID2_ASSIGN_OR_RETURN(v.sig, sgx::ParseSigstruct(sig));
  if (v.sig.mr_enclave != v.measured) {
    return Error::VerifyFailed("MRENCLAVE mismatch: " + sig_path + " was signed for MRENCLAVE " +
                               HexEncode(v.sig.mr_enclave) + " but entrypoint.manifest.sgx with " +
                               libpal + " measures " + HexEncode(v.measured) +
                               " (the manifest or libpal changed after signing)");
  }
  if (v.sig.isv_prod_id != params.isv_prod_id || v.sig.isv_svn != params.isv_svn ||
      v.sig.debug() != params.debug) {
    return Error::VerifyFailed(sig_path + ": ISVPRODID/ISVSVN/DEBUG (" +
                               std::to_string(v.sig.isv_prod_id) + "/" +
                               std::to_string(v.sig.isv_svn) + "/" + (v.sig.debug() ? "1" : "0") +
                               ") differ from the manifest's sgx.isvprodid/isvsvn/debug");
  }
  return v;
}

}  // namespace uid2::runtime
