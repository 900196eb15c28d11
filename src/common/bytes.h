// bytes.h: bounds-checked byte cursors. Every multi-byte read or write names its byte order:
// LE = least-significant byte first (SGX structures, ELF), BE = most-significant first (UID2
// tokens, network formats). Nothing here reinterpret_casts a buffer.
//
//   ByteReader r(quote);
//   uint16_t version;
//   if (!r.ReadU16LE(&version) || !r.Skip(2)) return Error::Invalid("quote header truncated");
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace uid2 {

using Bytes = std::vector<uint8_t>;
using ByteSpan = std::span<const uint8_t>;

inline ByteSpan AsBytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}
inline std::string_view AsChars(ByteSpan b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}
inline Bytes ToBytes(std::string_view s) { return Bytes(s.begin(), s.end()); }

// ByteReader reads from a span it does not own. Each Read* returns false, and consumes
// nothing, when fewer bytes remain than it needs.
class ByteReader {
 public:
  explicit ByteReader(ByteSpan data) : data_(data) {}

  size_t remaining() const { return data_.size(); }
  bool empty() const { return data_.empty(); }
  ByteSpan rest() const { return data_; }

  bool ReadU8(uint8_t* out);
  bool ReadU16LE(uint16_t* out) { return ReadLE(out, 2); }
  bool ReadU32LE(uint32_t* out) { return ReadLE(out, 4); }
  bool ReadU64LE(uint64_t* out) { return ReadLE(out, 8); }
  bool ReadU16BE(uint16_t* out) { return ReadBE(out, 2); }
  bool ReadU24BE(uint32_t* out) { return ReadBE(out, 3); }
  bool ReadU32BE(uint32_t* out) { return ReadBE(out, 4); }
  bool ReadU64BE(uint64_t* out) { return ReadBE(out, 8); }
  // ReadUintLE reads an n-byte (n <= 8) little-endian unsigned integer.
  bool ReadUintLE(size_t n, uint64_t* out) { return ReadLE(out, n); }

  // ReadBytes sets *out to the next n bytes (a view into the same buffer).
  bool ReadBytes(size_t n, ByteSpan* out);
  // ReadInto copies out.size() bytes.
  bool ReadInto(std::span<uint8_t> out);
  bool Skip(size_t n);

 private:
  template <typename T>
  bool ReadLE(T* out, size_t n);
  template <typename T>
  bool ReadBE(T* out, size_t n);

  ByteSpan data_;
};

// ByteWriter appends to a vector it owns.
class ByteWriter {
 public:
  ByteWriter() = default;
  explicit ByteWriter(size_t reserve) { out_.reserve(reserve); }

  void PutU8(uint8_t v) { out_.push_back(v); }
  void PutU16LE(uint16_t v) { PutLE(v, 2); }
  void PutU32LE(uint32_t v) { PutLE(v, 4); }
  void PutU64LE(uint64_t v) { PutLE(v, 8); }
  void PutU16BE(uint16_t v) { PutBE(v, 2); }
  void PutU24BE(uint32_t v) { PutBE(v, 3); }
  void PutU32BE(uint32_t v) { PutBE(v, 4); }
  void PutU64BE(uint64_t v) { PutBE(v, 8); }
  void PutUintLE(uint64_t v, size_t n) { PutLE(v, n); }
  void PutBytes(ByteSpan b) { out_.insert(out_.end(), b.begin(), b.end()); }
  void PutString(std::string_view s) { PutBytes(AsBytes(s)); }
  void PutZeros(size_t n) { out_.insert(out_.end(), n, 0); }

  size_t size() const { return out_.size(); }
  const Bytes& bytes() const { return out_; }
  Bytes Take() { return std::move(out_); }

 private:
  void PutLE(uint64_t v, size_t n) {
    for (size_t i = 0; i < n; i++) out_.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
  void PutBE(uint64_t v, size_t n) {
    for (size_t i = n; i-- > 0;) out_.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }

  Bytes out_;
};

// Fixed-position stores and loads for building structures in place (SIGSTRUCT, TCS pages).
// REQUIRES: offset + width <= buf.size(); checked with assert only, since the offsets are
// compile-time constants of the format, never input.
void StoreU16LE(std::span<uint8_t> buf, size_t offset, uint16_t v);
void StoreU32LE(std::span<uint8_t> buf, size_t offset, uint32_t v);
void StoreU64LE(std::span<uint8_t> buf, size_t offset, uint64_t v);
uint16_t LoadU16LE(ByteSpan buf, size_t offset);
uint32_t LoadU32LE(ByteSpan buf, size_t offset);
uint64_t LoadU64LE(ByteSpan buf, size_t offset);

// ConstantTimeEquals compares without an early exit (for MACs and secrets).
bool ConstantTimeEquals(ByteSpan a, ByteSpan b);

}  // namespace uid2
