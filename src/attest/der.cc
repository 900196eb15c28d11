// DER element: identifier (1 byte, low tag numbers only) | length | contents.
//   length < 0x80          one octet, the length itself
//   0x81..0x84 then n      n big-endian octets of length
//   0x80 (indefinite)      refused (not DER)
#include "attest/der.h"

#include <string>

namespace uid2::attest::der {

Status Reader::Read(uint8_t* tag, ByteSpan* contents) {
  uint8_t first = 0;
  if (!r_.ReadU8(tag) || !r_.ReadU8(&first)) return Error::Invalid("DER element truncated");
  if ((*tag & 0x1F) == 0x1F) return Error::Invalid("DER high tag number not supported");
  uint64_t length = first;
  if (first & 0x80) {
    size_t n = first & 0x7F;
    if (n == 0 || n > 4)
      return Error::Invalid("DER length octet " + std::to_string(first) + " refused");
    ByteSpan octets;
    if (!r_.ReadBytes(n, &octets)) return Error::Invalid("DER length truncated");
    length = 0;
    for (uint8_t b : octets) length = (length << 8) | b;
  }
  if (!r_.ReadBytes(length, contents)) {
    return Error::Invalid("DER length " + std::to_string(length) + " exceeds the " +
                          std::to_string(r_.remaining()) + " bytes left");
  }
  return Ok();
}

Status Reader::ReadExpected(uint8_t tag, ByteSpan* contents) {
  uint8_t got = 0;
  UID2_RETURN_IF_ERROR(Read(&got, contents));
  if (got != tag) {
    return Error::Invalid("DER tag " + std::to_string(got) + " where " + std::to_string(tag) +
                          " was expected");
  }
  return Ok();
}

Result<uint64_t> ParseUnsigned(ByteSpan contents, uint64_t max) {
  if (contents.empty()) return Error::Invalid("empty DER INTEGER");
  if (contents[0] & 0x80) return Error::Invalid("negative DER INTEGER");
  if (contents.size() > 9 || (contents.size() == 9 && contents[0] != 0)) {
    return Error::Invalid("DER INTEGER too large");
  }
  uint64_t v = 0;
  for (uint8_t b : contents) v = (v << 8) | b;
  if (v > max)
    return Error::Invalid("DER INTEGER " + std::to_string(v) + " above " + std::to_string(max));
  return v;
}

Bytes Tlv(uint8_t tag, ByteSpan contents) {
  ByteWriter w(contents.size() + 6);
  w.PutU8(tag);
  size_t n = contents.size();
  if (n < 0x80) {
    w.PutU8(static_cast<uint8_t>(n));
  } else if (n <= 0xFF) {
    w.PutU8(0x81);
    w.PutU8(static_cast<uint8_t>(n));
  } else if (n <= 0xFFFF) {
    w.PutU8(0x82);
    w.PutU16BE(static_cast<uint16_t>(n));
  } else {
    w.PutU8(0x84);
    w.PutU32BE(static_cast<uint32_t>(n));
  }
  w.PutBytes(contents);
  return w.Take();
}

Bytes Unsigned(uint8_t tag, uint64_t value) {
  Bytes be;
  do {
    be.insert(be.begin(), static_cast<uint8_t>(value & 0xFF));
    value >>= 8;
  } while (value != 0);
  if (be[0] & 0x80) be.insert(be.begin(), 0);
  return Tlv(tag, be);
}

}  // namespace uid2::attest::der
