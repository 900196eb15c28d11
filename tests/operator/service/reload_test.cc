// Data reloads under a running service (spec §4.1), and plain (unencrypted) mode (spec §2.5).
#include <fstream>
#include <regex>

#include "common/file.h"
#include "test_support.h"

namespace uid2::service::testing {
namespace {

namespace fs = std::filesystem;

// A private copy of data/uid2/core the test may modify.
class ReloadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::copy("data/uid2/core", data_.path() + "/core", fs::copy_options::recursive);
    auto app = OperatorApp::Start(LocalConfig(optout_.path(), data_.path() + "/core"));
    ASSERT_TRUE(app.ok()) << app.error().message();
    app_ = std::move(app).value();
    api_ = std::make_unique<Api>(app_->api_port());
  }

  void Replace(const std::string& rel, const std::string& from, const std::string& to) {
    std::string path = data_.path() + "/core/" + rel;
    auto text = ReadFile(path);
    ASSERT_TRUE(text.ok());
    size_t at = text->find(from);
    ASSERT_NE(at, std::string::npos) << from << " in " << rel;
    text->replace(at, from.size(), to);
    ASSERT_TRUE(WriteFileAtomic(path, *text).ok());
  }
  void BumpVersion(const std::string& store) {
    std::string path = data_.path() + "/core/" + store + "/metadata.json";
    auto text = ReadFile(path);
    ASSERT_TRUE(text.ok());
    std::string bumped =
        std::regex_replace(*text, std::regex("\"version\"\\s*:\\s*1"), "\"version\": 2");
    ASSERT_NE(bumped, *text);
    ASSERT_TRUE(WriteFileAtomic(path, bumped).ok());
  }
  std::string Metrics() {
    BlockingHttpClient m("127.0.0.1", app_->metrics_port());
    auto r = m.Get("/metrics");
    return r.ok() ? r->body : "";
  }

  TempDir data_, optout_;
  std::unique_ptr<OperatorApp> app_;
  std::unique_ptr<Api> api_;
};

TEST_F(ReloadTest, ChangedVersionIsPickedUp) {
  EXPECT_EQ(api_->V2("/v2/identity/map", k125, R"({"email":["a@example.com"]})").http, 200u);
  // Disable client 125 in a new version of the clients store.
  std::string path = data_.path() + "/core/clients/clients.json";
  auto text = ReadFile(path);
  ASSERT_TRUE(text.ok());
  size_t at = text->find("UID2-C-L-125-");
  ASSERT_NE(at, std::string::npos);
  size_t flag = text->find("\"disabled\": false", at);
  ASSERT_NE(flag, std::string::npos);
  text->replace(flag, 17, "\"disabled\": true");
  ASSERT_TRUE(WriteFileAtomic(path, *text).ok());
  // Same version: not reloaded.
  app_->stores().PollOnce();
  EXPECT_EQ(api_->V2("/v2/identity/map", k125, R"({"email":["a@example.com"]})").http, 200u);
  BumpVersion("clients");
  EXPECT_TRUE(app_->stores().PollOnce());
  EXPECT_EQ(api_->V2("/v2/identity/map", k125, R"({"email":["a@example.com"]})").http, 401u);
  EXPECT_NE(Metrics().find("uid2_store_version{store=\"clients\"} 2"), std::string::npos);
}

TEST_F(ReloadTest, CorruptNewSnapshotIsRejectedWhileServiceContinues) {
  std::ofstream(data_.path() + "/core/keysets/keysets.json") << "[{\"keyset_id\": \"oops\"";
  BumpVersion("keysets");
  EXPECT_FALSE(app_->stores().PollOnce());
  auto g = api_->V2("/v2/token/generate", k999, R"({"email":"still@example.com"})");
  EXPECT_EQ(g.Status(), "success") << g.json;
  auto s = api_->V2("/v2/key/sharing", k123, "");
  EXPECT_EQ(s.Status(), "success");
  std::string metrics = Metrics();
  EXPECT_NE(metrics.find("uid2_store_reload_failures_total{store=\"keysets\"} 1"),
            std::string::npos)
      << metrics.substr(0, 2000);
}

TEST_F(ReloadTest, ValidateWithOwnSiteKey) {
  // Give site 999 its own default keyset and key, then a 999 token validates for 999.
  Replace("keysets/keysets.json", "[",
          R"([{"keyset_id":999,"site_id":999,"name":"t","allowed_sites":null,"created":1,)"
          R"("enabled":true,"default":true},)");
  Replace("keyset_keys/keyset_keys.json", "[",
          R"([{"id":999,"keyset_id":999,"created":1609459200,"activates":1609459200,)"
          R"("expires":4088629662,"secret":"YGdzZw9oM2RzBgB8THMyAEe408lvdfsTsGteaLAGayY="},)");
  BumpVersion("keysets");
  BumpVersion("keyset_keys");
  ASSERT_TRUE(app_->stores().PollOnce());
  auto g = api_->V2("/v2/token/generate", k999, R"({"email":"validate@example.com"})");
  ASSERT_EQ(g.Status(), "success");
  std::string token = g.Body()["advertising_token"].GetString();
  auto ok = api_->V2("/v2/token/validate", k999,
                     R"({"token":")" + token + R"(","email":"validate@example.com"})");
  EXPECT_EQ(ok.json, R"({"status":"success","body":true})");
  std::string hash = "ntI244ZRTXwAwpki6/M5cyBYW7h/Wq576lnN3l9+W/c=";  // SHA-256(validate@...)
  auto by_hash = api_->V2("/v2/token/validate", k999,
                          R"({"token":")" + token + R"(","email_hash":")" + hash + "\"}");
  EXPECT_EQ(by_hash.json, R"({"status":"success","body":true})");
}

TEST(PlainModeTest, V2EndpointsTakeAndReturnPlainJson) {
  TempDir optout;
  store::OperatorConfig config = LocalConfig(optout.path());
  config.enable_v2_encryption = false;
  auto app = OperatorApp::Start(std::move(config));
  ASSERT_TRUE(app.ok()) << app.error().message();
  Api api((*app)->api_port());
  auto r = api.Raw("/v2/token/generate", k999.key, R"({"email":"plain@example.com"})",
                   "application/json");
  ASSERT_EQ(r.http, 200u) << r.json;
  EXPECT_EQ(r.Status(), "success");
  EXPECT_EQ(r.Body()["refresh_token"].GetStringLength(), 388u);
  auto bad = api.Raw("/v2/token/generate", k999.key, "{oops", "application/json");
  EXPECT_EQ(bad.http, 400u);
  EXPECT_EQ(bad.Status(), "client_error");
}

}  // namespace
}  // namespace uid2::service::testing
