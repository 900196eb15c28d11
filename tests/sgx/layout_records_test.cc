// Records, layout, TCS/TLS pages against vector 02's layout.txt, and layout errors.
#include <gtest/gtest.h>

#include "common/file.h"
#include "sgx/measure.h"
#include "vectors.h"

namespace uid2::sgx {
namespace {

TEST(RecordTest, Ecreate) {
  Record r = EcreateRecord(4, 0x4000000);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(r.data()), 8), std::string("ECREATE\0", 8));
  EXPECT_EQ(LoadU32LE(r, 8), 4u);
  EXPECT_EQ(LoadU64LE(r, 12), 0x4000000u);
  for (size_t i = 20; i < 64; i++) EXPECT_EQ(r[i], 0) << i;
}

TEST(RecordTest, Eadd) {
  Record r = EaddRecord(0x3ff6000, kSecinfoTcs);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(r.data()), 8),
            std::string("EADD\0\0\0\0", 8));
  EXPECT_EQ(LoadU64LE(r, 8), 0x3ff6000u);
  EXPECT_EQ(LoadU64LE(r, 16), 0x100u);
  for (size_t i = 24; i < 64; i++) EXPECT_EQ(r[i], 0) << i;
}

TEST(RecordTest, Eextend) {
  Record r = EextendRecord(0x1100);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(r.data()), 8), std::string("EEXTEND\0", 8));
  EXPECT_EQ(LoadU64LE(r, 8), 0x1100u);
  for (size_t i = 16; i < 64; i++) EXPECT_EQ(r[i], 0) << i;
}

TEST(RecordTest, MeasurerFeedsRecordsThenData) {
  // ECREATE + EADD + 16 x (EEXTEND + 256 bytes) hashed directly equals the Measurer's digest.
  Bytes page(4096);
  for (size_t i = 0; i < page.size(); i++) page[i] = static_cast<uint8_t>(i * 7);
  crypto::Sha256Hasher h;
  h.Update(EcreateRecord(4, 1 << 20));
  h.Update(EaddRecord(0x10000, 0x201));
  for (size_t i = 0; i < 16; i++) {
    h.Update(EextendRecord(0x10000 + 256 * i));
    h.Update(ByteSpan(page).subspan(256 * i, 256));
  }
  Measurer m;
  m.Ecreate(4, 1 << 20);
  m.Eadd(0x10000, 0x201);
  m.Eextend(0x10000, page);
  EXPECT_EQ(m.Finish(), h.Final());
}

class LayoutTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string dir = testing::VectorDir("02-debug-64m-1thread");
    pal_file_ = ReadFileBytes(dir + "/libpal.so").value();
    pal_ = ParseElf64(pal_file_).value();
    params_.enclave_size = 64 << 20;
    params_.max_threads = 1;
  }
  Bytes pal_file_;
  ElfImage pal_;
  EnclaveParams params_;
};

TEST_F(LayoutTest, MatchesGramineLayoutOfVector02) {
  EnclaveLayout l = ComputeLayout(kGramineV1_9, params_, 897, pal_).value();
  struct Want {
    AreaKind kind;
    uint64_t start, end, flags;
    bool measured;
  };
  const Want want[] = {
      {AreaKind::kManifest, 0x3fff000, 0x4000000, 0x201, true},
      {AreaKind::kSsa, 0x3ff7000, 0x3fff000, 0x203, true},
      {AreaKind::kTcs, 0x3ff6000, 0x3ff7000, 0x100, true},
      {AreaKind::kTls, 0x3ff5000, 0x3ff6000, 0x203, true},
      {AreaKind::kStack, 0x3fb5000, 0x3ff5000, 0x203, true},
      {AreaKind::kSigStack, 0x3fa5000, 0x3fb5000, 0x203, true},
      {AreaKind::kPalSegment, 0x3f9b000, 0x3f9c000, 0x201, true},
      {AreaKind::kPalSegment, 0x3f9c000, 0x3f9d000, 0x205, true},
      {AreaKind::kPalSegment, 0x3f9d000, 0x3f9e000, 0x201, true},
      {AreaKind::kPalSegment, 0x3f9e000, 0x3fa5000, 0x203, true},
      {AreaKind::kFree, 0x10000, 0x3f9b000, 0x207, false},
  };
  ASSERT_EQ(l.areas.size(), std::size(want));
  for (size_t i = 0; i < std::size(want); i++) {
    SCOPED_TRACE(i);
    EXPECT_EQ(l.areas[i].kind, want[i].kind);
    EXPECT_EQ(l.areas[i].addr, want[i].start);
    EXPECT_EQ(l.areas[i].addr + l.areas[i].size, want[i].end);
    EXPECT_EQ(l.areas[i].flags, want[i].flags);
    EXPECT_EQ(l.areas[i].measured, want[i].measured);
  }
  EXPECT_EQ(l.pal_base, 0x3f9b000u);
  EXPECT_EQ(l.entry, 0x3f9c104u);
}

TEST_F(LayoutTest, TcsPage) {
  EnclaveLayout l = ComputeLayout(kGramineV1_9, params_, 897, pal_).value();
  Bytes tcs = TcsPage(l, 0);
  EXPECT_EQ(LoadU64LE(tcs, 0x10), 0x3ff7000u);  // OSSA
  EXPECT_EQ(LoadU32LE(tcs, 0x1c), 2u);          // NSSA
  EXPECT_EQ(LoadU64LE(tcs, 0x20), 0x3f9c104u);  // OENTRY
  EXPECT_EQ(LoadU64LE(tcs, 0x38), 0x3ff5000u);  // OGSBASE
  EXPECT_EQ(LoadU32LE(tcs, 0x40), 0xfffu);
  EXPECT_EQ(LoadU32LE(tcs, 0x44), 0xfffu);
  size_t nonzero = 0;
  for (uint8_t b : tcs) nonzero += b != 0;
  EXPECT_LE(nonzero, 8u + 1 + 8 + 8 + 4 + 4);
}

TEST_F(LayoutTest, TlsPage) {
  EnclaveLayout l = ComputeLayout(kGramineV1_9, params_, 897, pal_).value();
  Bytes tls = TlsPage(l, 0);
  EXPECT_EQ(LoadU64LE(tls, 0x0), 0x3ff5000u);
  EXPECT_EQ(LoadU64LE(tls, 0x8), 0xbadbadbadbadu);
  EXPECT_EQ(LoadU64LE(tls, 0x110), 64u << 20);
  EXPECT_EQ(LoadU64LE(tls, 0x118), 0x3ff6000u);
  EXPECT_EQ(LoadU64LE(tls, 0x120), 0x3ff5000u);  // top of stack 0
  EXPECT_EQ(LoadU64LE(tls, 0x130), 0x3fa5000u);
  EXPECT_EQ(LoadU64LE(tls, 0x138), 0x3fb5000u);
  EXPECT_EQ(LoadU64LE(tls, 0x148), 0x3ff7000u);
  EXPECT_EQ(LoadU64LE(tls, 0x150), 0x3ff7000u + 0x4000 - 0xb8);
  EXPECT_EQ(LoadU64LE(tls, 0x1a0), 898u);
  EXPECT_EQ(LoadU64LE(tls, 0x1a8), 0x10000u);
  EXPECT_EQ(LoadU64LE(tls, 0x1b0), 0x3f9b000u);
}

TEST_F(LayoutTest, EdmmHasNoFreeArea) {
  params_.edmm = true;
  EnclaveLayout l = ComputeLayout(kGramineV1_9, params_, 897, pal_).value();
  EXPECT_EQ(l.areas.back().kind, AreaKind::kPalSegment);
}

TEST_F(LayoutTest, ThreadsPlacedTopDown) {
  params_.max_threads = 3;
  EnclaveLayout l = ComputeLayout(kGramineV1_9, params_, 10, pal_).value();
  EXPECT_GT(l.stack_addr[0], l.stack_addr[1]);
  EXPECT_EQ(l.stack_addr[1] + 0x40000, l.stack_addr[0]);
  EXPECT_EQ(l.sig_stack_addr[2] + 0x10000, l.sig_stack_addr[1]);
  EXPECT_EQ(LoadU64LE(TcsPage(l, 2), 0x10), l.ssa_addr + 2 * 0x8000);
  EXPECT_EQ(LoadU64LE(TlsPage(l, 1), 0x120), l.stack_addr[1] + 0x40000);
}

TEST_F(LayoutTest, RejectsBadParameters) {
  params_.enclave_size = 100 << 20;
  Result<EnclaveLayout> r = ComputeLayout(kGramineV1_9, params_, 10, pal_);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("power of two"), std::string::npos);
  params_.enclave_size = 1 << 20;
  params_.max_threads = 16;
  r = ComputeLayout(kGramineV1_9, params_, 10, pal_);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("too small for sgx.max_threads = 16"), std::string::npos)
      << r.error().message();
  params_.max_threads = 0;
  EXPECT_FALSE(ComputeLayout(kGramineV1_9, params_, 10, pal_).ok());
}

TEST_F(LayoutTest, ManifestBytesChangeMeasurement) {
  Bytes a = ToBytes("[sgx]\ndebug = true\n"), b = ToBytes("[sgx]\ndebug = false\n");
  EXPECT_NE(MeasureEnclave(a, pal_file_, params_).value(),
            MeasureEnclave(b, pal_file_, params_).value());
}

}  // namespace
}  // namespace uid2::sgx
