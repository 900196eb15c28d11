// manifest.h: Gramine manifests (TOML) as `gramine-sgx-sign` v1.9 reads and writes them.
//
// The signing pipeline, step by step (or all at once with PrepareManifestSgx):
//   UID2_ASSIGN_OR_RETURN(Manifest m, LoadManifest("app.manifest"));
//   UID2_RETURN_IF_ERROR(ApplyGramineDefaults(&m));       // sgx.* defaults, in Gramine's order
//   UID2_RETURN_IF_ERROR(ExpandAndHash(&m, options));   // trusted files + entrypoint
//   std::string sgx_text = WriteManifestSgx(m);           // tomli-w 1.0.0 byte layout
//   UID2_ASSIGN_OR_RETURN(sgx::EnclaveParams p, EnclaveParamsFrom(m));
// A `.manifest.sgx` is itself a manifest: ParseManifest(its text) gives the values to measure.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "manifest/value.h"
#include "sgx/enclave_params.h"

namespace uid2::manifest {

struct Manifest {
  Value root = Value::MakeTable();
  std::string origin;  // file name or "<text>", used in error messages
};

// ParseManifest parses TOML text. Syntax errors read "<origin>:LINE:COLUMN: <reason>".
Result<Manifest> ParseManifest(std::string_view text, std::string origin = "<manifest>");
// LoadManifest reads and parses a file (kNotFound / kIo naming the path).
Result<Manifest> LoadManifest(const std::string& path);

// ApplyGramineDefaults adds the keys Gramine's signer adds when missing, at the end of `sgx`:
// trusted_files=[], max_threads=4, isvprodid=0, isvsvn=0, remote_attestation="none",
// debug=false, enable_stats=false, edmm_enable=false, enclave_size ("256M", or "1024G" with
// EDMM), use_exinfo=false, cpu_features.{avx,avx512,amx="unspecified", mpx,pkru="disabled"}.
// Also turns every trusted-file string into {uri = ...}. Fails (kInvalid, naming the key) when
// a key has the wrong type, when `sgx.thread_num` (renamed `sgx.max_threads` in Gramine 1.4) is
// present, or when sgx.trusted_files is not an array of strings / {uri, sha256} tables.
Status ApplyGramineDefaults(Manifest* m);

struct ExpandOptions {
  // Relative `file:` URIs are resolved against base_dir (the signer's working directory).
  std::string base_dir = ".";
  // Absolute `file:/x` URIs are resolved as <chroot>/x when chroot is not empty (image roots).
  std::string chroot;
  unsigned threads = 0;  // 0 = hardware concurrency
  bool quiet = true;     // no progress line on stderr
};

// ExpandAndHash does steps 2-3 of the signer: sets loader.entrypoint.sha256 if missing, expands
// every trusted-file URI ending in '/' into the regular files below it (depth-first, sorted,
// symlinked directories not entered), drops duplicate URIs (first position kept, an entry with
// sha256 wins), and hashes every entry without sha256 in parallel. Entries that have a sha256
// keep it. Errors name the URI and path ("sgx.trusted_files[3] 'file:lib/x.so':
// /abs/lib/x.so: No such file or directory").
// REQUIRES: ApplyGramineDefaults was applied.
Status ExpandAndHash(Manifest* m, const ExpandOptions& options);

// ResolveUri maps a `file:` URI to a host path under the options (kInvalid for other schemes).
Result<std::string> ResolveUri(std::string_view uri, const ExpandOptions& options);

// WriteManifestSgx serialises the manifest exactly as tomli-w 1.0.0 (the writer of Gramine's
// signer) does. Deterministic: the same tree always gives the same bytes.
std::string WriteManifestSgx(const Manifest& m);

// ParseSize parses Gramine sizes: an integer of bytes, or a string "N", "NK", "NM", "NG"
// (powers of 1024). Error names the text.
Result<uint64_t> ParseSize(std::string_view text);

// EnclaveParamsFrom reads sgx.enclave_size/max_threads/edmm_enable/debug/isvprodid/isvsvn/
// use_exinfo/cpu_features with Gramine's defaults for missing keys. Fails (kInvalid naming the
// key and value) on wrong types, a size that is not a power of two, threads < 1, ids > 65535,
// or an unknown cpu_features value.
Result<sgx::EnclaveParams> EnclaveParamsFrom(const Manifest& m);

// PrepareManifestSgx = LoadManifest + ApplyGramineDefaults + ExpandAndHash + WriteManifestSgx.
Result<std::string> PrepareManifestSgx(const std::string& manifest_path,
                                       const ExpandOptions& options);

// MergeManifests merges `overlay` into `base` (overlay wins for scalars; tables merge
// recursively; arrays are appended), keeping base's key order and appending new keys.
void MergeManifests(Manifest* base, const Manifest& overlay);

}  // namespace uid2::manifest

namespace uid2::manifest {

// What measurement and signing need from a manifest: the exact `.manifest.sgx` bytes and the
// enclave parameters read from them.
struct MeasuredManifest {
  std::string manifest_sgx;
  sgx::EnclaveParams params;
};

// FromManifestFile runs the whole pipeline on an unsigned manifest (nothing is written).
Result<MeasuredManifest> FromManifestFile(const std::string& manifest_path,
                                          const ExpandOptions& options);
// FromManifestSgxFile reads a `.manifest.sgx` exactly as it is (bytes untouched) and parses its
// parameters; use it to re-sign or to check a signed enclave (`shroud run`).
Result<MeasuredManifest> FromManifestSgxFile(const std::string& manifest_sgx_path);
// FromManifestSgxText: the same for bytes already in memory.
Result<MeasuredManifest> FromManifestSgxText(std::string manifest_sgx, std::string origin);

}  // namespace uid2::manifest
