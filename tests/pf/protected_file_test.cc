// protected_file_test.cc: round trips at every layout boundary, random access against a plain
// buffer model, truncate/extend, rename, and the host-file size the layout predicts.
#include "pf/protected_file.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "pf/layout.h"
#include "pf_test_util.h"

namespace uid2::pf {
namespace {

using testing::DecryptFrom;
using testing::EncryptTo;
using testing::Fd;
using testing::HostSize;
using testing::Pattern;
using testing::TempDir;
using testing::TestKey;

constexpr uint64_t kNode = PF_NODE_SIZE;
constexpr uint64_t kMhtSpan = ATTACHED_DATA_NODES_COUNT * kNode;  // plaintext under one MHT node

TEST(Layout, NodeNumbersFollowGramine) {
  // get_node_numbers(): node 0 metadata, 1 root MHT, 2..97 data, 98 MHT 1, 99.. data.
  EXPECT_EQ(PhysicalDataNode(LogicalDataNode(3072)), 2u);
  EXPECT_EQ(PhysicalDataNode(LogicalDataNode(3072 + 95 * kNode)), 97u);
  EXPECT_EQ(PhysicalDataNode(LogicalDataNode(3072 + 96 * kNode)), 99u);
  EXPECT_EQ(PhysicalMhtNode(1), 98u);
  EXPECT_EQ(PhysicalMhtNode(33), 1u + 33 * 97);
  EXPECT_EQ(ParentMhtNode(1), 0u);
  EXPECT_EQ(ParentMhtNode(32), 0u);
  EXPECT_EQ(ParentMhtNode(33), 1u);
  EXPECT_EQ(HostNodesFor(3072 + kNode), 3u);
  EXPECT_EQ(HostNodesFor(3072 + kNode + 1), 4u);
  EXPECT_EQ(HostNodesFor(3072 + kMhtSpan), 98u);
  EXPECT_EQ(HostNodesFor(3072 + kMhtSpan + 1), 100u);
}

class RoundTrip : public ::testing::TestWithParam<uint64_t> {};

TEST_P(RoundTrip, EncryptDecryptAndHostSize) {
  TempDir dir;
  const uint64_t size = GetParam();
  Bytes plain = Pattern(size, static_cast<uint32_t>(size));
  EncryptTo(dir.File("f"), "data/f", plain);
  EXPECT_EQ(HostSize(dir.File("f")), HostNodesFor(size) * kNode);
  auto back = DecryptFrom(dir.File("f"), "data/f");
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_TRUE(*back == plain);
}

// 0, inline boundary, first data node boundaries, the end of MHT node 0's data, MHT node 1, the
// end of the root's 32 children (MHT node 33 is the first on the third level).
INSTANTIATE_TEST_SUITE_P(Boundaries, RoundTrip,
                         ::testing::Values(0, 1, 3071, 3072, 3073, 4095, 4096, 4097,
                                           3072 + kNode - 1, 3072 + kNode, 3072 + kNode + 1,
                                           3072 + kMhtSpan - 1, 3072 + kMhtSpan,
                                           3072 + kMhtSpan + 1, 3072 + 33 * kMhtSpan - 1,
                                           3072 + 33 * kMhtSpan, 3072 + 33 * kMhtSpan + 5000));

TEST(ProtectedFile, NewFileIsWrittenAtOnce) {
  TempDir dir;
  Fd fd(dir.File("f"));
  auto pf = ProtectedFile::Open(fd.get(), "f", TestKey(), Mode::kReadWrite, true);
  ASSERT_TRUE(pf.ok());
  EXPECT_EQ(HostSize(dir.File("f")), kNode);  // ipf_init_new_file flushes the metadata node
  EXPECT_EQ((*pf)->size(), 0u);
}

// A seeded random sequence of writes, reads, resizes, flushes and reopenings, checked against
// a plain byte vector after every step.
TEST(ProtectedFile, RandomAccessMatchesPlainModel) {
  TempDir dir;
  const std::string host = dir.File("model");
  std::mt19937_64 rng(20261207);
  Bytes model;
  Fd fd(host, O_RDWR | O_CREAT | O_TRUNC);
  auto opened = ProtectedFile::Open(fd.get(), "model", TestKey(), Mode::kReadWrite, true);
  ASSERT_TRUE(opened.ok());
  std::unique_ptr<ProtectedFile> pf = std::move(*opened);
  const uint64_t kMax = 3072 + 2 * kMhtSpan + 10000;  // crosses MHT nodes 0..2
  auto pick = [&](uint64_t bound) { return bound == 0 ? 0 : rng() % bound; };
  for (int step = 0; step < 400; step++) {
    const int op = static_cast<int>(rng() % 10);
    if (op < 5) {
      const uint64_t offset = pick(std::min<uint64_t>(model.size() + 20000, kMax));
      const size_t len = static_cast<size_t>(1 + pick(rng() % 4 == 0 ? 300000 : 9000));
      Bytes data = Pattern(len, static_cast<uint32_t>(step));
      ASSERT_TRUE(pf->Write(offset, data).ok()) << "step " << step;
      if (model.size() < offset + len) model.resize(offset + len, 0);
      std::copy(data.begin(), data.end(), model.begin() + static_cast<ptrdiff_t>(offset));
    } else if (op < 8) {
      const uint64_t offset = pick(model.size() + 5000);
      Bytes out(static_cast<size_t>(1 + pick(20000)));
      auto n = pf->Read(offset, out);
      ASSERT_TRUE(n.ok()) << n.error().message();
      const size_t expect =
          offset >= model.size() ? 0 : std::min<size_t>(out.size(), model.size() - offset);
      ASSERT_EQ(*n, expect) << "step " << step;
      ASSERT_TRUE(std::equal(out.begin(), out.begin() + static_cast<ptrdiff_t>(expect),
                             model.begin() + static_cast<ptrdiff_t>(offset)))
          << "step " << step;
    } else if (op == 8) {
      const uint64_t size = pick(kMax);
      ASSERT_TRUE(pf->SetSize(size).ok()) << "step " << step;
      model.resize(size, 0);
    } else {
      ASSERT_TRUE(pf->Close().ok());
      auto again = ProtectedFile::Open(fd.get(), "model", TestKey(), Mode::kReadWrite, false);
      ASSERT_TRUE(again.ok()) << again.error().message();
      pf = std::move(*again);
      ASSERT_EQ(HostSize(host), HostNodesFor(model.size()) * kNode) << "step " << step;
    }
    ASSERT_EQ(pf->size(), model.size());
  }
  ASSERT_TRUE(pf->Close().ok());
  auto back = DecryptFrom(host, "model");
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_TRUE(*back == model);
}

// Scattered writes over three MHT levels make the cache evict MHT nodes whose descendants are
// still cached; a dirty node must still find every ancestor (regression: the flush and the
// dirty marking once walked into an evicted parent).
TEST(ProtectedFile, ScatteredWritesAcrossThreeMhtLevels) {
  TempDir dir;
  const std::string host = dir.File("deep");
  const uint64_t size = 3072 + 140 * kMhtSpan;  // MHT nodes 0..139: parents 0, 1..4
  Bytes model(size, 0);
  {
    Fd fd(host, O_RDWR | O_CREAT | O_TRUNC);
    auto pf = ProtectedFile::Open(fd.get(), "deep", TestKey(), Mode::kReadWrite, true);
    ASSERT_TRUE(pf.ok());
    ASSERT_TRUE((*pf)->SetSize(size).ok());
    std::mt19937_64 rng(7);
    for (int i = 0; i < 600; i++) {
      const uint64_t offset = rng() % (size - 64);
      Bytes data = Pattern(1 + rng() % 64, static_cast<uint32_t>(i));
      ASSERT_TRUE((*pf)->Write(offset, data).ok()) << i;
      std::copy(data.begin(), data.end(), model.begin() + static_cast<ptrdiff_t>(offset));
      Bytes back(data.size());
      const uint64_t probe = rng() % (size - 64);
      ASSERT_TRUE((*pf)->Read(probe, back).ok());
      ASSERT_TRUE(
          std::equal(back.begin(), back.end(), model.begin() + static_cast<ptrdiff_t>(probe)))
          << i;
    }
    ASSERT_TRUE((*pf)->Close().ok());
  }
  auto back = DecryptFrom(host, "deep");
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_TRUE(*back == model);
}

TEST(ProtectedFile, TruncateThenExtendReadsZeros) {
  TempDir dir;
  const std::string host = dir.File("t");
  Bytes plain = Pattern(3072 + kMhtSpan + 3 * kNode, 7);
  EncryptTo(host, "t", plain);
  for (uint64_t cut :
       {3072 + kMhtSpan + 10, 3072 + kNode + 1, uint64_t{3072}, uint64_t{100}, uint64_t{0}}) {
    Fd fd(host);
    auto pf = ProtectedFile::Open(fd.get(), "t", TestKey(), Mode::kReadWrite, false);
    ASSERT_TRUE(pf.ok());
    ASSERT_TRUE((*pf)->SetSize(cut).ok());
    EXPECT_EQ(HostSize(host), HostNodesFor(cut) * kNode) << cut;
    ASSERT_TRUE((*pf)->SetSize(cut + 2 * kNode).ok());  // the old bytes must not come back
    ASSERT_TRUE((*pf)->Close().ok());
    auto back = DecryptFrom(host, "t");
    ASSERT_TRUE(back.ok()) << back.error().message();
    Bytes expect(plain.begin(), plain.begin() + static_cast<ptrdiff_t>(cut));
    expect.resize(cut + 2 * kNode, 0);
    EXPECT_TRUE(*back == expect) << cut;
    plain = expect;
  }
}

TEST(ProtectedFile, WritePastEndFillsTheGapWithZeros) {
  TempDir dir;
  Fd fd(dir.File("g"));
  auto pf = ProtectedFile::Open(fd.get(), "g", TestKey(), Mode::kReadWrite, true);
  ASSERT_TRUE(pf.ok());
  Bytes tail = Pattern(10, 1);
  ASSERT_TRUE((*pf)->Write(3072 + 5 * kNode + 7, tail).ok());
  ASSERT_TRUE((*pf)->Close().ok());
  auto back = DecryptFrom(dir.File("g"), "g");
  ASSERT_TRUE(back.ok());
  Bytes expect(3072 + 5 * kNode + 7, 0);
  expect.insert(expect.end(), tail.begin(), tail.end());
  EXPECT_TRUE(*back == expect);
}

TEST(ProtectedFile, RenameRebindsThePath) {
  TempDir dir;
  const std::string host = dir.File("r");
  Bytes plain = Pattern(9000, 3);
  EncryptTo(host, "old/name", plain);
  {
    Fd fd(host);
    auto pf = ProtectedFile::Open(fd.get(), "old/name", TestKey(), Mode::kReadWrite, false);
    ASSERT_TRUE(pf.ok());
    ASSERT_TRUE((*pf)->Rename("new/name").ok());
    EXPECT_EQ((*pf)->path(), "new/name");
  }
  auto old_path = DecryptFrom(host, "old/name");
  ASSERT_FALSE(old_path.ok());
  EXPECT_EQ(old_path.error().code(), ErrorCode::kVerifyFailed);
  auto back = DecryptFrom(host, "new/name");
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_TRUE(*back == plain);
}

TEST(ProtectedFile, ReadOnlyRefusesChanges) {
  TempDir dir;
  EncryptTo(dir.File("ro"), "ro", Pattern(5000, 4));
  Fd fd(dir.File("ro"), O_RDONLY);
  auto pf = ProtectedFile::Open(fd.get(), "ro", TestKey(), Mode::kRead, false);
  ASSERT_TRUE(pf.ok());
  Bytes one(1, 1);
  EXPECT_EQ((*pf)->Write(0, one).error().code(), ErrorCode::kInvalid);
  EXPECT_EQ((*pf)->SetSize(1).error().code(), ErrorCode::kInvalid);
  EXPECT_EQ((*pf)->Rename("x").error().code(), ErrorCode::kInvalid);
  EXPECT_TRUE((*pf)->Close().ok());
  EXPECT_FALSE((*pf)->Read(0, one).ok());  // closed
}

TEST(ProtectedFile, RefusesBadPathsAndModes) {
  TempDir dir;
  Fd fd(dir.File("p"));
  EXPECT_FALSE(ProtectedFile::Open(fd.get(), "", TestKey(), Mode::kReadWrite, true).ok());
  EXPECT_FALSE(
      ProtectedFile::Open(fd.get(), std::string(772, 'a'), TestKey(), Mode::kReadWrite, true).ok());
  EXPECT_TRUE(
      ProtectedFile::Open(fd.get(), std::string(771, 'a'), TestKey(), Mode::kReadWrite, true).ok());
  EXPECT_FALSE(ProtectedFile::Open(fd.get(), "p", TestKey(), Mode::kRead, true).ok());
}

}  // namespace
}  // namespace uid2::pf

namespace uid2::pf {
namespace {

// Sequential 1 MiB writes far past the node cache (48 nodes): making room for a data node must
// never evict the MHT node just loaded for it (a shroud run write of 50 MiB crashed on that).
TEST(CacheChain, SequentialWritesFarPastTheCacheKeepTheMhtChain) {
  testing::TempDir dir;
  testing::Fd fd(dir.File("big"), O_RDWR | O_CREAT | O_TRUNC);
  auto pf = ProtectedFile::Open(fd.get(), "big", testing::TestKey(), Mode::kReadWrite, true);
  ASSERT_TRUE(pf.ok()) << pf.error().message();
  Bytes block = testing::Pattern(1 << 20, 7);
  for (uint64_t i = 0; i < 64; i++) ASSERT_TRUE((*pf)->Write(i << 20, block).ok()) << i;
  ASSERT_TRUE((*pf)->Close().ok());
  auto back = testing::DecryptFrom(dir.File("big"), "big");
  ASSERT_TRUE(back.ok()) << back.error().message();
  ASSERT_EQ(back->size(), 64u << 20);
  EXPECT_TRUE(std::equal(block.begin(), block.end(), back->begin() + (63 << 20)));
}

}  // namespace
}  // namespace uid2::pf
