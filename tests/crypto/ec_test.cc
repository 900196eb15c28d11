// ec_test.cc: P-256 ECDSA (RFC 6979 A.2.5 signatures), ECDH (NIST CAVS), formats, negatives.
#include "crypto/ec.h"

#include <gtest/gtest.h>

#include "crypto_test_util.h"

namespace uid2::crypto {
namespace {

using testing::H;
using testing::Hex;

// RFC 6979, A.2.5 (ECDSA, 256 bits (prime field)): key pair and SHA-256 signatures.
const char kRfc6979X[] = "c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721";
const char kRfc6979Ux[] = "60fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6";
const char kRfc6979Uy[] = "7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299";
const char kSampleSig[] =
    "efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716"
    "f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8";
const char kTestSig[] =
    "f1abb023518351cd71d881567b1ea663ed3efcf6c5132b354f28d3b0b7d38367"
    "019f4113742a2b14bd25926b49c649155f267e60d3814b4c0cc84250e46f0083";

EcKeyP256 Rfc6979Public() {
  Result<EcKeyP256> k = EcKeyP256::FromPublicRaw(H(std::string(kRfc6979Ux) + kRfc6979Uy));
  EXPECT_TRUE(k.ok()) << k.error().message();
  return std::move(k).value();
}

TEST(CryptoEcdsa, Rfc6979A25KeyDerivation) {
  Result<EcKeyP256> key = EcKeyP256::FromPrivateRaw(H(kRfc6979X));
  ASSERT_TRUE(key.ok()) << key.error().message();
  EXPECT_TRUE(key->has_private());
  EXPECT_EQ(Hex(key->PublicRaw()), std::string(kRfc6979Ux) + kRfc6979Uy);
}

TEST(CryptoEcdsa, Rfc6979A25SignaturesVerify) {
  EcKeyP256 pub = Rfc6979Public();
  EXPECT_FALSE(pub.has_private());
  Status s = pub.VerifySha256Raw(AsBytes("sample"), H(kSampleSig));
  EXPECT_TRUE(s.ok()) << s.error().message();
  EXPECT_TRUE(pub.VerifySha256Raw(AsBytes("test"), H(kTestSig)).ok());
  Result<Bytes> der = EcdsaRawToDer(H(kSampleSig));
  ASSERT_TRUE(der.ok());
  EXPECT_TRUE(pub.VerifySha256Der(AsBytes("sample"), *der).ok());
}

TEST(CryptoEcdsa, BadSignatureIsRejected) {
  EcKeyP256 pub = Rfc6979Public();
  // Signature of another message.
  Status s = pub.VerifySha256Raw(AsBytes("sample"), H(kTestSig));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kVerifyFailed);
  // One flipped bit in s, and in r.
  Bytes sig = H(kSampleSig);
  sig[63] ^= 0x01;
  EXPECT_EQ(pub.VerifySha256Raw(AsBytes("sample"), sig).error().code(), ErrorCode::kVerifyFailed);
  sig = H(kSampleSig);
  sig[0] ^= 0x01;
  EXPECT_EQ(pub.VerifySha256Raw(AsBytes("sample"), sig).error().code(), ErrorCode::kVerifyFailed);
  // Wrong length and all-zero r || s.
  EXPECT_EQ(pub.VerifySha256Raw(AsBytes("sample"), Bytes(63, 1)).error().code(),
            ErrorCode::kVerifyFailed);
  EXPECT_EQ(pub.VerifySha256Raw(AsBytes("sample"), Bytes(64, 0)).error().code(),
            ErrorCode::kVerifyFailed);
}

TEST(CryptoEcdsa, WrongKeyIsRejected) {
  Result<EcKeyP256> other = EcKeyP256::Generate();
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->VerifySha256Raw(AsBytes("sample"), H(kSampleSig)).error().code(),
            ErrorCode::kVerifyFailed);
}

TEST(CryptoEcdsa, SignVerifyRoundTripRawAndDer) {
  Result<EcKeyP256> key = EcKeyP256::FromPrivateRaw(H(kRfc6979X));
  ASSERT_TRUE(key.ok());
  Result<Bytes> raw = key->SignSha256Raw(AsBytes("quote body"));
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(raw->size(), 64u);
  EXPECT_TRUE(Rfc6979Public().VerifySha256Raw(AsBytes("quote body"), *raw).ok());
  Result<Bytes> der = key->SignSha256Der(AsBytes("quote body"));
  ASSERT_TRUE(der.ok());
  EXPECT_TRUE(Rfc6979Public().VerifySha256Der(AsBytes("quote body"), *der).ok());
  EXPECT_FALSE(Rfc6979Public().VerifySha256Der(AsBytes("quote bodY"), *der).ok());
  EXPECT_FALSE(Rfc6979Public().SignSha256Raw(AsBytes("x")).ok());  // public key cannot sign
}

TEST(CryptoEcdsa, RawDerConversionPadsAndRejectsMalformed) {
  // r = 1, s = 0x80: DER needs a leading zero for s; raw pads both to 32 bytes.
  Bytes raw(64, 0);
  raw[31] = 0x01;
  raw[63] = 0x80;
  Result<Bytes> der = EcdsaRawToDer(raw);
  ASSERT_TRUE(der.ok());
  EXPECT_EQ(Hex(*der),
            "3007020101020200"
            "80");
  Result<Bytes> back = EcdsaDerToRaw(*der);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, raw);
  Bytes trailing = *der;
  trailing.push_back(0);
  EXPECT_FALSE(EcdsaDerToRaw(trailing).ok());
  EXPECT_FALSE(EcdsaDerToRaw(H("3006020101020180")).ok());  // s = -128
  EXPECT_FALSE(EcdsaDerToRaw(H("300402010102")).ok());      // truncated
  EXPECT_FALSE(EcdsaRawToDer(Bytes(65, 1)).ok());
  // A 33-byte r does not fit the raw format.
  Bytes big_r = H("3026022101" + std::string(64, 'f') + "020101");
  EXPECT_FALSE(EcdsaDerToRaw(big_r).ok());
}

TEST(CryptoEcKey, PointNotOnCurveIsRefused) {
  Bytes xy = H(std::string(kRfc6979Ux) + kRfc6979Uy);
  xy[63] ^= 0x01;
  Result<EcKeyP256> k = EcKeyP256::FromPublicRaw(xy);
  ASSERT_FALSE(k.ok());
  EXPECT_EQ(k.error().code(), ErrorCode::kInvalid);
  EXPECT_FALSE(EcKeyP256::FromPublicRaw(Bytes(64, 0)).ok());
  EXPECT_FALSE(EcKeyP256::FromPublicRaw(Bytes(65, 4)).ok());
}

TEST(CryptoEcKey, PrivateRawOutOfRangeIsRefused) {
  EXPECT_FALSE(EcKeyP256::FromPrivateRaw(Bytes(32, 0)).ok());
  // n, the group order.
  EXPECT_FALSE(EcKeyP256::FromPrivateRaw(
                   H("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551"))
                   .ok());
}

TEST(CryptoEcKey, SerialisationRoundTrips) {
  Result<EcKeyP256> key = EcKeyP256::Generate();
  ASSERT_TRUE(key.ok());
  Result<EcKeyP256> from_der = EcKeyP256::FromPrivatePkcs8Der(key->PrivatePkcs8Der());
  ASSERT_TRUE(from_der.ok()) << from_der.error().message();
  EXPECT_EQ(from_der->PublicRaw(), key->PublicRaw());
  std::string pem = key->PrivatePem();
  EXPECT_EQ(pem.rfind("-----BEGIN PRIVATE KEY-----", 0), 0u);
  Result<EcKeyP256> from_pem = EcKeyP256::FromPrivatePem(pem);
  ASSERT_TRUE(from_pem.ok()) << from_pem.error().message();
  EXPECT_TRUE(from_pem->has_private());
  EXPECT_EQ(from_pem->PublicRaw(), key->PublicRaw());
  Result<EcKeyP256> spki = EcKeyP256::FromPublicSpkiDer(key->PublicSpkiDer());
  ASSERT_TRUE(spki.ok());
  EXPECT_FALSE(spki->has_private());
  EXPECT_EQ(spki->PublicRaw(), key->PublicRaw());
  EXPECT_TRUE(spki->PrivatePkcs8Der().empty());
  EXPECT_FALSE(EcKeyP256::FromPublicSpkiDer(AsBytes("junk")).ok());
  EXPECT_FALSE(EcKeyP256::FromPrivatePem("-----BEGIN ENCRYPTED PRIVATE KEY-----\n").ok());
}

TEST(CryptoEcKey, RsaKeyIsNotP256) {
  std::string rsa_pem = testing::ReadText("gramine-01-key-a.pem");
  Result<EcKeyP256> k = EcKeyP256::FromPrivatePem(rsa_pem);
  EXPECT_FALSE(k.ok());
}

// NIST CAVS 14.1, ECC CDH Primitive (SP 800-56A section 5.7.1.2) test vectors,
// KAS_ECC_CDH_PrimitiveTest.txt, [P-256] COUNT = 0.
TEST(CryptoEcdh, NistCavsP256Count0) {
  Result<EcKeyP256> cavs = EcKeyP256::FromPublicRaw(
      H("700c48f77f56584c5cc632ca65640db91b6bacce3a4df6b42ce7cc838833d287"
        "db71e509e3fd9b060ddb20ba5c51dcc5948d46fbf640dfe0441782cab85fa4ac"));
  ASSERT_TRUE(cavs.ok()) << cavs.error().message();
  Result<EcKeyP256> iut = EcKeyP256::FromPrivateRaw(
      H("7d7dc5f71eb29ddaf80d6214632eeae03d9058af1fb6d22ed80badb62bc1a534"));
  ASSERT_TRUE(iut.ok());
  EXPECT_EQ(Hex(iut->PublicRaw()),
            "ead218590119e8876b29146ff89ca61770c4edbbf97d38ce385ed281d8a6b230"
            "28af61281fd35e2fa7002523acc85a429cb06ee6648325389f59edfce1405141");
  Result<Bytes> z = iut->Ecdh(*cavs);
  ASSERT_TRUE(z.ok()) << z.error().message();
  EXPECT_EQ(Hex(*z), "46fc62106420ff012e54a434fbdd2d25ccc5852060561e68040dd7778997bd7b");
}

TEST(CryptoEcdh, BothSidesAgreeAndWrongPeerDiffers) {
  Result<EcKeyP256> a = EcKeyP256::Generate();
  Result<EcKeyP256> b = EcKeyP256::Generate();
  Result<EcKeyP256> c = EcKeyP256::Generate();
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  Result<Bytes> ab = a->Ecdh(*b);
  Result<Bytes> ba = b->Ecdh(*a);
  ASSERT_TRUE(ab.ok() && ba.ok());
  EXPECT_EQ(ab->size(), 32u);
  EXPECT_EQ(*ab, *ba);
  EXPECT_NE(*a->Ecdh(*c), *ab);
  Result<EcKeyP256> b_pub = EcKeyP256::FromPublicRaw(b->PublicRaw());
  ASSERT_TRUE(b_pub.ok());
  EXPECT_FALSE(b_pub->Ecdh(*a).ok());  // public-only key cannot derive
}

}  // namespace
}  // namespace uid2::crypto
