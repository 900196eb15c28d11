// run_spec.h: what `shroud run` needs from a signed manifest (.manifest.sgx), with Gramine's
// meaning (spec: libos-toolchains.md §2).
//
//   UID2_ASSIGN_OR_RETURN(manifest::Manifest m,
//   manifest::LoadManifest(".../entrypoint.manifest.sgx")); UID2_ASSIGN_OR_RETURN(RunSpec spec,
//   RunSpecFromManifest(m));
//
// Every failure is kInvalid (or kUnsupported for the sys.*/loader.* options runtime_options.h
// marks refused) and names the manifest key.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"
#include "crypto/hash.h"
#include "manifest/manifest.h"

namespace uid2::runtime {

enum class MountType { kChroot, kTmpfs, kEncrypted };

// kDefaultKeyName is the key of an encrypted mount without key_name (Gramine's default);
// kSealKeyMrEnclave / kSealKeyMrSigner are the sealing keys (Gramine's special keys).
inline constexpr std::string_view kDefaultKeyName = "default";
inline constexpr std::string_view kSealKeyMrEnclave = "_sgx_mrenclave";
inline constexpr std::string_view kSealKeyMrSigner = "_sgx_mrsigner";

// IsKnownKeyName: not empty, and a name starting with '_' is one of the two sealing keys.
bool IsKnownKeyName(std::string_view name);

// One entry of fs.root / fs.mounts. `uri` is a `file:` URI for chroot and encrypted mounts,
// empty for tmpfs. `key_name` names the key of an encrypted mount (fs.insecure__keys.NAME, a
// key the app writes to /dev/attestation/keys/NAME, or _sgx_mrenclave / _sgx_mrsigner).
struct MountSpec {
  std::string path;  // inside the app's view, absolute, normalised ("/" for fs.root)
  MountType type = MountType::kChroot;
  std::string uri;
  std::string key_name;  // encrypted mounts only
};

// loader.env.NAME: a fixed value, or passthrough of the host's value.
struct EnvSpec {
  std::string name;
  std::string value;
  bool passthrough = false;
};

struct TrustedEntry {
  std::string uri;
  crypto::Sha256Digest sha256{};
};

struct RunSpec {
  std::string entrypoint;  // libos.entrypoint, a path inside the view

  // Arguments: at most one of these is set (checked).
  std::optional<std::vector<std::string>> argv;  // loader.argv
  std::string argv_src_file;                     // loader.argv_src_file (URI)
  bool insecure_cmdline_argv = false;            // loader.insecure__use_cmdline_argv

  std::vector<EnvSpec> env;  // loader.env.*, in manifest order
  std::string env_src_file;  // loader.env_src_file (URI)
  bool insecure_host_env = false;

  std::vector<MountSpec> mounts;  // fs.root first, then fs.mounts in order
  std::string start_dir = "/";    // fs.start_dir

  std::vector<TrustedEntry> trusted_files;
  std::vector<std::string> allowed_files;  // URIs (file: or dev:)
  bool allow_all_but_log = false;          // sgx.file_check_policy

  uint64_t enclave_size = 256ull << 20;
  uint32_t max_threads = 4;
  bool remote_attestation = false;             // sgx.remote_attestation = "dcap" (or legacy true)
  std::map<std::string, Bytes> insecure_keys;  // fs.insecure__keys.NAME (16 bytes, hex)

  // sys.* and loader.* options applied to the app (statuses: manifest/runtime_options.h).
  bool sigterm_injection = false;           // sys.enable_sigterm_injection
  bool disallow_subprocesses = false;       // sys.disallow_subprocesses
  bool enable_flock = false;                // sys.experimental__enable_flock
  uint64_t stack_size = kDefaultStackSize;  // sys.stack.size, page-aligned
  uint64_t fds_limit = kDefaultFdsLimit;    // sys.fds.limit
  uint32_t uid = 0, gid = 0;                // loader.uid, loader.gid
  bool disable_aslr = false;                // loader.insecure__disable_aslr
  // sys.debug__mock_syscalls: {name, return} (return <= 0; checked).
  std::vector<std::pair<std::string, int64_t>> mock_syscalls;

  // Gramine's defaults (libos: DEFAULT_SYS_STACK_SIZE, DEFAULT_MAX_FDS).
  static constexpr uint64_t kDefaultStackSize = 256 << 10;
  static constexpr uint64_t kDefaultFdsLimit = 900;
};

// RunSpecFromManifest reads the keys above. Trusted files must carry a sha256 (a .manifest.sgx
// always does). An encrypted fs.root and a key_name starting with '_' other than the two
// sealing keys are refused (kInvalid).
Result<RunSpec> RunSpecFromManifest(const manifest::Manifest& m);

// NormalisePath makes an absolute path canonical without touching the disk: collapses "//",
// "." and ".." (never above "/"). "" and relative paths are taken relative to "/".
std::string NormalisePath(std::string_view path);

// UriToBundlePath maps "file:/x" or "file:x" to "/x" (a path inside the bundle root).
// kInvalid for other schemes.
Result<std::string> UriToBundlePath(std::string_view uri);

}  // namespace uid2::runtime
