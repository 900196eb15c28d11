// The operator in attested mode against the fake core: readiness, core down at start, 401/403,
// re-attestation under load, version-gated downloads, bad files keep the last good snapshot,
// slow core, opt-out sync, stale data shutdown, and the uid2-operator binary's exit code.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <thread>

#include "common/encoding.h"
#include "common/file.h"
#include "operator/service/operator_app.h"
#include "operator/store/optout_file.h"
#include "tests/operator/service/test_support.h"
#include "tests/operator/sync/fake_core.h"

namespace uid2::sync::testing {
namespace {

using service::OperatorApp;
using service::testing::Api;
using service::testing::k999;
using service::testing::TempDir;

service::AttestedTiming FastTiming() {
  service::AttestedTiming t;
  t.attest_check_interval_ms = 50;
  t.retry_initial_ms = 50;
  t.retry_max_ms = 200;
  t.watchdog_interval_ms = 50;
  t.http_timeout = std::chrono::milliseconds(5000);
  return t;
}

bool WaitFor(const std::function<bool()>& cond, int ms) {
  for (int i = 0; i < ms / 20; i++) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return cond();
}

constexpr char kGenerate[] = R"({"email":"user@example.com","optout_check":1})";

// Generate returns the status of /v2/token/generate for `email` ("success", "optout", ...).
std::string Generate(OperatorApp& app, const std::string& email = "user@example.com") {
  Api api(app.api_port());
  auto r = api.V2("/v2/token/generate", k999, "{\"email\":\"" + email + "\",\"optout_check\":1}");
  return r.http == 200 ? r.Status() : "http " + std::to_string(r.http);
}

struct Running {
  TempDir optout;
  FakeCore core;
  std::unique_ptr<OperatorApp> app;
  std::atomic<int> fatal_calls{0};

  Status Start(service::AttestedTiming t = FastTiming(),
               std::function<void(store::OperatorConfig&)> edit = nullptr,
               service::OperatorService::Clock clock = nullptr) {
    store::OperatorConfig c = core.Config(optout.path());
    if (edit) edit(c);
    auto a = OperatorApp::Start(
        std::move(c), clock, [this](const Error&) { fatal_calls++; }, t);
    if (!a.ok()) return std::move(a).error();
    app = std::move(a).value();
    return Ok();
  }
};

TEST(AttestedOperator, ServesOnceAttestedAndLoaded) {
  Running r;
  ASSERT_TRUE(r.Start().ok());
  ASSERT_TRUE(r.app->WaitReady(std::chrono::seconds(30)).ok());
  EXPECT_NE(r.app->api_port(), 0);
  EXPECT_EQ(Generate(*r.app), "success");
  EXPECT_EQ(r.app->attestation()->stats().successes.load(), 1u);
  // Every content file came from the pre-signed host, none from the core, and was decrypted.
  // clients, keysets, keyset_keys, salts, sites, client_side_keypairs (services and links only
  // with validate_service_links, as the reference); runtime_config is inline.
  EXPECT_GE(r.core.content().CountPath("/s/"), 6u);
  EXPECT_EQ(r.core.core().CountPath("/s/"), 0u);
  EXPECT_EQ(r.app->core_stats().decrypt_failures.load(), 0u);
  // Metrics show the attestation.
  service::BlockingHttpClient m("127.0.0.1", r.app->metrics_port());
  auto metrics = m.Get("/metrics");
  ASSERT_TRUE(metrics.ok());
  EXPECT_NE(metrics->body.find("uid2_attestation_attested 1"), std::string::npos);
  EXPECT_NE(metrics->body.find("uid2_operator_ready 1"), std::string::npos);
  EXPECT_NE(metrics->body.find("uid2_store_version{store=\"salts\"}"), std::string::npos);
  EXPECT_NE(metrics->body.find("uid2_store_last_success_seconds{store=\"keysets\"}"),
            std::string::npos);
  EXPECT_NE(metrics->body.find("uid2_attestation_expires_at_seconds"), std::string::npos);
}

TEST(AttestedOperator, CoreDownAtStartRetriesThenServes) {
  Running r;
  r.core.down = true;
  ASSERT_TRUE(r.Start().ok());
  // Retrying: the cloud keys (first request of a load) are asked for again and again.
  ASSERT_TRUE(
      WaitFor([&] { return r.core.core().CountPath("/cloud_encryption_keys/") >= 2; }, 20000));
  EXPECT_FALSE(r.app->ready());
  EXPECT_EQ(r.app->api_port(), 0);  // the API port is not open
  EXPECT_FALSE(r.app->Fatal());
  // The metrics port answers meanwhile and says "not ready".
  service::BlockingHttpClient m("127.0.0.1", r.app->metrics_port());
  auto metrics = m.Get("/metrics");
  ASSERT_TRUE(metrics.ok());
  EXPECT_NE(metrics->body.find("uid2_operator_ready 0"), std::string::npos);
  r.core.down = false;
  ASSERT_TRUE(r.app->WaitReady(std::chrono::seconds(30)).ok());
  EXPECT_EQ(Generate(*r.app), "success");
}

TEST(AttestedOperator, Attest401StopsWithTheReason) {
  Running r;
  ASSERT_TRUE(r.Start(FastTiming(), [](store::OperatorConfig& c) {
                 c.core_api_token = store::Secret("UID2-O-L-999-revoked");
               }).ok());
  Status st = r.app->WaitReady(std::chrono::seconds(10));
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message().find("HTTP 401"), std::string::npos);
  EXPECT_NE(st.error().message().find("unknown operator key"), std::string::npos);
  EXPECT_EQ(r.fatal_calls.load(), 1);
  EXPECT_EQ(r.app->api_port(), 0);
}

TEST(AttestedOperator, Attest403StopsWithTheReason) {
  Running r;
  r.core.attest_status = 403;
  ASSERT_TRUE(r.Start().ok());
  Status st = r.app->WaitReady(std::chrono::seconds(10));
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message().find("HTTP 403"), std::string::npos);
  EXPECT_NE(st.error().message().find("allowlist"), std::string::npos);
  EXPECT_EQ(r.fatal_calls.load(), 1);
}

TEST(AttestedOperator, MissingOperatorKeyIsRefusedAtStart) {
  Running r;
  Status st = r.Start(FastTiming(), [](store::OperatorConfig& c) { c.core_api_token = {}; });
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message().find("core_api_token"), std::string::npos);
}

TEST(AttestedOperator, ReattestationDropsNoRequest) {
  Running r;
  r.core.token_ttl_ms = 10 * 60 * 1000 + 1200;  // re-attest ~1.2 s after each attestation
  ASSERT_TRUE(r.Start().ok());
  ASSERT_TRUE(r.app->WaitReady(std::chrono::seconds(30)).ok());
  Api api(r.app->api_port());
  int ok = 0, failed = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (r.core.attest_count() < 3 && std::chrono::steady_clock::now() < deadline) {
    auto reply = api.V2("/v2/token/generate", k999, kGenerate);
    (reply.http == 200 && reply.Status() == "success") ? ok++ : failed++;
  }
  EXPECT_GE(r.core.attest_count(), 3u);
  EXPECT_GT(ok, 0);
  EXPECT_EQ(failed, 0);
  // Polls after re-attestation carry the new token (the core checks it): the bumped version
  // arrives, through this poll or the poll thread's, whichever runs first.
  int64_t before = r.app->stores().Current()->version(store::StoreId::kKeysets);
  r.core.version_bump = 5;
  r.app->stores().PollOnce();
  EXPECT_EQ(r.app->stores().Current()->version(store::StoreId::kKeysets), before + 5);
}

TEST(AttestedOperator, UnchangedVersionDownloadsNoContent) {
  Running r;
  ASSERT_TRUE(r.Start().ok());
  ASSERT_TRUE(r.app->WaitReady(std::chrono::seconds(30)).ok());
  r.core.content().ClearRequests();
  EXPECT_FALSE(r.app->stores().PollOnce());
  EXPECT_FALSE(r.app->stores().PollOnce());
  EXPECT_EQ(r.core.content().CountPath("/s/"), 0u);
  // A new version is downloaded (by this poll or the poll thread's, whichever runs first).
  int64_t before = r.app->stores().Current()->version(store::StoreId::kKeysets);
  r.core.version_bump = 1;
  r.app->stores().PollOnce();
  EXPECT_EQ(r.app->stores().Current()->version(store::StoreId::kKeysets), before + 1);
  EXPECT_GE(r.core.content().CountPath("/s/"), 6u);
  EXPECT_EQ(r.app->stores().Current()->version(store::StoreId::kKeysets),
            r.app->stores().stats().store(store::StoreId::kKeysets).version.load());
}

// A bad keysets file: the poll is rejected, counted, and the last good snapshot keeps serving.
void ExpectBadFileKeepsLastGood(Corrupt corrupt, const char* counter) {
  Running r;
  ASSERT_TRUE(r.Start().ok());
  ASSERT_TRUE(r.app->WaitReady(std::chrono::seconds(30)).ok());
  auto& stats = r.app->stores().stats().store(store::StoreId::kKeysets);
  const int64_t version = r.app->stores().Current()->version(store::StoreId::kKeysets);
  const uint64_t failures = stats.reload_failures.load();
  const uint64_t decrypt = r.app->core_stats().decrypt_failures.load();
  const uint64_t unknown = r.app->core_stats().unknown_key_ids.load();
  r.core.SetCorrupt("keysets", corrupt);
  r.core.version_bump = 7;
  r.app->stores().PollOnce();
  EXPECT_GT(stats.reload_failures.load(), failures);
  EXPECT_EQ(r.app->stores().Current()->version(store::StoreId::kKeysets), version);
  EXPECT_EQ(Generate(*r.app), "success");
  if (std::string(counter) == "decrypt") {
    EXPECT_GT(r.app->core_stats().decrypt_failures.load(), decrypt);
  } else if (std::string(counter) == "unknown_key") {
    EXPECT_GT(r.app->core_stats().unknown_key_ids.load(), unknown);
  }
  // Fixed on the core: the next poll takes it.
  r.core.SetCorrupt("keysets", Corrupt::kNone);
  r.app->stores().PollOnce();
  EXPECT_EQ(r.app->stores().Current()->version(store::StoreId::kKeysets), version + 7);
}

TEST(AttestedOperator, TruncatedFileKeepsLastGood) {
  ExpectBadFileKeepsLastGood(Corrupt::kTruncate, "");
}
TEST(AttestedOperator, UndecryptableFileKeepsLastGood) {
  ExpectBadFileKeepsLastGood(Corrupt::kBadCiphertext, "decrypt");
}
TEST(AttestedOperator, UnparsableFileKeepsLastGood) {
  ExpectBadFileKeepsLastGood(Corrupt::kUnparsable, "");
}
TEST(AttestedOperator, UnknownKeyIdKeepsLastGood) {
  ExpectBadFileKeepsLastGood(Corrupt::kUnknownKey, "unknown_key");
}
TEST(AttestedOperator, MissingFileKeepsLastGood) {
  ExpectBadFileKeepsLastGood(Corrupt::kNotFound, "");
}

TEST(AttestedOperator, AnyHeldCloudKeyOpensFiles) {
  Running r;
  r.core.key_id = 9;  // a key of another site: the operator accepts any key id it holds
  ASSERT_TRUE(r.Start().ok());
  ASSERT_TRUE(r.app->WaitReady(std::chrono::seconds(30)).ok());
  EXPECT_EQ(Generate(*r.app), "success");
}

TEST(AttestedOperator, SlowCoreTimesOutAndServingContinues) {
  Running r;
  auto t = FastTiming();
  t.http_timeout = std::chrono::milliseconds(300);
  ASSERT_TRUE(r.Start(t).ok());
  ASSERT_TRUE(r.app->WaitReady(std::chrono::seconds(30)).ok());
  r.core.delay_ms = 1500;
  r.core.version_bump = 3;
  const uint64_t failures = r.app->core_stats().request_failures.load();
  auto started = std::chrono::steady_clock::now();
  std::thread poll([&] { r.app->stores().PollOnce(); });
  EXPECT_EQ(Generate(*r.app), "success");  // served while the poll waits on the core
  poll.join();
  EXPECT_GT(r.app->core_stats().request_failures.load(), failures);
  // Each request gave up after ~300 ms, not 1.5 s (11 requests in the round).
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(11 * 1200));
  EXPECT_EQ(r.app->stores().Current()->version(store::StoreId::kKeysets),
            r.app->stores().stats().store(store::StoreId::kKeysets).version.load());
  r.core.delay_ms = 0;
  EXPECT_EQ(Generate(*r.app), "success");
}

// An opt-out record for the first-level hash `h` (32 bytes).
std::string OptOutRecordFor(const Bytes& h) {
  store::OptOutRecord rec;
  std::copy(h.begin(), h.end(), rec.identity_hash.begin());
  rec.advertising_id.fill(0x42);
  rec.timestamp_s = 1700000000;
  Bytes out;
  store::EncodeOptOutRecord(rec, &out);
  return std::string(out.begin(), out.end());
}

TEST(AttestedOperator, NewOptOutsApplyWithoutRestart) {
  Running r;
  const Bytes first = Bytes(32, 0x31), second = Bytes(32, 0x32);
  r.core.AddOptOutFile("optout-delta-001_2026-12-07T20.00.00Z_00000001.dat",
                       OptOutRecordFor(first));
  ASSERT_TRUE(r.Start().ok());
  ASSERT_TRUE(r.app->WaitReady(std::chrono::seconds(30)).ok());
  EXPECT_TRUE(r.app->optout().Current()->IsOptedOut(first));  // synced before serving
  EXPECT_FALSE(r.app->optout().Current()->IsOptedOut(second));
  r.core.AddOptOutFile("optout-delta-001_2026-12-07T20.05.00Z_00000002.dat",
                       OptOutRecordFor(second));
  EXPECT_TRUE(WaitFor([&] { return r.app->optout().Current()->IsOptedOut(second); }, 10000));
  EXPECT_TRUE(std::filesystem::exists(r.optout.path() +
                                      "/delta/optout-delta-001_2026-12-07T20.05.00Z_00000002.dat"));
  // A file that is not whole 72-byte records is refused and counted.
  const uint64_t rejected = r.app->optout_sync()->stats().files_rejected.load();
  r.core.AddOptOutFile("optout-delta-001_2026-12-07T20.10.00Z_00000003.dat", "short");
  EXPECT_TRUE(WaitFor(
      [&] { return r.app->optout_sync()->stats().files_rejected.load() > rejected; }, 10000));
  EXPECT_FALSE(std::filesystem::exists(
      r.optout.path() + "/delta/optout-delta-001_2026-12-07T20.10.00Z_00000003.dat"));
}

TEST(AttestedOperator, OptOutServiceDownServingContinues) {
  Running r;
  r.core.optout_down = true;
  ASSERT_TRUE(r.Start().ok());
  ASSERT_TRUE(r.app->WaitReady(std::chrono::seconds(30)).ok());
  EXPECT_EQ(Generate(*r.app), "success");
  EXPECT_GE(r.app->optout_sync()->stats().failures.load(), 1u);
  EXPECT_EQ(r.app->optout_sync()->stats().last_success_ms.load(), 0);
  r.core.optout_down = false;
  EXPECT_TRUE(
      WaitFor([&] { return r.app->optout_sync()->stats().last_success_ms.load() > 0; }, 10000));
}

TEST(AttestedOperator, StaleCoreDataStopsTheOperator) {
  // Declared before `r`: the operator's threads read the clock until `r` is destroyed.
  std::atomic<int64_t> offset{0};
  auto clock = [&offset] { return service::NowMs() + offset.load(); };
  Running r;
  ASSERT_TRUE(r.Start(FastTiming(), nullptr, clock).ok());
  ASSERT_TRUE(r.app->WaitReady(std::chrono::seconds(30)).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_FALSE(r.app->Fatal());  // fresh data: no stop
  r.core.down = true;            // polls fail from now on
  offset = int64_t{13} * 3600 * 1000;
  ASSERT_TRUE(WaitFor([&] { return r.app->Fatal().has_value(); }, 10000));
  EXPECT_NE(r.app->Fatal()->message().find("has not refreshed"), std::string::npos);
  EXPECT_EQ(r.fatal_calls.load(), 1);
}

TEST(AttestedOperator, StaleDataWithinTheLimitKeepsServing) {
  // Core down and 11 h without a successful poll: below the 12 h limit, nothing stops.
  // Declared before `r`: the operator's threads read the clock until `r` is destroyed.
  std::atomic<int64_t> offset{0};
  auto clock = [&offset] { return service::NowMs() + offset.load(); };
  Running r;
  ASSERT_TRUE(r.Start(FastTiming(), nullptr, clock).ok());
  ASSERT_TRUE(r.app->WaitReady(std::chrono::seconds(30)).ok());
  r.core.down = true;
  offset = int64_t{11} * 3600 * 1000;
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_FALSE(r.app->Fatal());
}

TEST(AttestedOperator, StaleCheckNeedsOldData) {
  // Successful polls reset the stale clock: 14 h pass in all (over the 12 h limit) but never more
  // than 7 h without a successful poll, so nothing stops. Each jump is made only after the poll
  // at the previous time has recorded its success (PollOnce is synchronous), so the watchdog can
  // never see a gap above 7 h, whatever the thread timing (the earlier version jumped 13 h at
  // once and raced the watchdog against the next poll).
  // Declared before `r`: the operator's threads read the clock until `r` is destroyed.
  std::atomic<int64_t> offset{0};
  auto clock = [&offset] { return service::NowMs() + offset.load(); };
  Running r;
  ASSERT_TRUE(r.Start(FastTiming(), nullptr, clock).ok());
  ASSERT_TRUE(r.app->WaitReady(std::chrono::seconds(30)).ok());
  for (int step = 1; step <= 2; step++) {
    offset = int64_t{7} * 3600 * 1000 * step;
    r.app->stores().PollOnce();  // unchanged versions: no new snapshot, still a success
    EXPECT_GE(r.app->stores().stats().store(store::StoreId::kSalts).last_success_ms.load(),
              service::NowMs() + offset.load() - 60000);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(400));  // watchdog runs every 50 ms
  EXPECT_FALSE(r.app->Fatal());
  EXPECT_EQ(r.fatal_calls.load(), 0);
}

TEST(AttestedOperator, ExpiredSaltsStopTheOperator) {
  Running r;
  ASSERT_TRUE(r.Start(FastTiming(), [](store::OperatorConfig& c) {
                 c.salts_expired_shutdown_hours = 0;
               }).ok());
  ASSERT_TRUE(r.app->WaitReady(std::chrono::seconds(30)).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_FALSE(r.app->Fatal());  // valid salts: no stop, even with a zero limit
  r.core.expire_salts = true;
  r.core.version_bump = 1;
  ASSERT_TRUE(WaitFor([&] { return r.app->Fatal().has_value(); }, 10000));
  EXPECT_NE(r.app->Fatal()->message().find("salts have been expired"), std::string::npos);
}

TEST(AttestedOperator, HealthcheckFailsWhileTheAttestationIsExpired) {
  Running r;
  r.core.token_ttl_ms = 1500;  // expires quickly; re-attestation is due at once
  ASSERT_TRUE(r.Start().ok());
  ASSERT_TRUE(r.app->WaitReady(std::chrono::seconds(30)).ok());
  r.core.attest_status = 500;  // renewals fail from now on
  Api api(r.app->api_port());
  auto health = [&] {
    auto reply = api.http().Get("/ops/healthcheck");
    return reply.ok() ? static_cast<int>(reply->status) : -1;
  };
  EXPECT_TRUE(WaitFor([&] { return health() == 503; }, 10000));
  EXPECT_FALSE(r.app->Fatal());  // not fatal before attestation_failure_shutdown_hours
  r.core.attest_status = 200;
  EXPECT_TRUE(WaitFor([&] { return health() == 200; }, 10000));
}

// RunBinary writes an attested config for `core` and runs uid2-operator with `flags`; returns
// the exit code and the output.
int RunBinary(FakeCore& core, const TempDir& dir, const std::string& flags, std::string* out) {
  store::OperatorConfig c = core.Config(dir.path() + "/optout");
  std::string json = "{\"core_attest_url\":\"" + *c.core_attest_url +
                     "\",\"enable_remote_config\":true,\"encrypted_files\":true";
  for (int i = 0; i < store::kStoreCount; i++) {
    const std::string name(store::StoreName(static_cast<store::StoreId>(i)));
    json += ",\"" + name + "_metadata_path\":\"" + c.stores[i].metadata_path + "\"";
    json += ",\"" + name + "_refresh_ms\":300";
  }
  json += ",\"cloud_encryption_keys_metadata_path\":\"" + c.cloud_encryption_keys_metadata_path +
          "\",\"optout_data_dir\":\"" + dir.path() + "/optout\"}";
  const std::string config = dir.path() + "/config.json";
  EXPECT_TRUE(WriteFileAtomic(config, json).ok());
  const char* bin = std::getenv("UID2_BIN_DIR");
  if (bin == nullptr) bin = UID2_BIN_DIR;
  std::string cmd = "core_api_token=" + std::string(kOperatorKey) + " timeout 60 " + bin +
                    "/uid2-operator --config " + config + " --port 0 --metrics-port 0 " + flags +
                    " > " + dir.path() + "/out.txt 2>&1";
  int rc = std::system(cmd.c_str());
  auto text = ReadFile(dir.path() + "/out.txt");
  *out = text.ok() ? *text : "";
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

TEST(AttestedOperatorBinary, NoAttestationDirExitsNonZero) {
  FakeCore core;
  TempDir dir;
  std::string out;
  EXPECT_EQ(
      RunBinary(core, dir, "--enclave-platform azure-sgx --attestation-dir /nonexistent", &out), 1);
  EXPECT_NE(out.find("/nonexistent/user_report_data"), std::string::npos) << out;
  EXPECT_EQ(core.attest_count(), 0u);
}

// While serving: the core revokes the token (401 on polls), the operator re-attests and the core
// now refuses it (403): the running process stops with exit code 1 and the reason.
TEST(AttestedOperatorBinary, RefusalWhileServingExitsNonZero) {
  FakeCore core;
  TempDir dir;
  std::string out;
  int rc = -1;
  std::thread run([&] { rc = RunBinary(core, dir, "", &out); });
  const bool loaded = WaitFor([&] { return core.content().CountPath("/s/") >= 4; },
                              30000);                           // clients, keysets, keys, salts
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the API port opens
  core.attest_status = 403;
  core.RevokeTokens();
  run.join();
  ASSERT_TRUE(loaded) << out;
  EXPECT_EQ(rc, 1) << out;
  EXPECT_NE(out.find("serving on"), std::string::npos) << out;
  EXPECT_NE(out.find("HTTP 403"), std::string::npos) << out;
  EXPECT_GE(core.attest_count(), 2u);
}

// The binary: a refused attestation ends the process with exit code 1 and the reason.
TEST(AttestedOperatorBinary, RefusedAttestationExitsNonZero) {
  FakeCore core;
  core.attest_status = 403;
  TempDir dir;
  std::string out;
  EXPECT_EQ(RunBinary(core, dir, "", &out), 1);
  EXPECT_NE(out.find("HTTP 403"), std::string::npos) << out;
  EXPECT_NE(out.find("allowlist"), std::string::npos) << out;
  EXPECT_EQ(out.find(kOperatorKey), std::string::npos);  // the key is never printed
}

}  // namespace
}  // namespace uid2::sync::testing
