// export.h: `shroud export occlum`: the same app and policy as an Occlum instance skeleton.
//
// Input: what `shroud run` accepts (a bundle directory or tar, or a signed image); its
// signature is verified first, so what is exported is what was signed. Output DIR (must not
// exist, or be empty; written beside it and renamed into place, so a failure leaves nothing):
//   DIR/Occlum.json  Occlum's build-time configuration (fields and types of Occlum's template
//                    etc/template/Occlum.json and of tools/gen_internal_conf, which reads it):
//                    resource_limits.user_space_size   <- sgx.enclave_size
//                    resource_limits.max_num_of_threads <- sgx.max_threads
//                    entry_points        <- the directory of libos.entrypoint
//                    env.default         <- the fixed loader.env values (+ loader.env_src_file)
//                    env.untrusted       <- the loader.env passthrough names
//                    metadata.product_id / version_number / debuggable <- isvprodid / isvsvn /
//                                           debug
//                    feature.amx / pkru  <- sgx.cpu_features.amx / pkru = "required"
//                    feature.enable_edmm <- sgx.edmm_enable
//                    mount               <- Occlum's root union FS, /proc, /dev, and a ramfs per
//                                           tmpfs mount
//   DIR/image/...    every trusted file at the path the app sees it (SHA-256 checked on copy).
// What cannot be carried over is reported (ExportReport::not_carried) and documented in
// docs/runtime.md.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "manifest/manifest.h"
#include "runtime/run_spec.h"
#include "sgx/enclave_params.h"

namespace uid2::occlum {

struct ExportOptions {
  std::string input;       // bundle directory/tar or signed image
  std::string output_dir;  // the instance directory to create
};

struct ExportReport {
  std::string occlum_json;                // the text written to Occlum.json
  std::vector<std::string> occlum_run;    // `occlum run` arguments: program path, then argv[1:]
  std::vector<std::string> entry_points;  // as written
  size_t files = 0;                       // copied into image/
  uint64_t bytes = 0;
  std::string mr_enclave;                // of the exported (verified) enclave, hex
  std::vector<std::string> not_carried;  // manifest rules Occlum cannot express, one per line
};

// Export does everything described above. Errors name the input, file or key at fault.
Result<ExportReport> Export(const ExportOptions& options);

// OcclumConfig is the Occlum.json document for a manifest (pure; used by Export and the tests).
struct OcclumConfig {
  std::string json;  // pretty-printed
  std::vector<std::string> entry_points;
  std::vector<std::string> not_carried;
};
// `env_default` are the fixed "K=V" values (see BuildEnv with no host environment).
Result<OcclumConfig> OcclumConfigFor(const runtime::RunSpec& spec, const sgx::EnclaveParams& params,
                                     const std::vector<std::string>& env_default);

// OcclumSize writes a byte count the way Occlum's parse_memory_size reads it: the largest of
// GB, MB, KB that divides it exactly, else B ("256MB", "1GB", "4097B").
std::string OcclumSize(uint64_t bytes);

}  // namespace uid2::occlum
