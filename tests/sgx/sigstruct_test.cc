// SIGSTRUCT fields, dates, attributes, key checks (exponent != 3 refused) and parsing errors.
#include <gtest/gtest.h>

#include "common/file.h"
#include "sgx/signing.h"
#include "sgx/sigstruct.h"
#include "vectors.h"

namespace uid2::sgx {
namespace {

TEST(SigstructDateTest, ParsesAndStoresBcd) {
  SigstructDate d = ParseSigstructDate("2024-04-14").value();
  Bytes s = BuildUnsignedSigstruct(EnclaveParams{}, Measurement{}, d);
  EXPECT_EQ(s[20], 0x14);
  EXPECT_EQ(s[21], 0x04);
  EXPECT_EQ(s[22], 0x24);
  EXPECT_EQ(s[23], 0x20);
  EXPECT_TRUE(ParseSigstructDate("0000-00-00").ok());
  EXPECT_TRUE(ParseSigstructDate("today").ok());
  EXPECT_TRUE(ParseSigstructDate("2024-02-29").ok());
  for (const char* bad : {"2023-02-29", "2024-13-01", "2024-4-14", "20240414", "x", "2024-04-31"}) {
    Result<SigstructDate> r = ParseSigstructDate(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.error().message().find(bad), std::string::npos);
  }
}

TEST(SigstructTest, HeaderAndAttributes) {
  EnclaveParams p;
  p.debug = true;
  p.use_exinfo = true;
  p.isv_prod_id = 770;
  p.isv_svn = 2;
  p.cpu_features[0] = CpuFeatureSetting::kRequired;  // avx
  p.cpu_features[2] = CpuFeatureSetting::kDisabled;  // amx
  Measurement mr;
  for (size_t i = 0; i < mr.size(); i++) mr[i] = static_cast<uint8_t>(i);
  Bytes s = BuildUnsignedSigstruct(p, mr, ParseSigstructDate("2026-01-15").value());
  ASSERT_EQ(s.size(), kSigstructSize);
  EXPECT_EQ(LoadU32LE(s, 0), 6u);
  EXPECT_EQ(LoadU32LE(s, 4), 0xe1u);
  EXPECT_EQ(LoadU32LE(s, 8), 0x10000u);
  EXPECT_EQ(LoadU32LE(s, 24), 0x101u);
  EXPECT_EQ(LoadU32LE(s, 28), 0x60u);
  EXPECT_EQ(LoadU32LE(s, 32), 0x60u);
  EXPECT_EQ(LoadU32LE(s, 36), 1u);
  EXPECT_EQ(LoadU32LE(s, 900), 1u);           // MISCSELECT.EXINFO
  EXPECT_EQ(LoadU32LE(s, 904), 0xffffffffu);  // MISCMASK
  EXPECT_EQ(LoadU64LE(s, 928), 0x6u);
  EXPECT_EQ(LoadU64LE(s, 936), 0x7u);  // 0x3 | avx
  EXPECT_EQ(LoadU64LE(s, 944), ~uint64_t{0});
  EXPECT_EQ(LoadU64LE(s, 952), 0xfffffffffff9ff1bull | 0x4 | 0x60000);
  EXPECT_EQ(s[960], 0);
  EXPECT_EQ(s[991], 31);
  EXPECT_EQ(LoadU16LE(s, 1024), 770);
  EXPECT_EQ(LoadU16LE(s, 1026), 2);
  Bytes d = SigningData(s);
  ASSERT_EQ(d.size(), 256u);
  EXPECT_TRUE(std::equal(d.begin(), d.begin() + 128, s.begin()));
  EXPECT_TRUE(std::equal(d.begin() + 128, d.end(), s.begin() + 900));
}

TEST(SigstructTest, RefusesExponentOtherThan3) {
  crypto::RsaKey key = crypto::RsaKey::Generate(3072, 65537).value();
  Bytes s = BuildUnsignedSigstruct(EnclaveParams{}, Measurement{}, SigstructDate{});
  Result<Bytes> r = SignSigstruct(s, key);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("exponent 65537"), std::string::npos) << r.error().message();
  std::string path = ::testing::TempDir() + "/e65537.pem";
  ASSERT_TRUE(WriteFileAtomic(path, key.PrivatePem()).ok());
  Result<crypto::RsaKey> loaded = LoadSigningKey(path);
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.error().message().find(path), std::string::npos);
  EXPECT_NE(loaded.error().message().find("exponent 3"), std::string::npos);
}

TEST(SigstructTest, RefusesRsa2048) {
  crypto::RsaKey key = crypto::RsaKey::Generate(2048, 3).value();
  Result<Bytes> r = SignSigstruct(BuildUnsignedSigstruct({}, {}, {}), key);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("RSA-2048"), std::string::npos);
}

TEST(SigstructTest, ParseRefusesWrongSizeAndHeader) {
  Bytes sig = ReadFileBytes(testing::VectorDir("01-defaults-nondebug") + "/expected.sig").value();
  EXPECT_FALSE(ParseSigstruct(Bytes(sig.begin(), sig.end() - 1)).ok());
  Bytes bad = sig;
  bad[4] = 0;
  EXPECT_FALSE(ParseSigstruct(bad).ok());
}

TEST(SigstructTest, VerifyDetectsTampering) {
  Bytes sig = ReadFileBytes(testing::VectorDir("01-defaults-nondebug") + "/expected.sig").value();
  ASSERT_TRUE(VerifySigstruct(sig).ok());
  for (size_t off : {20u, 960u, 1024u, 600u, 1100u, 1500u}) {
    Bytes t = sig;
    t[off] ^= 1;
    EXPECT_FALSE(VerifySigstruct(t).ok()) << "tampered byte " << off;
  }
  Bytes e = sig;
  e[512] = 5;
  EXPECT_FALSE(VerifySigstruct(e).ok());
}

}  // namespace
}  // namespace uid2::sgx
