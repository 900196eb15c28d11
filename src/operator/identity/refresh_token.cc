// refresh_token.cc: inner refresh tokens (v3, legacy v2 decode) and the 388-char wrapper
// (spec §2.3, §3.5; layouts in the header).
#include "operator/identity/refresh_token.h"

#include <rapidjson/document.h>

#include <array>

#include "common/encoding.h"
#include "common/json.h"
#include "crypto/random.h"
#include "operator/identity/fast_crypto.h"
#include "operator/identity/token_io.h"

namespace uid2::operator_identity {
namespace {

using internal::BeWriter;
using internal::kGcmOverhead;

constexpr size_t kPayloadSize = 90;
constexpr size_t kHeaderSize = 6;
constexpr size_t kWrapperHeaderSize = 5;
constexpr size_t kWrapperBytes = 291;    // 388 base64 chars
constexpr size_t kMaxWrapperJson = 512;  // the real one is 258 bytes

Result<TokenKey> Lookup(const KeyLookup& keys, int32_t id) {
  std::optional<TokenKey> k = keys(id);
  if (!k) return Error::NotFound("refresh token: unknown key " + std::to_string(id));
  return *k;
}

Result<RefreshToken> DecodeV3(ByteSpan bytes, const KeyLookup& keys) {
  if (bytes.size() != kRefreshTokenV3Bytes) {
    return Error::Invalid("refresh token: " + std::to_string(bytes.size()) +
                          " bytes, expected 124");
  }
  ByteReader r(bytes);
  uint8_t identity_byte, version;
  RefreshToken t;
  if (!r.ReadU8(&identity_byte) || !r.ReadU8(&version) || !internal::ReadI32(&r, &t.key_id)) {
    return Error::Invalid("refresh token: truncated header");
  }
  UID2_ASSIGN_OR_RETURN(TokenKey key, Lookup(keys, t.key_id));
  std::array<uint8_t, kPayloadSize> payload;
  if (!internal::GcmOpen(key.secret.data(), r.rest(), payload.data())) {
    return Error::VerifyFailed("refresh token: does not decrypt");
  }
  ByteReader p(payload);
  uint8_t inner_identity;
  ByteSpan first_level;
  if (!internal::ReadI64(&p, &t.expires_ms) || !internal::ReadI64(&p, &t.created_ms) ||
      !internal::ReadOperatorIdentity(&p, &t.operator_identity) ||
      !internal::ReadPublisherIdentity(&p, &t.publisher) ||
      !internal::ReadI32(&p, &t.privacy_bits) || !internal::ReadI64(&p, &t.established_ms) ||
      !p.ReadU8(&inner_identity) || !p.ReadBytes(32, &first_level)) {
    return Error::Invalid("refresh token: payload truncated");
  }
  // Byte 57 of the payload must agree with byte 0 in scope and type.
  std::optional<IdentityType> type = TypeOf(inner_identity);
  if (!type || ScopeOf(inner_identity) != ScopeOf(identity_byte) || TypeOf(identity_byte) != type) {
    return Error::Invalid("refresh token: identity scope/type mismatch");
  }
  t.version = 3;
  t.scope = ScopeOf(inner_identity);
  t.type = *type;
  std::copy(first_level.begin(), first_level.end(), t.first_level_hash.begin());
  return t;
}

Result<RefreshToken> DecodeV2(ByteSpan bytes, const KeyLookup& keys) {
  ByteReader r(bytes);
  uint8_t version;
  int64_t unused_expires;
  RefreshToken t;
  t.version = 2;
  if (!r.ReadU8(&version) || !internal::ReadI64(&r, &t.created_ms) ||
      !internal::ReadI64(&r, &unused_expires) || !internal::ReadI64(&r, &t.expires_ms) ||
      !internal::ReadI32(&r, &t.key_id)) {
    return Error::Invalid("refresh token v2: truncated header");
  }
  UID2_ASSIGN_OR_RETURN(TokenKey key, Lookup(keys, t.key_id));
  Bytes payload;
  if (!internal::CbcDecrypt(key.secret, r.rest(), &payload)) {
    return Error::VerifyFailed("refresh token v2: does not decrypt");
  }
  ByteReader p(payload);
  int32_t len;
  ByteSpan text;
  if (!internal::ReadI32(&p, &t.publisher.site_id) || !internal::ReadI32(&p, &len) || len < 0 ||
      !p.ReadBytes(static_cast<size_t>(len), &text) || !internal::ReadI32(&p, &t.privacy_bits) ||
      !internal::ReadI64(&p, &t.established_ms)) {
    return Error::Invalid("refresh token v2: payload truncated");
  }
  std::optional<Bytes> first_level = internal::DecodeB64(AsChars(text), false);
  if (!first_level || first_level->size() != 32) {
    return Error::Invalid("refresh token v2: first-level hash is not 32 base64 bytes");
  }
  std::copy(first_level->begin(), first_level->end(), t.first_level_hash.begin());
  return t;
}

UnwrapStatus Fail(UnwrapError code, std::string message) { return {code, std::move(message)}; }

}  // namespace

Result<std::string> EncodeRefreshToken(const RefreshToken& token, const TokenKey& refresh_key) {
  std::array<uint8_t, kPayloadSize> payload;
  BeWriter p(payload.data(), payload.size());
  p.I64(token.expires_ms);
  p.I64(token.created_ms);
  internal::WriteOperatorIdentity(&p, token.operator_identity);
  internal::WritePublisherIdentity(&p, token.publisher);
  p.I32(token.privacy_bits);
  p.I64(token.established_ms);
  p.U8(IdentityByte(token.scope, token.type));
  p.Raw(token.first_level_hash);

  std::array<uint8_t, kRefreshTokenV3Bytes> out_buf;
  BeWriter out(out_buf.data(), out_buf.size());
  out.U8(IdentityByte(token.scope, token.type));
  out.U8(0x70);
  out.I32(refresh_key.id);
  internal::GcmSeal(refresh_key.secret, p.written(), out.Skip(kPayloadSize + kGcmOverhead));
  static_assert(kHeaderSize + kPayloadSize + kGcmOverhead == kRefreshTokenV3Bytes);
  return Base64Encode(out.written());
}

Result<RefreshToken> DecodeRefreshToken(std::string_view text, const KeyLookup& keys) {
  std::optional<Bytes> bytes = internal::DecodeB64(text, false);
  if (!bytes) return Error::Invalid("refresh token: not base64");
  if (bytes->size() >= 2 && (*bytes)[1] == 0x70) return DecodeV3(*bytes, keys);
  if (!bytes->empty() && (*bytes)[0] == 0x02) return DecodeV2(*bytes, keys);
  return Error::Invalid("refresh token: unknown version");
}

Result<WrappedRefreshToken> WrapRefreshToken(std::string_view inner, IdentityScope scope,
                                             const TokenKey& refresh_key) {
  WrappedRefreshToken w;
  crypto::RandomFill(w.refresh_response_key);
  w.refresh_response_key_b64 = Base64Encode(w.refresh_response_key);
  // Compact JSON, '/' never escaped (JsonQuote leaves it alone).
  std::string json = "{\"refresh_response_key\":" + JsonQuote(w.refresh_response_key_b64) +
                     ",\"refresh_token\":" + JsonQuote(inner) + "}";
  Bytes buf(kWrapperHeaderSize + json.size() + kGcmOverhead);
  BeWriter out(buf.data(), buf.size());
  out.U8(static_cast<uint8_t>(static_cast<uint8_t>(scope) << 4));
  out.I32(refresh_key.id);
  internal::GcmSeal(refresh_key.secret, AsBytes(json), out.Skip(json.size() + kGcmOverhead));
  w.token = Base64Encode(buf);
  if (buf.size() != kWrapperBytes || w.token.size() != kRefreshWrapperChars) {
    return Error::Internal("refresh wrapper is " + std::to_string(w.token.size()) +
                           " characters, must be 388 (inner token of " +
                           std::to_string(inner.size()) + " characters)");
  }
  return w;
}

UnwrapStatus UnwrapRefreshToken(std::string_view text, const KeyLookup& keys,
                                UnwrappedRefreshToken* out) {
  std::optional<Bytes> bytes = internal::DecodeB64(text, false);
  if (!bytes) return Fail(UnwrapError::kNotBase64, "Invalid body: Body is not valid base64.");
  ByteReader r(*bytes);
  int32_t key_id = 0;
  if (!r.Skip(1) || !internal::ReadI32(&r, &key_id)) {
    return Fail(UnwrapError::kBadData, "Invalid data: Check encryption method and encryption key");
  }
  std::optional<TokenKey> key = keys(key_id);
  if (!key) {
    return Fail(UnwrapError::kUnknownKey, "Invalid key: Generator of this token (Key ID: " +
                                              std::to_string(key_id) + ") does not exist.");
  }
  ByteSpan sealed = r.rest();
  std::array<uint8_t, kMaxWrapperJson> json_buf;
  if (sealed.size() < kGcmOverhead || sealed.size() - kGcmOverhead > json_buf.size() ||
      !internal::GcmOpen(key->secret.data(), sealed, json_buf.data())) {
    return Fail(UnwrapError::kBadData, "Invalid data: Check encryption method and encryption key");
  }
  const std::string kBadFormat =
      "Invalid format: Payload is not valid json or missing required data";
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseValidateEncodingFlag>(reinterpret_cast<const char*>(json_buf.data()),
                                                   sealed.size() - kGcmOverhead);
  if (doc.HasParseError() || !doc.IsObject()) return Fail(UnwrapError::kBadFormat, kBadFormat);
  const rapidjson::Value* key_v = internal::JsonMember(doc, "refresh_response_key");
  const rapidjson::Value* tok_v = internal::JsonMember(doc, "refresh_token");
  if (key_v == nullptr || !key_v->IsString() || tok_v == nullptr || !tok_v->IsString()) {
    return Fail(UnwrapError::kBadFormat, kBadFormat);
  }
  std::optional<Bytes> response_key =
      internal::DecodeB64(std::string_view(key_v->GetString(), key_v->GetStringLength()), false);
  if (!response_key || response_key->size() != kKeySize) {
    return Fail(UnwrapError::kBadFormat, kBadFormat);
  }
  std::copy(response_key->begin(), response_key->end(), out->refresh_response_key.begin());
  out->inner_token.assign(tok_v->GetString(), tok_v->GetStringLength());
  return {};
}

}  // namespace uid2::operator_identity
