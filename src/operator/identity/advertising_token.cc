// advertising_token.cc: v4 encode; v2/v3/v4 decode (spec §3.4; layouts in the header).
#include "operator/identity/advertising_token.h"

#include <array>
#include <string>

#include "common/encoding.h"
#include "operator/identity/fast_crypto.h"
#include "operator/identity/token_io.h"

namespace uid2::operator_identity {
namespace {

using internal::BeWriter;
using internal::kGcmOverhead;

// Sizes (v3/v4) for a 33-byte raw UID; a 32-byte one is one byte shorter everywhere.
constexpr size_t kHeaderSize = 6;           // identity byte, version, master key id
constexpr size_t kSitePayloadFixed = 36;    // site payload before the raw UID
constexpr size_t kMasterPayloadFixed = 33;  // master payload before the site ciphertext
constexpr size_t kMaxRawUid = 33;
constexpr size_t kMaxSitePayload = kSitePayloadFixed + kMaxRawUid;                          // 69
constexpr size_t kMaxMasterPayload = kMasterPayloadFixed + kMaxSitePayload + kGcmOverhead;  // 130
constexpr size_t kMaxToken = kHeaderSize + kMaxMasterPayload + kGcmOverhead;                // 164

// Offsets inside the decrypted master payload and site payload.
constexpr size_t kMasterSiteKeyIdOff = 29;

Error KeyNotFound(std::string_view which, int32_t id) {
  return Error::NotFound("advertising token: unknown " + std::string(which) + " key " +
                         std::to_string(id));
}

Result<TokenKey> Lookup(const KeyLookup& keys, std::string_view which, int32_t id) {
  std::optional<TokenKey> k = keys(id);
  if (!k) return KeyNotFound(which, id);
  return *k;
}

Result<AdvertisingToken> DecodeV2(ByteSpan bytes, const KeyLookup& keys) {
  ByteReader r(bytes);
  uint8_t version;
  int32_t master_id;
  if (!r.ReadU8(&version) || !internal::ReadI32(&r, &master_id)) {
    return Error::Invalid("advertising token v2: truncated header");
  }
  UID2_ASSIGN_OR_RETURN(TokenKey master, Lookup(keys, "master", master_id));
  Bytes master_payload;
  if (!internal::CbcDecrypt(master.secret, r.rest(), &master_payload)) {
    return Error::VerifyFailed("advertising token v2: master layer does not decrypt");
  }
  AdvertisingToken t;
  t.version = 2;
  t.master_key_id = master_id;
  ByteReader m(master_payload);
  if (!internal::ReadI64(&m, &t.expires_ms) || !internal::ReadI32(&m, &t.site_key_id)) {
    return Error::Invalid("advertising token v2: master payload truncated");
  }
  UID2_ASSIGN_OR_RETURN(TokenKey site, Lookup(keys, "site", t.site_key_id));
  Bytes site_payload;
  if (!internal::CbcDecrypt(site.secret, m.rest(), &site_payload)) {
    return Error::VerifyFailed("advertising token v2: site layer does not decrypt");
  }
  ByteReader s(site_payload);
  int32_t len;
  ByteSpan uid_text;
  if (!internal::ReadI32(&s, &t.publisher.site_id) || !internal::ReadI32(&s, &len) || len < 0 ||
      !s.ReadBytes(static_cast<size_t>(len), &uid_text) ||
      !internal::ReadI32(&s, &t.privacy_bits) || !internal::ReadI64(&s, &t.established_ms)) {
    return Error::Invalid("advertising token v2: site payload truncated");
  }
  std::optional<Bytes> uid = internal::DecodeB64(AsChars(uid_text), false);
  if (!uid) return Error::Invalid("advertising token v2: UID is not base64");
  t.raw_uid = std::move(*uid);
  t.created_ms = t.established_ms;
  return t;
}

Result<AdvertisingToken> DecodeV3V4(ByteSpan bytes, int version, const KeyLookup& keys) {
  ByteReader r(bytes);
  uint8_t identity_byte, version_byte;
  AdvertisingToken t;
  t.version = version;
  if (!r.ReadU8(&identity_byte) || !r.ReadU8(&version_byte) ||
      !internal::ReadI32(&r, &t.master_key_id)) {
    return Error::Invalid("advertising token: truncated header");
  }
  UID2_ASSIGN_OR_RETURN(TokenKey master, Lookup(keys, "master", t.master_key_id));
  ByteSpan sealed = r.rest();
  if (sealed.size() < kGcmOverhead || sealed.size() > kMaxMasterPayload + kGcmOverhead) {
    return Error::Invalid("advertising token: bad size " + std::to_string(bytes.size()));
  }
  std::array<uint8_t, kMaxMasterPayload> master_buf;
  const size_t master_len = sealed.size() - kGcmOverhead;
  if (!internal::GcmOpen(master.secret.data(), sealed, master_buf.data())) {
    return Error::VerifyFailed("advertising token: master layer does not decrypt");
  }
  ByteReader m(ByteSpan(master_buf.data(), master_len));
  if (!internal::ReadI64(&m, &t.expires_ms) || !internal::ReadI64(&m, &t.created_ms) ||
      !internal::ReadOperatorIdentity(&m, &t.operator_identity) ||
      !internal::ReadI32(&m, &t.site_key_id)) {
    return Error::Invalid("advertising token: master payload truncated");
  }
  static_assert(kMasterSiteKeyIdOff + 4 == kMasterPayloadFixed);
  UID2_ASSIGN_OR_RETURN(TokenKey site, Lookup(keys, "site", t.site_key_id));
  ByteSpan site_sealed = m.rest();
  if (site_sealed.size() < kGcmOverhead) {
    return Error::Invalid("advertising token: site payload truncated");
  }
  std::array<uint8_t, kMaxMasterPayload> site_buf;
  const size_t site_len = site_sealed.size() - kGcmOverhead;
  if (!internal::GcmOpen(site.secret.data(), site_sealed, site_buf.data())) {
    return Error::VerifyFailed("advertising token: site layer does not decrypt");
  }
  ByteReader s(ByteSpan(site_buf.data(), site_len));
  if (!internal::ReadPublisherIdentity(&s, &t.publisher) ||
      !internal::ReadI32(&s, &t.privacy_bits) || !internal::ReadI64(&s, &t.established_ms) ||
      !internal::ReadI64(&s, &t.refreshed_ms)) {
    return Error::Invalid("advertising token: site payload truncated");
  }
  ByteSpan uid = s.rest();
  if (uid.size() != 32 && uid.size() != 33) {
    return Error::Invalid("advertising token: raw UID of " + std::to_string(uid.size()) + " bytes");
  }
  t.raw_uid.assign(uid.begin(), uid.end());
  if (uid.size() == 33) {
    std::optional<IdentityType> type = TypeOf(uid[0]);
    if (!type || ScopeOf(uid[0]) != ScopeOf(identity_byte) || TypeOf(identity_byte) != type) {
      return Error::Invalid("advertising token: identity scope/type mismatch");
    }
    t.scope = ScopeOf(uid[0]);
    t.type = *type;
  }
  return t;
}

}  // namespace

Result<std::string> EncodeAdvertisingToken(const AdvertisingToken& token,
                                           const TokenKey& master_key, const TokenKey& site_key) {
  const size_t uid_len = token.raw_uid.size();
  if (uid_len != 32 && uid_len != 33) {
    return Error::Invalid("advertising token: raw UID must be 32 or 33 bytes, got " +
                          std::to_string(uid_len));
  }
  if (token.version != 3 && token.version != 4) {
    return Error::Invalid("advertising token: can only encode v3 or v4");
  }
  std::array<uint8_t, kMaxSitePayload> site_buf;
  BeWriter sp(site_buf.data(), site_buf.size());
  internal::WritePublisherIdentity(&sp, token.publisher);
  sp.I32(token.privacy_bits);
  sp.I64(token.established_ms);
  sp.I64(token.refreshed_ms);
  sp.Raw(token.raw_uid);

  std::array<uint8_t, kMaxMasterPayload> master_buf;
  BeWriter mp(master_buf.data(), master_buf.size());
  mp.I64(token.expires_ms);
  mp.I64(token.created_ms);
  internal::WriteOperatorIdentity(&mp, token.operator_identity);
  mp.I32(site_key.id);
  internal::GcmSeal(site_key.secret, sp.written(), mp.Skip(sp.size() + kGcmOverhead));

  std::array<uint8_t, kMaxToken> out_buf;
  BeWriter out(out_buf.data(), out_buf.size());
  out.U8(IdentityByte(token.scope, token.type));
  out.U8(token.version == 4 ? kTokenVersionV4 : kTokenVersionV3);
  out.I32(master_key.id);
  internal::GcmSeal(master_key.secret, mp.written(), out.Skip(mp.size() + kGcmOverhead));
  return token.version == 4 ? Base64UrlEncode(out.written()) : Base64Encode(out.written());
}

Result<AdvertisingToken> DecodeAdvertisingToken(std::string_view text, const KeyLookup& keys) {
  if (text.size() < 4) return Error::Invalid("advertising token: too short");
  std::string_view head = text.substr(0, 4);
  const bool url_safe = head.find_first_of("-_") != std::string_view::npos;
  std::optional<Bytes> header = internal::DecodeB64(head, url_safe);
  if (!header || header->size() < 3) return Error::Invalid("advertising token: not base64");
  int version = 0;
  if ((*header)[0] == kTokenVersionV2) {
    version = 2;
  } else if ((*header)[1] == kTokenVersionV3) {
    version = 3;
  } else if ((*header)[1] == kTokenVersionV4) {
    version = 4;
  } else {
    return Error::Invalid("advertising token: unknown version");
  }
  std::optional<Bytes> bytes = internal::DecodeB64(text, version == 4);
  if (!bytes) return Error::Invalid("advertising token: not base64");
  if (version == 2) return DecodeV2(*bytes, keys);
  return DecodeV3V4(*bytes, version, keys);
}

}  // namespace uid2::operator_identity
