// der.h: a minimal, bounds-checked DER reader and writer for the PCK certificate's SGX extension
// (X.690: identifier octet, definite length, contents). Only low tag numbers (< 31) and
// definite lengths up to 4 length octets are accepted; that covers everything the extension
// uses.
#pragma once

#include <cstdint>

#include "common/bytes.h"
#include "common/status.h"

namespace uid2::attest::der {

constexpr uint8_t kInteger = 0x02;
constexpr uint8_t kOctetString = 0x04;
constexpr uint8_t kOid = 0x06;
constexpr uint8_t kEnumerated = 0x0A;
constexpr uint8_t kSequence = 0x30;

// Reader walks a run of TLVs. Each Read returns kInvalid (consuming nothing useful) on a
// truncated or malformed element.
class Reader {
 public:
  explicit Reader(ByteSpan data) : r_(data) {}
  bool empty() const { return r_.empty(); }
  // Read reads the next element; `tag` receives its identifier octet, `contents` a view.
  Status Read(uint8_t* tag, ByteSpan* contents);
  // ReadExpected reads the next element and requires its identifier to be `tag`.
  Status ReadExpected(uint8_t tag, ByteSpan* contents);

 private:
  ByteReader r_;
};

// ParseUnsigned reads INTEGER/ENUMERATED contents as a non-negative value <= max.
Result<uint64_t> ParseUnsigned(ByteSpan contents, uint64_t max);

// Writer helpers: each returns one complete TLV.
Bytes Tlv(uint8_t tag, ByteSpan contents);
Bytes Unsigned(uint8_t tag, uint64_t value);  // minimal two's-complement encoding

}  // namespace uid2::attest::der
