// The raw UID table of spec §3.2 against the bundled local salts, the 12 v4 meta bytes of the
// reference TokenUtilsTest, bucket index rules and v4 structure.
#include "operator/identity/hash_chain.h"

#include <gtest/gtest.h>

#include "common/encoding.h"
#include "operator/store/salts.h"
#include "test_keys.h"

namespace uid2::operator_identity {
namespace {

using store::SaltBucketIndex;
using testing::LoadLocalSalts;
using testing::LocalSalts;

std::string B64(ByteSpan b) { return Base64Encode(b); }

class HashChainVectors : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = LoadLocalSalts("salts.txt.1745907348982");
    ASSERT_TRUE(s.has_value());
    salts_ = *s;
    ASSERT_EQ(salts_.lines.size(), 5u);
  }
  Sha256Value FirstLevel(InputKind kind, std::string_view value) {
    std::optional<IdentityBytes> id = ResolveIdentity(kind, value);
    EXPECT_TRUE(id.has_value());
    return FirstLevelHash(id.value_or(IdentityBytes{}), salts_.first_level);
  }
  SaltKey KeyOf(const testing::SaltLine& line) {
    return {static_cast<int32_t>(line.cur_key_id), line.cur_key, line.cur_key_salt};
  }
  LocalSalts salts_;
};

TEST_F(HashChainVectors, TestExampleComV2AndV3) {
  Sha256Value fl = FirstLevel(InputKind::kEmail, "test@example.com");
  EXPECT_EQ(B64(fl), "RNzyiMMy106hy8MpBOsHBe+ZZkQR8IbUAG/IC2OrNr4=");
  size_t idx = SaltBucketIndex(fl, salts_.lines.size());
  EXPECT_EQ(idx, 0u);
  const std::string& salt = salts_.lines[idx].salt;
  EXPECT_EQ(B64(RawUidV2(fl, salt)), "yCevINTMQ+BMfihNbXjrDLbm/FF+JvBan5YqmToByik=");
  RawUid v3 = RawUidV3(fl, salt, IdentityScope::kUid2, IdentityType::kEmail);
  EXPECT_EQ(B64(v3.span()), "AMgnryDUzEPgTH4oTW146wy25vxRfibwWp+WKpk6Acop");
  EXPECT_EQ(B64(RawUidV2AsRawUid(fl, salt).span()), B64(RawUidV2(fl, salt)));
}

TEST_F(HashChainVectors, UserExampleComV4) {
  Sha256Value fl = FirstLevel(InputKind::kEmail, "User@Example.com");
  EXPECT_EQ(B64(fl), "sNucuuqRSevxEAlg4mdhE+VFd+d/XOb6N/kYA5QS/zE=");
  size_t idx = SaltBucketIndex(fl, salts_.lines.size());
  EXPECT_EQ(idx, 2u);
  ASSERT_TRUE(salts_.lines[idx].salt.empty());
  auto v4 = RawUidV4(fl, KeyOf(salts_.lines[idx]), IdentityEnvironment::kTest, IdentityScope::kUid2,
                     IdentityType::kEmail);
  ASSERT_TRUE(v4.ok()) << v4.error().message();
  EXPECT_EQ(B64(v4->span()), "ICALImfE94kkoCsBn79kNqDk485MeuvZ3bHUdsmPcKIf");
  // And it decrypts back to the last 16 bytes of the first-level hash.
  auto last16 = DecryptRawUidV4(v4->span(), KeyOf(salts_.lines[idx]));
  ASSERT_TRUE(last16.ok()) << last16.error().message();
  EXPECT_TRUE(std::equal(last16->begin(), last16->end(), fl.begin() + 16));
}

TEST_F(HashChainVectors, PhoneV4) {
  Sha256Value fl = FirstLevel(InputKind::kPhone, "+12345678901");
  EXPECT_EQ(B64(fl), "urve3oGxLtO2WGhlQFKMzqhXOdYqSB53Rrgqpp9CFjY=");
  size_t idx = SaltBucketIndex(fl, salts_.lines.size());
  EXPECT_EQ(idx, 2u);
  auto v4 = RawUidV4(fl, KeyOf(salts_.lines[idx]), IdentityEnvironment::kTest, IdentityScope::kUid2,
                     IdentityType::kPhone);
  ASSERT_TRUE(v4.ok());
  EXPECT_EQ(B64(v4->span()), "JCALIn2jvn98OvQPhijCPNLUHrq2SB09ftuzecdG7Vv7");
}

TEST(V4Meta, TwelveReferenceBytes) {
  struct Case {
    IdentityScope scope;
    IdentityType type;
    IdentityEnvironment env;
    uint8_t meta;
  };
  using S = IdentityScope;
  using T = IdentityType;
  using E = IdentityEnvironment;
  const Case cases[] = {
      {S::kUid2, T::kEmail, E::kTest, 0b00100000},  {S::kUid2, T::kPhone, E::kTest, 0b00100100},
      {S::kEuid, T::kEmail, E::kTest, 0b00110000},  {S::kEuid, T::kPhone, E::kTest, 0b00110100},
      {S::kUid2, T::kEmail, E::kInteg, 0b01100000}, {S::kUid2, T::kPhone, E::kInteg, 0b01100100},
      {S::kEuid, T::kEmail, E::kInteg, 0b01110000}, {S::kEuid, T::kPhone, E::kInteg, 0b01110100},
      {S::kUid2, T::kEmail, E::kProd, 0b10100000},  {S::kUid2, T::kPhone, E::kProd, 0b10100100},
      {S::kEuid, T::kEmail, E::kProd, 0b10110000},  {S::kEuid, T::kPhone, E::kProd, 0b10110100},
  };
  Sha256Value fl{};
  SaltKey key{0x123456, "key12345key12345key12345key12345", "salt"};
  for (const Case& c : cases) {
    EXPECT_EQ(V4MetaByte(c.env, c.scope, c.type), c.meta);
    auto uid = RawUidV4(fl, key, c.env, c.scope, c.type);
    ASSERT_TRUE(uid.ok());
    EXPECT_EQ(uid->data[0], c.meta);
  }
}

TEST(V4Structure, KeyIdChecksumAndTamper) {
  Sha256Value fl{};
  for (size_t i = 0; i < fl.size(); i++) fl[i] = static_cast<uint8_t>(i * 7);
  SaltKey key{0xABCDEF, "0123456789abcdef0123456789abcdef", "some salt"};
  auto uid =
      RawUidV4(fl, key, IdentityEnvironment::kProd, IdentityScope::kEuid, IdentityType::kPhone);
  ASSERT_TRUE(uid.ok());
  const auto& d = uid->data;
  EXPECT_EQ(uid->size, 33);
  EXPECT_EQ(d[1], 0xAB);
  EXPECT_EQ(d[2], 0xCD);
  EXPECT_EQ(d[3], 0xEF);
  uint8_t x = 0;
  for (size_t i = 0; i < 32; i++) x ^= d[i];
  EXPECT_EQ(d[32], x);
  // Deterministic (no random IV).
  auto again =
      RawUidV4(fl, key, IdentityEnvironment::kProd, IdentityScope::kEuid, IdentityType::kPhone);
  EXPECT_EQ(B64(again->span()), B64(uid->span()));
  // Tampering: checksum, key id, wrong key text, wrong salt.
  RawUid bad = *uid;
  bad.data[20] ^= 1;
  EXPECT_FALSE(DecryptRawUidV4(bad.span(), key).ok());
  EXPECT_FALSE(DecryptRawUidV4(uid->span(), {0xABCDEE, key.key, key.salt}).ok());
  EXPECT_FALSE(
      DecryptRawUidV4(uid->span(), {key.id, "0123456789abcdef0123456789abcdeX", key.salt}).ok());
  EXPECT_FALSE(DecryptRawUidV4(uid->span(), {key.id, key.key, "other salt"}).ok());
  EXPECT_TRUE(DecryptRawUidV4(uid->span(), key).ok());
}

TEST(V4Structure, RefusesBadKeyMaterial) {
  Sha256Value fl{};
  EXPECT_FALSE(RawUidV4(fl, {1, "short", "s"}, IdentityEnvironment::kTest, IdentityScope::kUid2,
                        IdentityType::kEmail)
                   .ok());
  EXPECT_FALSE(RawUidV4(fl, {1 << 24, std::string(32, 'k'), "s"}, IdentityEnvironment::kTest,
                        IdentityScope::kUid2, IdentityType::kEmail)
                   .ok());
}

TEST(BucketIndex, LowNibbleOfByteTwoAndExactPowerOfTwo) {
  Sha256Value fl{};
  fl[0] = 0xAB;
  fl[1] = 0xCD;
  fl[2] = 0xEF;  // low nibble F; the high nibble E must be ignored
  const size_t h = 0xABCDF;
  EXPECT_EQ(SaltBucketIndex(fl, size_t{1} << 20), h);
  EXPECT_EQ(SaltBucketIndex(fl, 5), h % 5);
  EXPECT_EQ(SaltBucketIndex(fl, 1000), h % 1000);
  fl[2] = 0x0F;
  EXPECT_EQ(SaltBucketIndex(fl, size_t{1} << 20), h);
}

TEST(Base64Small, MatchesCommonEncoder) {
  for (size_t n : {0, 1, 2, 3, 31, 32, 33}) {
    Bytes b(n);
    for (size_t i = 0; i < n; i++) b[i] = static_cast<uint8_t>(i * 37 + 11);
    std::array<char, 44> out;
    size_t len = Base64Small(b, &out);
    EXPECT_EQ(std::string(out.data(), len), Base64Encode(b));
  }
}

TEST(Sha256Of, KnownValue) {
  EXPECT_EQ(B64(Sha256Of(AsBytes("abc"))), "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=");
}

}  // namespace
}  // namespace uid2::operator_identity
