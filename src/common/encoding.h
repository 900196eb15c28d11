// encoding.h: base64 (RFC 4648 §4 standard and §5 URL-safe) and hex.
//
// The base64 codecs are table-driven (12-bit pair table for encoding, four position tables for
// decoding 4 characters at a time) because the operator moves ~1 MB of base64 per
// /v3/identity/map request. The *To variants write into caller-owned buffers so hot paths reuse
// memory instead of allocating.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "common/bytes.h"

namespace uid2 {

enum class Base64Alphabet { kStandard, kUrlSafe };

// Base64EncodedSize is the text length Base64Encode produces for `n` bytes.
constexpr size_t Base64EncodedSize(size_t n, bool pad = true) {
  return pad ? (n + 2) / 3 * 4 : n / 3 * 4 + (n % 3 == 0 ? 0 : n % 3 + 1);
}

// Base64Encode writes RFC 4648 base64; `pad` adds '=' to a multiple of 4 characters.
std::string Base64Encode(ByteSpan data, Base64Alphabet alphabet = Base64Alphabet::kStandard,
                         bool pad = true);
inline std::string Base64UrlEncode(ByteSpan data) {
  return Base64Encode(data, Base64Alphabet::kUrlSafe, false);
}

// Base64EncodeTo writes exactly Base64EncodedSize(data.size(), pad) characters to `out` (which
// must not overlap `data`) and returns that count. No terminating NUL.
size_t Base64EncodeTo(ByteSpan data, char* out, Base64Alphabet alphabet = Base64Alphabet::kStandard,
                      bool pad = true);

enum class Base64Mode {
  // Strict: the exact canonical text. Padding required (standard) or forbidden (URL-safe
  // unpadded), no whitespace, unused trailing bits must be zero.
  kStrict,
  // Lenient, as Java's java.util.Base64 decoder that UID2 uses: padding optional, unused
  // trailing bits ignored. Still rejects characters outside the alphabet and a lone final char.
  kLenient,
};

// Base64Decode returns std::nullopt when `text` is not valid under `alphabet` and `mode`.
// In kStrict mode with kStandard, padding is required; with kUrlSafe it must be absent.
std::optional<Bytes> Base64Decode(std::string_view text,
                                  Base64Alphabet alphabet = Base64Alphabet::kStandard,
                                  Base64Mode mode = Base64Mode::kStrict);
inline std::optional<Bytes> Base64UrlDecode(std::string_view text,
                                            Base64Mode mode = Base64Mode::kStrict) {
  return Base64Decode(text, Base64Alphabet::kUrlSafe, mode);
}

// Base64DecodeTo is Base64Decode into *out, replacing its contents (its capacity is reused, so
// a caller that keeps the vector does not allocate per call). Returns false when `text` is
// invalid; *out is then unspecified. Same rules as Base64Decode.
bool Base64DecodeTo(std::string_view text, Base64Alphabet alphabet, Base64Mode mode, Bytes* out);

namespace detail {
// Base64DecodeToScalar is Base64DecodeTo without the AVX2 path: the reference the differential
// tests and fuzz/common/base64_fuzzer compare the dispatched decoder against.
bool Base64DecodeToScalar(std::string_view text, Base64Alphabet alphabet, Base64Mode mode,
                          Bytes* out);
}  // namespace detail

// HexEncode writes lowercase hex.
std::string HexEncode(ByteSpan data);
// HexDecode accepts upper- and lowercase; std::nullopt on odd length or a non-hex char.
std::optional<Bytes> HexDecode(std::string_view text);

}  // namespace uid2
