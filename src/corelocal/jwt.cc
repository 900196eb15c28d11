#include "corelocal/jwt.h"

#include "common/bytes.h"
#include "common/encoding.h"
#include "common/json.h"
#include "crypto/ec.h"
#include "crypto/rsa.h"

namespace uid2::corelocal {
namespace {

class RsaSigner : public JwtSigner {
 public:
  explicit RsaSigner(crypto::RsaKey key) : key_(std::move(key)) {}
  std::string_view alg() const override { return "RS256"; }
  std::string PublicPem() const override { return key_.PublicPem(); }

 protected:
  Result<std::string> SignBytes(std::string_view input) const override {
    UID2_ASSIGN_OR_RETURN(Bytes sig, key_.SignPkcs1Sha256(AsBytes(input)));
    return std::string(AsChars(sig));
  }
  bool VerifyBytes(std::string_view input, std::string_view sig) const override {
    return key_.VerifyPkcs1Sha256(AsBytes(input), AsBytes(sig)).ok();
  }

 private:
  crypto::RsaKey key_;
};

class EcSigner : public JwtSigner {
 public:
  explicit EcSigner(crypto::EcKeyP256 key) : key_(std::move(key)) {}
  std::string_view alg() const override { return "ES256"; }
  std::string PublicPem() const override {
    Bytes der = key_.PublicSpkiDer();
    std::string b64 = Base64Encode(der);
    std::string pem = "-----BEGIN PUBLIC KEY-----\n";
    for (size_t i = 0; i < b64.size(); i += 64) pem += b64.substr(i, 64) + "\n";
    return pem + "-----END PUBLIC KEY-----\n";
  }

 protected:
  Result<std::string> SignBytes(std::string_view input) const override {
    UID2_ASSIGN_OR_RETURN(Bytes sig, key_.SignSha256Raw(AsBytes(input)));  // JWS: r || s
    return std::string(AsChars(sig));
  }
  bool VerifyBytes(std::string_view input, std::string_view sig) const override {
    return key_.VerifySha256Raw(AsBytes(input), AsBytes(sig)).ok();
  }

 private:
  crypto::EcKeyP256 key_;
};

}  // namespace

Result<std::unique_ptr<JwtSigner>> JwtSigner::Generate(std::string_view alg) {
  if (alg == "RS256") {
    UID2_ASSIGN_OR_RETURN(crypto::RsaKey key, crypto::RsaKey::Generate(2048, 65537));
    return std::unique_ptr<JwtSigner>(new RsaSigner(std::move(key)));
  }
  if (alg == "ES256") {
    UID2_ASSIGN_OR_RETURN(crypto::EcKeyP256 key, crypto::EcKeyP256::Generate());
    return std::unique_ptr<JwtSigner>(new EcSigner(std::move(key)));
  }
  return Error::Invalid("JWT algorithm '" + std::string(alg) + "' is not RS256 or ES256");
}

Result<std::unique_ptr<JwtSigner>> JwtSigner::FromPem(std::string_view pem) {
  auto rsa = crypto::RsaKey::FromPem(pem);
  if (rsa.ok()) {
    if (!rsa->has_private())
      return Error::Invalid("the JWT key is a public key; need a private key");
    return std::unique_ptr<JwtSigner>(new RsaSigner(std::move(*rsa)));
  }
  auto ec = crypto::EcKeyP256::FromPrivatePem(pem);
  if (ec.ok()) return std::unique_ptr<JwtSigner>(new EcSigner(std::move(*ec)));
  return Error::Invalid("not an RSA or P-256 private key in PEM (" + rsa.error().message() + ")");
}

Result<std::string> JwtSigner::Sign(std::string_view payload_json) const {
  std::string header = R"({"alg":")" + std::string(alg()) + R"(","typ":"JWT"})";
  std::string input =
      Base64UrlEncode(AsBytes(header)) + "." + Base64UrlEncode(AsBytes(payload_json));
  UID2_ASSIGN_OR_RETURN(std::string sig, SignBytes(input));
  return input + "." + Base64UrlEncode(AsBytes(sig));
}

Result<std::string> JwtSigner::Verify(std::string_view jwt) const {
  size_t dot1 = jwt.find('.');
  size_t dot2 = dot1 == std::string_view::npos ? dot1 : jwt.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || jwt.find('.', dot2 + 1) != std::string_view::npos) {
    return Error::VerifyFailed("JWT: expected three dot-separated parts");
  }
  auto header = Base64UrlDecode(jwt.substr(0, dot1));
  auto payload = Base64UrlDecode(jwt.substr(dot1 + 1, dot2 - dot1 - 1));
  auto sig = Base64UrlDecode(jwt.substr(dot2 + 1));
  if (!header || !payload || !sig) return Error::VerifyFailed("JWT: a part is not base64url");
  auto h = ParseJson(AsChars(*header));
  if (!h.ok() || !h->IsObject() || !h->HasMember("alg") || !(*h)["alg"].IsString() ||
      std::string_view((*h)["alg"].GetString()) != alg()) {
    return Error::VerifyFailed("JWT: header alg is not " + std::string(alg()));
  }
  if (!VerifyBytes(jwt.substr(0, dot2), AsChars(*sig))) {
    return Error::VerifyFailed("JWT: signature does not verify");
  }
  return std::string(AsChars(*payload));
}

Status CheckOperatorClaims(std::string_view payload_json, std::string_view audience,
                           std::string_view key_id, int64_t now) {
  auto parsed = ParseJson(payload_json);
  if (!parsed.ok() || !parsed->IsObject()) {
    return Error::VerifyFailed("JWT: payload is not a JSON object");
  }
  const rapidjson::Value* doc = &*parsed;  // const iterators (clang's C++20 check)
  auto str = [&](const char* k) -> std::string_view {
    auto it = doc->FindMember(k);
    return it != doc->MemberEnd() && it->value.IsString()
               ? std::string_view(it->value.GetString(), it->value.GetStringLength())
               : std::string_view();
  };
  if (str("aud") != audience)
    return Error::VerifyFailed("JWT: audience is not " + std::string(audience));
  if (str("sub") != key_id) return Error::VerifyFailed("JWT: issued to another operator");
  auto exp = doc->FindMember("exp");
  if (exp == doc->MemberEnd() || !exp->value.IsInt64() || exp->value.GetInt64() <= now) {
    return Error::VerifyFailed("JWT: expired");
  }
  return Ok();
}

}  // namespace uid2::corelocal
