// bundle.h: open what `shroud run` runs and check its signature against its measurement.
//
// Accepted inputs (layout: CONVENTIONS "Shared formats"; the files live under
// /gramine/app_files in the root):
//   - a bundle directory (a root filesystem holding gramine/app_files/entrypoint.manifest.sgx);
//   - a bundle tar (plain or compressed) of such a directory, unpacked to a private directory;
//   - a signed image: docker-archive or OCI layout, as a directory or a tar; its layers are
//     applied to a private directory.
//
//   UID2_ASSIGN_OR_RETURN(Bundle b, OpenBundle("out/helloworld"));
//   UID2_ASSIGN_OR_RETURN(VerifiedBundle v, VerifyBundle(b));   // refuses a mismatch
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "common/status.h"
#include "manifest/manifest.h"
#include "oci/fs.h"
#include "runtime/args_env.h"
#include "runtime/measurement_cache.h"
#include "sgx/sigstruct.h"

namespace uid2::runtime {

inline constexpr std::string_view kAppFilesDir = "/gramine/app_files";
inline constexpr std::string_view kDefaultLibpal =
    "/usr/lib/x86_64-linux-gnu/gramine/sgx/libpal.so";

struct Bundle {
  std::string root;                     // absolute host directory of the root filesystem
  std::string source;                   // what the user named (for messages)
  std::shared_ptr<oci::TempDir> temp;   // set when unpacked; removed with the last copy
  std::optional<ImageCommand> image{};  // set when it came from an image: its Entrypoint and Cmd
};

// OpenBundle recognises a directory, a bundle tar or a signed image (see above). Errors name
// the path and what is missing: an unsigned bundle or image is refused (kNotFound) with the
// commands that sign it; an image whose blob or layer does not match its digest (changed after
// it was written) is refused (kVerifyFailed) naming the blob or layer.
Result<Bundle> OpenBundle(const std::string& path);

struct VerifiedBundle {
  manifest::Manifest manifest;  // parsed entrypoint.manifest.sgx
  std::string manifest_text;
  sgx::SigstructFields sig;         // the verified SIGSTRUCT
  sgx::Measurement measured{};      // MRENCLAVE of .manifest.sgx + libpal (once known)
  bool measurement_cached = false;  // `measured` came from the MeasurementCache
  // With VerifyBundle's `defer_measurement` and no cached measurement: measures, compares with
  // the SIGSTRUCT (the same kVerifyFailed) and records it in the cache. It needs nothing of
  // this struct; nothing of the bundle may run before it succeeded.
  std::function<Status()> finish;
};

// VerifyBundle measures entrypoint.manifest.sgx with the libpal named by shroud.toml (default
// kDefaultLibpal, inside the root) and checks entrypoint.sig: a valid RSA-3072 signature, the
// same MRENCLAVE (kVerifyFailed naming both values) and the manifest's ISVPRODID, ISVSVN and
// DEBUG bit. With a `cache` (not owned), a trusted entry for exactly these manifest, libpal and
// sig bytes replaces the measurement (every other check still runs), and a successful
// verification is recorded there (a failure to write it is only a warning). With
// `defer_measurement`, a measurement that is not cached is left to VerifiedBundle::finish (the
// caller runs it on another thread while it prepares the run).
Result<VerifiedBundle> VerifyBundle(const Bundle& bundle, const MeasurementCache* cache = nullptr,
                                    bool defer_measurement = false);

}  // namespace uid2::runtime
