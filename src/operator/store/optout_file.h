// optout_file.h: opt-out delta and partition files (spec §4.3).
//
// A file is a sequence of 72-byte records, no header:
//
//   offset  size  field           meaning
//   0       32    identity_hash   first-level hash of the identity (spec §3.2)
//   32      32    advertising_id  raw UID (v2: the 32 bytes; record version 1: bytes 1..32
//                                 of a 33-byte UID whose first byte is meta & 0x3F)
//   64      7     timestamp       epoch seconds, unsigned little-endian
//   71      1     meta            top 2 bits = record version; low 6 bits = UID prefix (v1)
//
// File names: optout-{delta|partition}-<replica 3 digits>_<yyyy-MM-ddTHH.mm.ssZ>_<hex8>.dat.
// Delta files are unsorted; partition files are sorted by identity_hash (not relied upon).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"

namespace uid2::store {

inline constexpr size_t kOptOutRecordSize = 72;
inline constexpr size_t kOptOutHashSize = 32;
inline constexpr size_t kOptOutTimestampSize = 7;
inline constexpr size_t kOptOutIdentityHashOffset = 0;
inline constexpr size_t kOptOutAdvertisingIdOffset = 32;
inline constexpr size_t kOptOutTimestampOffset = 64;
inline constexpr size_t kOptOutMetaOffset = 71;

using Hash32 = std::array<uint8_t, 32>;

struct OptOutRecord {
  Hash32 identity_hash{};
  Hash32 advertising_id{};
  int64_t timestamp_s = 0;
  uint8_t meta = 0;

  int version() const { return meta >> 6; }
};

// ParseOptOutRecords parses a whole file. Fails (kInvalid) when the size is not a multiple of
// 72; an empty file is valid (no records).
Result<std::vector<OptOutRecord>> ParseOptOutRecords(ByteSpan data);

// EncodeOptOutRecord appends one record to *out.
void EncodeOptOutRecord(const OptOutRecord& record, Bytes* out);

enum class OptOutFileKind { kDelta, kPartition };

struct OptOutFileName {
  OptOutFileKind kind;
  int replica = 0;
  int64_t timestamp_s = 0;  // from the name's yyyy-MM-ddTHH.mm.ssZ
  uint32_t suffix = 0;      // the hex8
};

// ParseOptOutFileName parses a base name (no directory); nullopt when it does not match.
std::optional<OptOutFileName> ParseOptOutFileName(std::string_view base_name);
// FormatOptOutFileName is the inverse.
std::string FormatOptOutFileName(const OptOutFileName& name);

}  // namespace uid2::store
