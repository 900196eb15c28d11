// Attestation: the /dev/attestation platform (with a real simulated DCAP quote), one
// attestation against the fake core (request shape, token decryption, 401/403 fatal, other
// failures retried), and the manager (re-attest before expiry, failure limit).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <thread>

#include "attest/quote.h"
#include "attest/sim.h"
#include "common/encoding.h"
#include "common/file.h"
#include "common/json.h"
#include "crypto/hash.h"
#include "crypto/rsa.h"
#include "operator/sync/attest_reply.h"
#include "operator/sync/attestation.h"
#include "tests/operator/sync/fake_core.h"

namespace uid2::sync::testing {
namespace {

namespace fs = std::filesystem;

struct TmpDir {
  TmpDir() {
    std::string t = (fs::temp_directory_path() / "uid2-att-XXXXXX").string();
    path = mkdtemp(t.data());
  }
  ~TmpDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string path;
};

const attest::SimPki& Pki() {
  static const attest::SimPki* pki = new attest::SimPki(std::move(attest::CreateSimPki()).value());
  return *pki;
}

Bytes SimQuote(ByteSpan report_data) {
  attest::ReportBody body;
  body.mr_enclave.fill(0xAB);
  std::copy(report_data.begin(), report_data.end(), body.report_data.begin());
  auto q = attest::SimulateQuote(Pki(), body);
  EXPECT_TRUE(q.ok());
  return q.ok() ? *q : Bytes{};
}

Bytes ReportData(uint8_t fill) { return Bytes(64, fill); }

// A fake /dev/attestation: the test writes the quote beforehand, so it knows the report data.
TEST(DevAttestationPlatform, WritesReportDataAndReturnsTheMatchingQuote) {
  TmpDir dir;
  Bytes rd = ReportData(0x5A);
  Bytes quote = SimQuote(rd);
  ASSERT_TRUE(WriteFileAtomic(dir.path + "/quote", quote).ok());
  ASSERT_TRUE(WriteFileAtomic(dir.path + "/user_report_data", Bytes(64)).ok());
  DevAttestationPlatform platform(dir.path);
  auto doc = platform.Document(rd);
  ASSERT_TRUE(doc.ok()) << doc.error().message();
  EXPECT_EQ(*doc, quote);
  EXPECT_EQ(*ReadFileBytes(dir.path + "/user_report_data"), rd);
}

TEST(DevAttestationPlatform, RefusesAQuoteOverOtherReportData) {
  TmpDir dir;
  ASSERT_TRUE(WriteFileAtomic(dir.path + "/quote", SimQuote(ReportData(0x01))).ok());
  ASSERT_TRUE(WriteFileAtomic(dir.path + "/user_report_data", Bytes(64)).ok());
  auto doc = DevAttestationPlatform(dir.path).Document(ReportData(0x02));
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(doc.error().code(), ErrorCode::kVerifyFailed);
}

TEST(DevAttestationPlatform, RefusesMissingOrGarbageQuotes) {
  TmpDir dir;
  ASSERT_TRUE(WriteFileAtomic(dir.path + "/user_report_data", Bytes(64)).ok());
  EXPECT_FALSE(DevAttestationPlatform(dir.path).Document(ReportData(1)).ok());  // no quote
  ASSERT_TRUE(WriteFileAtomic(dir.path + "/quote", Bytes(100, 7)).ok());
  EXPECT_FALSE(DevAttestationPlatform(dir.path).Document(ReportData(1)).ok());
  EXPECT_FALSE(DevAttestationPlatform(dir.path + "/missing").Document(ReportData(1)).ok());
  EXPECT_FALSE(DevAttestationPlatform(dir.path).Document(Bytes(63)).ok());
}

TEST(AttestationPlatform, NamesArePlatforms) {
  EXPECT_TRUE(MakeAttestationPlatform(std::nullopt, "/x").ok());
  EXPECT_TRUE(MakeAttestationPlatform(std::string(""), "/x").ok());
  EXPECT_EQ((*MakeAttestationPlatform(std::string("azure-sgx"), "/x"))->Name(), "azure-sgx:/x");
  EXPECT_FALSE(MakeAttestationPlatform(std::string("aws-nitro"), "/x").ok());
}

// SimQuotePlatform quotes with the simulated QE (what shroud run --sim-pki serves).
class SimQuotePlatform : public AttestationPlatform {
 public:
  explicit SimQuotePlatform(bool wrong_report_data = false) : wrong_(wrong_report_data) {}
  Result<Bytes> Document(ByteSpan rd) override {
    Bytes data(rd.begin(), rd.end());
    if (wrong_) data[0] ^= 1;
    return SimQuote(data);
  }
  std::string Name() const override { return "sim"; }

 private:
  bool wrong_;
};

// The core-side check of §4.6: the quote's report data binds the public key.
std::string CheckQuoteBinding(const std::string& doc, const std::string& spki) {
  auto quote = attest::Quote::Parse(AsBytes(doc));
  if (!quote.ok()) return "quote does not parse";
  crypto::Sha256Digest h = crypto::Sha256(AsBytes(spki));
  const auto& rd = quote->body().report_data;
  if (!std::equal(h.begin(), h.end(), rd.begin())) return "report data does not bind the key";
  for (size_t i = 32; i < 64; i++) {
    if (rd[i] != 0) return "report data tail is not zero";
  }
  return "";
}

AttestOptions Options(const FakeCore& core, const std::string& token = kOperatorKey) {
  AttestOptions o;
  o.url = core.attest_url();
  o.api_token = store::Secret(token);
  o.operator_type = "private";
  o.instance_id = "test-instance";
  o.timeout = std::chrono::milliseconds(5000);
  return o;
}

TEST(AttestOnce, SendsTheContractRequestAndDecryptsTheToken) {
  FakeCore core;
  auto platform = std::move(MakeAttestationPlatform(std::nullopt, "")).value();
  bool fatal = true;
  long status = 0;
  auto creds = AttestOnce(Options(core), *platform, &fatal, &status);
  ASSERT_TRUE(creds.ok()) << creds.error().message();
  EXPECT_EQ(status, 200);
  EXPECT_EQ(creds->attestation_token.rfind("atoken-", 0), 0u);  // decrypted, as text
  EXPECT_EQ(creds->core_jwt, "core-jwt");
  EXPECT_EQ(creds->optout_jwt, "optout-jwt");
  EXPECT_EQ(creds->optout_url, core.base_url());
  EXPECT_GT(creds->expires_at_ms, 0);
  auto reqs = core.core().requests();
  ASSERT_EQ(reqs.size(), 1u);
  const FakeRequest& r = reqs[0];
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.Header("authorization"), std::string("Bearer ") + kOperatorKey);
  EXPECT_EQ(r.Header("content-type"), "application/json");
  EXPECT_EQ(r.Header("x-uid2-appversion"), AppVersionHeader());
  EXPECT_EQ(r.Header("uid-instance-id"), "test-instance");
  auto body = ParseJson(r.body);
  ASSERT_TRUE(body.ok());
  EXPECT_STREQ((*body)["attestation_request"].GetString(), "AA==");
  EXPECT_STREQ((*body)["operator_type"].GetString(), "private");
  EXPECT_STREQ((*body)["application_name"].GetString(), "uid2-operator");
  EXPECT_TRUE((*body)["components"].IsObject());
  auto spki = Base64Decode((*body)["public_key"].GetString());
  ASSERT_TRUE(spki);
  auto key = crypto::RsaKey::FromPublicDer(*spki);
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(key->bits(), 2048);
}

TEST(AttestOnce, EveryAttestationUsesAFreshKey) {
  FakeCore core;
  auto platform = std::move(MakeAttestationPlatform(std::nullopt, "")).value();
  bool fatal;
  long status;
  ASSERT_TRUE(AttestOnce(Options(core), *platform, &fatal, &status).ok());
  ASSERT_TRUE(AttestOnce(Options(core), *platform, &fatal, &status).ok());
  auto reqs = core.core().requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_NE((*ParseJson(reqs[0].body))["public_key"].GetString(),
            std::string((*ParseJson(reqs[1].body))["public_key"].GetString()));
}

TEST(AttestOnce, SgxQuoteBindsThePublicKey) {
  FakeCore core;
  core.check_document = CheckQuoteBinding;
  SimQuotePlatform good;
  bool fatal;
  long status;
  auto creds = AttestOnce(Options(core), good, &fatal, &status);
  ASSERT_TRUE(creds.ok()) << creds.error().message();
  SimQuotePlatform wrong(/*wrong_report_data=*/true);
  auto refused = AttestOnce(Options(core), wrong, &fatal, &status);
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(fatal);
  EXPECT_EQ(status, 403);
  EXPECT_NE(refused.error().message().find("does not bind the key"), std::string::npos);
}

TEST(AttestOnce, Http401IsFatalWithTheReason) {
  FakeCore core;
  auto platform = std::move(MakeAttestationPlatform(std::nullopt, "")).value();
  bool fatal = false;
  long status = 0;
  auto r = AttestOnce(Options(core, "wrong-key"), *platform, &fatal, &status);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(fatal);
  EXPECT_EQ(status, 401);
  EXPECT_NE(r.error().message().find("unknown operator key"), std::string::npos);
}

TEST(AttestOnce, Http403IsFatalOtherStatusesAreNot) {
  FakeCore core;
  auto platform = std::move(MakeAttestationPlatform(std::nullopt, "")).value();
  bool fatal = false;
  long status = 0;
  core.attest_status = 403;
  auto r = AttestOnce(Options(core), *platform, &fatal, &status);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(fatal);
  EXPECT_NE(r.error().message().find("allowlist"), std::string::npos);
  core.attest_status = 500;
  EXPECT_FALSE(AttestOnce(Options(core), *platform, &fatal, &status).ok());
  EXPECT_FALSE(fatal);
  core.attest_status = 200;
  EXPECT_TRUE(AttestOnce(Options(core), *platform, &fatal, &status).ok());
}

TEST(AttestOnce, UnreachableCoreIsNotFatal) {
  std::string url;
  {
    FakeCore gone;
    url = gone.attest_url();
  }
  AttestOptions o;
  o.url = url;
  o.api_token = store::Secret(kOperatorKey);
  auto platform = std::move(MakeAttestationPlatform(std::nullopt, "")).value();
  bool fatal = true;
  long status = 0;
  EXPECT_FALSE(AttestOnce(o, *platform, &fatal, &status).ok());
  EXPECT_FALSE(fatal);
  EXPECT_EQ(status, 0);
}

TEST(AttestOnce, APlatformThatCannotQuoteIsFatal) {
  FakeCore core;
  auto platform =
      std::move(MakeAttestationPlatform(std::string("azure-sgx"), "/nonexistent")).value();
  bool fatal = false;
  long status = 0;
  auto r = AttestOnce(Options(core), *platform, &fatal, &status);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(fatal);
  EXPECT_NE(r.error().message().find("/nonexistent/user_report_data"), std::string::npos);
  EXPECT_EQ(core.attest_count(), 0u);
}

AttestationManager::Options ManagerOptions(const FakeCore& core) {
  AttestationManager::Options o;
  o.attest = Options(core);
  o.check_interval_ms = 50;
  o.initial_backoff_ms = 50;
  o.max_backoff_ms = 100;
  return o;
}

bool WaitFor(const std::function<bool()>& cond, int ms) {
  for (int i = 0; i < ms / 20; i++) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return cond();
}

TEST(AttestationManager, ReattestsTenMinutesBeforeExpiry) {
  FakeCore core;
  core.token_ttl_ms = 10 * 60 * 1000 + 1500;  // due 1.5 s after each attestation
  AttestationManager m(ManagerOptions(core),
                       std::move(MakeAttestationPlatform(std::nullopt, "")).value(), nullptr);
  m.Start();
  ASSERT_TRUE(m.WaitAttested(std::chrono::seconds(5)).ok());
  auto first = m.Current();
  EXPECT_TRUE(WaitFor([&] { return core.attest_count() >= 3; }, 8000));
  auto later = m.Current();
  ASSERT_TRUE(later);
  EXPECT_NE(first->attestation_token, later->attestation_token);  // swapped
  EXPECT_FALSE(m.Fatal());
}

TEST(AttestationManager, DoesNotReattestAValidToken) {
  FakeCore core;  // 1 h tokens
  AttestationManager m(ManagerOptions(core),
                       std::move(MakeAttestationPlatform(std::nullopt, "")).value(), nullptr);
  m.Start();
  ASSERT_TRUE(m.WaitAttested(std::chrono::seconds(5)).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  EXPECT_EQ(core.attest_count(), 1u);
}

TEST(AttestationManager, ShortTokensAreRenewedOncePerCheckInterval) {
  FakeCore core;
  core.token_ttl_ms = 1000;  // always inside the 10-minute window
  auto o = ManagerOptions(core);
  o.check_interval_ms = 500;
  AttestationManager m(o, std::move(MakeAttestationPlatform(std::nullopt, "")).value(), nullptr);
  m.Start();
  ASSERT_TRUE(m.WaitAttested(std::chrono::seconds(5)).ok());
  EXPECT_TRUE(WaitFor([&] { return core.attest_count() >= 2; }, 10000));
  const size_t seen = core.attest_count();
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  EXPECT_LE(core.attest_count(), seen + 3);  // ~2 per second, not a tight loop
}

TEST(AttestationManager, RetriesUntilTheCoreAnswers) {
  FakeCore core;
  core.attest_status = 503;
  AttestationManager m(ManagerOptions(core),
                       std::move(MakeAttestationPlatform(std::nullopt, "")).value(), nullptr);
  m.Start();
  EXPECT_FALSE(m.WaitAttested(std::chrono::milliseconds(400)).ok());
  EXPECT_TRUE(WaitFor([&] { return m.stats().failures.load() >= 2; }, 5000));
  EXPECT_FALSE(m.Fatal());
  core.attest_status = 200;
  EXPECT_TRUE(m.WaitAttested(std::chrono::seconds(5)).ok());
}

TEST(AttestationManager, ContinuousFailurePastTheLimitIsFatal) {
  FakeCore core;
  core.attest_status = 500;
  auto o = ManagerOptions(core);
  o.failure_shutdown_ms = 300;
  std::atomic<int> fatal_calls{0};
  AttestationManager m(o, std::move(MakeAttestationPlatform(std::nullopt, "")).value(),
                       [&](const Error&) { fatal_calls++; });
  m.Start();
  Status st = m.WaitAttested(std::chrono::seconds(5));
  ASSERT_FALSE(st.ok());
  ASSERT_TRUE(m.Fatal());
  EXPECT_NE(m.Fatal()->message().find("continuously"), std::string::npos);
  EXPECT_EQ(fatal_calls.load(), 1);
}

TEST(AttestationManager, UnauthorizedIsFatalAtOnce) {
  FakeCore core;
  auto o = ManagerOptions(core);
  o.attest.api_token = store::Secret("not-the-key");
  std::atomic<int> fatal_calls{0};
  AttestationManager m(o, std::move(MakeAttestationPlatform(std::nullopt, "")).value(),
                       [&](const Error&) { fatal_calls++; });
  m.Start();
  ASSERT_FALSE(m.WaitAttested(std::chrono::seconds(5)).ok());
  EXPECT_EQ(fatal_calls.load(), 1);
  EXPECT_EQ(core.attest_count(), 1u);
  EXPECT_EQ(m.stats().last_http_status.load(), 401);
}

TEST(AttestationManager, RequestReattestAttestsNow) {
  FakeCore core;
  AttestationManager m(ManagerOptions(core),
                       std::move(MakeAttestationPlatform(std::nullopt, "")).value(), nullptr);
  m.Start();
  ASSERT_TRUE(m.WaitAttested(std::chrono::seconds(5)).ok());
  m.RequestReattest();
  EXPECT_TRUE(WaitFor([&] { return core.attest_count() >= 2; }, 5000));
}

}  // namespace
}  // namespace uid2::sync::testing
