// Advertising tokens: v4 generate -> decode round trips, the layout (163/164 bytes, prefixes),
// v3 and v2 decoding, the base64 sniffing, and the negative cases.
#include "operator/identity/advertising_token.h"

#include <gtest/gtest.h>

#include "common/bytes.h"
#include "common/encoding.h"
#include "crypto/cipher.h"
#include "crypto/random.h"
#include "operator/identity/hash_chain.h"
#include "test_keys.h"

namespace uid2::operator_identity {
namespace {

class AdvertisingTokenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    master_ = keys_.Add(101, "vPdQIoN1nTwXIQoH4/GcHOAct7ymyrGUKXNQhgmq+E8=");
    site_ = keys_.Add(103, "c2yMYeezHfDvZ6haknCFaj0t+eAEJp/C/uh+fUAm1fo=");
  }
  AdvertisingToken Sample(size_t uid_size, IdentityScope scope = IdentityScope::kUid2,
                          IdentityType type = IdentityType::kEmail) {
    AdvertisingToken t;
    t.scope = scope;
    t.type = type;
    t.expires_ms = 1700000000000 + 3600000;
    t.created_ms = 1700000000000;
    t.publisher.site_id = 123;
    t.privacy_bits = kPrivacyBitsGenerate;
    t.established_ms = 1690000000000;
    t.refreshed_ms = 1700000000000;
    t.raw_uid.assign(uid_size, 0x5A);
    if (uid_size == 33)
      t.raw_uid[0] =
          static_cast<uint8_t>(static_cast<int>(scope) << 4 | static_cast<int>(type) << 2);
    return t;
  }
  testing::KeyTable keys_;
  TokenKey master_, site_;
};

TEST_F(AdvertisingTokenTest, V4RoundTripWith33ByteUid) {
  AdvertisingToken in = Sample(33, IdentityScope::kUid2, IdentityType::kPhone);
  auto text = EncodeAdvertisingToken(in, master_, site_);
  ASSERT_TRUE(text.ok()) << text.error().message();
  auto bytes = Base64UrlDecode(*text);  // strict: unpadded base64url
  ASSERT_TRUE(bytes.has_value());
  EXPECT_EQ(bytes->size(), 164u);
  EXPECT_EQ((*bytes)[0], 0x07);  // UID2 phone
  EXPECT_EQ((*bytes)[1], 0x80);
  EXPECT_EQ(LoadU32LE(Bytes{(*bytes)[5], (*bytes)[4], (*bytes)[3], (*bytes)[2]}, 0), 101u);
  auto out = DecodeAdvertisingToken(*text, keys_.Lookup());
  ASSERT_TRUE(out.ok()) << out.error().message();
  EXPECT_EQ(out->version, 4);
  EXPECT_EQ(out->scope, IdentityScope::kUid2);
  EXPECT_EQ(out->type, IdentityType::kPhone);
  EXPECT_EQ(out->expires_ms, in.expires_ms);
  EXPECT_EQ(out->created_ms, in.created_ms);
  EXPECT_EQ(out->operator_identity, in.operator_identity);
  EXPECT_EQ(out->publisher, in.publisher);
  EXPECT_EQ(out->privacy_bits, in.privacy_bits);
  EXPECT_EQ(out->established_ms, in.established_ms);
  EXPECT_EQ(out->refreshed_ms, in.refreshed_ms);
  EXPECT_EQ(out->raw_uid, in.raw_uid);
  EXPECT_EQ(out->master_key_id, 101);
  EXPECT_EQ(out->site_key_id, 103);
}

TEST_F(AdvertisingTokenTest, PrefixesA4B4E4F4And163Bytes) {
  struct Case {
    IdentityScope s;
    IdentityType t;
    const char* prefix;
  };
  for (Case c : {Case{IdentityScope::kUid2, IdentityType::kEmail, "A4"},
                 Case{IdentityScope::kUid2, IdentityType::kPhone, "B4"},
                 Case{IdentityScope::kEuid, IdentityType::kEmail, "E4"},
                 Case{IdentityScope::kEuid, IdentityType::kPhone, "F4"}}) {
    auto text = EncodeAdvertisingToken(Sample(33, c.s, c.t), master_, site_);
    ASSERT_TRUE(text.ok());
    EXPECT_EQ(text->substr(0, 2), c.prefix);
    EXPECT_EQ(text->find_first_of("+/="), std::string::npos);
  }
  AdvertisingToken t32 = Sample(32);
  auto text = EncodeAdvertisingToken(t32, master_, site_);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(Base64UrlDecode(*text)->size(), 163u);
  auto out = DecodeAdvertisingToken(*text, keys_.Lookup());
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->raw_uid.size(), 32u);
  EXPECT_EQ(out->scope, IdentityScope::kUid2);
  EXPECT_EQ(out->type, IdentityType::kEmail);
}

TEST_F(AdvertisingTokenTest, V3IsStandardBase64AndDecodes) {
  AdvertisingToken in = Sample(33, IdentityScope::kEuid, IdentityType::kEmail);
  in.version = 3;
  auto text = EncodeAdvertisingToken(in, master_, site_);
  ASSERT_TRUE(text.ok());
  auto bytes = Base64Decode(*text);  // strict standard, padded
  ASSERT_TRUE(bytes.has_value());
  EXPECT_EQ((*bytes)[1], 0x70);
  auto out = DecodeAdvertisingToken(*text, keys_.Lookup());
  ASSERT_TRUE(out.ok()) << out.error().message();
  EXPECT_EQ(out->version, 3);
  EXPECT_EQ(out->scope, IdentityScope::kEuid);
}

TEST_F(AdvertisingTokenTest, V4WithoutUrlCharsInHeaderStillDecodes) {
  // Sniffing looks at 4 chars only; a v4 token is decoded as base64url whatever the header.
  for (int i = 0; i < 40; i++) {
    auto text = EncodeAdvertisingToken(Sample(33), master_, site_);
    ASSERT_TRUE(text.ok());
    auto out = DecodeAdvertisingToken(*text, keys_.Lookup());
    ASSERT_TRUE(out.ok()) << *text;
  }
}

// A v2 token built here the way the reference's v2 encoder lays it out (CBC layers).
std::string MakeV2Token(const TokenKey& master, const TokenKey& site, ByteSpan uid,
                        int32_t site_id) {
  ByteWriter sp;
  sp.PutU32BE(static_cast<uint32_t>(site_id));
  std::string uid_text = Base64Encode(uid);
  sp.PutU32BE(static_cast<uint32_t>(uid_text.size()));
  sp.PutString(uid_text);
  sp.PutU32BE(1);
  sp.PutU64BE(1690000000000);
  Bytes iv1 = crypto::RandomBytes(16), iv2 = crypto::RandomBytes(16);
  Bytes site_ct = crypto::AesCbcEncrypt(site.secret, iv1, sp.bytes()).value();
  ByteWriter mp;
  mp.PutU64BE(1700003600000);
  mp.PutU32BE(static_cast<uint32_t>(site.id));
  mp.PutBytes(iv1);
  mp.PutBytes(site_ct);
  Bytes master_ct = crypto::AesCbcEncrypt(master.secret, iv2, mp.bytes()).value();
  ByteWriter t;
  t.PutU8(2);
  t.PutU32BE(static_cast<uint32_t>(master.id));
  t.PutBytes(iv2);
  t.PutBytes(master_ct);
  return Base64Encode(t.bytes());
}

TEST_F(AdvertisingTokenTest, V2Decodes) {
  Bytes uid(32, 0x42);
  std::string text = MakeV2Token(master_, site_, uid, 456);
  auto out = DecodeAdvertisingToken(text, keys_.Lookup());
  ASSERT_TRUE(out.ok()) << out.error().message();
  EXPECT_EQ(out->version, 2);
  EXPECT_EQ(out->publisher.site_id, 456);
  EXPECT_EQ(out->raw_uid, uid);
  EXPECT_EQ(out->expires_ms, 1700003600000);
  EXPECT_EQ(out->established_ms, 1690000000000);
  EXPECT_EQ(out->privacy_bits, 1);
  EXPECT_EQ(out->site_key_id, 103);
  // Wrong master key for the id: CBC padding (or the inner parse) fails.
  testing::KeyTable other;
  other.AddRandom(101);
  other.Add(103, "c2yMYeezHfDvZ6haknCFaj0t+eAEJp/C/uh+fUAm1fo=");
  EXPECT_FALSE(DecodeAdvertisingToken(text, other.Lookup()).ok());
}

TEST_F(AdvertisingTokenTest, NegativeCases) {
  auto text = EncodeAdvertisingToken(Sample(33), master_, site_);
  ASSERT_TRUE(text.ok());
  KeyLookup lookup = keys_.Lookup();
  // Unknown master key / unknown site key.
  testing::KeyTable only_site;
  only_site.Add(103, "c2yMYeezHfDvZ6haknCFaj0t+eAEJp/C/uh+fUAm1fo=");
  EXPECT_EQ(DecodeAdvertisingToken(*text, only_site.Lookup()).error().code(), ErrorCode::kNotFound);
  testing::KeyTable only_master;
  only_master.Add(101, "vPdQIoN1nTwXIQoH4/GcHOAct7ymyrGUKXNQhgmq+E8=");
  EXPECT_EQ(DecodeAdvertisingToken(*text, only_master.Lookup()).error().code(),
            ErrorCode::kNotFound);
  // Wrong secrets.
  testing::KeyTable wrong;
  wrong.AddRandom(101);
  wrong.AddRandom(103);
  EXPECT_EQ(DecodeAdvertisingToken(*text, wrong.Lookup()).error().code(), ErrorCode::kVerifyFailed);
  // Every single-character flip past the header fails authentication or parsing.
  for (size_t i = 8; i + 1 < text->size(); i += 7) {  // the last char has unused bits
    std::string t = *text;
    t[i] = t[i] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(DecodeAdvertisingToken(t, lookup).ok()) << i;
  }
  // Truncated, empty, garbage, bad base64, unknown version.
  EXPECT_FALSE(DecodeAdvertisingToken(text->substr(0, text->size() - 10), lookup).ok());
  EXPECT_FALSE(DecodeAdvertisingToken("", lookup).ok());
  EXPECT_FALSE(DecodeAdvertisingToken("A4", lookup).ok());
  EXPECT_FALSE(DecodeAdvertisingToken("A4AAAA", lookup).ok());
  EXPECT_FALSE(DecodeAdvertisingToken("!!!!" + *text, lookup).ok());
  EXPECT_FALSE(DecodeAdvertisingToken("AAAAAAAA", lookup).ok());
  std::string v9 = *text;
  v9[1] = '5';  // byte 1 becomes 0x90: no such version
  EXPECT_FALSE(DecodeAdvertisingToken(v9, lookup).ok());
}

TEST_F(AdvertisingTokenTest, ScopeMismatchBetweenHeaderAndUidIsRefused) {
  // Identity byte says EUID but the 33-byte raw UID says UID2.
  AdvertisingToken t = Sample(33, IdentityScope::kUid2, IdentityType::kEmail);
  t.scope = IdentityScope::kEuid;
  auto text = EncodeAdvertisingToken(t, master_, site_);
  ASSERT_TRUE(text.ok());
  auto out = DecodeAdvertisingToken(*text, keys_.Lookup());
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().code(), ErrorCode::kInvalid);
}

TEST_F(AdvertisingTokenTest, EncoderRefusesBadInput) {
  EXPECT_FALSE(EncodeAdvertisingToken(Sample(31), master_, site_).ok());
  AdvertisingToken t = Sample(33);
  t.version = 2;
  EXPECT_FALSE(EncodeAdvertisingToken(t, master_, site_).ok());
}

}  // namespace
}  // namespace uid2::operator_identity
