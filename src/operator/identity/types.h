// types.h: the small value types shared by every format of the identity layer (spec §3).
//
// Nothing here knows about the store: keys come in as TokenKey values and key lookups by id go
// through the KeyLookup callback, so the store's snapshot (or a test table) plugs in directly:
//
//   KeyLookup lookup = [&snap](int32_t id) -> std::optional<TokenKey> {
//     const auto* k = snap->FindKey(id);
//     if (k == nullptr) return std::nullopt;
//     return TokenKey{k->id, k->secret};
//   };
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>

#include "common/bytes.h"

namespace uid2::operator_identity {

// Identity scope code (spec §3.2): UID2 = 0, EUID = 1.
enum class IdentityScope : uint8_t { kUid2 = 0, kEuid = 1 };
// Identity type code: email = 0, phone = 1.
enum class IdentityType : uint8_t { kEmail = 0, kPhone = 1 };
// identity_environment code used in the v4 raw UID meta byte: test 0, integ 1, prod 2.
enum class IdentityEnvironment : uint8_t { kTest = 0, kInteg = 1, kProd = 2 };

// A key secret (keyset keys, client secrets, refresh_response_key, CSTG shared secret).
constexpr size_t kKeySize = 32;
using KeySecret = std::array<uint8_t, kKeySize>;

// A SHA-256 value (identity hash, first-level hash, v2 raw UID).
using Sha256Value = std::array<uint8_t, 32>;

// TokenKey is one keyset key (master -1, refresh -2, or a site key) as the token formats need
// it: its id and its 32 secret bytes.
struct TokenKey {
  int32_t id = 0;
  KeySecret secret{};
};

// KeyLookup returns the keyset key with `key_id`, or nullopt when the store has none. Decoders
// call it once or twice per token; it must be safe to call from the calling thread.
using KeyLookup = std::function<std::optional<TokenKey>(int32_t key_id)>;

// IdentityByte: the first byte of v3/v4 advertising tokens and of v3 refresh tokens,
// `scope<<4 | type<<2 | 3` (UID2 email 0x03, UID2 phone 0x07, EUID email 0x13, EUID phone 0x17).
constexpr uint8_t IdentityByte(IdentityScope scope, IdentityType type) {
  return static_cast<uint8_t>(static_cast<uint8_t>(scope) << 4 | static_cast<uint8_t>(type) << 2 |
                              3);
}
// ScopeOf / TypeOf decode bits 4 and 2-3 of an identity byte or a raw UID v3/v4 first byte.
// A type code other than 0 or 1 is reported as nullopt.
constexpr IdentityScope ScopeOf(uint8_t b) { return static_cast<IdentityScope>((b >> 4) & 1); }
constexpr std::optional<IdentityType> TypeOf(uint8_t b) {
  uint8_t t = (b >> 2) & 3;
  if (t > 1) return std::nullopt;
  return static_cast<IdentityType>(t);
}

// OperatorIdentity (13 bytes in tokens): site 4 | type 1 | version 4 | key id 4. This operator
// writes {0, 1 (service), 0, 0}.
struct OperatorIdentity {
  int32_t site_id = 0;
  uint8_t type = 1;
  int32_t version = 0;
  int32_t key_id = 0;
  bool operator==(const OperatorIdentity&) const = default;
};

// PublisherIdentity (16 bytes in tokens): site 4 | publisher id 8 | client key id 4.
struct PublisherIdentity {
  int32_t site_id = 0;
  int64_t publisher_id = 0;
  int32_t client_key_id = 0;
  bool operator==(const PublisherIdentity&) const = default;
};

// Privacy bits written into tokens (spec §3.4).
constexpr int32_t kPrivacyBitsGenerate = 1;
constexpr int32_t kPrivacyBitsCstg = 3;

}  // namespace uid2::operator_identity
