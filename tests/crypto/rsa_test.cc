// rsa_test.cc: RSA keys, PKCS#1 v1.5 signatures (bit-exact against Gramine's SIGSTRUCTs),
// SIGSTRUCT q1/q2, PKCS#1 v1.5 encryption, and the negatives.
#include "crypto/rsa.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <ostream>
#include <string>

#include "crypto_test_util.h"

namespace uid2::crypto {
namespace {

using testing::ReadData;
using testing::ReadText;

// SIGSTRUCT fields used here (Intel SDM vol. 3D, 38.14; all little-endian):
//   offset  size  field
//   0       128   HEADER .. DATE .. HEADER2 .. SWDEFINED (signed)
//   128     384   MODULUS
//   512     4     EXPONENT
//   516     384   SIGNATURE
//   900     128   MISCSELECT .. ISVSVN (signed)
//   1040    384   Q1
//   1424    384   Q2
constexpr size_t kModulusOffset = 128;
constexpr size_t kSignatureOffset = 516;
constexpr size_t kQ1Offset = 1040;
constexpr size_t kQ2Offset = 1424;
constexpr size_t kKeyBytes = 384;

Bytes ReversedField(const Bytes& sig, size_t offset) {
  Bytes out(sig.begin() + offset, sig.begin() + offset + kKeyBytes);
  std::reverse(out.begin(), out.end());
  return out;
}

Bytes SignedBytes(const Bytes& sig) {
  Bytes out(sig.begin(), sig.begin() + 128);
  out.insert(out.end(), sig.begin() + 900, sig.begin() + 1028);
  return out;
}

struct GramineVector {
  const char* name;
  const char* key;
  const char* sig;
};
// PrintTo names the vector in test output (instead of raw pointer bytes).
void PrintTo(const GramineVector& v, std::ostream* os) { *os << v.name; }

// Gramine v1.9 signer vectors (tests/data/crypto/NOTICE): 01 uses key-a (PKCS#8 PEM),
// 03 uses key-b (PKCS#1 "RSA PRIVATE KEY" PEM).
class CryptoGramineSigstruct : public ::testing::TestWithParam<GramineVector> {};

TEST_P(CryptoGramineSigstruct, SignatureIsBitExact) {
  Result<RsaKey> key = RsaKey::FromPem(ReadText(GetParam().key));
  ASSERT_TRUE(key.ok()) << key.error().message();
  ASSERT_TRUE(key->has_private());
  EXPECT_EQ(key->bits(), 3072);
  EXPECT_EQ(key->PublicExponent(), 3u);
  Bytes sigstruct = ReadData(GetParam().sig);
  ASSERT_EQ(sigstruct.size(), 1808u);
  EXPECT_EQ(key->ModulusBigEndian(), ReversedField(sigstruct, kModulusOffset));

  Result<Bytes> sig = key->SignPkcs1Sha256(SignedBytes(sigstruct));
  ASSERT_TRUE(sig.ok()) << sig.error().message();
  EXPECT_EQ(*sig, ReversedField(sigstruct, kSignatureOffset));
  EXPECT_TRUE(key->VerifyPkcs1Sha256(SignedBytes(sigstruct), *sig).ok());
}

TEST_P(CryptoGramineSigstruct, QValuesMatch) {
  Bytes sigstruct = ReadData(GetParam().sig);
  ASSERT_EQ(sigstruct.size(), 1808u);
  Result<SigstructQ> q = ComputeSigstructQ(ReversedField(sigstruct, kSignatureOffset),
                                           ReversedField(sigstruct, kModulusOffset), kKeyBytes);
  ASSERT_TRUE(q.ok()) << q.error().message();
  EXPECT_EQ(q->q1, ReversedField(sigstruct, kQ1Offset));
  EXPECT_EQ(q->q2, ReversedField(sigstruct, kQ2Offset));
}

TEST_P(CryptoGramineSigstruct, VerifiesWithModulusFromSigstruct) {
  Bytes sigstruct = ReadData(GetParam().sig);
  Result<RsaKey> pub = RsaKey::FromPublicModulus(ReversedField(sigstruct, kModulusOffset), 3);
  ASSERT_TRUE(pub.ok()) << pub.error().message();
  EXPECT_FALSE(pub->has_private());
  Bytes sig = ReversedField(sigstruct, kSignatureOffset);
  EXPECT_TRUE(pub->VerifyPkcs1Sha256(SignedBytes(sigstruct), sig).ok());

  // Negative: one flipped bit in the signed data, or in the signature.
  Bytes data = SignedBytes(sigstruct);
  data[200] ^= 0x01;
  Status s = pub->VerifyPkcs1Sha256(data, sig);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kVerifyFailed);
  sig[10] ^= 0x80;
  EXPECT_EQ(pub->VerifyPkcs1Sha256(SignedBytes(sigstruct), sig).error().code(),
            ErrorCode::kVerifyFailed);
}

INSTANTIATE_TEST_SUITE_P(CryptoVectors, CryptoGramineSigstruct,
                         ::testing::Values(GramineVector{"Vector01KeyA", "gramine-01-key-a.pem",
                                                         "gramine-01-expected.sig"},
                                           GramineVector{"Vector03KeyB", "gramine-03-key-b.pem",
                                                         "gramine-03-expected.sig"}),
                         [](const ::testing::TestParamInfo<GramineVector>& info) {
                           return std::string(info.param.name);
                         });

TEST(CryptoRsaKey, WrongKeyDoesNotVerify) {
  Bytes sigstruct = ReadData("gramine-01-expected.sig");
  Result<RsaKey> other = RsaKey::FromPem(ReadText("gramine-03-key-b.pem"));
  ASSERT_TRUE(other.ok());
  Status s =
      other->VerifyPkcs1Sha256(SignedBytes(sigstruct), ReversedField(sigstruct, kSignatureOffset));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kVerifyFailed);
}

TEST(CryptoRsaKey, PublicPemFormats) {
  Result<RsaKey> priv = RsaKey::FromPem(ReadText("gramine-01-key-a.pem"));
  ASSERT_TRUE(priv.ok());
  for (const char* file : {"gramine-01-key-a.spki.pem", "gramine-01-key-a.pkcs1-public.pem"}) {
    Result<RsaKey> pub = RsaKey::FromPem(ReadText(file));
    ASSERT_TRUE(pub.ok()) << file << ": " << pub.error().message();
    EXPECT_FALSE(pub->has_private()) << file;
    EXPECT_EQ(pub->ModulusBigEndian(), priv->ModulusBigEndian()) << file;
    EXPECT_EQ(pub->PublicDer(), priv->PublicDer()) << file;
  }
  EXPECT_EQ(priv->PublicPem(), ReadText("gramine-01-key-a.spki.pem"));
  Result<RsaKey> from_der = RsaKey::FromPublicDer(priv->PublicDer());
  ASSERT_TRUE(from_der.ok());
  EXPECT_EQ(from_der->ModulusBigEndian(), priv->ModulusBigEndian());
  // A public key cannot sign.
  EXPECT_FALSE(from_der->SignPkcs1Sha256(AsBytes("x")).ok());
}

TEST(CryptoRsaKey, EncryptedPemIsRefusedWithClearMessage) {
  for (const char* file : {"encrypted-pkcs8.pem", "encrypted-pkcs1.pem"}) {
    Result<RsaKey> key = RsaKey::FromPem(ReadText(file));
    ASSERT_FALSE(key.ok()) << file;
    EXPECT_EQ(key.error().code(), ErrorCode::kUnsupported) << file;
    EXPECT_NE(key.error().message().find("encrypted"), std::string::npos) << key.error().message();
  }
}

TEST(CryptoRsaKey, GarbageAndNonRsaPemAreInvalid) {
  EXPECT_EQ(RsaKey::FromPem("hello").error().code(), ErrorCode::kInvalid);
  EXPECT_EQ(RsaKey::FromPem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
                .error()
                .code(),
            ErrorCode::kInvalid);
  EXPECT_FALSE(RsaKey::FromPublicDer(AsBytes("not der")).ok());
}

TEST(CryptoRsaKey, PrivatePemRoundTripsAsPkcs8) {
  Result<RsaKey> key = RsaKey::FromPem(ReadText("gramine-03-key-b.pem"));  // PKCS#1 input
  ASSERT_TRUE(key.ok());
  std::string pem = key->PrivatePem();
  EXPECT_EQ(pem.rfind("-----BEGIN PRIVATE KEY-----", 0), 0u) << pem.substr(0, 40);
  Result<RsaKey> again = RsaKey::FromPem(pem);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->has_private());
  EXPECT_EQ(again->ModulusBigEndian(), key->ModulusBigEndian());
}

TEST(CryptoRsaKey, Generate3072WithExponent3) {
  Result<RsaKey> key = RsaKey::Generate(3072, 3);
  ASSERT_TRUE(key.ok()) << key.error().message();
  EXPECT_EQ(key->bits(), 3072);
  EXPECT_EQ(key->PublicExponent(), 3u);
  EXPECT_EQ(key->ModulusBigEndian().size(), 384u);
  Result<Bytes> sig = key->SignPkcs1Sha256(AsBytes("enclave"));
  ASSERT_TRUE(sig.ok());
  EXPECT_EQ(sig->size(), 384u);
  EXPECT_TRUE(key->VerifyPkcs1Sha256(AsBytes("enclave"), *sig).ok());
  // q1/q2 fit in 384 bytes for every valid signature (s < n).
  EXPECT_TRUE(ComputeSigstructQ(*sig, key->ModulusBigEndian(), 384).ok());
  EXPECT_FALSE(RsaKey::Generate(1024, 3).ok());
  EXPECT_FALSE(RsaKey::Generate(3072, 4).ok());
}

TEST(CryptoSigstructQ, RejectsSignatureNotBelowModulusAndNarrowWidth) {
  Bytes sigstruct = ReadData("gramine-01-expected.sig");
  Bytes n = ReversedField(sigstruct, kModulusOffset);
  Bytes s = ReversedField(sigstruct, kSignatureOffset);
  EXPECT_EQ(ComputeSigstructQ(n, n, kKeyBytes).error().code(), ErrorCode::kInvalid);
  EXPECT_EQ(ComputeSigstructQ(s, n, 16).error().code(), ErrorCode::kInvalid);
}

TEST(CryptoSigstructQ, SmallNumbers) {
  // s = 5, n = 7: s^2 = 25, q1 = 3, r = 4, q2 = floor(20 / 7) = 2.
  Result<SigstructQ> q = ComputeSigstructQ(Bytes{5}, Bytes{7}, 2);
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->q1, (Bytes{0, 3}));
  EXPECT_EQ(q->q2, (Bytes{0, 2}));
}

// The ciphertext was made once with `openssl pkeyutl -encrypt -pkeyopt rsa_padding_mode:pkcs1`
// (a cross-implementation check, not a published vector: PKCS#1 v1.5 encryption is randomised).
TEST(CryptoRsaPkcs1Encryption, DecryptsOpenSslCliCiphertext) {
  Result<RsaKey> key = RsaKey::FromPem(ReadText("gramine-01-key-a.pem"));
  ASSERT_TRUE(key.ok());
  Result<Bytes> pt = key->DecryptPkcs1(ReadData("rsa-pkcs1v15-ct.bin"));
  ASSERT_TRUE(pt.ok()) << pt.error().message();
  EXPECT_EQ(AsChars(*pt), "UID2 PKCS#1 v1.5 cross-check");
}

TEST(CryptoRsaPkcs1Encryption, RoundTripAndWrongKey) {
  Result<RsaKey> a = RsaKey::FromPem(ReadText("gramine-01-key-a.pem"));
  Result<RsaKey> b = RsaKey::FromPem(ReadText("gramine-03-key-b.pem"));
  Result<RsaKey> a_pub = RsaKey::FromPem(ReadText("gramine-01-key-a.spki.pem"));
  ASSERT_TRUE(a.ok() && b.ok() && a_pub.ok());
  Result<Bytes> ct = a_pub->EncryptPkcs1(AsBytes("secret"));
  ASSERT_TRUE(ct.ok());
  EXPECT_EQ(ct->size(), 384u);
  EXPECT_EQ(AsChars(*a->DecryptPkcs1(*ct)), "secret");
  // Wrong key: OpenSSL 3.0 reports a padding error; OpenSSL >= 3.2 uses implicit rejection and
  // returns a pseudo-random message instead. Either way the plaintext must not come back.
  Result<Bytes> wrong = b->DecryptPkcs1(*ct);
  EXPECT_TRUE(!wrong.ok() || AsChars(*wrong) != "secret");
  EXPECT_FALSE(a_pub->DecryptPkcs1(*ct).ok());                 // no private key
  EXPECT_FALSE(a_pub->EncryptPkcs1(Bytes(384 - 10, 1)).ok());  // too long for PKCS#1 v1.5
}

}  // namespace
}  // namespace uid2::crypto
