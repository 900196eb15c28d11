// shield.h: `shroud shield` (= `gsc build`, without Docker): turn a container image into an
// unsigned Gramine enclave image, and `shroud sign-image` / `info-image` (= `gsc sign-image` /
// `gsc info-image`).
//
// Shield reads IMAGE and ENGINE (a Gramine base image: docker-archive or OCI layout), unpacks
// both safely, and writes OUT = IMAGE's layers + one new layer holding
//   - the engine's runtime (by default /usr/lib/x86_64-linux-gnu/gramine/ with sgx/libpal.so,
//     /usr/bin/gramine-sgx, /usr/bin/gramine-direct),
//   - /gramine/app_files/{entrypoint.manifest, trusted_argv, apploader.sh, shroud.toml}.
// The manifest is GSC's: libos.entrypoint from Entrypoint+Cmd (combined correctly: argv =
// Entrypoint + Cmd, nothing dropped), fs.start_dir from WorkingDir, every Env entry as a fixed
// loader.env value, argv from the trusted file (or, with insecure_args, runtime args: the output
// Entrypoint is apploader.sh + Entrypoint[1:] and its Cmd the rest, so `docker run` replaces Cmd
// only), the user's manifest merged over it (user > template > image Env; PATH, LD_LIBRARY_PATH,
// LD_PRELOAD concatenated; arrays appended), and every file of the final root filesystem as a
// trusted file {uri, sha256} except the exclusions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "oci/image.h"
#include "oci/writer.h"

namespace uid2::shield {

inline constexpr const char* kDefaultLibpal = "/usr/lib/x86_64-linux-gnu/gramine/sgx/libpal.so";
inline constexpr const char* kGramineLibDir = "/usr/lib/x86_64-linux-gnu/gramine";
inline constexpr const char* kLibsysdb = "/usr/lib/x86_64-linux-gnu/gramine/libsysdb.so";
inline constexpr const char* kAppFiles = "/gramine/app_files";

// GSC's exclusions from sgx.trusted_files (globs over absolute paths; '*' also matches '/').
std::vector<std::string> DefaultExcludes();

struct ShieldOptions {
  std::string image;          // input image path
  std::string engine;         // Gramine base image path
  std::string user_manifest;  // optional TOML merged over the template
  std::string output;
  bool insecure_args = false;
  bool debug = false;  // sgx.debug = true
  std::string libpal = kDefaultLibpal;
  // Paths copied from the engine into the new layer (files or directories).
  std::vector<std::string> engine_paths = {kGramineLibDir, "/usr/bin/gramine-sgx",
                                           "/usr/bin/gramine-direct"};
  std::vector<std::string> excludes = DefaultExcludes();
  std::vector<std::string> includes;  // globs that override the excludes
  oci::Limits limits;
  oci::WriteOptions write;
  unsigned threads = 0;  // hashing workers (0 = all cores)
  bool quiet = false;
};

struct ShieldReport {
  std::string binary;             // libos.entrypoint
  std::vector<std::string> argv;  // the trusted argv (or the fixed prefix in insecure mode)
  size_t trusted_files = 0;
  uint64_t trusted_bytes = 0;
  double hash_seconds = 0;   // hashing the trusted files
  double total_seconds = 0;  // everything
  std::string manifest;      // entrypoint.manifest text
};

// Shield does everything described above. Errors name the image, layer, entry or key at fault.
Result<ShieldReport> Shield(const ShieldOptions& options);

// ComposeArgv returns argv as Docker runs it: Entrypoint + Cmd, or Cmd when Entrypoint is empty.
// (GSC drops Cmd[0] when Entrypoint has 2+ items; we do not.)
std::vector<std::string> ComposeArgv(const oci::RuntimeConfig& rc);

// SerializeArgv is gramine-argv-serializer: each argument followed by a NUL byte.
std::string SerializeArgv(const std::vector<std::string>& argv);

struct SignOptions {
  std::string image;    // unsigned (shielded) image
  std::string key_pem;  // RSA-3072, e=3 private key (PEM)
  std::string output;
  std::string date = "0000-00-00";  // SIGSTRUCT date; "0000-00-00" is reproducible
  std::string bundle_dir;           // optional: also write the signed root filesystem here
  oci::Limits limits;
  oci::WriteOptions write;
  bool quiet = false;
};

struct SignReport {
  std::string mrenclave, mrsigner;  // hex
  uint16_t isv_prod_id = 0, isv_svn = 0;
  bool debug = false;
};

// SignImage measures and signs the shielded image's enclave and writes OUT = its layers + a layer
// with entrypoint.manifest.sgx and entrypoint.sig, labelled com.shroud.{mrenclave, mrsigner,
// isvprodid, isvsvn}. The key is read here and never written anywhere.
Result<SignReport> SignImage(const SignOptions& options);

// ReadImageSigstruct returns the 1808 bytes of /gramine/app_files/entrypoint.sig from the image's
// top-most layer that has it (honouring whiteouts), and the image's labels.
struct ImageSignature {
  Bytes sigstruct;
  std::map<std::string, std::string> labels;
};
Result<ImageSignature> ReadImageSignature(const std::string& image, const oci::Limits& limits);

}  // namespace uid2::shield
