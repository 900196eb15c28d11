// /v2/token/logout with `optout_api_uri` set (spec §4.4): the operator posts the opt-out to the
// remote opt-out service (here a fake one on 127.0.0.1) instead of writing a local delta file.
#include <filesystem>
#include <mutex>

#include "common/encoding.h"
#include "common/file.h"
#include "operator/service/optout_remote.h"
#include "test_support.h"

namespace uid2::service::testing {
namespace {

// FakeOptOutService records every request and answers with `status`.
class FakeOptOutService {
 public:
  explicit FakeOptOutService(unsigned status) : status_(status) {
    HttpServerOptions o;
    o.port = 0;
    auto s = HttpServer::Start(o, [this](const HttpRequest& req, HttpResponse* resp) {
      std::lock_guard<std::mutex> lock(mu_);
      seen_.push_back({std::string(req.method), std::string(req.target),
                       std::string(req.authorization), std::string(req.body)});
      resp->status = status_;
      resp->body = "{}";
    });
    EXPECT_TRUE(s.ok());
    if (s.ok()) server_ = std::move(s).value();
  }
  std::string uri() const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + "/optout/replicate";
  }
  struct Seen {
    std::string method, target, authorization, body;
  };
  std::vector<Seen> seen() {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_;
  }

 private:
  unsigned status_;
  std::mutex mu_;
  std::vector<Seen> seen_;
  std::unique_ptr<HttpServer> server_;
};

// QueryParam returns the percent-decoded value of `name` in `target` ("" when absent).
std::string QueryParam(const std::string& target, const std::string& name) {
  size_t at = target.find(name + "=");
  if (at == std::string::npos) return "";
  at += name.size() + 1;
  std::string v = target.substr(at, target.find('&', at) - at);
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '%' && i + 2 < v.size()) {
      out += static_cast<char>(std::stoi(v.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += v[i];
    }
  }
  return out;
}

bool HasLocalDelta(const std::string& dir) {
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (e.path().filename().string().rfind("optout-delta-", 0) == 0) return true;
  }
  return false;
}

struct Running {
  TempDir optout_dir;
  std::unique_ptr<OperatorApp> app;
  std::unique_ptr<Api> api;
};

std::unique_ptr<Running> StartWith(const std::string& optout_uri) {
  auto r = std::make_unique<Running>();
  store::OperatorConfig c = LocalConfig(r->optout_dir.path());
  c.optout_api_uri = optout_uri;
  c.core_api_token = store::Secret("test-core-token");
  auto app = OperatorApp::Start(c);
  EXPECT_TRUE(app.ok()) << app.error().message();
  if (!app.ok()) return nullptr;
  r->app = std::move(app).value();
  r->api = std::make_unique<Api>(r->app->api_port());
  return r;
}

TEST(RemoteOptOutTest, LogoutPostsToTheOptOutServiceAndWritesNothingLocally) {
  FakeOptOutService fake(200);
  auto run = StartWith(fake.uri());
  ASSERT_NE(run, nullptr);
  const std::string email = "remote-logout@example.com";
  auto map = run->api->V2("/v3/identity/map", k999, R"({"email":[")" + email + R"("]})");
  ASSERT_EQ(map.Status(), "success") << map.json;
  std::string uid = map.Body()["email"][0]["u"].GetString();

  auto out = run->api->V2("/v2/token/logout", k127, R"({"email":")" + email + R"("})");
  ASSERT_EQ(out.http, 200u) << out.json;
  EXPECT_EQ(out.json, R"({"status":"success","body":{"optout":"OK"}})");

  auto seen = fake.seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[0].target.substr(0, seen[0].target.find('?')), "/optout/replicate");
  EXPECT_EQ(seen[0].authorization, "Bearer test-core-token");
  EXPECT_EQ(QueryParam(seen[0].target, "advertising_id"), uid);
  auto identity_hash = Base64Decode(QueryParam(seen[0].target, "identity_hash"));
  ASSERT_TRUE(identity_hash.has_value());
  EXPECT_EQ(identity_hash->size(), 32u);
  EXPECT_EQ(seen[0].body, R"({"email":")" + email + R"("})");
  EXPECT_FALSE(HasLocalDelta(run->optout_dir.path()));
}

TEST(RemoteOptOutTest, EmailHashLogoutSendsNoEmail) {
  FakeOptOutService fake(200);
  auto run = StartWith(fake.uri());
  ASSERT_NE(run, nullptr);
  auto out = run->api->V2("/v2/token/logout", k127,
                          R"({"email_hash":"tMmiiTI7IaAcPpQPFQ65uMVCWH8av9jw4cwf/F5HVRQ="})");
  ASSERT_EQ(out.http, 200u) << out.json;
  auto seen = fake.seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].body, "{}");
}

TEST(RemoteOptOutTest, ServiceErrorBecomes500AndNothingIsWrittenLocally) {
  FakeOptOutService fake(503);
  auto run = StartWith(fake.uri());
  ASSERT_NE(run, nullptr);
  auto out = run->api->V2("/v2/token/logout", k127, R"({"email":"x@example.com"})");
  EXPECT_EQ(out.http, 500u) << out.json;
  EXPECT_EQ(out.Status(), "unknown");
  EXPECT_EQ(fake.seen().size(), 1u);
  EXPECT_FALSE(HasLocalDelta(run->optout_dir.path()));
}

TEST(RemoteOptOutTest, UnreachableServiceBecomes500) {
  std::string uri;
  {
    FakeOptOutService gone(200);
    uri = gone.uri();
  }  // stopped: the port now refuses connections
  auto run = StartWith(uri);
  ASSERT_NE(run, nullptr);
  auto out = run->api->V2("/v2/token/logout", k127, R"({"email":"x@example.com"})");
  EXPECT_EQ(out.http, 500u) << out.json;
  EXPECT_FALSE(HasLocalDelta(run->optout_dir.path()));
}

TEST(RemoteOptOutTest, ClientRejectsNonHttpUri) {
  auto bad = RemoteOptOut::Create("ftp://example.com/optout", store::Secret("t"), "p");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("optout_api_uri"), std::string::npos);
  EXPECT_TRUE(RemoteOptOut::Create("https://example.com/x", store::Secret("t"), "p").ok());
}

TEST(RemoteOptOutTest, ConfigFileWithNonHttpUriIsRefused) {
  auto file = ReadFile(store::ProfilePath("local"));
  ASSERT_TRUE(file.ok());
  std::string text = *file;
  size_t at = text.find("\"optout_api_uri\": null");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 22, "\"optout_api_uri\": \"ftp://x\"");
  auto parsed = store::ParseOperatorConfig(text, "test-config.json");
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.error().message().find("optout_api_uri"), std::string::npos);
}

}  // namespace
}  // namespace uid2::service::testing
