// cipher_test.cc: AES-256-GCM/CTR/CBC known answers and tamper/wrong-key negatives.
#include "crypto/cipher.h"

#include <gtest/gtest.h>

#include "crypto_test_util.h"

namespace uid2::crypto {
namespace {

using testing::H;
using testing::Hex;

// McGrew & Viega, "The Galois/Counter Mode of Operation (GCM)", revised 2005, Appendix B,
// test cases 13-16 (AES-256).
const Bytes kGcmKey15 = H("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308");
const Bytes kGcmIv15 = H("cafebabefacedbaddecaf888");
const Bytes kGcmPlain15 =
    H("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
      "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255");
const Bytes kGcmCipher15 =
    H("522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
      "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad");
const Bytes kGcmAad16 = H("feedfacedeadbeeffeedfacedeadbeefabaddad2");

Bytes Concat(ByteSpan a, ByteSpan b) {
  Bytes out(a.begin(), a.end());
  out.insert(out.end(), b.begin(), b.end());
  return out;
}

TEST(CryptoAesGcm, McGrewViegaTestCases13And14ZeroKey) {
  Bytes zero_key(32, 0), zero_iv(12, 0);
  Result<Bytes> tc13 = AesGcmEncrypt(zero_key, zero_iv, {});
  ASSERT_TRUE(tc13.ok());
  EXPECT_EQ(Hex(*tc13), "530f8afbc74536b9a963b4f1c4cb738b");
  Result<Bytes> tc14 = AesGcmEncrypt(zero_key, zero_iv, Bytes(16, 0));
  ASSERT_TRUE(tc14.ok());
  EXPECT_EQ(Hex(*tc14), "cea7403d4d606b6e074ec5d3baf39d18d0d1c8a799996bf0265b98b5d48ab919");
}

TEST(CryptoAesGcm, McGrewViegaTestCase15WithoutAad) {
  Result<Bytes> ct = AesGcmEncrypt(kGcmKey15, kGcmIv15, kGcmPlain15);
  ASSERT_TRUE(ct.ok());
  EXPECT_EQ(Hex(*ct), Hex(Concat(kGcmCipher15, H("b094dac5d93471bdec1a502270e3cc6c"))));
  Result<Bytes> pt = AesGcmDecrypt(kGcmKey15, kGcmIv15, *ct);
  ASSERT_TRUE(pt.ok()) << pt.error().message();
  EXPECT_EQ(*pt, kGcmPlain15);
}

TEST(CryptoAesGcm, McGrewViegaTestCase16WithAad) {
  ByteSpan plain60 = ByteSpan(kGcmPlain15).first(60);
  Result<Bytes> ct = AesGcmEncrypt(kGcmKey15, kGcmIv15, plain60, kGcmAad16);
  ASSERT_TRUE(ct.ok());
  EXPECT_EQ(Hex(*ct),
            Hex(Concat(ByteSpan(kGcmCipher15).first(60), H("76fc6ece0f4e1768cddf8853bb2d551b"))));
  Result<Bytes> pt = AesGcmDecrypt(kGcmKey15, kGcmIv15, *ct, kGcmAad16);
  ASSERT_TRUE(pt.ok()) << pt.error().message();
  EXPECT_EQ(Hex(*pt), Hex(plain60));
}

TEST(CryptoAesGcm, TamperedTagIsRejected) {
  Bytes ct = *AesGcmEncrypt(kGcmKey15, kGcmIv15, kGcmPlain15);
  ct.back() ^= 0x01;
  Result<Bytes> pt = AesGcmDecrypt(kGcmKey15, kGcmIv15, ct);
  ASSERT_FALSE(pt.ok());
  EXPECT_EQ(pt.error().code(), ErrorCode::kVerifyFailed);
}

TEST(CryptoAesGcm, TamperedCiphertextIsRejected) {
  Bytes ct = *AesGcmEncrypt(kGcmKey15, kGcmIv15, kGcmPlain15);
  ct[0] ^= 0x80;
  EXPECT_EQ(AesGcmDecrypt(kGcmKey15, kGcmIv15, ct).error().code(), ErrorCode::kVerifyFailed);
}

TEST(CryptoAesGcm, TamperedOrMissingAadIsRejected) {
  Bytes ct = *AesGcmEncrypt(kGcmKey15, kGcmIv15, kGcmPlain15, kGcmAad16);
  Bytes aad = kGcmAad16;
  aad[3] ^= 0x10;
  EXPECT_EQ(AesGcmDecrypt(kGcmKey15, kGcmIv15, ct, aad).error().code(), ErrorCode::kVerifyFailed);
  EXPECT_EQ(AesGcmDecrypt(kGcmKey15, kGcmIv15, ct).error().code(), ErrorCode::kVerifyFailed);
}

TEST(CryptoAesGcm, WrongKeyIsRejected) {
  Bytes ct = *AesGcmEncrypt(kGcmKey15, kGcmIv15, kGcmPlain15);
  Bytes key = kGcmKey15;
  key[0] ^= 1;
  EXPECT_EQ(AesGcmDecrypt(key, kGcmIv15, ct).error().code(), ErrorCode::kVerifyFailed);
}

TEST(CryptoAesGcm, BadSizesAreInvalid) {
  EXPECT_EQ(AesGcmEncrypt(Bytes(16, 0), kGcmIv15, {}).error().code(), ErrorCode::kInvalid);
  EXPECT_EQ(AesGcmEncrypt(kGcmKey15, Bytes(16, 0), {}).error().code(), ErrorCode::kInvalid);
  EXPECT_EQ(AesGcmDecrypt(kGcmKey15, kGcmIv15, Bytes(15, 0)).error().code(), ErrorCode::kInvalid);
  EXPECT_EQ(AesGcmOpen(kGcmKey15, Bytes(27, 0)).error().code(), ErrorCode::kInvalid);
}

TEST(CryptoAesGcm, SealOpenRoundTripUsesFreshIv) {
  Result<Bytes> a = AesGcmSeal(kGcmKey15, AsBytes("payload"), AsBytes("aad"));
  Result<Bytes> b = AesGcmSeal(kGcmKey15, AsBytes("payload"), AsBytes("aad"));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->size(), kGcmIvSize + 7 + kGcmTagSize);
  EXPECT_NE(*a, *b);
  Result<Bytes> pt = AesGcmOpen(kGcmKey15, *a, AsBytes("aad"));
  ASSERT_TRUE(pt.ok());
  EXPECT_EQ(AsChars(*pt), "payload");
  // The IV is authenticated too.
  Bytes bad = *a;
  bad[0] ^= 1;
  EXPECT_EQ(AesGcmOpen(kGcmKey15, bad, AsBytes("aad")).error().code(), ErrorCode::kVerifyFailed);
}

// NIST SP 800-38A, F.5.5 CTR-AES256.Encrypt and F.5.6 CTR-AES256.Decrypt.
const Bytes kAes256Key = H("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4");
const Bytes kSp80038aPlain =
    H("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
      "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710");

// The piecewise decryptor gives test case 15 in uneven pieces, in place, and checks the tag.
TEST(CryptoAesGcmDecryptor, McGrewViegaTestCase15InPieces) {
  auto d = AesGcmDecryptor::Create(kGcmKey15, kGcmIv15);
  ASSERT_TRUE(d.ok()) << d.error().message();
  Bytes buf = kGcmCipher15;
  size_t at = 0;
  for (size_t piece : {1, 15, 17, 31}) {
    ASSERT_TRUE(d->Update(ByteSpan(buf).subspan(at, piece), buf.data() + at).ok());
    at += piece;
  }
  ASSERT_EQ(at, buf.size());
  ASSERT_TRUE(d->Finish(H("b094dac5d93471bdec1a502270e3cc6c")).ok());
  EXPECT_EQ(buf, kGcmPlain15);
}

TEST(CryptoAesGcmDecryptor, WrongTagOrTamperedCiphertextFailsFinish) {
  Bytes out(kGcmCipher15.size());
  {
    auto d = AesGcmDecryptor::Create(kGcmKey15, kGcmIv15);
    ASSERT_TRUE(d->Update(kGcmCipher15, out.data()).ok());
    Status st = d->Finish(H("b094dac5d93471bdec1a502270e3cc6d"));
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code(), ErrorCode::kVerifyFailed);
  }
  {
    Bytes tampered = kGcmCipher15;
    tampered[3] ^= 0x80;
    auto d = AesGcmDecryptor::Create(kGcmKey15, kGcmIv15);
    ASSERT_TRUE(d->Update(tampered, out.data()).ok());
    EXPECT_FALSE(d->Finish(H("b094dac5d93471bdec1a502270e3cc6c")).ok());
  }
  // Nothing fed at all: the empty-plaintext tag of the zero key (test case 13) still verifies.
  auto d = AesGcmDecryptor::Create(Bytes(32, 0), Bytes(12, 0));
  EXPECT_TRUE(d->Finish(H("530f8afbc74536b9a963b4f1c4cb738b")).ok());
}

TEST(CryptoAesGcmDecryptor, BadSizesAreInvalid) {
  EXPECT_EQ(AesGcmDecryptor::Create(Bytes(31), Bytes(12)).error().code(), ErrorCode::kInvalid);
  EXPECT_EQ(AesGcmDecryptor::Create(Bytes(32), Bytes(16)).error().code(), ErrorCode::kInvalid);
  auto d = AesGcmDecryptor::Create(Bytes(32), Bytes(12));
  EXPECT_EQ(d->Finish(Bytes(15)).error().code(), ErrorCode::kInvalid);
}

TEST(CryptoAesCtr, Sp80038aF55KnownAnswer) {
  Bytes counter = H("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
  Result<Bytes> ct = AesCtr(kAes256Key, counter, kSp80038aPlain);
  ASSERT_TRUE(ct.ok());
  EXPECT_EQ(Hex(*ct),
            "601ec313775789a5b7a7f504bbf3d228f443e3ca4d62b59aca84e990cacaf5c5"
            "2b0930daa23de94ce87017ba2d84988ddfc9c58db67aada613c2dd08457941a6");
  EXPECT_EQ(*AesCtr(kAes256Key, counter, *ct), kSp80038aPlain);
  // A partial final block is a prefix of the full keystream.
  EXPECT_EQ(Hex(*AesCtr(kAes256Key, counter, ByteSpan(kSp80038aPlain).first(5))), "601ec31377");
  EXPECT_EQ(AesCtr(kAes256Key, H("f0f1"), kSp80038aPlain).error().code(), ErrorCode::kInvalid);
}

// NIST SP 800-38A, F.2.5 CBC-AES256.Encrypt / F.2.6 Decrypt. The vector has no padding; with
// PKCS#7 a 64-byte plaintext gains one full block of 0x10 bytes, so the first 64 bytes match.
TEST(CryptoAesCbc, Sp80038aF25KnownAnswerWithPkcs7) {
  Bytes iv = H("000102030405060708090a0b0c0d0e0f");
  const std::string kF25 =
      "f58c4c04d6e5f1ba779eabfb5f7bfbd69cfc4e967edb808d679f777bc6702c7d"
      "39f23369a9d9bacfa530e26304231461b2eb05e2c39be9fcda6c19078c6a9d1b";
  Result<Bytes> ct = AesCbcEncrypt(kAes256Key, iv, kSp80038aPlain);
  ASSERT_TRUE(ct.ok());
  ASSERT_EQ(ct->size(), 80u);
  EXPECT_EQ(Hex(ByteSpan(*ct).first(64)), kF25);
  // The padding block is E(C4 xor 10..10): the last F.2.5 block chained with 16 bytes of 0x10.
  Result<Bytes> pad_only = AesCbcEncrypt(kAes256Key, H(kF25.substr(96)), {});
  ASSERT_TRUE(pad_only.ok());
  EXPECT_EQ(Hex(ByteSpan(*ct).last(16)), Hex(*pad_only));
  Result<Bytes> pt = AesCbcDecrypt(kAes256Key, iv, *ct);
  ASSERT_TRUE(pt.ok());
  EXPECT_EQ(*pt, kSp80038aPlain);
}

TEST(CryptoAesCbc, Pkcs7PaddingLengths) {
  Bytes iv(16, 7);
  for (size_t n : {0u, 1u, 15u, 16u, 17u, 31u, 32u}) {
    Bytes plain(n, 0x5a);
    Result<Bytes> ct = AesCbcEncrypt(kAes256Key, iv, plain);
    ASSERT_TRUE(ct.ok());
    EXPECT_EQ(ct->size(), (n / 16 + 1) * 16) << n;
    Result<Bytes> pt = AesCbcDecrypt(kAes256Key, iv, *ct);
    ASSERT_TRUE(pt.ok()) << n;
    EXPECT_EQ(*pt, plain);
  }
}

// Builds a ciphertext whose decrypted last block is `last_block`: with a zero IV and a single
// block C, the plaintext is D(C); so choose C = E_cbc(iv=0, last_block) without padding, i.e.
// the first block of the padded encryption of last_block.
Bytes CiphertextDecryptingTo(ByteSpan last_block) {
  Bytes zero_iv(16, 0);
  Bytes ct = *AesCbcEncrypt(kAes256Key, zero_iv, last_block);
  ct.resize(16);
  return ct;
}

TEST(CryptoAesCbc, BadPkcs7PaddingIsRejected) {
  Bytes zero_iv(16, 0);
  // Pad byte 0, pad byte 17 (> block), and inconsistent pad bytes (..., 01, 02, 02, 03).
  Bytes pad0(16, 0xaa);
  pad0[15] = 0x00;
  Bytes pad17(16, 0x11);
  Bytes mixed(16, 0x03);
  mixed[14] = 0x02;
  for (const Bytes& block : {pad0, pad17, mixed}) {
    Result<Bytes> pt = AesCbcDecrypt(kAes256Key, zero_iv, CiphertextDecryptingTo(block));
    ASSERT_FALSE(pt.ok()) << Hex(block);
    EXPECT_EQ(pt.error().code(), ErrorCode::kVerifyFailed);
  }
  // Control: a well-formed padding (three bytes of 03) is accepted.
  Bytes good(16, 0x41);
  good[13] = good[14] = good[15] = 0x03;
  Result<Bytes> pt = AesCbcDecrypt(kAes256Key, zero_iv, CiphertextDecryptingTo(good));
  ASSERT_TRUE(pt.ok());
  EXPECT_EQ(pt->size(), 13u);
}

TEST(CryptoAesCbc, WrongKeyAndBadLengthAreRejected) {
  Bytes iv(16, 0);
  Bytes ct = *AesCbcEncrypt(kAes256Key, iv, AsBytes("attack at dawn"));
  Bytes key = kAes256Key;
  key[31] ^= 1;
  // A wrong key gives a random last block: bad padding with probability ~255/256; fixed inputs
  // make this deterministic (checked once, then pinned by this test).
  EXPECT_FALSE(AesCbcDecrypt(key, iv, ct).ok());
  EXPECT_EQ(AesCbcDecrypt(kAes256Key, iv, ByteSpan(ct).first(15)).error().code(),
            ErrorCode::kInvalid);
  EXPECT_EQ(AesCbcDecrypt(kAes256Key, iv, {}).error().code(), ErrorCode::kInvalid);
}

}  // namespace
}  // namespace uid2::crypto
