#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "common/file.h"
#include "operator/store/optout_file.h"
#include "operator/store/optout_store.h"
#include "test_util.h"

namespace uid2::store {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

Hash32 Filled(uint8_t v) {
  Hash32 h;
  h.fill(v);
  return h;
}

OptOutRecord Rec(uint8_t id, uint8_t adv, int64_t ts, uint8_t meta = 0) {
  return {Filled(id), Filled(adv), ts, meta};
}

Bytes Encode(std::initializer_list<OptOutRecord> records) {
  Bytes out;
  for (const auto& r : records) EncodeOptOutRecord(r, &out);
  return out;
}

std::string DeltaName(int64_t ts, uint32_t suffix) {
  return FormatOptOutFileName({OptOutFileKind::kDelta, 0, ts, suffix});
}

TEST(OptOutRecordTest, LayoutAndLittleEndianTimestamp) {
  Bytes data(72, 0);
  for (int i = 0; i < 32; i++) data[i] = 0x11;
  for (int i = 32; i < 64; i++) data[i] = 0x22;
  // 0x0102030405 seconds, little-endian in bytes 64..70.
  data[64] = 0x05, data[65] = 0x04, data[66] = 0x03, data[67] = 0x02, data[68] = 0x01;
  data[71] = 0x41;
  auto recs = ParseOptOutRecords(data);
  ASSERT_TRUE(recs.ok());
  ASSERT_EQ(recs->size(), 1u);
  EXPECT_EQ((*recs)[0].identity_hash, Filled(0x11));
  EXPECT_EQ((*recs)[0].advertising_id, Filled(0x22));
  EXPECT_EQ((*recs)[0].timestamp_s, 0x0102030405);
  EXPECT_EQ((*recs)[0].meta, 0x41);
  EXPECT_EQ((*recs)[0].version(), 1);
  EXPECT_EQ(Encode({(*recs)[0]}), data);  // round trip
}

TEST(OptOutRecordTest, SizeMustBeMultipleOf72) {
  EXPECT_TRUE(ParseOptOutRecords(Bytes{}).ok());
  EXPECT_FALSE(ParseOptOutRecords(Bytes(71)).ok());
  EXPECT_FALSE(ParseOptOutRecords(Bytes(73)).ok());
  EXPECT_EQ(ParseOptOutRecords(Bytes(144))->size(), 2u);
}

TEST(OptOutFileNameTest, ParseAndFormat) {
  auto n = ParseOptOutFileName("optout-delta-005_2024-03-20T04.02.46Z_0a1b2c3d.dat");
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(n->kind, OptOutFileKind::kDelta);
  EXPECT_EQ(n->replica, 5);
  EXPECT_EQ(n->timestamp_s, 1710907366);
  EXPECT_EQ(n->suffix, 0x0a1b2c3du);
  EXPECT_EQ(FormatOptOutFileName(*n), "optout-delta-005_2024-03-20T04.02.46Z_0a1b2c3d.dat");
  auto p = ParseOptOutFileName("optout-partition-000_2024-01-01T00.00.00Z_ffffffff.dat");
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->kind, OptOutFileKind::kPartition);
  for (const char* bad : {"optout-delta-05_2024-03-20T04.02.46Z_0a1b2c3d.dat",
                          "optout-delta-005_2024-03-20T04:02:46Z_0a1b2c3d.dat",
                          "optout-delta-005_2024-13-20T04.02.46Z_0a1b2c3d.dat",
                          "optout-delta-005_2024-03-20T04.02.46Z_0a1b2c3g.dat",
                          "optout-delta-005_2024-03-20T04.02.46Z_0a1b2c3d.txt",
                          "optout-other-005_2024-03-20T04.02.46Z_0a1b2c3d.dat", "x.dat"}) {
    EXPECT_FALSE(ParseOptOutFileName(bad).has_value()) << bad;
  }
}

TEST(OptOutIndexTest, SpecialHashesAndMinimumTimestamp) {
  auto idx = std::make_shared<const OptOutIndex>()->WithRecords(
      {Rec(1, 0xA0, 300), Rec(2, 0xA0, 100), Rec(3, 0xA1, 500), Rec(1, 0xA2, 50)});
  EXPECT_TRUE(idx->IsOptedOut(Filled(1)));
  EXPECT_TRUE(idx->IsOptedOut(Filled(2)));
  EXPECT_FALSE(idx->IsOptedOut(Filled(9)));
  EXPECT_EQ(idx->IdentityOptedOutSince(Filled(1)), 50);
  EXPECT_EQ(idx->OptedOutSince(Filled(0xA0)), 100);  // min over records
  EXPECT_EQ(idx->OptedOutSince(Filled(0xA1)), 500);
  EXPECT_FALSE(idx->OptedOutSince(Filled(0xB0)).has_value());
  // A 33-byte raw UID looks up its last 32 bytes.
  Bytes uid33(33, 0xA1);
  uid33[0] = 0x20;
  EXPECT_EQ(idx->OptedOutSince(uid33), 500);
  // spec §3.6: all zeros = opted out, all 0xFF = never, even if a record exists.
  EXPECT_TRUE(idx->IsOptedOut(Filled(0x00)));
  auto with_ff = idx->WithRecords({Rec(0xFF, 0xA3, 1)});
  EXPECT_FALSE(with_ff->IsOptedOut(Filled(0xFF)));
  EXPECT_FALSE(idx->IsOptedOut(Bytes(31, 1)));  // wrong length
  EXPECT_EQ(idx->size(), 3u);
}

TEST(Hash32TableTest, CollidingPrefixesGrowthAndMinimum) {
  Hash32Table t;
  EXPECT_FALSE(t.Find(Filled(1)).has_value());
  // 1000 keys sharing their first 8 bytes: every one lands on the same slot and probes.
  for (int i = 0; i < 1000; i++) {
    Hash32 k = Filled(0x5A);
    k[30] = static_cast<uint8_t>(i >> 8);
    k[31] = static_cast<uint8_t>(i);
    t.InsertMin(k, 1000 + i);
    t.InsertMin(k, 2000 + i);  // larger: ignored
  }
  EXPECT_EQ(t.size(), 1000u);
  for (int i = 0; i < 1000; i++) {
    Hash32 k = Filled(0x5A);
    k[30] = static_cast<uint8_t>(i >> 8);
    k[31] = static_cast<uint8_t>(i);
    ASSERT_EQ(t.Find(k), 1000 + i);
  }
  Hash32 k0 = Filled(0x5A);
  k0[30] = k0[31] = 0;
  t.InsertMin(k0, 3);  // smaller: kept
  EXPECT_EQ(t.Find(k0), 3);
  EXPECT_FALSE(t.Find(Filled(0x5A)).has_value());
  size_t n = 0;
  t.ForEach([&](const Hash32&, int64_t) { n++; });
  EXPECT_EQ(n, 1000u);
}

TEST(OptOutIndexTest, MergesLargeRecentLayerIntoBase) {
  std::vector<OptOutRecord> many;
  for (int i = 0; i < 5000; i++) {
    OptOutRecord r = Rec(0, 0, i);
    r.identity_hash[0] = static_cast<uint8_t>(i >> 8);
    r.identity_hash[1] = static_cast<uint8_t>(i);
    r.identity_hash[2] = 1;
    many.push_back(r);
  }
  auto idx = std::make_shared<const OptOutIndex>()->WithRecords(many);
  EXPECT_EQ(idx->size(), 5000u);
  auto more = idx->WithRecords({Rec(7, 7, 1)});
  EXPECT_EQ(more->size(), 5001u);
  EXPECT_TRUE(more->IsOptedOut(many[4999].identity_hash));
  EXPECT_TRUE(more->IsOptedOut(Filled(7)));
  EXPECT_FALSE(idx->IsOptedOut(Filled(7)));  // the older index is unchanged
}

// A large batch goes straight into a new base with the recent layer: minimums across the
// recent layer, the batch and duplicates inside the batch are kept.
TEST(OptOutIndexTest, LargeBatchMergesWithTheRecentLayerKeepingMinimums) {
  auto idx = std::make_shared<const OptOutIndex>()->WithRecords({Rec(9, 9, 50), Rec(8, 8, 90)});
  std::vector<OptOutRecord> many;
  for (int i = 0; i < 6000; i++) {
    OptOutRecord r = Rec(0, 0, 1000 + i);
    r.identity_hash[0] = r.advertising_id[0] = static_cast<uint8_t>(i >> 8);
    r.identity_hash[1] = r.advertising_id[1] = static_cast<uint8_t>(i);
    r.identity_hash[2] = r.advertising_id[2] = 1;
    many.push_back(r);
  }
  many.push_back(Rec(9, 9, 70));  // later than the recent layer's 50
  many.push_back(Rec(8, 8, 60));  // earlier than the recent layer's 90
  many.push_back(many[10]);
  many.back().timestamp_s = 5;  // a duplicate inside the batch, earlier
  auto big = idx->WithRecords(many);
  EXPECT_EQ(big->size(), 6002u);
  EXPECT_EQ(big->IdentityOptedOutSince(Filled(9)), 50);
  EXPECT_EQ(big->OptedOutSince(Filled(9)), 50);
  EXPECT_EQ(big->IdentityOptedOutSince(Filled(8)), 60);
  EXPECT_EQ(big->IdentityOptedOutSince(many[10].identity_hash), 5);
  EXPECT_EQ(big->OptedOutSince(many[5999].advertising_id), 1000 + 5999);
  EXPECT_EQ(idx->size(), 2u);  // the older index is unchanged
}

TEST(Hash32TableTest, ReserveThenInsertAndFind) {
  Hash32Table t;
  t.Reserve(3000);
  t.InsertMin(Filled(1), 4);
  t.Reserve(10);  // smaller: no change, entries kept
  for (int i = 0; i < 3000; i++) {
    Hash32 k = Filled(0x33);
    k[0] = static_cast<uint8_t>(i >> 8);
    k[1] = static_cast<uint8_t>(i);
    t.InsertMin(k, i);
  }
  t.Reserve(100'000);  // larger: rehashed, entries kept
  EXPECT_EQ(t.size(), 3001u);
  EXPECT_EQ(t.Find(Filled(1)), 4);
  for (int i = 0; i < 3000; i++) {
    Hash32 k = Filled(0x33);
    k[0] = static_cast<uint8_t>(i >> 8);
    k[1] = static_cast<uint8_t>(i);
    ASSERT_EQ(t.Find(k), i);
  }
}

TEST(OptOutStoreTest, LoadsFilesAndNewOnesOnScan) {
  TempDir tmp;
  std::string dir = tmp.path() + "/optout";
  fs::create_directories(dir + "/delta/2024-03-20");
  ASSERT_TRUE(WriteFileAtomic(dir + "/" + DeltaName(1710907366, 1),
                              ByteSpan(Encode({Rec(1, 0xA0, 10), Rec(2, 0xA0, 5)})))
                  .ok());
  ASSERT_TRUE(WriteFileAtomic(dir + "/ignored.dat", ByteSpan(Encode({Rec(3, 3, 1)}))).ok());
  auto store = OptOutStore::Open(dir);
  ASSERT_TRUE(store.ok()) << store.error().message();
  auto idx = (*store)->Current();
  EXPECT_TRUE(idx->IsOptedOut(Filled(1)));
  EXPECT_TRUE(idx->IsOptedOut(Filled(2)));
  EXPECT_FALSE(idx->IsOptedOut(Filled(3)));  // name does not match the pattern
  EXPECT_EQ(idx->OptedOutSince(Filled(0xA0)), 5);

  // A new partition file in a subfolder appears.
  ASSERT_TRUE(
      WriteFileAtomic(dir + "/delta/2024-03-20/" +
                          FormatOptOutFileName({OptOutFileKind::kPartition, 0, 1710907400, 2}),
                      ByteSpan(Encode({Rec(4, 0xA4, 20)})))
          .ok());
  auto loaded = (*store)->Scan();
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(*loaded, 1);
  EXPECT_TRUE((*store)->Current()->IsOptedOut(Filled(4)));
  EXPECT_FALSE(idx->IsOptedOut(Filled(4)));  // old index unchanged
  EXPECT_EQ(*(*store)->Scan(), 0);           // nothing new
  EXPECT_EQ((*store)->stats().files_loaded, 2u);
  EXPECT_EQ((*store)->stats().records_loaded, 3u);
}

// A deleted file (retention) leaves the bookkeeping of read files; its opt-outs stay in the index.
TEST(OptOutStoreTest, ForgetDropsADeletedFileButNotItsOptOuts) {
  TempDir tmp;
  const std::string path = tmp.path() + "/" + DeltaName(1710907366, 1);
  ASSERT_TRUE(WriteFileAtomic(path, ByteSpan(Encode({Rec(1, 0xA1, 10)}))).ok());
  auto store = OptOutStore::Open(tmp.path());
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE(fs::remove(path));
  (*store)->Forget(path);
  EXPECT_TRUE((*store)->Current()->IsOptedOut(Filled(1)));
  // Forgotten: a file at that path is read again (a remembered one would be skipped).
  ASSERT_TRUE(WriteFileAtomic(path, ByteSpan(Encode({Rec(2, 0xA2, 10)}))).ok());
  EXPECT_EQ(*(*store)->Scan(), 1);
  EXPECT_TRUE((*store)->Current()->IsOptedOut(Filled(1)));
  EXPECT_TRUE((*store)->Current()->IsOptedOut(Filled(2)));
}

TEST(OptOutStoreTest, MalformedFileRefused) {
  TempDir tmp;
  std::string dir = tmp.path();
  ASSERT_TRUE(WriteFileAtomic(dir + "/" + DeltaName(1710907366, 3), ByteSpan(Bytes(100, 1))).ok());
  ASSERT_TRUE(
      WriteFileAtomic(dir + "/" + DeltaName(1710907366, 4), ByteSpan(Encode({Rec(5, 5, 1)}))).ok());
  auto store = OptOutStore::Open(dir);
  ASSERT_TRUE(store.ok());
  EXPECT_EQ((*store)->stats().files_rejected, 1u);
  EXPECT_EQ((*store)->stats().files_loaded, 1u);
  EXPECT_FALSE((*store)->Current()->IsOptedOut(Filled(1)));
  EXPECT_TRUE((*store)->Current()->IsOptedOut(Filled(5)));
  EXPECT_EQ(*(*store)->Scan(), 0);  // refused once, not retried
  EXPECT_EQ((*store)->stats().files_rejected, 1u);
}

TEST(OptOutStoreTest, AppendLogoutRoundTrip) {
  TempDir tmp;
  std::string dir = tmp.path() + "/nested/optout";  // created by Open
  auto store = OptOutStore::Open(dir);
  ASSERT_TRUE(store.ok()) << store.error().message();
  Hash32 identity = Filled(0x42);
  Bytes adv33(33, 0x43);
  adv33[0] = 0x24;
  ASSERT_TRUE((*store)->AppendLogout(identity, adv33, 1710907366).ok());
  ASSERT_TRUE((*store)->AppendLogout(Filled(0x44), Filled(0x45), 1710907366).ok());  // same second
  // Visible immediately.
  EXPECT_TRUE((*store)->Current()->IsOptedOut(identity));
  EXPECT_EQ((*store)->Current()->OptedOutSince(adv33), 1710907366);
  EXPECT_TRUE((*store)->Current()->IsOptedOut(Filled(0x44)));
  EXPECT_EQ(*(*store)->Scan(), 0);  // its own files are not re-read

  // Two files with valid names and one record each.
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    auto name = ParseOptOutFileName(e.path().filename().string());
    ASSERT_TRUE(name.has_value()) << e.path();
    EXPECT_EQ(name->kind, OptOutFileKind::kDelta);
    EXPECT_EQ(fs::file_size(e.path()), 72u);
    files++;
  }
  EXPECT_EQ(files, 2);

  // A fresh store over the folder reads the same records (meta keeps the 33-byte prefix).
  auto reopened = OptOutStore::Open(dir);
  ASSERT_TRUE(reopened.ok());
  EXPECT_TRUE((*reopened)->Current()->IsOptedOut(identity));
  EXPECT_EQ((*reopened)->Current()->OptedOutSince(Filled(0x43)), 1710907366);
  EXPECT_TRUE((*reopened)->Current()->IsOptedOut(Filled(0x44)));

  EXPECT_FALSE((*store)->AppendLogout(Bytes(31), Filled(1), 1).ok());
  EXPECT_FALSE((*store)->AppendLogout(Filled(1), Bytes(34), 1).ok());
  EXPECT_FALSE((*store)->AppendLogout(Filled(1), Filled(2), -1).ok());
  EXPECT_FALSE((*store)->AppendLogout(Filled(1), Filled(2), int64_t{1} << 56).ok());
}

TEST(OptOutStoreTest, AppendedRecordMetaForV1Uid) {
  TempDir tmp;
  auto store = OptOutStore::Open(tmp.path());
  ASSERT_TRUE(store.ok());
  Bytes adv33(33, 0x43);
  adv33[0] = 0xE4;  // high bits beyond 6 are dropped into meta's low 6 bits
  ASSERT_TRUE((*store)->AppendLogout(Filled(1), adv33, 99).ok());
  for (const auto& e : fs::directory_iterator(tmp.path())) {
    auto bytes = ReadFileBytes(e.path().string());
    ASSERT_TRUE(bytes.ok());
    auto recs = ParseOptOutRecords(*bytes);
    ASSERT_TRUE(recs.ok());
    EXPECT_EQ((*recs)[0].meta, 0x40 | (0xE4 & 0x3F));
    EXPECT_EQ((*recs)[0].version(), 1);
    EXPECT_EQ((*recs)[0].timestamp_s, 99);
  }
}

TEST(OptOutStoreTest, BackgroundScanFindsNewFiles) {
  TempDir tmp;
  auto store = OptOutStore::Open(tmp.path());
  ASSERT_TRUE(store.ok());
  (*store)->Start(20);
  ASSERT_TRUE(
      WriteFileAtomic(tmp.path() + "/" + DeltaName(1710907366, 9), ByteSpan(Encode({Rec(9, 9, 1)})))
          .ok());
  for (int i = 0; i < 200 && !(*store)->Current()->IsOptedOut(Filled(9)); i++) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  (*store)->Stop();
  EXPECT_TRUE((*store)->Current()->IsOptedOut(Filled(9)));
}

}  // namespace
}  // namespace uid2::store
