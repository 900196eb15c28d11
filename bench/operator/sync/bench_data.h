// bench_data.h: deterministic production-sized inputs for the sync and memory benchmarks.
//
// SaltFileText(seed): 2^20 salt lines (spec §4.2, 11 fields). Even buckets carry a v2 salt and
// a previous salt; odd buckets are v4: no salt, the previous salt from before the switch, and
// current + previous key material (key id, 32-character key = base64 of 24 random bytes, key
// salt = base64 of 32 random bytes). Salts are base64 of 32 random bytes; timestamps are epoch
// ms. About 192 bytes per line, 201 MB in all.
//
// OptOutFileBytes(seed, n): n random 72-byte opt-out records (spec §4.3, optout_file.h).
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>

#include "common/bytes.h"
#include "common/encoding.h"
#include "operator/store/optout_file.h"
#include "operator/store/salts.h"

namespace uid2::bench {

// SplitMix64.
struct Rng {
  uint64_t s;
  // The seed goes through the finaliser: consecutive seeds must not give shifted copies of one
  // stream (they would, as plain SplitMix64 states, and opt-out files would share records).
  explicit Rng(uint64_t seed) : s(Mix(seed + 0x5eed0012ull)) {}
  static uint64_t Mix(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  uint64_t Next() { return Mix(s += 0x9E3779B97F4A7C15ull); }
  void Fill(uint8_t* p, size_t n) {
    for (size_t i = 0; i < n; i += 8) {
      uint64_t v = Next();
      std::memcpy(p + i, &v, std::min<size_t>(8, n - i));
    }
  }
  // B64 appends base64 of n (<= 32) random bytes.
  void B64(size_t n, std::string* out) {
    uint8_t buf[32];
    Fill(buf, n);
    char text[48];
    out->append(text, Base64EncodeTo(ByteSpan(buf, n), text));
  }
};

inline std::string SaltFileText(uint64_t seed) {
  constexpr size_t kLines = store::kFullSaltBucketCount;
  Rng rng(seed);
  std::string text;
  text.reserve(size_t{210} << 20);
  for (size_t i = 0; i < kLines; i++) {
    const int64_t updated = 1'745'900'000'000 + int64_t(i) * 997;
    text += std::to_string(1'000'000 + i);
    text += ',';
    text += std::to_string(updated);
    text += ',';
    if (i % 2 == 0) rng.B64(32, &text);
    text += ',';
    text += std::to_string(updated + 30LL * 86'400'000);
    text += ',';
    rng.B64(32, &text);
    if (i % 2 == 0) {
      text += ",,,,,,\n";
      continue;
    }
    for (int k = 0; k < 2; k++) {
      text += ',';
      text += std::to_string(2'000'000 + 2 * i + k);
      text += ',';
      rng.B64(24, &text);
      text += ',';
      rng.B64(32, &text);
    }
    text += '\n';
  }
  return text;
}

inline Bytes OptOutFileBytes(uint64_t seed, size_t records) {
  Rng rng(seed);
  Bytes out(records * store::kOptOutRecordSize);
  for (size_t i = 0; i < records; i++) {
    uint8_t* r = out.data() + i * store::kOptOutRecordSize;
    rng.Fill(r, 64);  // identity_hash, advertising_id
    uint64_t ts = 1'700'000'000 + rng.Next() % 50'000'000;
    for (size_t b = 0; b < store::kOptOutTimestampSize; b++) r[64 + b] = uint8_t(ts >> (8 * b));
    r[store::kOptOutMetaOffset] = 0;
  }
  return out;
}

}  // namespace uid2::bench
