// Opt-out retention: old files of optout_data_dir are deleted once nothing needs them (see
// optout_sync.h), never a file that still carries a needed opt-out.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <mutex>

#include "common/file.h"
#include "operator/store/optout_file.h"
#include "operator/store/optout_store.h"
#include "operator/sync/optout_sync.h"
#include "tests/operator/service/test_support.h"
#include "tests/operator/sync/fake_http.h"

namespace uid2::sync::testing {
namespace {

namespace fs = std::filesystem;
using service::testing::TempDir;
using store::OptOutFileKind;

constexpr int64_t kDay = 86400;
constexpr int64_t kNow = 1796601600;  // 2026-12-07T00:00:00Z

std::string Name(OptOutFileKind kind, int64_t ts, uint32_t suffix = 1) {
  return store::FormatOptOutFileName({kind, 1, ts, suffix});
}
std::string Delta(int64_t ts, uint32_t suffix = 1) {
  return Name(OptOutFileKind::kDelta, ts, suffix);
}
std::string Partition(int64_t ts, uint32_t suffix = 1) {
  return Name(OptOutFileKind::kPartition, ts, suffix);
}

// ---- the rule ----

std::vector<std::string> ToDelete(const std::set<std::string>& listed,
                                  const std::vector<std::string>& deltas,
                                  const std::vector<std::string>& partitions) {
  return OptOutFilesToDelete(listed, deltas, partitions, kNow, OptOutRetention{});
}

TEST(OptOutRetention, CoveredDeltaIsDeleted) {
  const std::string p = Partition(kNow - kDay);
  const std::string old = Delta(kNow - 2 * kDay - 1);  // older than the partition by > 1 day
  EXPECT_EQ(ToDelete({"partition/" + p}, {old}, {p}), std::vector<std::string>{"delta/" + old});
}

TEST(OptOutRetention, DeltaNotYetCoveredIsKept) {
  const std::string p = Partition(kNow - kDay);
  // Within optout_delta_backtrack_in_days (1 day) before the partition, or after it.
  const std::vector<std::string> deltas = {Delta(kNow - 2 * kDay + 60, 2), Delta(kNow - kDay, 3),
                                           Delta(kNow - 60, 4)};
  EXPECT_TRUE(ToDelete({"partition/" + p}, deltas, {p}).empty());
  // The margin is the larger of 3 x optout_delta_rotate_interval and the backtrack.
  OptOutRetention r;
  r.delta_backtrack_days = 0;
  r.delta_rotate_interval_s = 300;
  const std::string d = Delta(kNow - kDay - 901);
  EXPECT_EQ(OptOutFilesToDelete({"partition/" + p}, {d, Delta(kNow - kDay - 899, 5)}, {p}, kNow, r),
            std::vector<std::string>{"delta/" + d});
}

TEST(OptOutRetention, ListedFilesAreKept) {
  const std::string p = Partition(kNow - kDay);
  const std::string old = Delta(kNow - 10 * kDay);
  const std::string old_p = Partition(kNow - 60 * kDay, 2);
  EXPECT_TRUE(ToDelete({"partition/" + p, "delta/" + old, "partition/" + old_p}, {old}, {p, old_p})
                  .empty());
}

TEST(OptOutRetention, OnlyAListedPresentPartitionCovers) {
  const std::string p = Partition(kNow - kDay);
  const std::string old = Delta(kNow - 10 * kDay);
  // The partition is present but no longer listed: it covers nothing.
  EXPECT_TRUE(ToDelete({}, {old}, {p}).empty());
  // Listed but not present (its download failed): nothing either.
  EXPECT_TRUE(ToDelete({"partition/" + p}, {old}, {}).empty());
}

TEST(OptOutRetention, ExpiredPartitionIsDeletedWhenANewerOneIsKept) {
  const std::string p = Partition(kNow - kDay);
  const std::string expired = Partition(kNow - 31 * kDay, 2);  // > 30 x 86400 s old
  const std::string young = Partition(kNow - 29 * kDay, 3);
  EXPECT_EQ(ToDelete({"partition/" + p}, {}, {p, expired, young}),
            std::vector<std::string>{"partition/" + expired});
  // No newer listed partition present: kept.
  EXPECT_TRUE(ToDelete({}, {}, {expired}).empty());
  const std::string listed_older = Partition(kNow - 60 * kDay, 4);
  EXPECT_TRUE(ToDelete({"partition/" + listed_older}, {}, {listed_older, expired}).empty());
  // No retention configured (optout_max_partitions 0): kept.
  OptOutRetention r;
  r.max_partitions = 0;
  EXPECT_TRUE(OptOutFilesToDelete({"partition/" + p}, {}, {p, expired}, kNow, r).empty());
}

TEST(OptOutRetention, HugeSettingsKeepEverything) {
  const std::string p = Partition(kNow - kDay);
  OptOutRetention r;
  r.delta_backtrack_days = int64_t{1} << 40;  // the config's maximum
  r.partition_interval_s = int64_t{1} << 40;
  r.max_partitions = int64_t{1} << 40;
  EXPECT_TRUE(
      OptOutFilesToDelete({"partition/" + p}, {Delta(0)}, {p, Partition(0, 2)}, kNow, r).empty());
}

TEST(OptOutRetention, NamesOfTheOtherKindAreLeftAlone) {
  const std::string p = Partition(kNow - kDay);
  // A partition name in the delta list and a delta name in the partition list are never picked.
  EXPECT_TRUE(ToDelete({"partition/" + p}, {Partition(kNow - 9 * kDay, 7), "x.dat"},
                       {p, Delta(kNow - 60 * kDay, 8)})
                  .empty());
}

// ---- the sync ----

Bytes Hash(uint8_t b) { return Bytes(32, b); }

std::string RecordsFor(std::initializer_list<uint8_t> ids) {
  Bytes out;
  for (uint8_t id : ids) {
    store::OptOutRecord rec;
    rec.identity_hash.fill(id);
    rec.advertising_id.fill(static_cast<uint8_t>(id ^ 0x80));
    rec.timestamp_s = kNow - kDay;
    store::EncodeOptOutRecord(rec, &out);
  }
  return std::string(out.begin(), out.end());
}

// The opt-out service: metadata on /optout/refresh listing the files, served from /o/<name>.
struct OptOutService {
  struct File {
    std::string type;
    std::string bytes;
  };
  std::mutex mu;
  std::map<std::string, File> files;
  FakeHttp http{[this](const FakeRequest& r) { return Handle(r); }};

  void List(const std::string& type, const std::string& name, std::string bytes) {
    std::lock_guard<std::mutex> lock(mu);
    files[name] = {type, std::move(bytes)};
  }
  void Unlist(const std::string& name) {
    std::lock_guard<std::mutex> lock(mu);
    files.erase(name);
  }
  FakeResponse Handle(const FakeRequest& r) {
    std::lock_guard<std::mutex> lock(mu);
    if (r.path == "/optout/refresh") {
      std::string logs;
      for (const auto& [name, f] : files) {
        if (!logs.empty()) logs += ",";
        logs +=
            "{\"type\":\"" + f.type + "\",\"location\":\"" + http.url("/o/" + name) + "?sig=x\"}";
      }
      return {200, "{\"version\":1,\"optout_logs\":[" + logs + "]}"};
    }
    if (r.path.rfind("/o/", 0) == 0) {
      auto it = files.find(r.path.substr(3));
      if (it != files.end()) return {200, it->second.bytes};
    }
    return {404, ""};
  }
};

struct Fixture {
  TempDir dir;
  OptOutService service;
  std::unique_ptr<store::OptOutStore> store;
  std::unique_ptr<OptOutSync> sync;
  std::function<std::error_code(const std::string&)> remove_file;

  explicit Fixture(std::function<std::error_code(const std::string&)> remover = nullptr) {
    store = std::move(store::OptOutStore::Open(dir.path()).value());
    OptOutSync::Options o;
    o.metadata_path = service.http.url("/optout/refresh");
    o.instance_id = "test";
    o.data_dir = dir.path();
    o.store = store.get();
    o.timeout = std::chrono::milliseconds(5000);
    o.credentials = [] { return std::make_shared<const Credentials>(); };
    o.now_s = [] { return kNow; };
    o.remove_file = std::move(remover);
    sync = std::make_unique<OptOutSync>(std::move(o));
  }
  std::string Path(const std::string& type, const std::string& name) const {
    return dir.path() + "/" + type + "/" + name;
  }
  bool OptedOut(uint8_t id) const { return store->Current()->IsOptedOut(Hash(id)); }
};

TEST(OptOutRetentionSync, CoveredDeltasGoEveryOptOutStays) {
  Fixture f;
  const std::string old = Delta(kNow - 3 * kDay);           // opt-out 1, merged into p
  const std::string recent = Delta(kNow - kDay - 3600, 2);  // opt-out 2, also in p
  const std::string fresh = Delta(kNow - 600, 3);           // opt-out 3, after p
  f.service.List("delta", old, RecordsFor({1}));
  f.service.List("delta", recent, RecordsFor({2}));
  ASSERT_EQ(*f.sync->SyncOnce(), 2);
  EXPECT_TRUE(f.OptedOut(1) && f.OptedOut(2));

  // The service merges both deltas into a partition and stops listing them.
  const std::string p = Partition(kNow - kDay);
  f.service.Unlist(old);
  f.service.Unlist(recent);
  f.service.List("partition", p, RecordsFor({1, 2}));
  f.service.List("delta", fresh, RecordsFor({3}));
  auto r = f.sync->SyncOnce();
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(*r, 2);
  EXPECT_FALSE(fs::exists(f.Path("delta", old)));    // covered: deleted
  EXPECT_TRUE(fs::exists(f.Path("delta", recent)));  // within the backtrack: kept
  EXPECT_TRUE(fs::exists(f.Path("delta", fresh)));
  EXPECT_TRUE(fs::exists(f.Path("partition", p)));
  EXPECT_EQ(f.sync->stats().files_deleted.load(), 1u);
  EXPECT_TRUE(f.OptedOut(1) && f.OptedOut(2) && f.OptedOut(3));

  // After a restart, the retained files alone carry every opt-out.
  auto reopened = store::OptOutStore::Open(f.dir.path());
  ASSERT_TRUE(reopened.ok());
  for (uint8_t id : {1, 2, 3}) EXPECT_TRUE((*reopened)->Current()->IsOptedOut(Hash(id))) << +id;
  EXPECT_FALSE((*reopened)->Current()->IsOptedOut(Hash(4)));
}

TEST(OptOutRetentionSync, UncoveredDeltaIsKeptWhenUnlisted) {
  Fixture f;
  const std::string d = Delta(kNow - 3 * kDay);
  f.service.List("delta", d, RecordsFor({1}));
  ASSERT_TRUE(f.sync->SyncOnce().ok());
  // The service drops the delta from its listing without listing a partition that covers it.
  f.service.Unlist(d);
  ASSERT_TRUE(f.sync->SyncOnce().ok());
  EXPECT_TRUE(fs::exists(f.Path("delta", d)));
  // A partition older than the delta does not cover it either.
  f.service.List("partition", Partition(kNow - 4 * kDay), RecordsFor({9}));
  ASSERT_TRUE(f.sync->SyncOnce().ok());
  EXPECT_TRUE(fs::exists(f.Path("delta", d)));
  EXPECT_EQ(f.sync->stats().files_deleted.load(), 0u);
  auto reopened = store::OptOutStore::Open(f.dir.path());
  EXPECT_TRUE((*reopened)->Current()->IsOptedOut(Hash(1)));
}

TEST(OptOutRetentionSync, UnrecognisedNamesAreLeftAloneAndLoggedWithoutTheName) {
  Fixture f;
  fs::create_directories(f.dir.path() + "/delta");
  fs::create_directories(f.dir.path() + "/partition");
  const std::string odd = "user@example.com.dat";
  const std::string misplaced = Partition(kNow - 90 * kDay, 5);  // a partition in delta/
  ASSERT_TRUE(WriteFileAtomic(f.Path("delta", odd), std::string_view("x")).ok());
  ASSERT_TRUE(WriteFileAtomic(f.Path("delta", misplaced), std::string_view("")).ok());
  ASSERT_TRUE(
      WriteFileAtomic(f.Path("partition", Delta(kNow - 90 * kDay, 6)), std::string_view("")).ok());
  f.service.List("partition", Partition(kNow - kDay), RecordsFor({1}));
  ::testing::internal::CaptureStderr();
  ASSERT_TRUE(f.sync->SyncOnce().ok());
  const std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_TRUE(fs::exists(f.Path("delta", odd)));
  EXPECT_TRUE(fs::exists(f.Path("delta", misplaced)));
  EXPECT_TRUE(fs::exists(f.Path("partition", Delta(kNow - 90 * kDay, 6))));
  EXPECT_EQ(f.sync->stats().files_unrecognised.load(), 3u);
  EXPECT_EQ(f.sync->stats().files_deleted.load(), 0u);
  EXPECT_NE(log.find("optout_files_unrecognised"), std::string::npos) << log;
  EXPECT_EQ(log.find("user@example.com"), std::string::npos) << log;
  // Logged once, not every round.
  ::testing::internal::CaptureStderr();
  ASSERT_TRUE(f.sync->SyncOnce().ok());
  EXPECT_EQ(::testing::internal::GetCapturedStderr().find("optout_files_unrecognised"),
            std::string::npos);
}

TEST(OptOutRetentionSync, DeletionFailureIsLoggedAndTheSyncGoesOn) {
  std::atomic<bool> fail{true};
  Fixture f([&](const std::string& path) {
    std::error_code ec;
    if (fail) return std::make_error_code(std::errc::permission_denied);
    fs::remove(path, ec);
    return ec;
  });
  const std::string old = Delta(kNow - 3 * kDay);
  f.service.List("delta", old, RecordsFor({1}));
  ASSERT_TRUE(f.sync->SyncOnce().ok());
  f.service.Unlist(old);
  f.service.List("partition", Partition(kNow - kDay), RecordsFor({1}));
  f.service.List("delta", Delta(kNow - 60, 2), RecordsFor({2}));
  ::testing::internal::CaptureStderr();
  auto r = f.sync->SyncOnce();
  const std::string log = ::testing::internal::GetCapturedStderr();
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(*r, 2);  // the new files still arrive
  EXPECT_TRUE(f.OptedOut(2));
  EXPECT_TRUE(fs::exists(f.Path("delta", old)));
  EXPECT_EQ(f.sync->stats().delete_failures.load(), 1u);
  EXPECT_EQ(f.sync->stats().files_deleted.load(), 0u);
  EXPECT_NE(log.find("optout_file_delete_failed"), std::string::npos) << log;
  // Retried on the next round.
  fail = false;
  ASSERT_TRUE(f.sync->SyncOnce().ok());
  EXPECT_FALSE(fs::exists(f.Path("delta", old)));
  EXPECT_EQ(f.sync->stats().files_deleted.load(), 1u);
  EXPECT_TRUE(f.OptedOut(1));
}

TEST(OptOutRetentionSync, FilesOutsideTheSyncedFoldersAreNeverDeleted) {
  Fixture f;
  // A local logout delta at the folder's root, old and unlisted.
  const std::string root_delta = Delta(kNow - 10 * kDay);
  ASSERT_TRUE(
      WriteFileAtomic(f.dir.path() + "/" + root_delta, std::string_view(RecordsFor({7}))).ok());
  f.service.List("partition", Partition(kNow - kDay), RecordsFor({1}));
  ASSERT_TRUE(f.sync->SyncOnce().ok());
  EXPECT_TRUE(fs::exists(f.dir.path() + "/" + root_delta));
  EXPECT_EQ(f.sync->stats().files_deleted.load(), 0u);
}

}  // namespace
}  // namespace uid2::sync::testing
