// hash_chain.h: first-level hash, salt bucket index and raw UIDs v2/v3/v4 (spec §3.2).
//
// All functions are thread-safe and allocation-free: each thread keeps its own OpenSSL digest
// and cipher contexts (created on first use, reused afterwards).
//
//   first_level = SHA256(b64text(identity_bytes) || first_level_salt_text)     (text concat)
//   bucket      = h % N, h = b0<<12 | b1<<4 | (b2 & 0x0F)   (h itself when N == 2^20)
//   raw UID v2  = SHA256(b64text(first_level) || bucket_salt_text)              32 bytes
//   raw UID v3  = (scope<<4 | type<<2) || raw UID v2                            33 bytes
//   raw UID v4  (bucket without salt, with key material id/key/salt)            33 bytes:
//     | off | size | field                                                     |
//     |   0 |    1 | meta = env<<6 | 1<<5 | scope<<4 | type<<2                 |
//     |   1 |    3 | key id, big-endian (low 24 bits)                          |
//     |   4 |   12 | IV = SHA256(salt || last16 || meta || keyId3)[0:12]       |
//     |  16 |   16 | AES-256-CTR(key = ASCII bytes of the 32-char key,         |
//     |     |      |   counter block = IV || 00000000) of last16               |
//     |  32 |    1 | XOR of bytes 0..31                                        |
//     last16 = first_level[16:32]; salt = ASCII bytes of the key's salt text.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/bytes.h"
#include "common/status.h"
#include "operator/identity/normalize.h"
#include "operator/identity/types.h"

namespace uid2::operator_identity {

// RawUid is a v2 (32 bytes) or v3/v4 (33 bytes) raw UID.
struct RawUid {
  std::array<uint8_t, 33> data{};
  uint8_t size = 0;
  ByteSpan span() const { return {data.data(), size}; }
};

// Sha256Of hashes `data` with this thread's reusable context.
Sha256Value Sha256Of(ByteSpan data);

// FirstLevelHash: SHA256(b64text(identity) || first_level_salt). `first_level_salt` is the salts
// metadata's `first_level` text, used as text (not decoded).
Sha256Value FirstLevelHash(const IdentityBytes& identity, std::string_view first_level_salt);

// The salt bucket of a first-level hash is store::SaltBucketIndex (operator/store/salts.h).

// RawUidV2: SHA256(b64text(first_level) || salt), `salt` the bucket's salt text.
Sha256Value RawUidV2(const Sha256Value& first_level, std::string_view salt);

// RawUidV3: (scope<<4 | type<<2) followed by RawUidV2.
RawUid RawUidV3(const Sha256Value& first_level, std::string_view salt, IdentityScope scope,
                IdentityType type);

// RawUidV2AsRawUid wraps a v2 UID in RawUid (size 32), for code that handles either.
RawUid RawUidV2AsRawUid(const Sha256Value& first_level, std::string_view salt);

// SaltKey is a bucket's v4 key material from the salt file: id (24-bit), key (32 ASCII chars,
// used as the AES-256 key bytes) and salt (ASCII text, hashed into the IV).
struct SaltKey {
  int32_t id = 0;
  std::string_view key;
  std::string_view salt;
};

// V4MetaByte: env<<6 | 1<<5 | scope<<4 | type<<2.
constexpr uint8_t V4MetaByte(IdentityEnvironment env, IdentityScope scope, IdentityType type) {
  return static_cast<uint8_t>(static_cast<uint8_t>(env) << 6 | 1 << 5 |
                              static_cast<uint8_t>(scope) << 4 | static_cast<uint8_t>(type) << 2);
}

// RawUidV4 builds the 33-byte v4 UID. kInvalid when the key is not exactly 32 bytes or the id
// does not fit in 24 bits (the store should refuse such salt lines; this is a second guard).
Result<RawUid> RawUidV4(const Sha256Value& first_level, const SaltKey& key, IdentityEnvironment env,
                        IdentityScope scope, IdentityType type);

// DecryptRawUidV4 recovers last16 = first_level[16:32] from a v4 UID (for tests and tooling):
// checks the checksum, the key id, and that the IV matches. kVerifyFailed otherwise.
Result<std::array<uint8_t, 16>> DecryptRawUidV4(ByteSpan raw_uid, const SaltKey& key);

// Base64Small writes the standard padded base64 text of up to 33 bytes into `out` (44 chars) and
// returns the text length. Used by the chain; exposed for tests.
size_t Base64Small(ByteSpan in, std::array<char, 44>* out);

}  // namespace uid2::operator_identity
