// EUID TCF consent on /v2/token/generate over real HTTP (spec §1): with identity_scope EUID a
// present tcf_consent_string must decode (else 400 "User consent is invalid") and give vendor
// tcf_vendor_id purposes 1,2,3,4,7,10 and the precise-geolocation special feature (else an
// encrypted 200 {"status":"insufficient_user_consent"}). UID2 ignores the field.
//
// The TC strings were encoded with the IAB's JavaScript library (@iabtcf/core 1.5.6), outside
// this repository; tests/operator/identity/tcf_test.cc checks their decoded fields.
#include "operator/identity/advertising_token.h"
#include "operator/service/endpoints.h"
#include "test_support.h"

namespace uid2::service::testing {
namespace {

// Vendor 21, purposes 1,2,3,4,7,10 (consent), special feature 1.
constexpr std::string_view kSufficient = "CP1R2oAP1R27SEsACBFRCWEoAPJAAAAAAAYgAKgAACAAAAAA";
// The same without purpose 7.
constexpr std::string_view kNoPurpose7 = "CP1R2oAP1R27SEsACBFRCWEoAPBAAAAAAAYgAKgAACAAAAAA";
// The same with special feature 2 instead of 1 (no precise geolocation).
constexpr std::string_view kNoGeolocation = "CP1R2oAP1R27SEsACBFRCWEkAPJAAAAAAAYgAKgAACAAAAAA";
// Purposes 1,3,4 by consent and 2,7,10 by legitimate interest; vendor 21 in both sections.
constexpr std::string_view kConsentAndLi = "CP1R2oAP1R27SEsACBFRCWEoALAAAEJAAAYgAKgAACACoAAAgAAA";
// kSufficient's purposes, but for vendor 22.
constexpr std::string_view kVendor22 = "CP1R2oAP1R27SEsACBFRCWEoAPJAAAAAAAYgALAAABAAAAAA";

std::string GenerateJson(std::string_view email, std::string_view consent_json) {
  std::string json = R"({"email":")" + std::string(email) + R"(","optout_check":1)";
  if (!consent_json.empty()) json += R"(,"tcf_consent_string":)" + std::string(consent_json);
  return json + "}";
}
std::string Quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

class ConsentTest : public ::testing::Test {
 protected:
  static OperatorApp* StartApp(store::IdentityScope scope, int vendor_id) {
    store::OperatorConfig c = LocalConfig(optout_dir_->path());
    c.identity_scope = scope;
    c.tcf_vendor_id = vendor_id;
    auto app = OperatorApp::Start(c);
    EXPECT_TRUE(app.ok()) << app.error().message();
    return app.ok() ? std::move(app).value().release() : nullptr;
  }
  static void SetUpTestSuite() {
    optout_dir_ = new TempDir();
    euid_ = StartApp(store::IdentityScope::kEuid, 21);
    uid2_ = StartApp(store::IdentityScope::kUid2, 21);
  }
  static void TearDownTestSuite() {
    delete euid_;
    delete uid2_;
    delete optout_dir_;
  }
  void SetUp() override {
    ASSERT_NE(euid_, nullptr);
    ASSERT_NE(uid2_, nullptr);
  }

  static ApiReply Generate(OperatorApp* app, std::string_view email, std::string_view consent) {
    Api api(app->api_port());
    return api.V2("/v2/token/generate", k999, GenerateJson(email, consent));
  }
  static void ExpectInvalid(const ApiReply& r) {
    EXPECT_EQ(r.http, 400u) << r.json;
    EXPECT_EQ(r.Status(), "client_error");
    ASSERT_TRUE(r.doc.IsObject());
    EXPECT_EQ(std::string(r.doc["message"].GetString()), "User consent is invalid");
  }
  static void ExpectInsufficient(const ApiReply& r) {
    EXPECT_EQ(r.http, 200u) << r.json;
    EXPECT_EQ(r.json, R"({"status":"insufficient_user_consent"})");
  }

  static TempDir* optout_dir_;
  static OperatorApp* euid_;
  static OperatorApp* uid2_;
};
TempDir* ConsentTest::optout_dir_ = nullptr;
OperatorApp* ConsentTest::euid_ = nullptr;
OperatorApp* ConsentTest::uid2_ = nullptr;

// ---- negative cases first ----

TEST_F(ConsentTest, UndecodableConsentIs400) {
  for (std::string_view bad :
       {R"("not a tc string!")", R"("")", "null", "42", "true", R"(["CP1R"])", R"({})",
        R"("BOEFEAyOEFEAyAHABDENAI4AAAB9vABAASA")",      // TCF v1.1
        R"("CP1R2oAP1R27SEsACBFRCWEoAPJAAAAAAAYgAKg")",  // truncated in the vendor section
        R"("CP1R2oAP1R27SEsACBFRCWEoAPJAAAAAAAYgAKgAACAAAAAA.")"}) {
    SCOPED_TRACE(bad);
    ExpectInvalid(Generate(euid_, "user@example.com", bad));
  }
}

TEST_F(ConsentTest, InsufficientConsentIsEncryptedStatusWithoutBody) {
  ExpectInsufficient(Generate(euid_, "user@example.com", Quoted(kNoPurpose7)));
  ExpectInsufficient(Generate(euid_, "user@example.com", Quoted(kNoGeolocation)));
  ExpectInsufficient(Generate(euid_, "user@example.com", Quoted(kVendor22)));
}

TEST_F(ConsentTest, IdentityIsCheckedBeforeConsentAndConsentBeforeOptOut) {
  auto r = Generate(euid_, "not-an-email", R"("garbage")");
  EXPECT_EQ(r.http, 400u);
  EXPECT_EQ(std::string(r.doc["message"].GetString()), "Invalid Identifier");
  // optout@example.com is always opted out, but consent is evaluated first (as the reference).
  ExpectInsufficient(Generate(euid_, "optout@example.com", Quoted(kNoPurpose7)));
  auto optout = Generate(euid_, "optout@example.com", Quoted(kSufficient));
  EXPECT_EQ(optout.json, R"({"status":"optout"})");
}

// ---- success ----

TEST_F(ConsentTest, SufficientConsentGivesEuidTokens) {
  for (std::string_view consent : {kSufficient, kConsentAndLi}) {
    auto r = Generate(euid_, "user@example.com", Quoted(consent));
    ASSERT_EQ(r.http, 200u) << r.json;
    ASSERT_EQ(r.Status(), "success") << r.json;
    std::string token = r.Body()["advertising_token"].GetString();
    auto snap = euid_->stores().Current();
    auto decoded = operator_identity::DecodeAdvertisingToken(token, KeyLookupFor(*snap));
    ASSERT_TRUE(decoded.ok()) << decoded.error().message();
    EXPECT_EQ(decoded->scope, operator_identity::IdentityScope::kEuid);
  }
}

TEST_F(ConsentTest, AbsentConsentStringIsNotChecked) {
  auto r = Generate(euid_, "user@example.com", "");
  EXPECT_EQ(r.http, 200u);
  EXPECT_EQ(r.Status(), "success") << r.json;
}

TEST_F(ConsentTest, Uid2ScopeIgnoresTheField) {
  for (std::string_view consent : {std::string_view(R"("garbage")"), std::string_view("42"),
                                   std::string_view(R"("CP1R2oAP1R27SEsACBFRCWEoAPBAAAAAAAYg")")}) {
    auto r = Generate(uid2_, "user@example.com", consent);
    EXPECT_EQ(r.http, 200u) << r.json;
    EXPECT_EQ(r.Status(), "success") << r.json;
  }
  auto r = Generate(uid2_, "user@example.com", Quoted(kNoPurpose7));
  EXPECT_EQ(r.Status(), "success") << r.json;
}

TEST_F(ConsentTest, VendorIdComesFromConfig) {
  OperatorApp* app22 = StartApp(store::IdentityScope::kEuid, 22);
  ASSERT_NE(app22, nullptr);
  EXPECT_EQ(Generate(app22, "user@example.com", Quoted(kVendor22)).Status(), "success");
  ExpectInsufficient(Generate(app22, "user@example.com", Quoted(kSufficient)));
  delete app22;
}

TEST_F(ConsentTest, OutcomesAreCountedInTokenMetrics) {
  Generate(euid_, "user@example.com", Quoted(kNoPurpose7));
  Generate(euid_, "user@example.com", R"("x")");
  BlockingHttpClient metrics("127.0.0.1", euid_->metrics_port());
  auto m = metrics.Get("/metrics");
  ASSERT_TRUE(m.ok());
  EXPECT_NE(m->body.find(R"(token_response_status="insufficient_user_consent")"),
            std::string::npos);
  EXPECT_NE(m->body.find(R"(token_response_status="invalid_user_consent_string")"),
            std::string::npos);
}

}  // namespace
}  // namespace uid2::service::testing
