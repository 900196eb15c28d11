#include "common/bytes.h"

#include <cassert>
#include <cstring>

namespace uid2 {

bool ByteReader::ReadU8(uint8_t* out) {
  if (data_.empty()) return false;
  *out = data_[0];
  data_ = data_.subspan(1);
  return true;
}

template <typename T>
bool ByteReader::ReadLE(T* out, size_t n) {
  if (data_.size() < n) return false;
  T v = 0;
  for (size_t i = 0; i < n; i++) v |= static_cast<T>(data_[i]) << (8 * i);
  *out = v;
  data_ = data_.subspan(n);
  return true;
}

template <typename T>
bool ByteReader::ReadBE(T* out, size_t n) {
  if (data_.size() < n) return false;
  T v = 0;
  for (size_t i = 0; i < n; i++) v = static_cast<T>((v << 8) | data_[i]);
  *out = v;
  data_ = data_.subspan(n);
  return true;
}

template bool ByteReader::ReadLE<uint16_t>(uint16_t*, size_t);
template bool ByteReader::ReadLE<uint32_t>(uint32_t*, size_t);
template bool ByteReader::ReadLE<uint64_t>(uint64_t*, size_t);
template bool ByteReader::ReadBE<uint16_t>(uint16_t*, size_t);
template bool ByteReader::ReadBE<uint32_t>(uint32_t*, size_t);
template bool ByteReader::ReadBE<uint64_t>(uint64_t*, size_t);

bool ByteReader::ReadBytes(size_t n, ByteSpan* out) {
  if (data_.size() < n) return false;
  *out = data_.first(n);
  data_ = data_.subspan(n);
  return true;
}

bool ByteReader::ReadInto(std::span<uint8_t> out) {
  if (data_.size() < out.size()) return false;
  if (!out.empty()) std::memcpy(out.data(), data_.data(), out.size());
  data_ = data_.subspan(out.size());
  return true;
}

bool ByteReader::Skip(size_t n) {
  if (data_.size() < n) return false;
  data_ = data_.subspan(n);
  return true;
}

namespace {
void StoreLE(std::span<uint8_t> buf, size_t offset, uint64_t v, size_t n) {
  assert(offset + n <= buf.size());
  for (size_t i = 0; i < n; i++) buf[offset + i] = static_cast<uint8_t>(v >> (8 * i));
}
uint64_t LoadLE(ByteSpan buf, size_t offset, size_t n) {
  assert(offset + n <= buf.size());
  uint64_t v = 0;
  for (size_t i = 0; i < n; i++) v |= static_cast<uint64_t>(buf[offset + i]) << (8 * i);
  return v;
}
}  // namespace

void StoreU16LE(std::span<uint8_t> buf, size_t offset, uint16_t v) { StoreLE(buf, offset, v, 2); }
void StoreU32LE(std::span<uint8_t> buf, size_t offset, uint32_t v) { StoreLE(buf, offset, v, 4); }
void StoreU64LE(std::span<uint8_t> buf, size_t offset, uint64_t v) { StoreLE(buf, offset, v, 8); }
uint16_t LoadU16LE(ByteSpan buf, size_t offset) {
  return static_cast<uint16_t>(LoadLE(buf, offset, 2));
}
uint32_t LoadU32LE(ByteSpan buf, size_t offset) {
  return static_cast<uint32_t>(LoadLE(buf, offset, 4));
}
uint64_t LoadU64LE(ByteSpan buf, size_t offset) { return LoadLE(buf, offset, 8); }

bool ConstantTimeEquals(ByteSpan a, ByteSpan b) {
  if (a.size() != b.size()) return false;
  uint8_t diff = 0;
  for (size_t i = 0; i < a.size(); i++) diff |= a[i] ^ b[i];
  return diff == 0;
}

}  // namespace uid2
