// measurement_cache.h: MRENCLAVEs that `shroud run` already verified, so that running the same
// bundle again skips measuring the enclave (sgx::MeasureEnclave walks every page of
// sgx.enclave_size: milliseconds for 256M, far more for GiB enclaves).
//
// An entry says "these exact bytes of entrypoint.manifest.sgx, libpal.so and entrypoint.sig
// measured to MRENCLAVE m and passed verification". Its name is the hex of the key:
//   key = SHA-256( kCacheFormat || layout release ||
//                  u64le len || manifest.sgx bytes || u64le len || libpal bytes ||
//                  u64le len || sig bytes )
// so a change to any input byte (even one that does not change the measurement) is a miss.
// The entry file (kEntrySize bytes, little-endian):
//   off  0  size  8  kEntryMagic "SHRDMRC1"
//   off  8  size 32  the key again (an entry copied to another name is refused)
//   off 40  size 32  MRENCLAVE
//
// Trust: entries are written only by root after a full verification, and read only from a
// directory whose every ancestor is owned by root and not writable by group or others (or is
// sticky, like /tmp), opened component by component without following symbolic links; an entry
// must be a regular root-owned file, not group/other-writable. Anyone who can forge an entry
// is root already. A hit only replaces the measurement: the SIGSTRUCT's RSA signature, its
// MRENCLAVE against the cached one and ISVPRODID/ISVSVN/DEBUG are still checked every run.
//
//   MeasurementCache cache(std::string(kDefaultMeasurementCacheDir));
//   CacheKey key = MeasurementCacheKey(manifest_sgx, libpal, sig, "v1.9");
//   if (auto mr = cache.Lookup(key)) ... else { measure; verify; cache.Store(key, mr); }
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/status.h"
#include "crypto/hash.h"
#include "sgx/enclave_params.h"

namespace uid2::runtime {

// Root-owned; `shroud run --measurement-cache DIR` chooses another, `--no-measurement-cache`
// disables it.
inline constexpr std::string_view kDefaultMeasurementCacheDir = "/var/cache/shroud/measurements";

using CacheKey = crypto::Sha256Digest;

// MeasurementCacheKey binds the exact input bytes and the layout release they are measured
// with (sgx::GramineLayoutConstants::release).
CacheKey MeasurementCacheKey(ByteSpan manifest_sgx, ByteSpan libpal, ByteSpan sig,
                             std::string_view layout_release);

class MeasurementCache {
 public:
  static constexpr std::string_view kEntryMagic = "SHRDMRC1";
  static constexpr size_t kEntrySize = 8 + 32 + 32;

  explicit MeasurementCache(std::string dir) : dir_(std::move(dir)) {}

  // Lookup returns the MRENCLAVE stored under `key`, or std::nullopt when there is no entry or
  // it cannot be trusted (wrong owner or mode anywhere on the path, symbolic link, wrong size,
  // magic or key); an untrusted entry is logged (warn) and ignored.
  std::optional<sgx::Measurement> Lookup(const CacheKey& key) const;

  // Store records key -> mr atomically (temporary file + rename), creating missing
  // directories with mode 0700. Errors (kIo naming the path and why, e.g. a directory on the
  // path that is not root-owned) leave the cache unchanged; callers warn and carry on.
  Status Store(const CacheKey& key, const sgx::Measurement& mr) const;

 private:
  std::string dir_;
};

}  // namespace uid2::runtime
