// hash_chain.cc: first-level hash, bucket index, raw UIDs (spec §3.2). No allocations: base64
// texts are written into stack arrays and hashed with the thread's digest context.
#include "operator/identity/hash_chain.h"

#include <cstdlib>
#include <string>

#include "common/bytes.h"
#include "common/encoding.h"
#include "operator/identity/fast_crypto.h"

namespace uid2::operator_identity {
namespace {

constexpr size_t kV4KeySize = 32;
constexpr size_t kV4Size = 33;
constexpr size_t kV4IvSize = 12;

// v4 raw UID offsets (see the table in the header).
constexpr size_t kV4MetaOff = 0, kV4KeyIdOff = 1, kV4IvOff = 4, kV4CtOff = 16, kV4CheckOff = 32;

uint8_t XorChecksum(const uint8_t* p, size_t n) {
  uint8_t x = 0;
  for (size_t i = 0; i < n; i++) x ^= p[i];
  return x;
}

// V4Iv computes SHA256(salt || last16 || meta || keyId3)[0:12] into iv[16] and zeroes the
// counter word iv[12..16].
void V4Iv(std::string_view salt, const uint8_t* last16, uint8_t meta, const uint8_t* key_id3,
          uint8_t* iv16) {
  uint8_t digest[32];
  internal::Sha256Parts(
      {AsBytes(salt), ByteSpan(last16, 16), ByteSpan(&meta, 1), ByteSpan(key_id3, 3)}, digest);
  std::copy(digest, digest + kV4IvSize, iv16);
  std::fill(iv16 + kV4IvSize, iv16 + 16, 0);
}

}  // namespace

size_t Base64Small(ByteSpan in, std::array<char, 44>* out) {
  if (in.size() > 33) std::abort();  // 44 characters hold at most 33 bytes
  return Base64EncodeTo(in, out->data());
}

Sha256Value Sha256Of(ByteSpan data) {
  Sha256Value out;
  internal::Sha256Parts({data}, out.data());
  return out;
}

namespace {
// HashB64Then: SHA256(b64text(value) || suffix).
Sha256Value HashB64Then(ByteSpan value, std::string_view suffix) {
  std::array<char, 44> text;
  size_t n = Base64Small(value, &text);
  Sha256Value out;
  internal::Sha256Parts({AsBytes(std::string_view(text.data(), n)), AsBytes(suffix)}, out.data());
  return out;
}
}  // namespace

Sha256Value FirstLevelHash(const IdentityBytes& identity, std::string_view first_level_salt) {
  return HashB64Then(identity.span(), first_level_salt);
}

Sha256Value RawUidV2(const Sha256Value& first_level, std::string_view salt) {
  return HashB64Then(first_level, salt);
}

RawUid RawUidV2AsRawUid(const Sha256Value& first_level, std::string_view salt) {
  RawUid uid;
  Sha256Value v2 = RawUidV2(first_level, salt);
  std::copy(v2.begin(), v2.end(), uid.data.begin());
  uid.size = 32;
  return uid;
}

RawUid RawUidV3(const Sha256Value& first_level, std::string_view salt, IdentityScope scope,
                IdentityType type) {
  RawUid uid;
  uid.data[0] =
      static_cast<uint8_t>(static_cast<uint8_t>(scope) << 4 | static_cast<uint8_t>(type) << 2);
  Sha256Value v2 = RawUidV2(first_level, salt);
  std::copy(v2.begin(), v2.end(), uid.data.begin() + 1);
  uid.size = 33;
  return uid;
}

Result<RawUid> RawUidV4(const Sha256Value& first_level, const SaltKey& key, IdentityEnvironment env,
                        IdentityScope scope, IdentityType type) {
  if (key.key.size() != kV4KeySize) {
    return Error::Invalid("raw UID v4: key " + std::to_string(key.id) + " must be 32 characters");
  }
  if (key.id < 0 || key.id > 0xFFFFFF) {
    return Error::Invalid("raw UID v4: key id " + std::to_string(key.id) + " exceeds 24 bits");
  }
  RawUid uid;
  uint8_t* p = uid.data.data();
  p[kV4MetaOff] = V4MetaByte(env, scope, type);
  p[kV4KeyIdOff] = static_cast<uint8_t>(key.id >> 16);
  p[kV4KeyIdOff + 1] = static_cast<uint8_t>(key.id >> 8);
  p[kV4KeyIdOff + 2] = static_cast<uint8_t>(key.id);
  const uint8_t* last16 = first_level.data() + 16;
  uint8_t iv16[16];
  V4Iv(key.salt, last16, p[kV4MetaOff], p + kV4KeyIdOff, iv16);
  std::copy(iv16, iv16 + kV4IvSize, p + kV4IvOff);
  internal::AesCtr(reinterpret_cast<const uint8_t*>(key.key.data()), iv16, last16, 16,
                   p + kV4CtOff);
  p[kV4CheckOff] = XorChecksum(p, kV4CheckOff);
  uid.size = kV4Size;
  return uid;
}

Result<std::array<uint8_t, 16>> DecryptRawUidV4(ByteSpan raw_uid, const SaltKey& key) {
  if (raw_uid.size() != kV4Size) return Error::Invalid("raw UID v4 must be 33 bytes");
  if (key.key.size() != kV4KeySize) return Error::Invalid("raw UID v4 key must be 32 chars");
  const uint8_t* p = raw_uid.data();
  if (XorChecksum(p, kV4CheckOff) != p[kV4CheckOff]) {
    return Error::VerifyFailed("raw UID v4: checksum mismatch");
  }
  int32_t id = p[1] << 16 | p[2] << 8 | p[3];
  if (id != key.id) return Error::VerifyFailed("raw UID v4: key id mismatch");
  uint8_t iv16[16] = {};
  std::copy(p + kV4IvOff, p + kV4IvOff + kV4IvSize, iv16);
  std::array<uint8_t, 16> last16;
  internal::AesCtr(reinterpret_cast<const uint8_t*>(key.key.data()), iv16, p + kV4CtOff, 16,
                   last16.data());
  uint8_t expect_iv[16];
  V4Iv(key.salt, last16.data(), p[kV4MetaOff], p + kV4KeyIdOff, expect_iv);
  if (!std::equal(expect_iv, expect_iv + kV4IvSize, iv16)) {
    return Error::VerifyFailed("raw UID v4: IV does not match (wrong key or salt)");
  }
  return last16;
}

}  // namespace uid2::operator_identity
