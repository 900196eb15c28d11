// tamper_test.cc: negative-first checks. Every region of a protected file is altered in turn and
// the file must be refused, with an error naming the bound path; and so must a truncated, torn,
// moved, empty or wrongly keyed file.
#include <gtest/gtest.h>

#include "pf/layout.h"
#include "pf/metadata.h"
#include "pf/protected_file.h"
#include "pf_test_util.h"

namespace uid2::pf {
namespace {

using testing::DecryptFrom;
using testing::EncryptTo;
using testing::Fd;
using testing::Pattern;
using testing::ReadAll;
using testing::TempDir;
using testing::TestKey;
using testing::WriteAll;

constexpr uint64_t kNode = PF_NODE_SIZE;
const std::string kBound = "secrets/db.bin";
// Metadata, root MHT node, data nodes 0..95, MHT node 1 (node 98), data nodes 96..98.
const uint64_t kSize = 3072 + 96 * kNode + 3 * kNode;

class Tamper : public ::testing::Test {
 protected:
  void SetUp() override {
    plain_ = Pattern(kSize, 42);
    EncryptTo(host(), kBound, plain_);
    original_ = ReadAll(host());
    ASSERT_EQ(original_.size(), 102 * kNode);
  }
  std::string host() const { return dir_.File("db.bin"); }
  void Flip(uint64_t offset) {
    Bytes b = original_;
    b[offset] ^= 0x01;
    WriteAll(host(), b);
  }
  // ExpectRefused: the whole file must not decrypt, with `code` and the bound path in the error.
  void ExpectRefused(ErrorCode code, const std::string& what) {
    auto r = DecryptFrom(host(), kBound);
    ASSERT_FALSE(r.ok()) << what << " was accepted";
    EXPECT_EQ(r.error().code(), code) << what << ": " << r.error().message();
    EXPECT_NE(r.error().message().find(kBound), std::string::npos) << r.error().message();
  }

  TempDir dir_;
  Bytes plain_;
  Bytes original_;
};

TEST_F(Tamper, UntouchedFileDecrypts) {
  auto r = DecryptFrom(host(), kBound);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_TRUE(*r == plain_);
}

TEST_F(Tamper, PlaintextHeader) {
  Flip(0);  // file_id
  ExpectRefused(ErrorCode::kInvalid, "file id");
  Flip(8);  // major_version
  ExpectRefused(ErrorCode::kInvalid, "major version");
  Flip(10 + 7);  // metadata_key_nonce: another metadata key
  ExpectRefused(ErrorCode::kVerifyFailed, "nonce");
  Flip(42 + 15);  // metadata_mac
  ExpectRefused(ErrorCode::kVerifyFailed, "metadata MAC");
}

TEST_F(Tamper, MinorVersionIsNotCheckedAsInGramine) {
  Flip(9);
  auto r = DecryptFrom(host(), kBound);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_TRUE(*r == plain_);
}

TEST_F(Tamper, EncryptedMetadataAndPadding) {
  Flip(kMetadataPlainSize + 3);  // the path
  ExpectRefused(ErrorCode::kVerifyFailed, "encrypted path");
  Flip(kMetadataPlainSize + PATH_MAX_SIZE);  // the size
  ExpectRefused(ErrorCode::kVerifyFailed, "encrypted size");
  Flip(kMetadataPlainSize + PATH_MAX_SIZE + 8 + 32 + 100);  // inline data
  ExpectRefused(ErrorCode::kVerifyFailed, "inline data");
  Flip(kMetadataPlainSize + kMetadataEncryptedSize + 10);  // padding (never written non-zero)
  ExpectRefused(ErrorCode::kInvalid, "padding");
}

TEST_F(Tamper, RootMhtNode) {
  Flip(1 * kNode + 2000);
  ExpectRefused(ErrorCode::kVerifyFailed, "root MHT node");
}

TEST_F(Tamper, ChildMhtNode) {
  Flip(98 * kNode + 17);
  ExpectRefused(ErrorCode::kVerifyFailed, "MHT node 1");
}

TEST_F(Tamper, DataNodeFailsTheReadAndThenEveryRead) {
  Flip(2 * kNode + 4095);  // data node 0
  Fd fd(host(), O_RDONLY);
  auto pf = ProtectedFile::Open(fd.get(), kBound, TestKey(), Mode::kRead, false);
  ASSERT_TRUE(pf.ok());  // only node 0 and the root are checked at open
  Bytes buf(100);
  auto inline_read = (*pf)->Read(0, buf);  // inline bytes are fine
  ASSERT_TRUE(inline_read.ok());
  auto r = (*pf)->Read(3072, buf);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kVerifyFailed);
  EXPECT_NE(r.error().message().find(kBound), std::string::npos);
  EXPECT_FALSE((*pf)->Read(3072 + 10 * kNode, buf).ok());  // the file is now unusable
  ExpectRefused(ErrorCode::kVerifyFailed, "data node 0");
  Flip(101 * kNode);  // the last data node
  ExpectRefused(ErrorCode::kVerifyFailed, "data node 98");
}

// Reading node 0 reads nodes 1..7 ahead; a bad node among them fails only when it is read.
TEST_F(Tamper, BadReadAheadNodeFailsOnlyWhenRead) {
  Flip((2 + 3) * kNode + 9);  // data node 3
  Fd fd(host(), O_RDONLY);
  auto pf = ProtectedFile::Open(fd.get(), kBound, TestKey(), Mode::kRead, false);
  ASSERT_TRUE(pf.ok());
  Bytes buf(3 * kNode);
  auto first = (*pf)->Read(3072, buf);  // data nodes 0..2
  ASSERT_TRUE(first.ok()) << first.error().message();
  EXPECT_TRUE(std::equal(buf.begin(), buf.end(), plain_.begin() + 3072));
  auto bad = (*pf)->Read(3072 + 3 * kNode, buf);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), ErrorCode::kVerifyFailed);
  EXPECT_NE(bad.error().message().find("data node 3"), std::string::npos) << bad.error().message();
}

TEST_F(Tamper, SwappedDataNodes) {
  Bytes b = original_;
  std::swap_ranges(b.begin() + 2 * kNode, b.begin() + 3 * kNode, b.begin() + 3 * kNode);
  WriteAll(host(), b);
  ExpectRefused(ErrorCode::kVerifyFailed, "swapped nodes");
}

TEST_F(Tamper, TruncatedFile) {
  Bytes b = original_;
  b.resize(b.size() - kNode);
  WriteAll(host(), b);
  ExpectRefused(ErrorCode::kInvalid, "missing last node");
  b = original_;
  b.resize(b.size() - 1);
  WriteAll(host(), b);
  ExpectRefused(ErrorCode::kInvalid, "size not a multiple of 4096");
  b.resize(kNode);  // metadata only, but the size says there are data nodes
  WriteAll(host(), b);
  ExpectRefused(ErrorCode::kInvalid, "metadata only");
}

TEST_F(Tamper, TornFileMixingTwoVersions) {
  {
    Fd fd(host());
    auto pf = ProtectedFile::Open(fd.get(), kBound, TestKey(), Mode::kReadWrite, false);
    ASSERT_TRUE(pf.ok());
    Bytes change(10, 0xee);
    ASSERT_TRUE((*pf)->Write(3072 + 5, change).ok());
    ASSERT_TRUE((*pf)->Close().ok());
  }
  Bytes newer = ReadAll(host());
  Bytes torn = original_;  // old nodes under the new metadata
  std::copy(newer.begin(), newer.begin() + kNode, torn.begin());
  WriteAll(host(), torn);
  ExpectRefused(ErrorCode::kVerifyFailed, "new metadata, old nodes");
  torn = newer;  // new root, old data node 0
  std::copy(original_.begin() + 2 * kNode, original_.begin() + 3 * kNode, torn.begin() + 2 * kNode);
  WriteAll(host(), torn);
  ExpectRefused(ErrorCode::kVerifyFailed, "old data node");
}

TEST_F(Tamper, MovedToAnotherPath) {
  auto r = DecryptFrom(host(), "secrets/other.bin");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kVerifyFailed);
  EXPECT_NE(r.error().message().find("secrets/db.bin"), std::string::npos);
}

TEST_F(Tamper, WrongKey) {
  auto r = DecryptFrom(host(), kBound, TestKey(2));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kVerifyFailed);
}

TEST_F(Tamper, EmptyAndNonProtectedFiles) {
  WriteAll(host(), {});
  ExpectRefused(ErrorCode::kInvalid, "empty file");
  WriteAll(host(), Bytes(kNode, 0));
  ExpectRefused(ErrorCode::kInvalid, "zero node");
}

}  // namespace
}  // namespace uid2::pf
