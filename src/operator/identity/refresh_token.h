// refresh_token.h: the inner refresh token (v3 encode/decode, legacy v2 decode; spec §3.5) and
// the 388-character wrapper handed to clients (spec §2.3).
//
// Inner v3 token, 124 bytes, padded standard base64 (168 chars):
//   | off | size | field                                                 |
//   |   0 |    1 | identity byte = scope<<4 | type<<2 | 3                |
//   |   1 |    1 | version 0x70                                          |
//   |   2 |    4 | refresh key id                                        |
//   |   6 |  118 | GCM(refresh key) of the 90-byte payload (IV|ct|tag)  |
// payload:
//   | off | size | field                                                 |
//   |   0 |    8 | expires ms                                            |
//   |   8 |    8 | created ms                                            |
//   |  16 |   13 | operator identity (site 4, type 1, version 4, key 4)  |
//   |  29 |   16 | publisher identity (site 4, publisher 8, client key 4)|
//   |  45 |    4 | privacy bits                                          |
//   |  49 |    8 | established ms                                        |
//   |  57 |    1 | identity byte (must match byte 0 in scope and type)   |
//   |  58 |   32 | first-level hash                                      |
// Legacy v2 (decode only):
//   0x02 | created ms 8 | expires ms 8 | valid-till ms 8 | key id 4 | CBC(key) of
//   [site id 4 | len 4 | base64 first-level hash (len) | privacy 4 | established ms 8]
//   The v2 expiry the operator honours is valid-till (= expires + 60 s).
//
// Wrapper (what /v2/token/generate returns as refresh_token and /v2/token/refresh receives),
// 291 bytes = exactly 388 padded base64 chars:
//   | off | size | field                                                   |
//   |   0 |    1 | scope<<4                                                |
//   |   1 |    4 | refresh key id                                          |
//   |   5 |  286 | GCM(refresh key) of the 258-byte compact JSON           |
//   |     |      | {"refresh_response_key":"<b64 32B>","refresh_token":"<inner 168>"} |
//   (no spaces, '/' never escaped).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/status.h"
#include "operator/identity/types.h"

namespace uid2::operator_identity {

constexpr size_t kRefreshTokenV3Bytes = 124;
constexpr size_t kRefreshTokenV3Chars = 168;
constexpr size_t kRefreshWrapperChars = 388;

struct RefreshToken {
  int version = 3;  // 2 or 3 on decode; Encode writes 3
  IdentityScope scope = IdentityScope::kUid2;
  IdentityType type = IdentityType::kEmail;
  int64_t expires_ms = 0;  // v2: valid-till
  int64_t created_ms = 0;
  OperatorIdentity operator_identity;
  PublisherIdentity publisher;
  int32_t privacy_bits = 0;
  int64_t established_ms = 0;
  Sha256Value first_level_hash{};
  int32_t key_id = 0;  // filled by Decode
};

// EncodeRefreshToken returns the 168-char base64 text of the v3 token under `refresh_key`.
Result<std::string> EncodeRefreshToken(const RefreshToken& token, const TokenKey& refresh_key);

// DecodeRefreshToken decodes a v3 (byte1 == 0x70) or v2 (byte0 == 2) inner token text.
// kInvalid (bad base64, unknown version, truncated, byte 57 scope/type differs from byte 0),
// kNotFound (unknown key id), kVerifyFailed (GCM tag / CBC padding). Never checks expiry.
Result<RefreshToken> DecodeRefreshToken(std::string_view text, const KeyLookup& keys);

// WrappedRefreshToken is what generate/refresh put in their reply body.
struct WrappedRefreshToken {
  std::string token;                     // the 388-char wrapper
  std::string refresh_response_key_b64;  // the same key as in the wrapper, base64 (44 chars)
  KeySecret refresh_response_key{};      // raw bytes, to encrypt the refresh reply
};

// WrapRefreshToken draws a random refresh_response_key and builds the wrapper around `inner`
// (a 168-char v3 token text). kInternal if the result is not exactly 388 characters (an inner
// token of the wrong size).
Result<WrappedRefreshToken> WrapRefreshToken(std::string_view inner, IdentityScope scope,
                                             const TokenKey& refresh_key);

// Errors of UnwrapRefreshToken, with the message to send verbatim (400 client_error).
enum class UnwrapError {
  kOk,
  kNotBase64,   // "Invalid body: Body is not valid base64."
  kUnknownKey,  // "Invalid key: Generator of this token (Key ID: N) does not exist."
  kBadData,     // "Invalid data: Check encryption method and encryption key"
  kBadFormat,   // "Invalid format: Payload is not valid json or missing required data"
};

struct UnwrappedRefreshToken {
  std::string inner_token;           // the 168-char (or legacy) inner token text
  KeySecret refresh_response_key{};  // the reply key (a key that is not 32 bytes is kBadFormat)
};

struct UnwrapStatus {
  UnwrapError code = UnwrapError::kOk;
  std::string message;  // empty when ok
  bool ok() const { return code == UnwrapError::kOk; }
};

// UnwrapRefreshToken opens a 388-char wrapper (the caller routes other lengths to the legacy
// path). The key is looked up by the id at bytes 1..4.
UnwrapStatus UnwrapRefreshToken(std::string_view text, const KeyLookup& keys,
                                UnwrappedRefreshToken* out);

}  // namespace uid2::operator_identity
