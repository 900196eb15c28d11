// CSTG: request parsing, the bundled local keypair (subscription 4WvryDGbR5), ECDH + AAD
// decryption as a browser SDK encrypts, every error path, origin and app-name checks.
#include "operator/identity/cstg.h"

#include <gtest/gtest.h>

#include "common/encoding.h"
#include "common/file.h"
#include "common/json.h"
#include "crypto/cipher.h"
#include "crypto/random.h"
#include "operator/identity/envelope.h"

namespace uid2::operator_identity {
namespace {

struct LocalKeypair {
  std::string public_key;   // "UID2-X-L-..."
  std::string private_key;  // "UID2-Y-L-..."
};

LocalKeypair LoadLocalKeypair() {
  auto text = ReadFile("data/uid2/core/client_side_keypairs/client_side_keypairs.json");
  EXPECT_TRUE(text.ok());
  auto doc = ParseJson(text.ok() ? *text : "[]");
  EXPECT_TRUE(doc.ok() && doc->IsArray() && doc->Size() > 0);
  const auto& kp = (*doc)[0];
  EXPECT_EQ(std::string(kp["subscription_id"].GetString()), "4WvryDGbR5");
  return {kp["public_key"].GetString(), kp["private_key"].GetString()};
}

// ClientRequest encrypts `inner_json` as the SDK does and returns the outer request JSON.
struct Client {
  crypto::EcKeyP256 key = crypto::EcKeyP256::Generate().value();
  KeySecret shared{};
};

std::string BuildRequest(Client* client, const std::string& server_public_text,
                         std::string_view inner_json, int64_t ts,
                         const std::optional<std::string>& app_name,
                         std::string_view aad_override = {}) {
  Bytes spki = *Base64Decode(server_public_text.substr(9));
  auto server_pub = crypto::EcKeyP256::FromPublicSpkiDer(spki).value();
  Bytes shared = client->key.Ecdh(server_pub).value();
  std::copy(shared.begin(), shared.end(), client->shared.begin());
  Bytes iv = crypto::RandomBytes(12);
  std::string aad = aad_override.empty() ? CstgAad(ts, app_name) : std::string(aad_override);
  Bytes ct = crypto::AesGcmEncrypt(shared, iv, AsBytes(inner_json), AsBytes(aad)).value();
  std::string json = "{\"payload\":" + JsonQuote(Base64Encode(ct)) +
                     ",\"iv\":" + JsonQuote(Base64Encode(iv)) +
                     ",\"public_key\":" + JsonQuote(Base64Encode(client->key.PublicSpkiDer())) +
                     ",\"timestamp\":" + std::to_string(ts) + ",\"subscription_id\":\"4WvryDGbR5\"";
  if (app_name) json += ",\"app_name\":" + JsonQuote(*app_name);
  return json + "}";
}

class CstgTest : public ::testing::Test {
 protected:
  void SetUp() override {
    kp_ = LoadLocalKeypair();
    auto key = ParseCstgPrivateKey(kp_.private_key);
    ASSERT_TRUE(key.ok()) << key.error().message();
    server_key_.emplace(std::move(*key));
  }
  CstgError Open(std::string_view body, CstgPayload* out, bool phone = true) {
    CstgRequest req;
    CstgError e = ParseCstgRequest(body, &req);
    if (e != CstgError::kOk) return e;
    EXPECT_EQ(req.subscription_id, "4WvryDGbR5");
    return OpenCstgPayload(req, *server_key_, phone, out);
  }
  LocalKeypair kp_;
  std::optional<crypto::EcKeyP256> server_key_;
};

TEST_F(CstgTest, DecryptsEmailHashAndReplyKeyIsSharedSecret) {
  Client client;
  std::string body =
      BuildRequest(&client, kp_.public_key,
                   "{\"email_hash\":\"lz3+Rj7IV4X1+Vr1ujkG7tstkxwk5pgkqJ6mXbpOgTs=\","
                   "\"optout_check\":1}",
                   1700000000000, std::nullopt);
  CstgPayload out;
  ASSERT_EQ(Open(body, &out), CstgError::kOk);
  EXPECT_EQ(out.kind, InputKind::kEmailHash);
  EXPECT_EQ(out.hash, "lz3+Rj7IV4X1+Vr1ujkG7tstkxwk5pgkqJ6mXbpOgTs=");
  EXPECT_TRUE(out.optout_check);
  EXPECT_EQ(out.shared_secret, client.shared);
  // The reply is readable by the client with its side of the ECDH.
  auto reply = DecodeKeyedReply(EncodeKeyedReply("{\"status\":\"success\"}", out.shared_secret),
                                client.shared);
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(*reply, "{\"status\":\"success\"}");
}

TEST_F(CstgTest, AppNameIsPartOfTheAad) {
  EXPECT_EQ(CstgAad(1700000000000, std::nullopt), "[1700000000000]");
  EXPECT_EQ(CstgAad(12, std::string("com.example.app")), "[12,\"com.example.app\"]");
  EXPECT_EQ(CstgAad(-5, std::string("a\"b/c")), "[-5,\"a\\\"b/c\"]");
  Client client;
  std::string body = BuildRequest(&client, kp_.public_key, "{\"phone_hash\":\"x\"}", 5,
                                  std::string("com.uid2.devapp"));
  CstgPayload out;
  ASSERT_EQ(Open(body, &out), CstgError::kOk);
  EXPECT_EQ(out.kind, InputKind::kPhoneHash);
  EXPECT_FALSE(out.optout_check);
  // Encrypted with the plain [ts] AAD but sent with an app_name: authentication fails.
  Client c2;
  std::string bad = BuildRequest(&c2, kp_.public_key, "{\"email_hash\":\"x\"}", 5,
                                 std::string("com.uid2.devapp"), "[5]");
  EXPECT_EQ(Open(bad, &out), CstgError::kDecryptFailed);
}

TEST_F(CstgTest, ErrorPaths) {
  CstgPayload out;
  EXPECT_EQ(Open("", &out), CstgError::kNoBody);
  EXPECT_EQ(Open("[1]", &out), CstgError::kNoBody);
  EXPECT_EQ(Open("{", &out), CstgError::kBadJson);
  EXPECT_EQ(Open("{\"timestamp\":\"x\"}", &out), CstgError::kBadJson);
  EXPECT_EQ(Open("{\"payload\":1}", &out), CstgError::kBadJson);
  EXPECT_EQ(Open("{\"subscription_id\":\"4WvryDGbR5\",\"iv\":\"AAAAAAAAAAAAAAAA\"}", &out),
            CstgError::kMissingParams);
  EXPECT_EQ(Open("{\"subscription_id\":\"4WvryDGbR5\",\"iv\":\"AAAAAAAAAAAAAAAA\","
                 "\"payload\":\"AAAA\",\"public_key\":\"AAAA\"}",
                 &out),
            CstgError::kBadPublicKey);

  Client client;
  std::string good = BuildRequest(&client, kp_.public_key, "{\"email_hash\":\"x\"}", 7, {});
  auto replace = [&](const std::string& field, const std::string& value) {
    auto doc = ParseJson(good).value();
    doc[field.c_str()].SetString(value.c_str(), static_cast<rapidjson::SizeType>(value.size()),
                                 doc.GetAllocator());
    return JsonToString(doc);
  };
  EXPECT_EQ(Open(replace("iv", "AAAA"), &out), CstgError::kBadIv);
  EXPECT_EQ(Open(replace("iv", "%%%"), &out), CstgError::kBadIv);
  EXPECT_EQ(Open(replace("payload", "AAAAAAAAAAAAAAAAAAAAAAAA"), &out), CstgError::kDecryptFailed);
  EXPECT_EQ(Open(replace("payload", "%%%"), &out), CstgError::kDecryptFailed);
  EXPECT_EQ(
      Open(replace("public_key", Base64Encode(crypto::EcKeyP256::Generate()->PublicSpkiDer())),
           &out),
      CstgError::kDecryptFailed);  // another client key: different shared secret

  struct Inner {
    const char* json;
    CstgError want;
    bool phone;
  };
  for (Inner c :
       {Inner{"not json", CstgError::kBadInnerJson, true},
        Inner{"{}", CstgError::kNeedExactlyOne, true},
        Inner{"{\"email_hash\":\"a\",\"phone_hash\":\"b\"}", CstgError::kNeedExactlyOne, true},
        Inner{"{\"phone_hash\":\"b\"}", CstgError::kPhoneNotSupported, false},
        Inner{"{\"email_hash\":5}", CstgError::kBadInnerJson, true}}) {
    Client c1;
    std::string body = BuildRequest(&c1, kp_.public_key, c.json, 7, {});
    EXPECT_EQ(Open(body, &out, c.phone), c.want) << c.json;
  }
  EXPECT_EQ(CstgErrorMessage(CstgError::kNeedExactlyOne, false), "please provide email_hash");
  EXPECT_EQ(CstgErrorMessage(CstgError::kNeedExactlyOne, true),
            "please provide exactly one of: email_hash, phone_hash");
  EXPECT_EQ(CstgErrorMessage(CstgError::kDecryptFailed), "payload decryption failed");
}

TEST(CstgPrivateKey, PrefixAndEncoding) {
  EXPECT_FALSE(ParseCstgPrivateKey("").ok());
  EXPECT_FALSE(ParseCstgPrivateKey("UID2-X-L-AAAA").ok());
  EXPECT_FALSE(ParseCstgPrivateKey("UID2-Y-L-%%%").ok());
  EXPECT_FALSE(ParseCstgPrivateKey("UID2-Y-L-AAAA").ok());
}

TEST(Origin, RegistrableDomain) {
  EXPECT_EQ(RegistrableDomain("https://www.example.com"), "example.com");
  EXPECT_EQ(RegistrableDomain("https://a.b.EXAMPLE.co.uk:8443"), "example.co.uk");
  EXPECT_EQ(RegistrableDomain("http://example.com/path?q#f"), "example.com");
  EXPECT_EQ(RegistrableDomain("https://uidapi.com"), "uidapi.com");
  EXPECT_EQ(RegistrableDomain("http://localhost:8080"), "localhost");
  EXPECT_EQ(RegistrableDomain("http://app.localhost"), "localhost");
  EXPECT_EQ(RegistrableDomain("https://foo.github.io"), "foo.github.io");  // private section
  EXPECT_FALSE(RegistrableDomain("http://a.b.localhost").has_value());
  EXPECT_FALSE(RegistrableDomain("https://co.uk").has_value());
  EXPECT_FALSE(RegistrableDomain("https://com").has_value());
  EXPECT_FALSE(RegistrableDomain("http://127.0.0.1").has_value());
  EXPECT_FALSE(RegistrableDomain("http://[::1]:80").has_value());
  EXPECT_FALSE(RegistrableDomain("http://example.notarealtld").has_value());
  EXPECT_FALSE(RegistrableDomain("example.com").has_value());
  EXPECT_FALSE(RegistrableDomain("null").has_value());
  EXPECT_FALSE(RegistrableDomain("").has_value());
  EXPECT_FALSE(RegistrableDomain("https://").has_value());
  EXPECT_FALSE(RegistrableDomain("https://-bad-.com").has_value());
  EXPECT_FALSE(RegistrableDomain("https://exa mple.com").has_value());
}

TEST(Origin, AllowedAgainstSiteDomains) {
  std::set<std::string> domains = {"localhost", "uidapi.com"};
  EXPECT_TRUE(IsOriginAllowed("https://cdn.prod.uidapi.com", domains));
  EXPECT_TRUE(IsOriginAllowed("http://localhost:3000", domains));
  EXPECT_FALSE(IsOriginAllowed("https://uidapi.com.evil.com", domains));
  EXPECT_FALSE(IsOriginAllowed("https://example.com", domains));
  EXPECT_FALSE(IsOriginAllowed("", domains));
}

TEST(AppName, CaseInsensitive) {
  std::set<std::string> names = {"com.uid2.devapp", "123456789"};
  EXPECT_TRUE(IsAppNameAllowed("com.uid2.devapp", names));
  EXPECT_TRUE(IsAppNameAllowed("COM.UID2.DevApp", names));
  EXPECT_TRUE(IsAppNameAllowed("123456789", names));
  EXPECT_FALSE(IsAppNameAllowed("com.uid2.devap", names));
  EXPECT_FALSE(IsAppNameAllowed("", names));
}

}  // namespace
}  // namespace uid2::operator_identity
