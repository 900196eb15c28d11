// optout_log.h: core-local's opt-out store (spec §4.3, uid2-optout's delta files).
//
// A logout (/optout/replicate) appends one 72-byte record to the open delta file:
//
//   offset  size  field           meaning
//   0       32    identity_hash   first-level hash of the identity
//   32      32    advertising_id  raw UID; a 33-byte UID keeps bytes 1..32 here and its first
//                                 byte's low 6 bits in meta (record version 1)
//   64      7     timestamp       epoch seconds, unsigned little-endian
//   71      1     meta            top 2 bits = record version (0, or 1 for a 33-byte UID)
//
// Files: <dir>/delta/<yyyy-MM-dd>/optout-delta-<replica 3 digits>_<yyyy-MM-ddTHH.mm.ssZ>_<hex8>.dat
// (the reference's names and folders); partition files may be dropped anywhere under <dir>.
// The open delta is never listed: /optout/refresh first seals it (when it has records), so a
// listed file never changes again (the operator fetches each file name once). A delta older than
// the rotation interval is sealed at the next append as well.
#pragma once

#include <ctime>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"

namespace uid2::corelocal {

inline constexpr size_t kOptOutRecordSize = 72;
inline constexpr size_t kOptOutIdentityHashOffset = 0;
inline constexpr size_t kOptOutAdvertisingIdOffset = 32;
inline constexpr size_t kOptOutTimestampOffset = 64;
inline constexpr size_t kOptOutTimestampSize = 7;
inline constexpr size_t kOptOutMetaOffset = 71;

// EncodeOptOutRecord: identity_hash is 32 bytes, advertising_id 32 or 33 (kInvalid otherwise).
Result<Bytes> EncodeOptOutRecord(ByteSpan identity_hash, ByteSpan advertising_id, int64_t ts);

struct OptOutFileInfo {
  std::string path;  // relative to the opt-out dir
  bool delta = true;
  int64_t from = 0;  // the time in the name
  int64_t to = 0;    // last modification
};

// ParseOptOutFileName reads a reference file name; nullopt when it is not one.
std::optional<OptOutFileInfo> ParseOptOutFileName(std::string_view name);

class OptOutLog {
 public:
  static Result<std::unique_ptr<OptOutLog>> Open(const std::string& dir, int64_t rotate_seconds);

  Status Append(ByteSpan identity_hash, ByteSpan advertising_id, time_t now);
  // Refresh seals the open delta and lists every sealed file, oldest first.
  Result<std::vector<OptOutFileInfo>> Refresh(time_t now);
  // Read returns a listed file's bytes (relative path, as listed).
  Result<Bytes> Read(const std::string& relative_path) const;

 private:
  OptOutLog(std::string dir, int64_t rotate) : dir_(std::move(dir)), rotate_(rotate) {}
  std::string dir_;
  int64_t rotate_;
  std::mutex mu_;
  std::optional<std::string> open_;  // relative path of the open delta
  int64_t open_since_ = 0;
};

}  // namespace uid2::corelocal
