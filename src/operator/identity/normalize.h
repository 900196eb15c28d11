// normalize.h: identity inputs (spec §3.1): email and phone normalization, client-supplied
// hashes, and the "identity bytes" that start the hash chain (hash_chain.h).
//
//   std::string scratch;  // reuse across a batch: no allocation per identity once warm
//   std::optional<IdentityBytes> id = ResolveIdentity(InputKind::kEmail, value, &scratch);
//   if (!id) -> "invalid identifier"
//   Sha256Value first = FirstLevelHash(*id, first_level_salt);
//
// Email rules (exactly the reference operator's):
//   - only ASCII 'A'-'Z' are lowercased; every other byte (UTF-8 included) is kept as is;
//   - every ' ' before the '@' is dropped; after the '@', spaces between other characters are
//     kept (also leading ones) and trailing spaces are dropped;
//   - a second '@' makes the address invalid; so does an empty local part or domain;
//   - domain exactly "gmail.com" (after lowercasing): the local part drops every '.' and
//     everything from the first '+'. No other domain is special.
//   e.g. "TEst.TEst+123@GMail.Com" -> "testtest@gmail.com", "te st@example.com" ->
//   "test@example.com", ".@gmail.com" -> invalid.
// Phone: valid only as '+' followed by 10..15 ASCII digits; the normalized phone is the input.
// Hashes (email_hash / phone_hash): a 44-char standard base64 text that decodes (padding
// optional, as Java's decoder), or 64 hex chars. The identity bytes are the decoded bytes.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "operator/identity/types.h"

namespace uid2::operator_identity {

// IdentityBytes holds the identity hash: SHA-256 of the normalized email/phone (32 bytes) or a
// decoded client hash. A 44-char base64 hash can decode to 31, 32 or 33 bytes and the reference
// operator accepts all three, so the size is carried.
struct IdentityBytes {
  std::array<uint8_t, 33> data{};
  uint8_t size = 0;
  ByteSpan span() const { return {data.data(), size}; }
  bool operator==(const IdentityBytes& o) const {
    return size == o.size && std::equal(data.begin(), data.begin() + size, o.data.begin());
  }
};

// The four request fields that carry an identity.
enum class InputKind { kEmail, kEmailHash, kPhone, kPhoneHash };
constexpr IdentityType TypeOfInput(InputKind k) {
  return (k == InputKind::kPhone || k == InputKind::kPhoneHash) ? IdentityType::kPhone
                                                                : IdentityType::kEmail;
}
// InputFieldName returns "email", "email_hash", "phone" or "phone_hash".
std::string_view InputFieldName(InputKind kind);

// NormalizeEmail writes the normalized address into *out (cleared first) and returns true, or
// returns false when the address is invalid (*out then holds garbage).
bool NormalizeEmail(std::string_view email, std::string* out);
// Convenience form; nullopt when invalid.
std::optional<std::string> NormalizeEmail(std::string_view email);

// IsNormalizedPhone: '+' then 10..15 ASCII digits, nothing else.
bool IsNormalizedPhone(std::string_view phone);

// DecodeHashInput accepts a 44-char base64 text (decoded, 31..33 bytes) or 64 hex chars (32
// bytes). nullopt for anything else.
std::optional<IdentityBytes> DecodeHashInput(std::string_view text);

// HashIdentity returns SHA-256(UTF-8 bytes of `normalized`) as identity bytes.
IdentityBytes HashIdentity(std::string_view normalized);

// ResolveIdentity validates and normalizes `value` as a `kind` input and returns its identity
// bytes, or nullopt when invalid. `scratch` is a reusable buffer (may be null: one allocation).
std::optional<IdentityBytes> ResolveIdentity(InputKind kind, std::string_view value,
                                             std::string* scratch = nullptr);

}  // namespace uid2::operator_identity
