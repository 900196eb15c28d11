#include "operator/store/optout_file.h"

#include <charconv>
#include <cstdio>
#include <ctime>

namespace uid2::store {

Result<std::vector<OptOutRecord>> ParseOptOutRecords(ByteSpan data) {
  if (data.size() % kOptOutRecordSize != 0) {
    return Error::Invalid("size " + std::to_string(data.size()) + " is not a multiple of " +
                          std::to_string(kOptOutRecordSize) + "-byte records");
  }
  std::vector<OptOutRecord> out(data.size() / kOptOutRecordSize);
  ByteReader r(data);
  for (OptOutRecord& rec : out) {
    uint64_t ts = 0;
    // Sizes were checked above, so every read succeeds.
    bool ok = r.ReadInto(rec.identity_hash) && r.ReadInto(rec.advertising_id) &&
              r.ReadUintLE(kOptOutTimestampSize, &ts) && r.ReadU8(&rec.meta);
    if (!ok) return Error::Internal("opt-out record truncated");
    rec.timestamp_s = static_cast<int64_t>(ts);
  }
  return out;
}

void EncodeOptOutRecord(const OptOutRecord& record, Bytes* out) {
  ByteWriter w(kOptOutRecordSize);
  w.PutBytes(record.identity_hash);
  w.PutBytes(record.advertising_id);
  w.PutUintLE(static_cast<uint64_t>(record.timestamp_s), kOptOutTimestampSize);
  w.PutU8(record.meta);
  out->insert(out->end(), w.bytes().begin(), w.bytes().end());
}

namespace {

bool ParseDigits(std::string_view s, int64_t* out) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc();
}

// "yyyy-MM-ddTHH.mm.ssZ" -> epoch seconds (UTC).
bool ParseNameTime(std::string_view s, int64_t* out) {
  if (s.size() != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != '.' ||
      s[16] != '.' || s[19] != 'Z') {
    return false;
  }
  int64_t y, mo, d, h, mi, se;
  if (!ParseDigits(s.substr(0, 4), &y) || !ParseDigits(s.substr(5, 2), &mo) ||
      !ParseDigits(s.substr(8, 2), &d) || !ParseDigits(s.substr(11, 2), &h) ||
      !ParseDigits(s.substr(14, 2), &mi) || !ParseDigits(s.substr(17, 2), &se)) {
    return false;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60) return false;
  std::tm tm{};
  tm.tm_year = static_cast<int>(y - 1900);
  tm.tm_mon = static_cast<int>(mo - 1);
  tm.tm_mday = static_cast<int>(d);
  tm.tm_hour = static_cast<int>(h);
  tm.tm_min = static_cast<int>(mi);
  tm.tm_sec = static_cast<int>(se);
  *out = static_cast<int64_t>(timegm(&tm));
  return true;
}

}  // namespace

std::optional<OptOutFileName> ParseOptOutFileName(std::string_view name) {
  OptOutFileName out{};
  constexpr std::string_view kDelta = "optout-delta-", kPartition = "optout-partition-";
  if (name.starts_with(kDelta)) {
    out.kind = OptOutFileKind::kDelta;
    name.remove_prefix(kDelta.size());
  } else if (name.starts_with(kPartition)) {
    out.kind = OptOutFileKind::kPartition;
    name.remove_prefix(kPartition.size());
  } else {
    return std::nullopt;
  }
  // <replica 3>_<time 20>_<hex8>.dat
  if (name.size() != 3 + 1 + 20 + 1 + 8 + 4 || name[3] != '_' || name[24] != '_' ||
      !name.ends_with(".dat")) {
    return std::nullopt;
  }
  int64_t replica;
  if (!ParseDigits(name.substr(0, 3), &replica)) return std::nullopt;
  out.replica = static_cast<int>(replica);
  if (!ParseNameTime(name.substr(4, 20), &out.timestamp_s)) return std::nullopt;
  std::string_view hex = name.substr(25, 8);
  auto [p, ec] = std::from_chars(hex.data(), hex.data() + hex.size(), out.suffix, 16);
  if (ec != std::errc() || p != hex.data() + hex.size()) return std::nullopt;
  return out;
}

std::string FormatOptOutFileName(const OptOutFileName& name) {
  std::time_t t = static_cast<std::time_t>(name.timestamp_s);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "optout-%s-%03d_%04d-%02d-%02dT%02d.%02d.%02dZ_%08x.dat",
                name.kind == OptOutFileKind::kDelta ? "delta" : "partition", name.replica % 1000,
                tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                name.suffix);
  return buf;
}

}  // namespace uid2::store
