// encoding.h: base64 (RFC 4648 §4 standard and §5 URL-safe) and hex.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/bytes.h"

namespace uid2 {

enum class Base64Alphabet { kStandard, kUrlSafe };

// Base64Encode writes RFC 4648 base64; `pad` adds '=' to a multiple of 4 characters.
std::string Base64Encode(ByteSpan data, Base64Alphabet alphabet = Base64Alphabet::kStandard,
                         bool pad = true);
inline std::string Base64UrlEncode(ByteSpan data) {
  return Base64Encode(data, Base64Alphabet::kUrlSafe, false);
}

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

// HexEncode writes lowercase hex.
std::string HexEncode(ByteSpan data);
// HexDecode accepts upper- and lowercase; std::nullopt on odd length or a non-hex char.
std::optional<Bytes> HexDecode(std::string_view text);

}  // namespace uid2
