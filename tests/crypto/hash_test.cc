// hash_test.cc: SHA-256/512 and HMAC known answers, incremental hashing and Sha256File.
#include "crypto/hash.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "common/file.h"
#include "crypto_test_util.h"

namespace uid2::crypto {
namespace {

using testing::H;
using testing::Hex;

// FIPS 180-2, Appendix B.1 / B.2 / B.3 (SHA-256) and C.1 / C.2 / C.3 (SHA-512); also in the
// NIST CAVP SHA byte-oriented test vectors (SHA256ShortMsg.rsp: Len = 0).
constexpr char kAbc[] = "abc";
constexpr char kTwoBlock256[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
constexpr char kTwoBlock512[] =
    "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnop"
    "qrsmnopqrstnopqrstu";

TEST(CryptoSha256, Fips180KnownAnswers) {
  EXPECT_EQ(Hex(Sha256(AsBytes(kAbc))),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Hex(Sha256(AsBytes(kTwoBlock256))),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(Hex(Sha256({})), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  std::string million_a(1000000, 'a');
  EXPECT_EQ(Hex(Sha256(AsBytes(million_a))),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(CryptoSha512, Fips180KnownAnswers) {
  EXPECT_EQ(Hex(Sha512(AsBytes(kAbc))),
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
            "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
  EXPECT_EQ(Hex(Sha512(AsBytes(kTwoBlock512))),
            "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018"
            "501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909");
}

TEST(CryptoSha256Hasher, IncrementalEqualsOneShotAndCopyForks) {
  Sha256Hasher h;
  h.Update(AsBytes("abcdbcdecdefdefgefgh"));
  Sha256Hasher fork = h.Copy();
  h.Update(AsBytes("fghighijhijkijkljklmklmnlmnomnopnopq"));
  EXPECT_EQ(Hex(h.Final()), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  // The fork kept the shared prefix only.
  fork.Update(AsBytes("x"));
  EXPECT_EQ(fork.Final(), Sha256(AsBytes("abcdbcdecdefdefgefghx")));
}

// RFC 4231, section 4.2 (test case 1), 4.3 (test case 2) and 4.7 (test case 6).
TEST(CryptoHmac, Rfc4231KnownAnswers) {
  Bytes key1(20, 0x0b);
  EXPECT_EQ(Hex(Hmac(HashAlg::kSha256, key1, AsBytes("Hi There"))),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(Hex(Hmac(HashAlg::kSha512, key1, AsBytes("Hi There"))),
            "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
            "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854");
  EXPECT_EQ(Hex(Hmac(HashAlg::kSha256, AsBytes("Jefe"), AsBytes("what do ya want for nothing?"))),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(Hex(Hmac(HashAlg::kSha512, AsBytes("Jefe"), AsBytes("what do ya want for nothing?"))),
            "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
            "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737");
  Bytes key6(131, 0xaa);
  auto msg6 = AsBytes("Test Using Larger Than Block-Size Key - Hash Key First");
  EXPECT_EQ(Hex(Hmac(HashAlg::kSha256, key6, msg6)),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  EXPECT_EQ(Hex(Hmac(HashAlg::kSha512, key6, msg6)),
            "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f352"
            "6b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598");
}

TEST(CryptoHmac, WrongKeyGivesDifferentMac) {
  Bytes key(20, 0x0b);
  Bytes mac = Hmac(HashAlg::kSha256, key, AsBytes("Hi There"));
  key[19] ^= 1;
  EXPECT_NE(Hmac(HashAlg::kSha256, key, AsBytes("Hi There")), mac);
  EXPECT_EQ(Hmac(HashAlg::kSha256, {}, {}).size(), 32u);  // empty key is valid HMAC
}

class CryptoSha256FileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = ::testing::TempDir() + "/sha256file_" + std::to_string(::getpid());
  }
  void TearDown() override { std::remove(path_.c_str()); }
  std::string path_;
};

TEST_F(CryptoSha256FileTest, MatchesOneShotAcrossBufferBoundaries) {
  // 1,000,000 'a' (FIPS 180-2 B.3) spans no full 1 MiB buffer; 3 MiB + 5 spans several.
  std::string million_a(1000000, 'a');
  ASSERT_TRUE(WriteFileAtomic(path_, million_a).ok());
  Result<Sha256Digest> d = Sha256File(path_);
  ASSERT_TRUE(d.ok()) << d.error().message();
  EXPECT_EQ(Hex(*d), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");

  std::string big((3 << 20) + 5, '\0');
  for (size_t i = 0; i < big.size(); i++) big[i] = static_cast<char>(i * 31 + 7);
  ASSERT_TRUE(WriteFileAtomic(path_, big).ok());
  d = Sha256File(path_);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*d, Sha256(AsBytes(big)));
}

TEST_F(CryptoSha256FileTest, MissingFileErrorNamesPath) {
  Result<Sha256Digest> d = Sha256File(path_ + ".missing");
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().code(), ErrorCode::kIo);
  EXPECT_NE(d.error().message().find(path_ + ".missing"), std::string::npos);
}

}  // namespace
}  // namespace uid2::crypto
