// uid2-core-local over HTTP, in process, on ephemeral ports: attestation with simulated DCAP
// quotes (src/attest's simulated PKI, made here), every refusal, the data routes, pre-signed
// URLs, encryption and opt-out.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <filesystem>

#include "attest/sim.h"
#include "common/encoding.h"
#include "common/file.h"
#include "common/json.h"
#include "corelocal/jwt.h"
#include "corelocal/operators.h"
#include "corelocal/optout_log.h"
#include "corelocal/quote_check.h"
#include "corelocal/service.h"
#include "crypto/cipher.h"
#include "crypto/rsa.h"

namespace uid2::corelocal {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;
using Headers = std::vector<std::pair<std::string, std::string>>;

struct Reply {
  int status = 0;
  std::string body;
};

Reply Call(uint16_t port, http::verb method, const std::string& target, const Headers& headers = {},
           const std::string& body = "") {
  boost::asio::io_context ctx;
  tcp::socket socket(ctx);
  socket.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port));
  http::request<http::string_body> req(method, target, 11);
  req.set(http::field::host, "127.0.0.1");
  for (const auto& [k, v] : headers) req.set(k, v);
  req.body() = body;
  req.prepare_payload();
  http::write(socket, req);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(socket, buffer, res);
  return {static_cast<int>(res.result_int()), res.body()};
}

// A URL handed out by core-local: "http://127.0.0.1:<port><target>".
Reply Fetch(const std::string& url) {
  size_t host = url.find("//") + 2;
  size_t slash = url.find('/', host);
  uint16_t port = static_cast<uint16_t>(std::stoi(url.substr(url.find(':', host) + 1)));
  return Call(port, http::verb::get, url.substr(slash));
}

std::string Field(const std::string& json, const char* a, const char* b = nullptr) {
  auto doc = ParseJson(json);
  if (!doc.ok() || !doc->IsObject() || !doc->HasMember(a)) return "";
  const rapidjson::Value* v = &(*doc)[a];
  if (b != nullptr) {
    if (!v->IsObject() || !v->HasMember(b)) return "";
    v = &(*v)[b];
  }
  if (v->IsString()) return v->GetString();
  return JsonToString(*v);
}

constexpr uint8_t kGoodMrEnclave = 0xA1;
constexpr uint8_t kOtherMrEnclave = 0xB2;

class CoreLocalTest : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(testing::TempDir() + "corelocal-service-" + std::to_string(getpid()));
    std::filesystem::remove_all(*dir_);
    std::filesystem::create_directories(*dir_);
    auto pki = attest::CreateSimPki();
    ASSERT_TRUE(pki.ok());
    ASSERT_TRUE(attest::SaveSimPki(*pki, *dir_ + "/pki").ok());
    pki_ = new attest::SimPki(std::move(*pki));
    auto key = crypto::RsaKey::Generate(2048, 65537);
    ASSERT_TRUE(key.ok());
    rsa_ = new crypto::RsaKey(std::move(*key));
    auto other = crypto::RsaKey::Generate(2048, 65537);
    other_rsa_ = new crypto::RsaKey(std::move(*other));
  }
  static void TearDownTestSuite() {
    std::filesystem::remove_all(*dir_);
    delete pki_;
    delete rsa_;
    delete other_rsa_;
    delete dir_;
  }

  void SetUp() override {
    time_t now = time(nullptr);
    clock_->store(now);
    NewOperatorKey pub = MakeOperatorKey("public-op", 999, OperatorType::kPublic, "azure-sgx", now);
    NewOperatorKey priv =
        MakeOperatorKey("private-op", 123, OperatorType::kPrivate, "azure-sgx", now);
    NewOperatorKey off =
        MakeOperatorKey("disabled-op", 999, OperatorType::kPublic, "azure-sgx", now);
    off.entry.disabled = true;
    key_ = pub.key;
    private_key_ = priv.key;
    disabled_key_ = off.key;
    ASSERT_TRUE(WriteFileAtomic(*dir_ + "/operators.json",
                                OperatorsToJson({pub.entry, priv.entry, off.entry}))
                    .ok());
    ASSERT_TRUE(
        WriteFileAtomic(*dir_ + "/allow.json", R"({"enclaves":[{"name":"test","mrenclave":")" +
                                                   HexEncode(Bytes(32, kGoodMrEnclave)) + R"("}]})")
            .ok());
    core_ = StartCore(*dir_ + "/pki", "");
    ASSERT_NE(core_, nullptr);
  }

  std::unique_ptr<CoreLocal> StartCore(const std::string& sim_pki, const std::string& collateral) {
    CoreLocalOptions o;
    o.data_dir = std::string(UID2_SOURCE_DIR) + "/data/uid2/core";
    o.operators_file = *dir_ + "/operators.json";
    o.allowlist_file = *dir_ + "/allow.json";
    o.sim_pki_dir = sim_pki;
    o.collateral_file = collateral;
    o.optout_dir = *dir_ + "/optout-" + std::to_string(counter_++);
    o.core_port = 0;
    o.optout_port = 0;
    o.token_ttl = 60;
    o.url_ttl = 30;
    std::atomic<time_t>* clock = clock_;
    o.clock = [clock] { return clock->load(); };
    auto core = CoreLocal::Start(o);
    EXPECT_TRUE(core.ok()) << core.error().message();
    return core.ok() ? std::move(*core) : nullptr;
  }

  static Bytes Quote(const crypto::RsaKey& bound_to, uint8_t mr_enclave, bool debug = false) {
    attest::ReportBody body;
    body.mr_enclave.fill(mr_enclave);
    body.mr_signer.fill(0x5E);
    body.isv_prod_id = 770;
    body.isv_svn = 2;
    body.attributes[0] = attest::kAttributeInitted | attest::kAttributeMode64Bit |
                         (debug ? attest::kAttributeDebug : 0);
    body.attributes[8] = 0x03;
    body.report_data = BindingReportData(bound_to.PublicDer());
    auto q = attest::SimulateQuote(*pki_, body);
    EXPECT_TRUE(q.ok());
    return *q;
  }

  static std::string AttestBody(ByteSpan quote, const crypto::RsaKey& key,
                                const std::string& type = "public") {
    return R"({"attestation_request":")" + Base64Encode(quote) + R"(","public_key":")" +
           Base64Encode(key.PublicDer()) +
           R"(","application_name":"uid2-operator","application_version":"5.0.0","operator_type":")" +
           type + R"(","components":{}})";
  }

  Reply Attest(const std::string& key, const std::string& body, CoreLocal* core = nullptr) {
    core = core ? core : core_.get();
    return Call(core->core_port(), http::verb::post, "/attest",
                {{"Authorization", "Bearer " + key},
                 {"X-UID2-AppVersion", "uid2-operator=5.0.0;uid2-shared=7.0.0"},
                 {"UID-Instance-Id", "test"},
                 {"Content-Type", "application/json"}},
                body);
  }

  // A refused attestation: the status, the reason in the reply and in the log, no key logged.
  void ExpectRefused(const std::string& body, int status, const std::string& reason,
                     CoreLocal* core = nullptr) {
    testing::internal::CaptureStderr();
    Reply r = Attest(key_, body, core);
    std::string log = testing::internal::GetCapturedStderr();
    EXPECT_EQ(r.status, status) << r.body;
    EXPECT_NE(r.body.find(reason), std::string::npos) << r.body;
    EXPECT_EQ(Field(r.body, "status"), status == 403 ? "forbidden" : "client_error") << r.body;
    EXPECT_NE(log.find("attestation_refused"), std::string::npos) << log;
    EXPECT_NE(log.find(reason), std::string::npos) << log;
    EXPECT_EQ(log.find(key_), std::string::npos) << "operator key logged";
  }

  struct Attested {
    std::string token, core_jwt, optout_jwt, optout_url;
  };

  Attested AttestOk(const std::string& key = "", const std::string& type = "public") {
    Reply r =
        Attest(key.empty() ? key_ : key, AttestBody(Quote(*rsa_, kGoodMrEnclave), *rsa_, type));
    EXPECT_EQ(r.status, 200) << r.body;
    Attested a;
    auto encrypted = Base64Decode(Field(r.body, "body", "attestation_token"));
    EXPECT_TRUE(encrypted);
    if (!encrypted) return a;
    auto token = rsa_->DecryptPkcs1(*encrypted);
    EXPECT_TRUE(token.ok());
    if (!token.ok()) return a;
    a.token = std::string(AsChars(*token));
    a.core_jwt = Field(r.body, "body", "attestation_jwt_core");
    a.optout_jwt = Field(r.body, "body", "attestation_jwt_optout");
    a.optout_url = Field(r.body, "body", "optout_url");
    return a;
  }

  Headers DataHeaders(const Attested& a, const std::string& key = "") {
    return {{"Authorization", "Bearer " + (key.empty() ? key_ : key)},
            {"Attestation-Token", a.token},
            {"Attestation-JWT", a.core_jwt},
            {"X-UID2-AppVersion", "uid2-operator=5.0.0"},
            {"UID-Instance-Id", "test"}};
  }

  Reply Get(const std::string& path, const Headers& h) {
    return Call(core_->core_port(), http::verb::get, path, h);
  }

  static std::string* dir_;
  static attest::SimPki* pki_;
  static crypto::RsaKey* rsa_;
  static crypto::RsaKey* other_rsa_;
  static inline std::atomic<time_t>* clock_ = new std::atomic<time_t>(0);
  static inline int counter_ = 0;
  std::string key_, private_key_, disabled_key_;
  std::unique_ptr<CoreLocal> core_;
};

std::string* CoreLocalTest::dir_ = nullptr;
attest::SimPki* CoreLocalTest::pki_ = nullptr;
crypto::RsaKey* CoreLocalTest::rsa_ = nullptr;
crypto::RsaKey* CoreLocalTest::other_rsa_ = nullptr;

// ---- /attest --------------------------------------------------------------------------------

TEST_F(CoreLocalTest, ValidSimulatedQuoteIsAcceptedAndTheTokenDecrypts) {
  Reply r = Attest(key_, AttestBody(Quote(*rsa_, kGoodMrEnclave), *rsa_));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Field(r.body, "status"), "success");
  auto encrypted = Base64Decode(Field(r.body, "body", "attestation_token"));
  ASSERT_TRUE(encrypted);
  EXPECT_EQ(encrypted->size(), 256u);  // RSA-2048 PKCS#1 v1.5
  auto token = rsa_->DecryptPkcs1(*encrypted);
  ASSERT_TRUE(token.ok());
  EXPECT_EQ(token->size(), 43u);  // base64url of 32 random bytes
  EXPECT_EQ(Field(r.body, "body", "expiresAt"), attest::FormatIsoTime(clock_->load() + 60));
  EXPECT_EQ(Field(r.body, "body", "optout_url"), core_->optout_url());
  // The JWTs verify under core-local's key and name their audience.
  auto verifier = JwtSigner::FromPem("");
  EXPECT_FALSE(verifier.ok());
  auto pub = crypto::RsaKey::FromPem(core_->JwtPublicPem());
  ASSERT_TRUE(pub.ok());
  std::string jwt = Field(r.body, "body", "attestation_jwt_core");
  size_t dot2 = jwt.rfind('.');
  auto sig = Base64UrlDecode(jwt.substr(dot2 + 1));
  ASSERT_TRUE(sig);
  EXPECT_TRUE(pub->VerifyPkcs1Sha256(AsBytes(jwt.substr(0, dot2)), *sig).ok());
  auto payload = Base64UrlDecode(jwt.substr(jwt.find('.') + 1, dot2 - jwt.find('.') - 1));
  ASSERT_TRUE(payload);
  std::string claims(AsChars(*payload));
  EXPECT_EQ(Field(claims, "aud"), core_->core_url());
  EXPECT_EQ(Field(claims, "enclaveId"), HexEncode(Bytes(32, kGoodMrEnclave)));
  EXPECT_EQ(Field(claims, "operatorVersion"), "5.0.0");
  std::string optout_jwt = Field(r.body, "body", "attestation_jwt_optout");
  auto optout_payload = Base64UrlDecode(optout_jwt.substr(
      optout_jwt.find('.') + 1, optout_jwt.rfind('.') - optout_jwt.find('.') - 1));
  EXPECT_EQ(Field(std::string(AsChars(*optout_payload)), "aud"), core_->optout_url());
}

TEST_F(CoreLocalTest, BadOperatorKeyIs401) {
  std::string body = AttestBody(Quote(*rsa_, kGoodMrEnclave), *rsa_);
  for (const std::string& key :
       {std::string("UID2-O-L-999-nope"), std::string(""), disabled_key_}) {
    testing::internal::CaptureStderr();
    Reply r = Attest(key, body);
    std::string log = testing::internal::GetCapturedStderr();
    EXPECT_EQ(r.status, 401) << key;
    EXPECT_EQ(Field(r.body, "status"), "unauthorized");
    EXPECT_NE(log.find("request_refused"), std::string::npos) << log;
    if (!key.empty()) {
      EXPECT_EQ(log.find(key), std::string::npos) << "key logged";
    }
  }
}

TEST_F(CoreLocalTest, ForgedQuoteIsRefused) {
  Bytes quote = Quote(*rsa_, kGoodMrEnclave);
  quote[48 + 256 + 2] ^= 1;  // the report body's isv_svn, after the ISV signature was made
  ExpectRefused(AttestBody(quote, *rsa_), 403, "isv_signature");
  Bytes bad_sig = Quote(*rsa_, kGoodMrEnclave);
  bad_sig[48 + 384 + 4 + 10] ^= 1;  // inside the ISV enclave report signature
  ExpectRefused(AttestBody(bad_sig, *rsa_), 403, "isv_signature");
  ExpectRefused(AttestBody(Bytes{0}, *rsa_), 403, "quote:");  // the "no platform" document
}

TEST_F(CoreLocalTest, ReplayedQuoteForAnotherKeyIsRefused) {
  // A genuine quote, bound to another operator instance's key.
  ExpectRefused(AttestBody(Quote(*other_rsa_, kGoodMrEnclave), *rsa_), 403, "binding");
}

TEST_F(CoreLocalTest, DebugEnclaveIsRefused) {
  ExpectRefused(AttestBody(Quote(*rsa_, kGoodMrEnclave, true), *rsa_), 403, "DEBUG");
}

TEST_F(CoreLocalTest, WrongMrenclaveIsRefused) {
  ExpectRefused(AttestBody(Quote(*rsa_, kOtherMrEnclave), *rsa_), 403, "not in the allowlist");
}

TEST_F(CoreLocalTest, SimulatedQuoteUnderTheIntelRootIsRefused) {
  // No collateral: nothing can verify.
  auto intel = StartCore("", "");
  ASSERT_NE(intel, nullptr);
  ExpectRefused(AttestBody(Quote(*rsa_, kGoodMrEnclave), *rsa_), 403, "no collateral", intel.get());
  // With the simulated PKI's own collateral: its chains do not lead to Intel's root.
  attest::SimCollateralOptions co;
  co.now = clock_->load();
  auto collateral = attest::SimulateCollateral(*pki_, co);
  ASSERT_TRUE(collateral.ok());
  ASSERT_TRUE(
      WriteFileAtomic(*dir_ + "/sim-collateral.json", attest::CollateralToJson(*collateral)).ok());
  auto intel2 = StartCore("", *dir_ + "/sim-collateral.json");
  ASSERT_NE(intel2, nullptr);
  ExpectRefused(AttestBody(Quote(*rsa_, kGoodMrEnclave), *rsa_), 403, "root_ca_crl", intel2.get());
}

TEST_F(CoreLocalTest, MalformedRequestsAndOperatorTypeMismatch) {
  ExpectRefused("{", 400, "not a valid json");
  ExpectRefused(R"({"public_key":"AQID"})", 400, "no attestation_request");
  ExpectRefused(R"({"attestation_request":"AAEC","public_key":"AQID"})", 403, "public_key");
  ExpectRefused(AttestBody(Quote(*rsa_, kGoodMrEnclave), *rsa_, "private"), 403,
                "invalid operator type");
}

TEST_F(CoreLocalTest, OversizedBodyIs413) {
  Reply r = Attest(key_, std::string(2 << 20, 'x'));
  EXPECT_EQ(r.status, 413);
}

// ---- core data ------------------------------------------------------------------------------

TEST_F(CoreLocalTest, DataRoutesNeedAValidAttestation) {
  Attested a = AttestOk();
  EXPECT_EQ(Get("/sites/refresh", DataHeaders(a)).status, 200);

  Headers none = {{"Authorization", "Bearer " + key_}};
  Headers wrong_token = DataHeaders(a);
  wrong_token[1].second = "AAAA" + a.token.substr(4);
  Headers no_jwt = DataHeaders(a);
  no_jwt.erase(no_jwt.begin() + 2);
  Headers optout_jwt = DataHeaders(a);
  optout_jwt[2].second = a.optout_jwt;  // signed, but for the opt-out audience
  Headers forged_jwt = DataHeaders(a);
  forged_jwt[2].second[forged_jwt[2].second.size() - 3] ^= 1;
  Headers bad_key = DataHeaders(a, "UID2-O-L-999-nope");
  for (std::string route : {"/sites/refresh", "/key/keyset-keys/refresh", "/salt/refresh",
                            "/cloud_encryption_keys/retrieve", "/operator/config"}) {
    for (const Headers* h : {&none, &wrong_token, &no_jwt, &optout_jwt, &forged_jwt, &bad_key}) {
      Reply r = Get(route, *h);
      EXPECT_EQ(r.status, 401) << route << " " << r.body;
    }
  }
  // A token issued to one operator key does not work with another.
  Attested b = AttestOk(private_key_, "private");
  EXPECT_EQ(Get("/clients/refresh", DataHeaders(b, private_key_)).status, 200);
  Headers mixed = DataHeaders(b, key_);
  EXPECT_EQ(Get("/clients/refresh", mixed).status, 401);
  // Another operator's (valid, signed) JWT with this operator's token.
  Headers foreign_jwt = DataHeaders(a);
  foreign_jwt[2].second = b.core_jwt;
  Reply foreign = Get("/clients/refresh", foreign_jwt);
  EXPECT_EQ(foreign.status, 401);
  EXPECT_NE(foreign.body.find("another operator"), std::string::npos) << foreign.body;
  // Expiry.
  clock_->fetch_add(61);
  Reply expired = Get("/clients/refresh", DataHeaders(a));
  EXPECT_EQ(expired.status, 401);
  EXPECT_NE(expired.body.find("expired"), std::string::npos) << expired.body;
}

TEST_F(CoreLocalTest, MetadataLocationsArePresignedAndTamperingIsRefused) {
  Attested a = AttestOk();
  Reply meta = Get("/sites/refresh", DataHeaders(a));
  ASSERT_EQ(meta.status, 200) << meta.body;
  std::string location = Field(meta.body, "sites", "location");
  ASSERT_EQ(location.rfind(core_->core_url() + "/s/sites/sites.json?expires=", 0), 0u) << location;
  Reply content = Fetch(location);
  ASSERT_EQ(content.status, 200);
  EXPECT_EQ(content.body,
            *ReadFile(std::string(UID2_SOURCE_DIR) + "/data/uid2/core/sites/sites.json"));

  std::string other = location;
  other.replace(other.find("sites/sites.json"), 16, "keyset_keys/keyset_keys.json");
  EXPECT_EQ(Fetch(other).status, 403);
  std::string later = location;
  later.replace(later.find("expires=") + 8, 1, "9");
  EXPECT_EQ(Fetch(later).status, 403);
  EXPECT_EQ(Fetch(location.substr(0, location.find("&sig="))).status, 403);
  EXPECT_EQ(Fetch(location + "&key_id=1").status, 403);
  clock_->fetch_add(31);
  Reply expired = Fetch(location);
  EXPECT_EQ(expired.status, 403);
  EXPECT_NE(expired.body.find("expired"), std::string::npos);
}

TEST_F(CoreLocalTest, SaltsMetadataKeepsItsFieldsAndSignsEveryFile) {
  Attested a = AttestOk();
  Reply meta = Get("/salt/refresh", DataHeaders(a));
  ASSERT_EQ(meta.status, 200) << meta.body;
  auto doc = ParseJson(meta.body);
  ASSERT_TRUE(doc.ok());
  EXPECT_TRUE((*doc)["first_level"].IsString());
  ASSERT_TRUE((*doc)["salts"].IsArray());
  ASSERT_EQ((*doc)["salts"].Size(), 2u);
  for (const auto& s : (*doc)["salts"].GetArray()) {
    std::string loc = s["location"].GetString();
    Reply r = Fetch(loc);
    EXPECT_EQ(r.status, 200) << loc;
    EXPECT_FALSE(r.body.empty());
  }
}

TEST_F(CoreLocalTest, EncryptedContentDecryptsWithTheSiteKey) {
  Attested a = AttestOk();
  Headers h = DataHeaders(a);
  Reply keys = Get("/cloud_encryption_keys/retrieve", h);
  ASSERT_EQ(keys.status, 200) << keys.body;
  auto kdoc = ParseJson(keys.body);
  ASSERT_TRUE(kdoc.ok());
  const auto& list = (*kdoc)["cloud_encryption_keys"];
  ASSERT_TRUE(list.IsArray());
  ASSERT_GT(list.Size(), 0u);
  for (const auto& k : list.GetArray()) EXPECT_EQ(k["siteId"].GetInt(), 999);  // this site only

  h.emplace_back("Encrypted", "true");
  Reply meta = Get("/key/keyset-keys/refresh", h);
  ASSERT_EQ(meta.status, 200) << meta.body;
  std::string location = Field(meta.body, "keyset_keys", "location");
  EXPECT_NE(location.find("&key_id="), std::string::npos);
  Reply enc = Fetch(location);
  ASSERT_EQ(enc.status, 200);
  auto edoc = ParseJson(enc.body);
  ASSERT_TRUE(edoc.ok());
  int64_t key_id = (*edoc)["key_id"].GetInt64();
  std::string secret;
  int64_t newest = -1;
  for (const auto& k : list.GetArray()) {
    if (k["id"].GetInt64() == key_id) secret = k["secret"].GetString();
    if (k["activates"].GetInt64() <= clock_->load())
      newest = std::max(newest, k["activates"].GetInt64());
  }
  ASSERT_FALSE(secret.empty()) << "key " << key_id << " is not one of the site's keys";
  for (const auto& k : list.GetArray()) {
    if (k["id"].GetInt64() == key_id) {
      EXPECT_EQ(k["activates"].GetInt64(), newest);
    }
  }
  auto payload = Base64Decode((*edoc)["encrypted_payload"].GetString());
  ASSERT_TRUE(payload);
  auto plain = crypto::AesGcmOpen(*Base64Decode(secret), *payload);
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(
      std::string(AsChars(*plain)),
      *ReadFile(std::string(UID2_SOURCE_DIR) + "/data/uid2/core/keyset_keys/keyset_keys.json"));
}

TEST_F(CoreLocalTest, RuntimeConfigAndPublicOnlyRoutes) {
  Attested a = AttestOk();
  Reply config = Get("/operator/config", DataHeaders(a));
  ASSERT_EQ(config.status, 200);
  EXPECT_EQ(Field(config.body, "runtime_config", "identity_environment"), "test");
  Attested b = AttestOk(private_key_, "private");
  EXPECT_EQ(Get("/sites/refresh", DataHeaders(b, private_key_)).status, 403);
  EXPECT_EQ(Get("/client_side_keypairs/refresh", DataHeaders(b, private_key_)).status, 403);
  EXPECT_EQ(Get("/key/keyset/refresh", DataHeaders(b, private_key_)).status, 200);
  EXPECT_EQ(Get("/nope", DataHeaders(a)).status, 404);
  EXPECT_EQ(Get("/ops/healthcheck", {}).body, "OK");
}

// ---- opt-out --------------------------------------------------------------------------------

TEST_F(CoreLocalTest, LogoutAppearsInTheNextOptOutRefresh) {
  Attested a = AttestOk();
  Headers h = {{"Authorization", "Bearer " + key_},
               {"Attestation-Token", a.token},
               {"Attestation-JWT", a.optout_jwt}};
  uint16_t port = core_->optout_port();
  Reply empty = Call(port, http::verb::get, "/optout/refresh", h);
  ASSERT_EQ(empty.status, 200) << empty.body;
  EXPECT_EQ(Field(empty.body, "optout_logs"), "[]");

  Bytes identity(32, 0x42), uid(32, 0x24);
  std::string query = "/optout/replicate?identity_hash=" + Base64Encode(identity) +
                      "&advertising_id=" + Base64Encode(uid);
  // Logout with the operator key only (as the reference operator sends it).
  Reply logout = Call(port, http::verb::post, query,
                      {{"Authorization", "Bearer " + key_}, {"UID-Instance-Id", "test"}}, "{}");
  ASSERT_EQ(logout.status, 200) << logout.body;
  EXPECT_EQ(Call(port, http::verb::post, query, {{"Authorization", "Bearer nope"}}).status, 401);
  EXPECT_EQ(Call(port, http::verb::post, query,
                 {{"Authorization", "Bearer " + key_}, {"Attestation-Token", "forged"}})
                .status,
            401);

  Reply refresh = Call(port, http::verb::get, "/optout/refresh", h);
  ASSERT_EQ(refresh.status, 200) << refresh.body;
  auto doc = ParseJson(refresh.body);
  ASSERT_TRUE(doc.ok());
  const auto& logs = (*doc)["optout_logs"];
  ASSERT_EQ(logs.Size(), 1u) << refresh.body;
  EXPECT_EQ(std::string(logs[0]["type"].GetString()), "delta");
  Reply file = Fetch(logs[0]["location"].GetString());
  ASSERT_EQ(file.status, 200);
  ASSERT_EQ(file.body.size(), kOptOutRecordSize);
  EXPECT_EQ(Bytes(file.body.begin(), file.body.begin() + 32), identity);
  EXPECT_EQ(Bytes(file.body.begin() + 32, file.body.begin() + 64), uid);

  // Malformed logouts.
  EXPECT_EQ(Call(port, http::verb::post, "/optout/replicate?identity_hash=AAAA&advertising_id=AAAA",
                 {{"Authorization", "Bearer " + key_}})
                .status,
            400);
  EXPECT_EQ(Call(port, http::verb::post, "/optout/replicate", {{"Authorization", "Bearer " + key_}})
                .status,
            400);
  // Opt-out needs the opt-out JWT, not the core one.
  Headers core_jwt = h;
  core_jwt[2].second = a.core_jwt;
  EXPECT_EQ(Call(port, http::verb::get, "/optout/refresh", core_jwt).status, 401);
  EXPECT_EQ(
      Call(port, http::verb::get, "/optout/refresh", {{"Authorization", "Bearer " + key_}}).status,
      401);
}

}  // namespace
}  // namespace uid2::corelocal
