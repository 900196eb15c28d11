// Refresh tokens: v3 round trip (124 bytes / 168 chars), byte-57 scope check, legacy v2 decode,
// the 388-char wrapper (generate -> unwrap) and its error messages.
#include "operator/identity/refresh_token.h"

#include <gtest/gtest.h>

#include "common/bytes.h"
#include "common/encoding.h"
#include "crypto/cipher.h"
#include "crypto/random.h"
#include "operator/identity/fast_crypto.h"
#include "test_keys.h"

namespace uid2::operator_identity {
namespace {

class RefreshTokenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    refresh_ = keys_.Add(102, "RgyxkP4yP1gYhCINq7O9PxM6jX+etPqSQluZxjB1aG8=");
  }
  RefreshToken Sample(IdentityScope scope = IdentityScope::kUid2,
                      IdentityType type = IdentityType::kEmail) {
    RefreshToken t;
    t.scope = scope;
    t.type = type;
    t.expires_ms = 1700086400000;
    t.created_ms = 1700000000000;
    t.publisher = {124, 0, 0};
    t.privacy_bits = 1;
    t.established_ms = 1690000000000;
    for (size_t i = 0; i < 32; i++) t.first_level_hash[i] = static_cast<uint8_t>(i + 1);
    return t;
  }
  testing::KeyTable keys_;
  TokenKey refresh_;
};

TEST_F(RefreshTokenTest, V3RoundTrip) {
  for (auto scope : {IdentityScope::kUid2, IdentityScope::kEuid}) {
    for (auto type : {IdentityType::kEmail, IdentityType::kPhone}) {
      RefreshToken in = Sample(scope, type);
      auto text = EncodeRefreshToken(in, refresh_);
      ASSERT_TRUE(text.ok());
      EXPECT_EQ(text->size(), kRefreshTokenV3Chars);
      EXPECT_EQ(Base64Decode(*text)->size(), kRefreshTokenV3Bytes);
      auto out = DecodeRefreshToken(*text, keys_.Lookup());
      ASSERT_TRUE(out.ok()) << out.error().message();
      EXPECT_EQ(out->version, 3);
      EXPECT_EQ(out->scope, scope);
      EXPECT_EQ(out->type, type);
      EXPECT_EQ(out->expires_ms, in.expires_ms);
      EXPECT_EQ(out->created_ms, in.created_ms);
      EXPECT_EQ(out->operator_identity, in.operator_identity);
      EXPECT_EQ(out->publisher, in.publisher);
      EXPECT_EQ(out->privacy_bits, in.privacy_bits);
      EXPECT_EQ(out->established_ms, in.established_ms);
      EXPECT_EQ(out->first_level_hash, in.first_level_hash);
      EXPECT_EQ(out->key_id, 102);
    }
  }
}

// Builds a v3 token whose byte 0 and payload byte 57 disagree.
std::string TokenWithByte57(const TokenKey& key, uint8_t byte0, uint8_t byte57) {
  ByteWriter p;
  p.PutU64BE(1700086400000);
  p.PutU64BE(1700000000000);
  p.PutZeros(13 + 16);
  p.PutU32BE(1);
  p.PutU64BE(1690000000000);
  p.PutU8(byte57);
  p.PutZeros(32);
  Bytes sealed(p.size() + internal::kGcmOverhead);
  internal::GcmSeal(key.secret, p.bytes(), sealed.data());
  ByteWriter t;
  t.PutU8(byte0);
  t.PutU8(0x70);
  t.PutU32BE(static_cast<uint32_t>(key.id));
  t.PutBytes(sealed);
  return Base64Encode(t.bytes());
}

TEST_F(RefreshTokenTest, Byte57MustMatchScopeAndType) {
  EXPECT_TRUE(DecodeRefreshToken(TokenWithByte57(refresh_, 0x13, 0x13), keys_.Lookup()).ok());
  auto scope = DecodeRefreshToken(TokenWithByte57(refresh_, 0x03, 0x13), keys_.Lookup());
  ASSERT_FALSE(scope.ok());
  EXPECT_EQ(scope.error().code(), ErrorCode::kInvalid);
  EXPECT_FALSE(DecodeRefreshToken(TokenWithByte57(refresh_, 0x03, 0x07), keys_.Lookup()).ok());
  EXPECT_FALSE(DecodeRefreshToken(TokenWithByte57(refresh_, 0x0F, 0x0F), keys_.Lookup()).ok());
}

TEST_F(RefreshTokenTest, LegacyV2Decodes) {
  Bytes first_level(32, 0x33);
  ByteWriter inner;
  inner.PutU32BE(124);
  std::string fl_text = Base64Encode(first_level);
  inner.PutU32BE(static_cast<uint32_t>(fl_text.size()));
  inner.PutString(fl_text);
  inner.PutU32BE(1);
  inner.PutU64BE(1690000000000);
  Bytes iv = crypto::RandomBytes(16);
  Bytes ct = crypto::AesCbcEncrypt(refresh_.secret, iv, inner.bytes()).value();
  ByteWriter t;
  t.PutU8(2);
  t.PutU64BE(1700000000000);  // created
  t.PutU64BE(1700086400000);  // expires
  t.PutU64BE(1700086460000);  // valid till
  t.PutU32BE(102);
  t.PutBytes(iv);
  t.PutBytes(ct);
  auto out = DecodeRefreshToken(Base64Encode(t.bytes()), keys_.Lookup());
  ASSERT_TRUE(out.ok()) << out.error().message();
  EXPECT_EQ(out->version, 2);
  EXPECT_EQ(out->created_ms, 1700000000000);
  EXPECT_EQ(out->expires_ms, 1700086460000);
  EXPECT_EQ(out->publisher.site_id, 124);
  EXPECT_EQ(out->established_ms, 1690000000000);
  EXPECT_TRUE(std::equal(first_level.begin(), first_level.end(), out->first_level_hash.begin()));
}

TEST_F(RefreshTokenTest, NegativeCases) {
  auto text = EncodeRefreshToken(Sample(), refresh_);
  ASSERT_TRUE(text.ok());
  testing::KeyTable none;
  EXPECT_EQ(DecodeRefreshToken(*text, none.Lookup()).error().code(), ErrorCode::kNotFound);
  testing::KeyTable wrong;
  wrong.AddRandom(102);
  EXPECT_EQ(DecodeRefreshToken(*text, wrong.Lookup()).error().code(), ErrorCode::kVerifyFailed);
  EXPECT_FALSE(DecodeRefreshToken(text->substr(0, 100), keys_.Lookup()).ok());
  EXPECT_FALSE(DecodeRefreshToken("", keys_.Lookup()).ok());
  EXPECT_FALSE(DecodeRefreshToken("%%%%", keys_.Lookup()).ok());
  EXPECT_FALSE(DecodeRefreshToken("AAAA", keys_.Lookup()).ok());
  EXPECT_FALSE(DecodeRefreshToken("AgAA", keys_.Lookup()).ok());  // v2, truncated
}

TEST_F(RefreshTokenTest, WrapperIs388CharsAndUnwraps) {
  for (auto scope : {IdentityScope::kUid2, IdentityScope::kEuid}) {
    auto inner = EncodeRefreshToken(Sample(scope), refresh_);
    ASSERT_TRUE(inner.ok());
    auto wrapped = WrapRefreshToken(*inner, scope, refresh_);
    ASSERT_TRUE(wrapped.ok()) << wrapped.error().message();
    EXPECT_EQ(wrapped->token.size(), 388u);
    EXPECT_EQ(wrapped->refresh_response_key_b64.size(), 44u);
    Bytes raw = *Base64Decode(wrapped->token);
    EXPECT_EQ(raw.size(), 291u);
    EXPECT_EQ(raw[0], static_cast<uint8_t>(static_cast<int>(scope) << 4));
    // The JSON inside is exactly the compact form (no '\/').
    Bytes json(raw.size() - 5 - internal::kGcmOverhead);
    ASSERT_TRUE(internal::GcmOpen(refresh_.secret.data(), ByteSpan(raw).subspan(5), json.data()));
    EXPECT_EQ(std::string(AsChars(json)), "{\"refresh_response_key\":\"" +
                                              wrapped->refresh_response_key_b64 +
                                              "\",\"refresh_token\":\"" + *inner + "\"}");
    UnwrappedRefreshToken out;
    UnwrapStatus st = UnwrapRefreshToken(wrapped->token, keys_.Lookup(), &out);
    ASSERT_TRUE(st.ok()) << st.message;
    EXPECT_EQ(out.inner_token, *inner);
    EXPECT_EQ(out.refresh_response_key, wrapped->refresh_response_key);
  }
}

TEST_F(RefreshTokenTest, WrapperRejectsWrongInnerSize) {
  EXPECT_FALSE(WrapRefreshToken("short", IdentityScope::kUid2, refresh_).ok());
}

TEST_F(RefreshTokenTest, UnwrapErrorMessages) {
  auto inner = EncodeRefreshToken(Sample(), refresh_);
  auto wrapped = WrapRefreshToken(*inner, IdentityScope::kUid2, refresh_);
  ASSERT_TRUE(wrapped.ok());
  UnwrappedRefreshToken out;

  std::string bad_b64 = wrapped->token;
  bad_b64[10] = '*';
  UnwrapStatus st = UnwrapRefreshToken(bad_b64, keys_.Lookup(), &out);
  EXPECT_EQ(st.code, UnwrapError::kNotBase64);
  EXPECT_EQ(st.message, "Invalid body: Body is not valid base64.");

  testing::KeyTable none;
  st = UnwrapRefreshToken(wrapped->token, none.Lookup(), &out);
  EXPECT_EQ(st.code, UnwrapError::kUnknownKey);
  EXPECT_EQ(st.message, "Invalid key: Generator of this token (Key ID: 102) does not exist.");

  testing::KeyTable wrong;
  wrong.AddRandom(102);
  st = UnwrapRefreshToken(wrapped->token, wrong.Lookup(), &out);
  EXPECT_EQ(st.code, UnwrapError::kBadData);
  EXPECT_EQ(st.message, "Invalid data: Check encryption method and encryption key");

  // A well-encrypted wrapper whose JSON lacks the fields.
  auto seal_json = [&](std::string_view json) {
    ByteWriter w;
    w.PutU8(0);
    w.PutU32BE(102);
    Bytes sealed(json.size() + internal::kGcmOverhead);
    internal::GcmSeal(refresh_.secret, AsBytes(json), sealed.data());
    w.PutBytes(sealed);
    return Base64Encode(w.bytes());
  };
  for (std::string_view json : {std::string_view("{}"), std::string_view("not json"),
                                std::string_view("{\"refresh_token\":\"x\"}"),
                                std::string_view("{\"refresh_response_key\":\"AAAA\","
                                                 "\"refresh_token\":\"x\"}"),
                                std::string_view("[1]")}) {
    st = UnwrapRefreshToken(seal_json(json), keys_.Lookup(), &out);
    EXPECT_EQ(st.code, UnwrapError::kBadFormat) << json;
    EXPECT_EQ(st.message, "Invalid format: Payload is not valid json or missing required data");
  }
  st = UnwrapRefreshToken("AAA", keys_.Lookup(), &out);
  EXPECT_FALSE(st.ok());
}

}  // namespace
}  // namespace uid2::operator_identity
