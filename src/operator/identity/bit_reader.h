// bit_reader.h: a bounds-checked cursor over a bit string, most-significant bit of each byte
// first (the order of IAB TCF strings). Bytes are taken from common/bytes.h's ByteReader one
// at a time, so nothing here indexes the buffer directly.
//
//   BitReader r(bytes);
//   uint64_t version;
//   if (!r.ReadBits(6, &version)) return Error::Invalid("TC string truncated at Version");
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/bytes.h"

namespace uid2::operator_identity {

class BitReader {
 public:
  explicit BitReader(ByteSpan data) : bytes_(data), remaining_bits_(data.size() * 8) {}

  size_t remaining_bits() const { return remaining_bits_; }

  // ReadBits reads an n-bit (0 <= n <= 64) unsigned big-endian value into *out. Returns false,
  // and consumes nothing, when n > 64 or fewer than n bits remain.
  bool ReadBits(int n, uint64_t* out) {
    if (n < 0 || n > 64 || static_cast<size_t>(n) > remaining_bits_) return false;
    uint64_t v = 0;
    for (int i = 0; i < n; ++i) v = (v << 1) | NextBit();
    remaining_bits_ -= static_cast<size_t>(n);
    *out = v;
    return true;
  }

  bool ReadBit(bool* out) {
    uint64_t v = 0;
    if (!ReadBits(1, &v)) return false;
    *out = v != 0;
    return true;
  }

 private:
  // NextBit returns the next bit; REQUIRES at least one bit remaining (checked by ReadBits).
  uint64_t NextBit() {
    if (bits_in_current_ == 0) {
      if (!bytes_.ReadU8(&current_)) return 0;  // unreachable: remaining_bits_ was checked
      bits_in_current_ = 8;
    }
    --bits_in_current_;
    return (current_ >> bits_in_current_) & 1u;
  }

  ByteReader bytes_;
  size_t remaining_bits_;
  uint8_t current_ = 0;
  int bits_in_current_ = 0;
};

}  // namespace uid2::operator_identity
