// Reload behaviour: new versions swap in a new snapshot; bad new data keeps the old one.
#include "operator/store/store_manager.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <regex>
#include <thread>

#include "common/thread_priority.h"
#include "operator/store/core_source.h"
#include "test_util.h"

namespace uid2::store {
namespace {

namespace fs = std::filesystem;
using testing::ReadText;
using testing::TempDir;
using testing::WriteText;

constexpr const char* kKey999 = "UID2-C-L-999-fCXrMM.fsR3mDqAXELtWWMS+xG1s7RdgRTMqdOH2qaAo=";
constexpr const char* kKey123 = "UID2-C-L-123-t32pCM.5NCX1E94UgOd2f8zhsKmxzCoyhXohHYSSWR8U=";

class ReloadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    core_ = tmp_.path() + "/core";
    fs::copy("data/uid2/core", core_, fs::copy_options::recursive);
    auto m =
        StoreManager::Create(testing::LocalConfigFor(core_), [this] { return now_ms_.load(); });
    ASSERT_TRUE(m.ok()) << m.error().message();
    manager_ = std::move(*m);
  }

  // BumpVersion rewrites "version" in a store's metadata.json.
  void BumpVersion(const std::string& store, int version) {
    std::string path = core_ + "/" + store + "/metadata.json";
    std::string text = ReadText(path);
    text = std::regex_replace(text, std::regex("\"version\"\\s*:\\s*\\d+"),
                              "\"version\": " + std::to_string(version));
    WriteText(path, text);
  }

  TempDir tmp_;
  std::string core_;
  std::atomic<int64_t> now_ms_{testing::kTestNowMs};
  std::unique_ptr<StoreManager> manager_;
};

TEST_F(ReloadTest, InitialLoadCountsAndVersions) {
  const StoreStats& st = manager_->stats();
  EXPECT_EQ(st.store(StoreId::kClients).reload_successes, 1u);
  EXPECT_EQ(st.store(StoreId::kClients).version, 1);
  EXPECT_EQ(st.store(StoreId::kClients).last_success_ms, testing::kTestNowMs);
  EXPECT_EQ(st.store(StoreId::kSalts).version, 1);
  EXPECT_EQ(st.snapshots_published, 1u);
  for (const auto& s : st.stores) EXPECT_EQ(s.reload_failures, 0u);
}

TEST_F(ReloadTest, UnchangedVersionKeepsSnapshot) {
  auto before = manager_->Current();
  // Content changes without a version change are not picked up.
  WriteText(core_ + "/clients/clients.json", "[]");
  EXPECT_FALSE(manager_->PollOnce());
  EXPECT_EQ(manager_->Current(), before);
  EXPECT_NE(manager_->Current()->FindClientByKey(kKey999), nullptr);
}

TEST_F(ReloadTest, ChangedVersionPublishesNewSnapshot) {
  auto before = manager_->Current();
  // Remove client 999 (the first record) and bump the version.
  std::string clients = ReadText(core_ + "/clients/clients.json");
  size_t second = clients.find("},\n  {");
  ASSERT_NE(second, std::string::npos);
  WriteText(core_ + "/clients/clients.json", "[\n  {" + clients.substr(second + 6));
  BumpVersion("clients", 2);
  now_ms_ += 1000;
  EXPECT_TRUE(manager_->PollOnce());
  auto after = manager_->Current();
  EXPECT_NE(after, before);
  EXPECT_EQ(after->FindClientByKey(kKey999), nullptr);
  EXPECT_NE(after->FindClientByKey(kKey123), nullptr);
  EXPECT_EQ(after->version(StoreId::kClients), 2);
  // The old snapshot is still valid for requests that hold it.
  EXPECT_NE(before->FindClientByKey(kKey999), nullptr);
  // Unchanged parts are shared, not reloaded.
  EXPECT_EQ(after->parts().salts, before->parts().salts);
  const StoreStats& st = manager_->stats();
  EXPECT_EQ(st.store(StoreId::kClients).reload_successes, 2u);
  EXPECT_EQ(st.store(StoreId::kClients).version, 2);
  EXPECT_EQ(st.store(StoreId::kClients).last_success_ms, testing::kTestNowMs + 1000);
  EXPECT_EQ(st.snapshots_published, 2u);
}

TEST_F(ReloadTest, CorruptNewDataIsRejectedAndOldKeepsServing) {
  auto before = manager_->Current();
  WriteText(core_ + "/keysets/keysets.json", "[{\"keyset_id\": \"not a number\"}]");
  BumpVersion("keysets", 2);
  EXPECT_FALSE(manager_->PollOnce());
  EXPECT_EQ(manager_->Current(), before);
  EXPECT_EQ(manager_->stats().store(StoreId::kKeysets).reload_failures, 1u);
  EXPECT_EQ(manager_->stats().store(StoreId::kKeysets).version, 1);
  // Still serving: keys and auth work from the old snapshot.
  auto now_s = testing::kTestNowMs / 1000;
  EXPECT_EQ((*manager_->Current()->SiteKey(123, now_s))->id, 104);
  // Each poll retries and counts again.
  EXPECT_FALSE(manager_->PollOnce());
  EXPECT_EQ(manager_->stats().store(StoreId::kKeysets).reload_failures, 2u);
  // Fixing the data recovers.
  fs::copy_file("data/uid2/core/keysets/keysets.json", core_ + "/keysets/keysets.json",
                fs::copy_options::overwrite_existing);
  EXPECT_TRUE(manager_->PollOnce());
  EXPECT_EQ(manager_->Current()->version(StoreId::kKeysets), 2);
}

TEST_F(ReloadTest, CorruptSaltsAndRuntimeConfigRejected) {
  auto before = manager_->Current();
  WriteText(core_ + "/salts/salts.txt.1745907348982", "1,2,3\n");
  BumpVersion("salts", 7);
  std::string rc = ReadText(core_ + "/runtime_config/metadata.json");
  // identity TTL above refresh TTL: breaks the ordering rule.
  rc = std::regex_replace(rc, std::regex("\"identity_token_expires_after_seconds\": 3600"),
                          "\"identity_token_expires_after_seconds\": 99999999");
  WriteText(core_ + "/runtime_config/metadata.json", rc);
  BumpVersion("runtime_config", 3);
  EXPECT_FALSE(manager_->PollOnce());
  EXPECT_EQ(manager_->Current(), before);
  EXPECT_EQ(manager_->stats().store(StoreId::kSalts).reload_failures, 1u);
  EXPECT_EQ(manager_->stats().store(StoreId::kRuntimeConfig).reload_failures, 1u);
  EXPECT_EQ(manager_->Current()->runtime_config().identity_token_expires_after_seconds, 3600);
}

TEST_F(ReloadTest, MissingContentFileRejected) {
  auto before = manager_->Current();
  fs::remove(core_ + "/sites/sites.json");
  BumpVersion("sites", 2);
  EXPECT_FALSE(manager_->PollOnce());
  EXPECT_EQ(manager_->Current(), before);
  EXPECT_EQ(manager_->stats().store(StoreId::kSites).reload_failures, 1u);
}

TEST_F(ReloadTest, BackgroundPollingPicksUpNewVersion) {
  BumpVersion("keyset_keys", 5);
  manager_->Start();
  for (int i = 0; i < 400 && manager_->Current()->version(StoreId::kKeysetKeys) != 5; i++) {
    now_ms_ += 100;  // the fake clock drives the 10 s refresh interval
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  manager_->Stop();
  EXPECT_EQ(manager_->Current()->version(StoreId::kKeysetKeys), 5);
}

// NiceRecordingSource is the local source that records the nice value of the thread that
// fetches (the poll thread).
class NiceRecordingSource : public LocalCoreSource {
 public:
  NiceRecordingSource(std::string root, std::atomic<int>* nice)
      : LocalCoreSource(std::move(root)), nice_(nice) {}
  Result<std::string> FetchMetadata(std::string_view path) override {
    nice_->store(CurrentThreadNice());
    return LocalCoreSource::FetchMetadata(path);
  }

 private:
  std::atomic<int>* nice_;
};

TEST(StoreManagerThreadTest, PollThreadRunsAtBackgroundPriority) {
  // A reload must not take CPU from request threads (p99 under salt swaps): the poll thread
  // runs at kBackgroundNice, the thread that created the manager keeps its own.
  std::atomic<int> nice{-100};
  std::atomic<int64_t> now{testing::kTestNowMs};
  int caller_nice = CurrentThreadNice();
  auto m = StoreManager::CreateWithSource(
      testing::LocalConfigFor("data/uid2/core"),
      std::make_unique<NiceRecordingSource>("data/uid2/core", &nice), [&] { return now.load(); });
  ASSERT_TRUE(m.ok()) << m.error().message();
  EXPECT_EQ(nice.load(), caller_nice);  // the initial load runs on the caller's thread
  nice = -100;
  (*m)->Start();
  for (int i = 0; i < 400 && nice.load() == -100; i++) {
    now += 100'000;  // past every refresh interval
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  (*m)->Stop();
  EXPECT_EQ(nice.load(), kBackgroundNice);
  EXPECT_EQ(CurrentThreadNice(), caller_nice);
}

TEST(StoreManagerSaltsTest, NewlyEffectiveSaltFileSwapsWithoutVersionChange) {
  std::atomic<int64_t> now{1700000000000};  // before the second file's effective time
  auto m =
      StoreManager::Create(testing::LocalConfigFor("data/uid2/core"), [&] { return now.load(); });
  ASSERT_TRUE(m.ok()) << m.error().message();
  EXPECT_EQ((*m)->Current()->salts().selected_effective_ms, 1670796729291);
  EXPECT_FALSE((*m)->PollOnce());
  now = testing::kTestNowMs;
  EXPECT_TRUE((*m)->PollOnce());
  EXPECT_EQ((*m)->Current()->salts().selected_effective_ms, 1745907348982);
  EXPECT_EQ((*m)->Current()->version(StoreId::kSalts), 1);
}

TEST(StoreManagerCreateTest, BrokenDatasetFailsNamingTheStore) {
  TempDir tmp;
  std::string core = tmp.path() + "/core";
  fs::copy("data/uid2/core", core, fs::copy_options::recursive);
  WriteText(core + "/keyset_keys/keyset_keys.json", "[{\"id\": 1}]");
  auto m = StoreManager::Create(testing::LocalConfigFor(core));
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.error().message().find("keyset_keys"), std::string::npos) << m.error().message();
  EXPECT_NE(m.error().message().find("record 0"), std::string::npos) << m.error().message();
}

TEST(StoreManagerCreateTest, CreateIsLocalOnly) {
  // The attested source is wired by the operator app (CreateWithSource + RemoteCoreSource).
  OperatorConfig config = testing::LocalConfigFor("data/uid2/core");
  config.core_attest_url = "https://core.example/attest";
  auto m = StoreManager::Create(config);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code(), ErrorCode::kInvalid);
}

TEST(StoreManagerCreateTest, RuntimeConfigFromMainConfigWhenRemoteConfigOff) {
  OperatorConfig config = testing::LocalConfigFor("data/uid2/core");
  config.enable_remote_config = false;
  config.runtime.identity_token_expires_after_seconds = 7200;
  auto m = StoreManager::Create(config);
  ASSERT_TRUE(m.ok()) << m.error().message();
  EXPECT_EQ((*m)->Current()->runtime_config().identity_token_expires_after_seconds, 7200);
}

TEST(LocalCoreSourceTest, ResolvesClasspathAndRelativePaths) {
  LocalCoreSource src("data/uid2/core");
  EXPECT_EQ(*src.Resolve("/com.uid2.core/test/salts/metadata.json"),
            "data/uid2/core/salts/metadata.json");
  EXPECT_EQ(*src.Resolve("salts/metadata.json"), "data/uid2/core/salts/metadata.json");
  EXPECT_FALSE(src.Resolve("/etc/passwd").ok());
  EXPECT_FALSE(src.Resolve("/com.uid2.core/test/../../etc/passwd").ok());
  EXPECT_FALSE(src.Resolve("salts/../../x").ok());
  auto missing = src.FetchLocation("/com.uid2.core/test/none.json");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message().find("data/uid2/core/none.json"), std::string::npos);
}

}  // namespace
}  // namespace uid2::store
