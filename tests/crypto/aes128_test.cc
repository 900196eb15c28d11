// aes128_test.cc: AES-128-GCM (reused context) and AES-CMAC known answers, plus tamper negatives.
#include "crypto/aes128.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "crypto_test_util.h"

namespace uid2::crypto {
namespace {

using testing::H;
using testing::Hex;

template <size_t N>
std::array<uint8_t, N> A(std::string_view hex) {
  Bytes b = H(hex);
  std::array<uint8_t, N> a{};
  std::copy_n(b.begin(), N, a.begin());
  return a;
}

// McGrew & Viega, "The Galois/Counter Mode of Operation (GCM)", Appendix B, test cases 1-4.
TEST(Aes128Gcm, KnownAnswers) {
  auto gcm = Aes128Gcm::Create();
  ASSERT_TRUE(gcm.ok());
  Aes128Tag tag{};
  Bytes none;
  ASSERT_TRUE(gcm->Seal(Aes128Key{}, GcmIv{}, none, none, &tag).ok());
  EXPECT_EQ(Hex(tag), "58e2fccefa7e3061367f1d57a4e7455a");

  Bytes zero16(16, 0), out(16);
  ASSERT_TRUE(gcm->Seal(Aes128Key{}, GcmIv{}, zero16, out, &tag).ok());
  EXPECT_EQ(Hex(out), "0388dace60b6a392f328c2b971b2fe78");
  EXPECT_EQ(Hex(tag), "ab6e47d42cec13bdf53a67b21257bddf");

  // Test case 3, run twice on the same context with another key in between.
  auto key3 = A<16>("feffe9928665731c6d6a8f9467308308");
  auto iv3 = A<12>("cafebabefacedbaddecaf888");
  Bytes plain3 =
      H("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
        "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255");
  Bytes ct3(plain3.size());
  for (int round = 0; round < 2; round++) {
    ASSERT_TRUE(gcm->Seal(key3, iv3, plain3, ct3, &tag).ok());
    EXPECT_EQ(Hex(ct3),
              "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
              "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985");
    EXPECT_EQ(Hex(tag), "4d5c2af327cd64a62cf35abd2ba6fab4");
    ASSERT_TRUE(gcm->Seal(Aes128Key{}, GcmIv{}, zero16, out, &tag).ok());
  }
}

TEST(Aes128Gcm, OpenRoundTripAndRefusesTampering) {
  auto gcm = Aes128Gcm::Create();
  ASSERT_TRUE(gcm.ok());
  auto key = A<16>("000102030405060708090a0b0c0d0e0f");
  Bytes plain(4096, 0x5a), ct(4096), back(4096);
  Aes128Tag tag{};
  ASSERT_TRUE(gcm->Seal(key, GcmIv{}, plain, ct, &tag).ok());
  ASSERT_TRUE(gcm->Open(key, GcmIv{}, ct, back, tag).ok());
  EXPECT_EQ(back, plain);

  ct[100] ^= 1;
  Status st = gcm->Open(key, GcmIv{}, ct, back, tag);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code(), ErrorCode::kVerifyFailed);
  EXPECT_TRUE(std::all_of(back.begin(), back.end(), [](uint8_t b) { return b == 0; }));
  ct[100] ^= 1;

  Aes128Tag bad = tag;
  bad[0] ^= 1;
  EXPECT_FALSE(gcm->Open(key, GcmIv{}, ct, back, bad).ok());
  Aes128Key other = key;
  other[15] ^= 1;
  EXPECT_FALSE(gcm->Open(other, GcmIv{}, ct, back, tag).ok());
  // and the context still works after failures
  EXPECT_TRUE(gcm->Open(key, GcmIv{}, ct, back, tag).ok());
}

TEST(Aes128Gcm, RefusesMismatchedOutputSize) {
  auto gcm = Aes128Gcm::Create();
  ASSERT_TRUE(gcm.ok());
  Bytes in(32), out(31);
  Aes128Tag tag{};
  EXPECT_EQ(gcm->Seal(Aes128Key{}, GcmIv{}, in, out, &tag).error().code(), ErrorCode::kInvalid);
}

// RFC 4493 section 4, examples 1-4.
TEST(AesCmac128, Rfc4493) {
  auto key = A<16>("2b7e151628aed2a6abf7158809cf4f3c");
  Bytes msg =
      H("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
        "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710");
  auto t0 = AesCmac128(key, {});
  auto t16 = AesCmac128(key, ByteSpan(msg).first(16));
  auto t40 = AesCmac128(key, ByteSpan(msg).first(40));
  auto t64 = AesCmac128(key, msg);
  ASSERT_TRUE(t0.ok() && t16.ok() && t40.ok() && t64.ok());
  EXPECT_EQ(Hex(*t0), "bb1d6929e95937287fa37d129b756746");
  EXPECT_EQ(Hex(*t16), "070a16b46b4d4144f79bdd9dd04a287c");
  EXPECT_EQ(Hex(*t40), "dfa66747de9ae63030ca32611497c827");
  EXPECT_EQ(Hex(*t64), "51f0bebf7e3b9d92fc49741779363cfe");
}

}  // namespace
}  // namespace uid2::crypto
