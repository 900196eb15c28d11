// advertising_token.h: UID2 advertising tokens (spec §3.4). The operator generates v4 only and
// decodes v2, v3 and v4.
//
// v3/v4 layout (v4 as unpadded base64url text, v3 as padded standard base64):
//   | off | size | field                                                   |
//   |   0 |    1 | identity byte = scope<<4 | type<<2 | 3 (types.h)      |
//   |   1 |    1 | version: 0x70 (v3) or 0x80 (v4)                        |
//   |   2 |    4 | master key id                                          |
//   |   6 |  157 | GCM(master key) of the master payload (IV|ct|tag)      |
// master payload (129 or 130 bytes):
//   expires ms 8 | created ms 8 | operator identity 13 | site key id 4 | GCM(site key) of:
// site payload (68 or 69 bytes):
//   site id 4 | publisher id 8 | client key id 4 | privacy bits 4 | established ms 8 |
//   refreshed ms 8 | raw UID 32 or 33
// Total 163 bytes (164 with a 33-byte raw UID).
//
// v2 (decode only, padded standard base64):
//   0x02 | master key id 4 | CBC(master) of [expires ms 8 | site key id 4 | CBC(site) of
//   [site id 4 | len 4 | base64 text of the raw UID (len bytes) | privacy 4 | established ms 8]]
//   (CBC = IV16 | AES-256-CBC PKCS#7 ciphertext)
//
// Decoding sniffs the text: if its first 4 characters contain '-' or '_' it is base64url,
// otherwise standard base64 (both decoded leniently as Java does). Then byte0 == 2 -> v2,
// byte1 == 0x70 -> v3, byte1 == 0x80 -> v4, anything else is refused.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/status.h"
#include "operator/identity/types.h"

namespace uid2::operator_identity {

constexpr uint8_t kTokenVersionV2 = 0x02;
constexpr uint8_t kTokenVersionV3 = 0x70;
constexpr uint8_t kTokenVersionV4 = 0x80;

// AdvertisingToken is the content of a token (input to Encode, output of Decode).
struct AdvertisingToken {
  int version = 4;  // 2, 3 or 4 (decode); Encode writes 3 or 4
  IdentityScope scope = IdentityScope::kUid2;
  IdentityType type = IdentityType::kEmail;
  int64_t expires_ms = 0;
  int64_t created_ms = 0;  // v2: not in the token (set to established_ms)
  OperatorIdentity operator_identity;
  PublisherIdentity publisher;  // publisher.site_id is the token's site
  int32_t privacy_bits = 0;
  int64_t established_ms = 0;
  int64_t refreshed_ms = 0;  // v2: not in the token (0)
  Bytes raw_uid;             // 32 or 33 bytes
  // Filled by Decode: the keys that decrypted the token.
  int32_t master_key_id = 0;
  int32_t site_key_id = 0;
};

// EncodeAdvertisingToken encrypts `token` with `master_key` (outer layer) and `site_key` (site
// payload) and returns its text: v4 as unpadded base64url (the default), v3 as padded base64.
// token.scope/type give the identity byte; a 33-byte raw_uid must carry the same scope and type
// in its first byte. kInvalid when raw_uid is not 32/33 bytes or the version is not 3 or 4.
// Fresh random IVs each call.
Result<std::string> EncodeAdvertisingToken(const AdvertisingToken& token,
                                           const TokenKey& master_key, const TokenKey& site_key);

// DecodeAdvertisingToken decodes any v2/v3/v4 token text. Keys are looked up by id through
// `keys`. Fails with kInvalid (bad text, unknown version, truncated, scope/type mismatch between
// byte 0 and a 33-byte raw UID), kNotFound (a key id unknown to `keys`) or kVerifyFailed (a GCM
// tag or CBC padding check failed). Does not check expiry: the caller compares expires_ms.
// For 32-byte raw UIDs (v2 and old v3) the scope is UID2 and the type email, as in the
// reference operator.
Result<AdvertisingToken> DecodeAdvertisingToken(std::string_view text, const KeyLookup& keys);

}  // namespace uid2::operator_identity
