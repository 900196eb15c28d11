// The operator's HTTP API over real HTTP on 127.0.0.1 (spec §1-§3), in-process, with the
// bundled local dataset. Requests are built by an independent v2 client (v2_client.h).
#include <set>

#include "crypto/cipher.h"
#include "crypto/ec.h"
#include "crypto/hash.h"
#include "test_support.h"

namespace uid2::service::testing {
namespace {

class ApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    optout_dir_ = new TempDir();
    auto app = OperatorApp::Start(LocalConfig(optout_dir_->path()));
    ASSERT_TRUE(app.ok()) << app.error().message();
    app_ = std::move(app).value().release();
  }
  static void TearDownTestSuite() {
    delete app_;
    delete optout_dir_;
    app_ = nullptr;
  }
  void SetUp() override { api_ = std::make_unique<Api>(app_->api_port()); }

  ApiReply Generate(const TestClient& c, std::string_view json) {
    return api_->V2("/v2/token/generate", c, json);
  }
  static std::string Str(const rapidjson::Value& v, const char* key) {
    return v.HasMember(key) && v[key].IsString() ? v[key].GetString() : "";
  }

  static OperatorApp* app_;
  static TempDir* optout_dir_;
  std::unique_ptr<Api> api_;
};
OperatorApp* ApiTest::app_ = nullptr;
TempDir* ApiTest::optout_dir_ = nullptr;

// ---- HTTP basics ----

TEST_F(ApiTest, HealthcheckAnswersOk) {
  auto r = api_->http().Get("/ops/healthcheck");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200u);
  EXPECT_EQ(r->body, "OK");
}

TEST_F(ApiTest, UnknownPathIs404AndWrongMethodIs405) {
  auto r = api_->Raw("/v1/token/generate", k999.key, "x");
  EXPECT_EQ(r.http, 404u);
  EXPECT_EQ(r.Status(), "client_error");
  auto g = api_->http().Get("/v2/token/generate");
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->status, 405u);
}

TEST_F(ApiTest, CorsPreflightAndOriginEcho) {
  auto pre = api_->http().Request(
      "OPTIONS", "/v2/token/generate",
      {{"Origin", "https://pub.example"}, {"Access-Control-Request-Method", "POST"}}, "");
  ASSERT_TRUE(pre.ok());
  EXPECT_EQ(pre->status, 204u);
  EXPECT_EQ(pre->Header("Access-Control-Allow-Origin"), "https://pub.example");
  EXPECT_NE(pre->Header("Access-Control-Allow-Methods").find("POST"), std::string::npos);
  auto r = api_->http().Request("GET", "/ops/healthcheck", {{"Origin", "https://x.test"}}, "");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->Header("Access-Control-Allow-Origin"), "https://x.test");
}

TEST_F(ApiTest, OversizedBodyGets413) {
  std::string big((1 << 20) + 10, 'A');
  auto r = api_->Raw("/v2/token/generate", k999.key, big);
  EXPECT_EQ(r.http, 413u);
  EXPECT_EQ(r.Status(), "client_error");
}

// ---- authentication and roles ----

TEST_F(ApiTest, MissingOrUnknownKeyIs401Unauthorized) {
  auto none = api_->Raw("/v2/token/generate", "", "AQ==");
  EXPECT_EQ(none.http, 401u);
  EXPECT_EQ(none.json, R"({"status":"unauthorized"})");
  auto wrong = api_->Raw("/v2/token/generate", "UID2-C-L-999-nope.nope", "AQ==");
  EXPECT_EQ(wrong.http, 401u);
  auto other_scheme = api_->http().Request(
      "POST", "/v2/token/generate", {{"Authorization", std::string("Basic ") + k999.key}}, "x");
  ASSERT_TRUE(other_scheme.ok());
  EXPECT_EQ(other_scheme->status, 401u);
}

TEST_F(ApiTest, BearerPrefixIsCaseInsensitive) {
  auto req = EncryptV2Request(k999.Secret(), R"({"email":"a@example.com"})", NowMs());
  ASSERT_TRUE(req.ok());
  auto r = api_->http().Request("POST", "/v2/token/generate",
                                {{"Authorization", std::string("bEaReR ") + k999.key}},
                                Base64Encode(req->envelope));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200u);
}

TEST_F(ApiTest, RolesAreEnforcedPerEndpoint) {
  struct Case {
    const char* path;
    const TestClient* client;
    bool allowed;
  } cases[] = {
      {"/v2/token/generate", &k124, true},  {"/v2/token/generate", &k126, false},
      {"/v2/token/generate", &k123, false}, {"/v2/identity/map", &k126, true},
      {"/v2/identity/map", &k124, false},   {"/v3/identity/map", &k125, true},
      {"/v2/key/sharing", &k125, true},     {"/v2/key/sharing", &k123, true},
      {"/v2/key/sharing", &k124, false},    {"/v2/key/sharing", &k126, false},
      {"/v2/key/bidstream", &k123, true},   {"/v2/key/bidstream", &k125, false},
      {"/v2/token/logout", &k127, true},    {"/v2/token/logout", &k124, false},
      {"/v2/optout/status", &k126, true},   {"/v2/optout/status", &k124, false},
      {"/v2/token/validate", &k127, false}, {"/v2/identity/buckets", &k127, false},
  };
  for (const Case& c : cases) {
    auto r = api_->V2(c.path, *c.client, R"({"email":"roles@example.com"})");
    if (c.allowed) {
      EXPECT_NE(r.http, 401u) << c.path << " " << c.client->key;
    } else {
      EXPECT_EQ(r.http, 401u) << c.path << " " << c.client->key;
      EXPECT_EQ(r.Status(), "unauthorized");
    }
  }
}

// ---- envelope errors (spec §2.1) ----

TEST_F(ApiTest, EnvelopeErrorsAre400ClientErrorWithSpecMessages) {
  auto expect = [&](const ApiReply& r, const std::string& message) {
    EXPECT_EQ(r.http, 400u) << message;
    EXPECT_EQ(r.Status(), "client_error");
    EXPECT_EQ(Str(r.doc, "message"), message);
  };
  expect(api_->Raw("/v2/token/generate", k999.key, ""), "Invalid body: Body is missing.");
  expect(api_->Raw("/v2/token/generate", k999.key, "***not base64***"),
         "Invalid body: Body is not valid base64.");
  expect(api_->Raw("/v2/token/generate", k999.key, Base64Encode(Bytes(20, 1))),
         "Invalid body: Body too short. Check encryption method.");
  auto req = EncryptV2Request(k999.Secret(), "{}", NowMs());
  ASSERT_TRUE(req.ok());
  Bytes wrong_version = req->envelope;
  wrong_version[0] = 2;
  expect(api_->Raw("/v2/token/generate", k999.key, Base64Encode(wrong_version)),
         "Invalid body: Version mismatch.");
  auto other = EncryptV2Request(k124.Secret(), "{}", NowMs());
  ASSERT_TRUE(other.ok());
  expect(api_->Raw("/v2/token/generate", k999.key, Base64Encode(other->envelope)),
         "Invalid body: Check encryption key (ClientSecret).");
  expect(api_->V2("/v2/token/generate", k999, R"({"email":"a@example.com"})", false,
                  NowMs() - 5 * 60 * 1000),
         "Invalid timestamp: Request too old or client time drift.");
  expect(api_->V2("/v2/token/generate", k999, "{not json"),
         "Invalid payload in body: Data is not valid json string.");
  expect(api_->V2("/v2/token/generate", k999, "[1,2]"),
         "Invalid payload in body: Data is not valid json string.");
}

// ---- /v2/token/generate ----

TEST_F(ApiTest, GenerateReturnsTokensInEncryptedEnvelope) {
  int64_t before = NowMs();
  auto r = Generate(k999, R"({"email":"Gen.Test@example.com"})");
  ASSERT_EQ(r.http, 200u) << r.json;
  EXPECT_EQ(r.content_type, "text/plain");
  ASSERT_EQ(r.Status(), "success");
  const auto& b = r.Body();
  std::string ad = Str(b, "advertising_token");
  EXPECT_EQ(ad.substr(0, 2), "A4");  // UID2 email, v4 (spec §3.4)
  EXPECT_EQ(ad.find_first_of("+/="), std::string::npos) << "v4 is unpadded base64url";
  EXPECT_EQ(Str(b, "refresh_token").size(), 388u);
  EXPECT_EQ(Base64Decode(Str(b, "refresh_response_key"))->size(), 32u);
  int64_t expires = b["identity_expires"].GetInt64();
  EXPECT_GE(expires, before + 3600 * 1000);
  EXPECT_LE(expires, NowMs() + 3600 * 1000);
  EXPECT_NEAR(b["refresh_expires"].GetInt64() - expires, (86400 - 3600) * 1000, 5000);
  EXPECT_NEAR(b["refresh_from"].GetInt64() - expires, (900 - 3600) * 1000, 5000);
}

TEST_F(ApiTest, GeneratePhoneAndHashesAndBinaryEnvelope) {
  auto phone = Generate(k999, R"({"phone":"+15555550100"})");
  ASSERT_EQ(phone.Status(), "success");
  EXPECT_EQ(Str(phone.Body(), "advertising_token").substr(0, 2), "B4");  // UID2 phone
  std::string hash = Base64Encode(crypto::Sha256(AsBytes("hash@example.com")));
  EXPECT_EQ(Generate(k999, R"({"email_hash":")" + hash + "\"}").Status(), "success");
  auto bin = api_->V2("/v2/token/generate", k999, R"({"email":"bin@example.com"})", true);
  ASSERT_EQ(bin.http, 200u);
  EXPECT_EQ(bin.content_type, "application/octet-stream");
  EXPECT_EQ(bin.Status(), "success");
}

TEST_F(ApiTest, GenerateInputErrors) {
  const std::string exactly_one =
      "Required Parameter Missing: exactly one of [email, email_hash, phone, phone_hash] must be "
      "specified";
  auto none = Generate(k999, "{}");
  EXPECT_EQ(none.http, 400u);
  EXPECT_EQ(Str(none.doc, "message"), exactly_one);
  auto empty_payload = Generate(k999, "");
  EXPECT_EQ(empty_payload.http, 400u);
  EXPECT_EQ(Str(empty_payload.doc, "message"), exactly_one);
  auto two = Generate(k999, R"({"email":"a@example.com","phone":"+15555550100"})");
  EXPECT_EQ(Str(two.doc, "message"), exactly_one);
  for (const char* bad : {R"({"email":"no-at-sign"})", R"({"phone":"12345"})",
                          R"({"email_hash":"short"})", R"({"email":".@gmail.com"})"}) {
    auto r = Generate(k999, bad);
    EXPECT_EQ(r.http, 400u) << bad;
    EXPECT_EQ(r.Status(), "client_error");
    EXPECT_EQ(Str(r.doc, "message"), "Invalid Identifier") << bad;
  }
  auto wrong_type = Generate(k999, R"({"email":42})");
  EXPECT_EQ(wrong_type.http, 400u);
  EXPECT_EQ(wrong_type.Status(), "client_error");
}

TEST_F(ApiTest, SpecialIdentitiesOnGenerate) {
  EXPECT_EQ(Generate(k999, R"({"email":"optout@example.com"})").json, R"({"status":"optout"})");
  EXPECT_EQ(Generate(k999, R"({"phone":"+00000000000"})").Status(), "optout");
  EXPECT_EQ(Generate(k999, R"({"email":"refresh-optout@example.com"})").Status(), "success");
  EXPECT_EQ(Generate(k999, R"({"email":"validate@example.com"})").Status(), "success");
}

// ---- /v2/token/refresh ----

TEST_F(ApiTest, GenerateRefreshRoundTrip) {
  auto g = Generate(k999, R"({"email":"roundtrip@example.com"})");
  ASSERT_EQ(g.Status(), "success");
  auto r1 = api_->Refresh(Str(g.Body(), "refresh_token"), Str(g.Body(), "refresh_response_key"));
  ASSERT_EQ(r1.http, 200u) << r1.json;
  ASSERT_EQ(r1.Status(), "success") << r1.json;
  EXPECT_EQ(Str(r1.Body(), "refresh_token").size(), 388u);
  EXPECT_NE(Str(r1.Body(), "refresh_token"), Str(g.Body(), "refresh_token"));
  // The refreshed token refreshes again (its key is the new refresh_response_key).
  auto r2 = api_->Refresh(Str(r1.Body(), "refresh_token"), Str(r1.Body(), "refresh_response_key"),
                          k999.key);
  EXPECT_EQ(r2.Status(), "success") << r2.json;
}

TEST_F(ApiTest, RefreshOptOutIdentityIsOptedOutOnRefreshOnly) {
  auto g = Generate(k999, R"({"email":"refresh-optout@example.com"})");
  ASSERT_EQ(g.Status(), "success");
  auto r = api_->Refresh(Str(g.Body(), "refresh_token"), Str(g.Body(), "refresh_response_key"));
  EXPECT_EQ(r.http, 200u);
  EXPECT_EQ(r.json, R"({"status":"optout"})");
}

TEST_F(ApiTest, RefreshErrors) {
  // A 388-char body that is not a wrapper: client_error from the wrapper decoder.
  auto bad_wrapper = api_->Raw("/v2/token/refresh", "", std::string(388, 'A'));
  EXPECT_EQ(bad_wrapper.http, 400u);
  EXPECT_EQ(bad_wrapper.Status(), "client_error");
  // Any other length is a legacy inner token: invalid with auth, generic error without.
  auto with_auth = api_->Raw("/v2/token/refresh", k999.key, "garbage");
  EXPECT_EQ(with_auth.http, 400u);
  EXPECT_EQ(with_auth.Status(), "invalid_token");
  auto without = api_->Raw("/v2/token/refresh", "", "garbage");
  EXPECT_EQ(without.http, 400u);
  EXPECT_EQ(without.Status(), "error");
  EXPECT_EQ(Str(without.doc, "message"), "Error refreshing token");
}

// ---- /v2/token/validate ----

TEST_F(ApiTest, ValidateChecksIdentityAndTokenSite) {
  // 999 has no keyset of its own: its tokens use the fallback keyset 2 (site 2), so 999 may not
  // validate them (spec §1, §7.10). The success case is ReloadTest.ValidateWithOwnSiteKey.
  auto g = Generate(k999, R"({"email":"validate@example.com"})");
  std::string token = Str(g.Body(), "advertising_token");
  auto other_identity = api_->V2("/v2/token/validate", k999,
                                 R"({"token":")" + token + R"(","email":"x@example.com"})");
  EXPECT_EQ(other_identity.json, R"({"status":"success","body":false})");
  auto fallback = api_->V2("/v2/token/validate", k999,
                           R"({"token":")" + token + R"(","email":"validate@example.com"})");
  EXPECT_EQ(fallback.http, 400u);
  EXPECT_EQ(Str(fallback.doc, "message"), "Unauthorised to validate token");
  auto bad =
      api_->V2("/v2/token/validate", k999, R"({"token":"AAAA","email":"validate@example.com"})");
  EXPECT_EQ(bad.http, 400u);
  EXPECT_EQ(Str(bad.doc, "message"), "Invalid token");
  auto no_identity = api_->V2("/v2/token/validate", k999, R"({"token":")" + token + "\"}");
  EXPECT_EQ(no_identity.http, 400u);
}

TEST_F(ApiTest, ValidateRefusesTokenOfAnotherSite) {
  // 124 has no keyset of its own: its tokens use the fallback keyset 2 (site 2), so 124 may not
  // validate them (spec §7.10); 999's token is not 124's either.
  auto g124 = Generate(k124, R"({"email":"validate@example.com"})");
  ASSERT_EQ(g124.Status(), "success");
  auto r = api_->V2("/v2/token/validate", k124,
                    R"({"token":")" + Str(g124.Body(), "advertising_token") +
                        R"(","email":"validate@example.com"})");
  EXPECT_EQ(r.http, 400u);
  EXPECT_EQ(Str(r.doc, "message"), "Unauthorised to validate token");
}

// ---- /v2/token/logout and opt-out ----

TEST_F(ApiTest, LogoutThenGenerateGivesOptOutAndStatusReportsIt) {
  const std::string id = R"({"email":"logout-me@example.com"})";
  ASSERT_EQ(Generate(k999, id).Status(), "success");
  auto map = api_->V2("/v3/identity/map", k999, R"({"email":["logout-me@example.com"]})");
  std::string uid = Str(map.Body()["email"][0], "u");
  ASSERT_FALSE(uid.empty());
  auto out = api_->V2("/v2/token/logout", k127, id);
  ASSERT_EQ(out.http, 200u) << out.json;
  EXPECT_EQ(out.json, R"({"status":"success","body":{"optout":"OK"}})");
  EXPECT_EQ(Generate(k999, id).json, R"({"status":"optout"})");
  auto again = api_->V2("/v3/identity/map", k999, R"({"email":["logout-me@example.com"]})");
  EXPECT_EQ(Str(again.Body()["email"][0], "e"), "optout");
  auto status =
      api_->V2("/v2/optout/status", k126, R"({"advertising_ids":[")" + uid + R"(","AAAA"]})");
  ASSERT_EQ(status.Status(), "success") << status.json;
  const auto& list = status.Body()["opted_out"];
  ASSERT_EQ(list.Size(), 1u);
  EXPECT_EQ(Str(list[0], "advertising_id"), uid);
  EXPECT_NEAR(static_cast<double>(list[0]["opted_out_since"].GetInt64()),
              static_cast<double>(NowMs()), 60000.0);
  // The opt-out was written as a delta file in the opt-out folder.
  bool found = false;
  for (const auto& e : std::filesystem::recursive_directory_iterator(optout_dir_->path())) {
    if (e.path().filename().string().rfind("optout-delta-", 0) == 0) found = true;
  }
  EXPECT_TRUE(found);
}

TEST_F(ApiTest, OptOutStatusErrors) {
  auto missing = api_->V2("/v2/optout/status", k126, "{}");
  EXPECT_EQ(missing.http, 400u);
  std::string many = R"({"advertising_ids":[)";
  for (int i = 0; i < 5001; ++i) many += std::string(i ? "," : "") + "\"AAAA\"";
  many += "]}";
  auto too_many = api_->V2("/v2/optout/status", k126, many);
  EXPECT_EQ(too_many.http, 400u);
  EXPECT_EQ(too_many.Status(), "client_error");
}

// ---- identity map ----

TEST_F(ApiTest, MapV3MatchesSpecVectorsInInputOrder) {
  auto r =
      api_->V2("/v3/identity/map", k999,
               R"({"email":["test@example.com","User@Example.com","bad","optout@example.com"],)"
               R"("phone":["+12345678901"]})");
  ASSERT_EQ(r.Status(), "success") << r.json;
  const auto& b = r.Body();
  for (const char* k : {"email", "email_hash", "phone", "phone_hash"}) {
    EXPECT_TRUE(b.HasMember(k) && b[k].IsArray()) << k;
  }
  const auto& e = b["email"];
  ASSERT_EQ(e.Size(), 4u);
  // spec §3.2 table (salts.txt.1745907348982, env test, identity_v3 off)
  EXPECT_EQ(Str(e[0], "u"), "yCevINTMQ+BMfihNbXjrDLbm/FF+JvBan5YqmToByik=");
  EXPECT_EQ(Str(e[1], "u"), "ICALImfE94kkoCsBn79kNqDk485MeuvZ3bHUdsmPcKIf");
  EXPECT_EQ(Str(b["phone"][0], "u"), "JCALIn2jvn98OvQPhijCPNLUHrq2SB09ftuzecdG7Vv7");
  EXPECT_TRUE(e[0].HasMember("p"));
  EXPECT_TRUE(e[0]["r"].IsInt64());
  EXPECT_GT(e[0]["r"].GetInt64(), NowMs() / 1000);
  EXPECT_EQ(Str(e[2], "e"), "invalid identifier");
  EXPECT_EQ(Str(e[3], "e"), "optout");
}

TEST_F(ApiTest, MapV3LargeBatchBothEnvelopesEveryInputAnswered) {
  // 3,000 inputs (a ~300 KB response built in one frame and sealed in place), as base64 text
  // and as application/octet-stream: every input gets exactly one well-formed result, in order,
  // and the same identity maps to the same UIDs in both forms and in a single-input request.
  std::string json = R"({"email":[)";
  for (int i = 0; i < 3000; ++i) {
    json += (i ? ",\"" : "\"") +
            (i % 500 == 7 ? "no-at-sign" + std::to_string(i)
                          : "user" + std::to_string(i) + "@example.com") +
            "\"";
  }
  json += R"(],"phone":["+12345678901"]})";
  std::string first_u;
  for (bool binary : {false, true}) {
    auto r = api_->V2("/v3/identity/map", k999, json, binary);
    ASSERT_EQ(r.Status(), "success") << r.json.substr(0, 200);
    EXPECT_EQ(r.content_type, binary ? "application/octet-stream" : "text/plain");
    const auto& e = r.Body()["email"];
    ASSERT_EQ(e.Size(), 3000u);
    for (rapidjson::SizeType i = 0; i < e.Size(); ++i) {
      if (i % 500 == 7) {
        ASSERT_EQ(Str(e[i], "e"), "invalid identifier") << i;
        continue;
      }
      ASSERT_EQ(e[i].MemberCount(), 3u) << i;
      ASSERT_TRUE(e[i]["u"].IsString() && e[i]["u"].GetStringLength() >= 44) << i;
      ASSERT_TRUE(e[i]["p"].IsNull() || e[i]["p"].IsString()) << i;
      ASSERT_TRUE(e[i]["r"].IsInt64()) << i;
    }
    EXPECT_EQ(r.Body()["phone"].Size(), 1u);
    EXPECT_EQ(r.Body()["email_hash"].Size(), 0u);
    if (first_u.empty()) {
      first_u = Str(e[0], "u");
    } else {
      EXPECT_EQ(Str(e[0], "u"), first_u);
    }
  }
  auto one = api_->V2("/v3/identity/map", k999, R"({"email":["user0@example.com"]})");
  EXPECT_EQ(Str(one.Body()["email"][0], "u"), first_u);
}

TEST_F(ApiTest, MapV3RejectsNullElementAndEmptyRequest) {
  auto null_el = api_->V2("/v3/identity/map", k999, R"({"email":["a@example.com",null]})");
  EXPECT_EQ(null_el.http, 400u);
  EXPECT_EQ(Str(null_el.doc, "message"), "Incorrect request format");
  auto wrong = api_->V2("/v3/identity/map", k999, R"({"email":"a@example.com"})");
  EXPECT_EQ(wrong.http, 400u);
  auto none = api_->V2("/v3/identity/map", k999, "{}");
  EXPECT_EQ(none.http, 400u);
  EXPECT_EQ(none.Status(), "client_error");
}

TEST_F(ApiTest, MapV2MappedAndUnmapped) {
  auto r = api_->V2("/v2/identity/map", k126,
                    R"({"email":["test@example.com","optout@example.com","nope"]})");
  ASSERT_EQ(r.Status(), "success") << r.json;
  const auto& mapped = r.Body()["mapped"];
  ASSERT_EQ(mapped.Size(), 1u);
  EXPECT_EQ(Str(mapped[0], "identifier"), "test@example.com");
  EXPECT_EQ(Str(mapped[0], "advertising_id"), "yCevINTMQ+BMfihNbXjrDLbm/FF+JvBan5YqmToByik=");
  std::string bucket = Str(mapped[0], "bucket_id");
  EXPECT_EQ(bucket[0], 'b');
  EXPECT_GE(bucket.size(), 10u);
  const auto& unmapped = r.Body()["unmapped"];
  ASSERT_EQ(unmapped.Size(), 2u);
  EXPECT_EQ(Str(unmapped[0], "reason"), "optout");
  EXPECT_EQ(Str(unmapped[1], "reason"), "invalid identifier");
  auto all_ok = api_->V2("/v2/identity/map", k126, R"({"email":["test@example.com"]})");
  EXPECT_FALSE(all_ok.Body().HasMember("unmapped"));
  auto two = api_->V2("/v2/identity/map", k126, R"({"email":["a@b.c"],"phone":["+15555550100"]})");
  EXPECT_EQ(two.http, 400u);
}

TEST_F(ApiTest, BucketsSinceTimestamp) {
  auto all = api_->V2("/v2/identity/buckets", k999, R"({"since_timestamp":"2000-01-01T00:00:00"})");
  ASSERT_EQ(all.Status(), "success") << all.json;
  ASSERT_EQ(all.Body().Size(), 5u);
  std::string ts = Str(all.Body()[0], "last_updated");
  EXPECT_EQ(ts.size(), 23u);
  EXPECT_EQ(ts[10], 'T');
  EXPECT_EQ(Str(all.Body()[0], "bucket_id")[0], 'b');
  auto none =
      api_->V2("/v2/identity/buckets", k999, R"({"since_timestamp":"2200-01-01T00:00:00"})");
  EXPECT_EQ(none.Body().Size(), 0u);
  EXPECT_EQ(api_->V2("/v2/identity/buckets", k999, R"({"since_timestamp":"yesterday"})").http,
            400u);
  EXPECT_EQ(api_->V2("/v2/identity/buckets", k999, "{}").http, 400u);
}

// ---- key endpoints (spec §1.1) ----

std::set<int> KeyIds(const rapidjson::Value& keys) {
  std::set<int> ids;
  for (const auto& k : keys.GetArray()) ids.insert(k["id"].GetInt());
  return ids;
}

TEST_F(ApiTest, KeySharingAccessRulesPerClient) {
  auto r999 = api_->V2("/v2/key/sharing", k999, "");
  ASSERT_EQ(r999.Status(), "success") << r999.json;
  const auto& b = r999.Body();
  EXPECT_EQ(b["caller_site_id"].GetInt(), 999);
  EXPECT_EQ(b["master_keyset_id"].GetInt(), 9999999);
  EXPECT_TRUE(b["token_expiry_seconds"].IsString());
  EXPECT_EQ(Str(b, "token_expiry_seconds"), "2592000");
  EXPECT_EQ(Str(b, "identity_scope"), "UID2");
  EXPECT_EQ(b["allow_clock_skew_seconds"].GetInt(), 1800);
  EXPECT_TRUE(b.HasMember("max_sharing_lifetime_seconds"));  // SHARER
  EXPECT_EQ(KeyIds(b["keys"]), (std::set<int>{101}));        // master only
  EXPECT_EQ(b["keys"][0]["keyset_id"].GetInt(), 9999999);
  EXPECT_FALSE(b.HasMember("default_keyset_id"));

  // 123 (ID_READER): master, its own keysets 501/502, and 901 (allowed_sites [123]).
  auto r123 = api_->V2("/v2/key/sharing", k123, "");
  ASSERT_EQ(r123.Status(), "success");
  const auto& b123 = r123.Body();
  EXPECT_EQ(KeyIds(b123["keys"]), (std::set<int>{5, 11, 101, 104}));
  EXPECT_EQ(b123["default_keyset_id"].GetInt(), 501);
  EXPECT_FALSE(b123.HasMember("max_sharing_lifetime_seconds"));  // not a SHARER
  for (const auto& k : b123["keys"].GetArray()) {
    int id = k["id"].GetInt();
    if (id == 11) {
      EXPECT_FALSE(k.HasMember("keyset_id")) << "another site's key carries no keyset_id";
    } else {
      ASSERT_TRUE(k.HasMember("keyset_id")) << id;
      EXPECT_EQ(k["keyset_id"].GetInt(), id == 101 ? 9999999 : (id == 104 ? 501 : 502));
    }
    EXPECT_TRUE(k["secret"].IsString());
  }
  ASSERT_TRUE(b123.HasMember("site_data"));  // CSTG on in the local profile

  auto r125 = api_->V2("/v2/key/sharing", k125, "");
  EXPECT_EQ(KeyIds(r125.Body()["keys"]), (std::set<int>{101}));
  EXPECT_EQ(r125.Body()["max_sharing_lifetime_seconds"].GetInt64(), 2592000 + 10);
}

TEST_F(ApiTest, KeyBidstreamAndLatest) {
  auto r = api_->V2("/v2/key/bidstream", k123, "");
  ASSERT_EQ(r.Status(), "success") << r.json;
  const auto& b = r.Body();
  EXPECT_EQ(b["max_bidstream_lifetime_seconds"].GetInt64(), 3600 + 10);
  EXPECT_EQ(KeyIds(b["keys"]), (std::set<int>{5, 11, 101, 104}));
  for (const auto& k : b["keys"].GetArray()) EXPECT_FALSE(k.HasMember("keyset_id"));
  const auto& sites = b["site_data"];
  ASSERT_TRUE(sites.IsArray());
  bool site127 = false;
  for (const auto& s : sites.GetArray()) site127 |= s["id"].GetInt() == 127;
  EXPECT_TRUE(site127) << "site_data names the owner of key 11";

  auto latest = api_->V2("/v2/key/latest", k123, "");
  ASSERT_EQ(latest.Status(), "success");
  ASSERT_TRUE(latest.Body().IsArray());
  EXPECT_TRUE(latest.Body()[0].HasMember("site_id"));
}

// ---- CSTG (spec §2.4) ----

struct CstgRequestParts {
  std::string body;
  Bytes shared;
};

CstgRequestParts MakeCstg(std::string_view inner_json, int64_t ts, std::string subscription) {
  CstgRequestParts out;
  auto server_pub_der = *Base64Decode(
      "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEtXJdTSZAYHvoRDWiehMHoWF1BNPuqLs5w2ZHiAZ1IJc7O4/z0ojPTB0"
      "V+KYX/wxQK0hxx6kxCvHj335eI/ZQsQ==");
  auto server_pub = crypto::EcKeyP256::FromPublicSpkiDer(server_pub_der);
  auto mine = crypto::EcKeyP256::Generate();
  EXPECT_TRUE(server_pub.ok() && mine.ok());
  out.shared = *mine->Ecdh(*server_pub);
  std::string aad = "[" + std::to_string(ts) + "]";
  Bytes iv(12, 7);
  auto ct = crypto::AesGcmEncrypt(out.shared, iv, AsBytes(inner_json), AsBytes(aad));
  out.body = R"({"payload":")" + Base64Encode(*ct) + R"(","iv":")" + Base64Encode(iv) +
             R"(","public_key":")" + Base64Encode(mine->PublicSpkiDer()) + R"(","timestamp":)" +
             std::to_string(ts) + R"(,"subscription_id":")" + subscription + "\"}";
  return out;
}

TEST_F(ApiTest, ClientSideGenerate) {
  std::string hash = Base64Encode(crypto::Sha256(AsBytes("cstg@example.com")));
  auto req = MakeCstg(R"({"email_hash":")" + hash + "\"}", NowMs(), "4WvryDGbR5");
  auto r = api_->http().Request("POST", "/v2/token/client-generate",
                                {{"Origin", "http://localhost:8080"}}, req.body);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->status, 200u) << r->body;
  auto plain = crypto::AesGcmOpen(req.shared, *Base64Decode(r->body));
  ASSERT_TRUE(plain.ok());
  ApiReply reply;
  reply.json = std::string(AsChars(*plain));
  ParseInto(&reply);
  EXPECT_EQ(reply.Status(), "success");
  EXPECT_EQ(Str(reply.Body(), "refresh_token").size(), 388u);

  auto bad_origin = api_->http().Request("POST", "/v2/token/client-generate",
                                         {{"Origin", "https://evil.test"}}, req.body);
  ASSERT_TRUE(bad_origin.ok());
  EXPECT_EQ(bad_origin->status, 403u);
  EXPECT_NE(bad_origin->body.find("invalid_http_origin"), std::string::npos);

  auto bad_sub = MakeCstg(R"({"email_hash":")" + hash + "\"}", NowMs(), "nope");
  auto r2 = api_->http().Request("POST", "/v2/token/client-generate",
                                 {{"Origin", "http://localhost"}}, bad_sub.body);
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ(r2->status, 400u);
  EXPECT_NE(r2->body.find("bad subscription_id"), std::string::npos);
  auto garbage = api_->Raw("/v2/token/client-generate", "", "{{{");
  EXPECT_EQ(garbage.http, 400u);
}

// ---- metrics ----

TEST_F(ApiTest, MetricsEndpointServesSpecNames) {
  ASSERT_EQ(Generate(k999, R"({"email":"metrics@example.com"})").Status(), "success");
  BlockingHttpClient m("127.0.0.1", app_->metrics_port());
  auto r = m.Get("/metrics");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200u);
  for (const char* name :
       {"uid2_token_response_status_count{site_id=\"999\",token_endpoint=\"generate\","
        "token_response_status=\"success\"}",
        "uid2_store_reload_failures_total{store=\"clients\"}", "uid2_raw_uid_version_total",
        "vertx_http_server_requests_total", "uid2_optout_entries", "app_status",
        "uid2_encryption_key_activates"}) {
    EXPECT_NE(r->body.find(name), std::string::npos) << name;
  }
  EXPECT_EQ(m.Get("/other")->status, 404u);
}

}  // namespace
}  // namespace uid2::service::testing
