// MAA request bodies and JWT validation with a locally generated JWKS and tokens (no network).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/x509.h>

#include "attest/maa.h"
#include "common/encoding.h"
#include "common/json.h"
#include "crypto/rsa.h"

namespace uid2::attest {
namespace {

using ::testing::HasSubstr;

constexpr std::string_view kInstance = "https://uid2test.eus.attest.azure.net";
constexpr time_t kNow = 1700000000;

// SelfSigned makes the x5c certificate MAA publishes (self-signed RSA).
Bytes SelfSigned(const crypto::RsaKey& key) {
  crypto::X509Ptr x(X509_new());
  X509_set_version(x.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x.get()), 1);
  X509_NAME* name = X509_get_subject_name(x.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("maa test"), -1, -1, 0);
  X509_set_issuer_name(x.get(), name);
  X509_gmtime_adj(X509_getm_notBefore(x.get()), 0);
  X509_gmtime_adj(X509_getm_notAfter(x.get()), 3600);
  X509_set_pubkey(x.get(), key.get());
  X509_sign(x.get(), key.get(), EVP_sha256());
  int n = i2d_X509(x.get(), nullptr);
  Bytes der(static_cast<size_t>(n));
  unsigned char* p = der.data();
  i2d_X509(x.get(), &p);
  return der;
}

struct Maa {
  crypto::RsaKey key;
  std::string jwks;
};

const Maa& Instance() {
  static Maa* maa = [] {
    Result<crypto::RsaKey> k = crypto::RsaKey::Generate(2048, 65537);
    if (!k.ok()) std::abort();
    std::string jwks = "{\"keys\":[{\"kid\":\"k1\",\"kty\":\"RSA\",\"x5c\":[" +
                       JsonQuote(Base64Encode(SelfSigned(*k))) + "]}]}";
    return new Maa{std::move(k).value(), jwks};
  }();
  return *maa;
}

MaaConfig Config() {
  Result<MaaJwks> jwks = ParseMaaJwks(Instance().jwks);
  EXPECT_TRUE(jwks.ok()) << (jwks.ok() ? "" : jwks.error().message());
  return MaaConfig{std::string(kInstance), std::move(jwks).value(), 60};
}

std::string Header(std::string alg = "RS256", std::string jku = std::string(kInstance) + "/certs",
                   std::string kid = "k1") {
  return "{\"alg\":" + JsonQuote(alg) + ",\"jku\":" + JsonQuote(jku) +
         ",\"kid\":" + JsonQuote(kid) + ",\"typ\":\"JWT\"}";
}

std::string Payload(const std::string& extra = "", const std::string& drop = "") {
  std::vector<std::pair<std::string, std::string>> claims = {
      {"iss", JsonQuote(kInstance)},
      {"iat", std::to_string(kNow - 100)},
      {"nbf", std::to_string(kNow - 100)},
      {"exp", std::to_string(kNow + 28800)},
      {"x-ms-ver", "\"1.0\""},
      {"x-ms-attestation-type", "\"sgx\""},
      {"x-ms-sgx-mrenclave", JsonQuote(std::string(64, '1'))},
      {"x-ms-sgx-mrsigner", JsonQuote(std::string(64, '2'))},
      {"x-ms-sgx-product-id", "770"},
      {"x-ms-sgx-svn", "2"},
      {"x-ms-sgx-is-debuggable", "false"},
      {"x-ms-sgx-ehd", JsonQuote(Base64UrlEncode(AsBytes("operator public key")))},
  };
  std::string out = "{";
  for (const auto& [k, v] : claims) {
    if (k == drop) continue;
    out += (out.size() > 1 ? "," : "") + JsonQuote(k) + ":" + v;
  }
  if (!extra.empty()) out += "," + extra;
  return out + "}";
}

std::string Sign(const std::string& header, const std::string& payload) {
  std::string signing = Base64UrlEncode(AsBytes(header)) + "." + Base64UrlEncode(AsBytes(payload));
  Result<Bytes> sig = Instance().key.SignPkcs1Sha256(AsBytes(signing));
  EXPECT_TRUE(sig.ok());
  return signing + "." + Base64UrlEncode(*sig);
}

void ExpectRejected(const std::string& token, std::string_view why, time_t now = kNow) {
  Result<MaaClaims> c = ValidateMaaToken(token, Config(), now);
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.error().message(), HasSubstr(std::string(why)));
}

TEST(MaaRequest, BothApiVersions) {
  Bytes quote = {1, 2, 3, 0xFF};
  Bytes data = ToBytes("key");
  EXPECT_EQ(BuildMaaRequest(quote, data),
            R"({"quote":"AQID_w","runtimeData":{"data":"a2V5","dataType":"Binary"}})");
  EXPECT_EQ(BuildMaaRequest(quote, data, MaaApiVersion::k2020_10_01, "n1"),
            R"({"Quote":"AQID_w","RuntimeData":{"Data":"a2V5","DataType":"Binary"},"Nonce":"n1"})");
  EXPECT_EQ(MaaAttestUrl(kInstance),
            std::string(kInstance) + "/attest/SgxEnclave?api-version=2022-08-01");
}

TEST(MaaToken, ValidTokenGivesTheClaims) {
  Result<MaaClaims> c = ValidateMaaToken(Sign(Header(), Payload()), Config(), kNow);
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_EQ(c->product_id, 770);
  EXPECT_EQ(c->svn, 2);
  EXPECT_FALSE(c->is_debuggable);
  EXPECT_EQ(c->mr_enclave[0], 0x11);
  EXPECT_EQ(AsChars(c->enclave_held_data), "operator public key");
}

TEST(MaaToken, RefusesOtherAlgorithms) {
  ExpectRejected(Sign(Header("none"), Payload()), "alg 'none' refused");
  ExpectRejected(Sign(Header("HS256"), Payload()), "alg 'HS256' refused");
  std::string unsigned_token =
      Base64UrlEncode(AsBytes(Header("none"))) + "." + Base64UrlEncode(AsBytes(Payload())) + ".";
  ExpectRejected(unsigned_token, "refused");
}

TEST(MaaToken, JkuAndKidMustBeTheConfiguredInstances) {
  ExpectRejected(Sign(Header("RS256", "https://evil.example/certs"), Payload()), "jku");
  ExpectRejected(Sign(Header("RS256", std::string(kInstance) + "/certs", "k2"), Payload()),
                 "kid 'k2'");
}

TEST(MaaToken, SignatureMustVerify) {
  std::string t = Sign(Header(), Payload());
  std::string tampered_payload = Base64UrlEncode(AsBytes(Header())) + "." +
                                 Base64UrlEncode(AsBytes(Payload("\"x\":1"))) +
                                 t.substr(t.rfind('.'));
  ExpectRejected(tampered_payload, "RS256 signature does not verify");
  t[t.size() - 5] = t[t.size() - 5] == 'A' ? 'B' : 'A';
  ExpectRejected(t, "signature");
}

TEST(MaaToken, IssuerAndTimes) {
  std::string p = Payload();
  std::string wrong_iss = p;
  wrong_iss.replace(wrong_iss.find("uid2test"), 8, "uid2evil");
  ExpectRejected(Sign(Header(), wrong_iss), "iss");
  std::string token = Sign(Header(), Payload());
  ExpectRejected(token, "expired", kNow + 28800 + 61);
  EXPECT_TRUE(ValidateMaaToken(token, Config(), kNow + 28800 + 59).ok());  // within skew
  ExpectRejected(token, "not valid before", kNow - 100 - 61);
}

TEST(MaaToken, VersionTypeAndClaims) {
  std::string p = Payload();
  p.replace(p.find("\"sgx\""), 5, "\"tpm\"");
  ExpectRejected(Sign(Header(), p), "x-ms-attestation-type");
  ExpectRejected(Sign(Header(), Payload("", "x-ms-sgx-ehd")), "x-ms-sgx-ehd");
  ExpectRejected(Sign(Header(), Payload("", "x-ms-sgx-mrenclave")), "x-ms-sgx-mrenclave");
  ExpectRejected(Sign(Header(), Payload("", "exp")), "exp");
}

TEST(MaaToken, MalformedTokens) {
  for (const char* t : {"", "a.b", "a.b.c.d", "!!.e30.e30", "e30.e30.e30"}) {
    EXPECT_FALSE(ValidateMaaToken(t, Config(), kNow).ok()) << t;
  }
}

TEST(MaaToken, ClaimsMapIntoThePolicy) {
  Result<MaaClaims> c = ValidateMaaToken(Sign(Header(), Payload()), Config(), kNow);
  ASSERT_TRUE(c.ok());
  Result<Policy> p =
      ParsePolicy("mrenclave = [\"" + std::string(64, '1') + "\"]\nruntime_data = \"" +
                  HexEncode(AsBytes("operator public key")) + "\"\n");
  ASSERT_TRUE(p.ok()) << p.error().message();
  EXPECT_TRUE(CheckPolicy(*p, FromMaaClaims(*c)).ok());
  p->runtime_data = ToBytes("another key");
  Status s = CheckPolicy(*p, FromMaaClaims(*c));
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.error().message(), HasSubstr("runtime data"));
  Result<MaaClaims> debug = ValidateMaaToken(
      Sign(Header(),
           Payload("", "x-ms-sgx-is-debuggable").replace(1, 0, "\"x-ms-sgx-is-debuggable\":true,")),
      Config(), kNow);
  ASSERT_TRUE(debug.ok()) << debug.error().message();
  p->runtime_data.reset();
  s = CheckPolicy(*p, FromMaaClaims(*debug));
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.error().message(), HasSubstr("DEBUG"));
}

}  // namespace
}  // namespace uid2::attest
