// MAA request bodies and JWT validation (RS256 only; keys from a configured instance's JWKS).
//
// JWT = b64url(header) "." b64url(payload) "." b64url(signature); the signature is
// RSASSA-PKCS1-v1_5 SHA-256 over the ASCII of the first two parts joined by ".".
#include "attest/maa.h"

#include <rapidjson/document.h>

#include "attest/json_fields.h"
#include "common/encoding.h"
#include "common/json.h"
#include "crypto/x509.h"

namespace uid2::attest {

namespace {

constexpr size_t kMaxJwtSize = 64 * 1024;

Error Reject(const std::string& why) { return Error::VerifyFailed("MAA token: " + why); }

Result<rapidjson::Document> DecodePart(std::string_view part, std::string_view name) {
  std::optional<Bytes> raw = Base64UrlDecode(part, Base64Mode::kStrict);
  if (!raw) return Error::Invalid("MAA token: " + std::string(name) + " is not base64url");
  Result<rapidjson::Document> doc = ParseJson(AsChars(*raw));
  if (!doc.ok()) return std::move(doc).error().Context("MAA token " + std::string(name));
  if (!doc->IsObject())
    return Error::Invalid("MAA token: " + std::string(name) + " is not an object");
  return doc;
}

Status CheckHeader(const rapidjson::Value& h, const MaaConfig& config, const crypto::RsaKey** key) {
  UID2_ASSIGN_OR_RETURN(std::string alg, json::String(h, "alg"));
  if (alg != "RS256") return Reject("alg '" + alg + "' refused (only RS256)");
  if (h.HasMember("typ")) {
    UID2_ASSIGN_OR_RETURN(std::string typ, json::String(h, "typ"));
    if (typ != "JWT") return Reject("typ '" + typ + "' is not JWT");
  }
  UID2_ASSIGN_OR_RETURN(std::string jku, json::String(h, "jku"));
  if (jku != config.instance + "/certs") {
    return Reject("jku '" + jku + "' is not the configured instance's " + config.instance +
                  "/certs");
  }
  UID2_ASSIGN_OR_RETURN(std::string kid, json::String(h, "kid"));
  auto it = config.jwks.keys.find(kid);
  if (it == config.jwks.keys.end())
    return Reject("kid '" + kid + "' is not in the instance's JWKS");
  *key = &it->second;
  return Ok();
}

Status CheckTimes(const rapidjson::Value& p, const MaaConfig& config, time_t now, MaaClaims* c) {
  UID2_ASSIGN_OR_RETURN(c->issuer, json::String(p, "iss"));
  if (c->issuer != config.instance) {
    return Reject("iss '" + c->issuer + "' is not the configured instance " + config.instance);
  }
  UID2_ASSIGN_OR_RETURN(c->expires, json::Int(p, "exp", 0, INT64_MAX / 2));
  UID2_ASSIGN_OR_RETURN(c->not_before, json::Int(p, "nbf", 0, INT64_MAX / 2));
  if (p.HasMember("iat")) {
    UID2_ASSIGN_OR_RETURN(c->issued_at, json::Int(p, "iat", 0, INT64_MAX / 2));
  }
  if (now > c->expires + config.skew_seconds) {
    return Reject("expired at " + FormatIsoTime(c->expires) + " (now " + FormatIsoTime(now) + ")");
  }
  if (now + config.skew_seconds < c->not_before) {
    return Reject("not valid before " + FormatIsoTime(c->not_before));
  }
  UID2_ASSIGN_OR_RETURN(std::string ver, json::String(p, "x-ms-ver"));
  if (ver != "1.0") return Reject("x-ms-ver '" + ver + "' is not 1.0");
  UID2_ASSIGN_OR_RETURN(std::string type, json::String(p, "x-ms-attestation-type"));
  if (type != "sgx") return Reject("x-ms-attestation-type '" + type + "' is not sgx");
  return Ok();
}

Status ReadSgxClaims(const rapidjson::Value& p, MaaClaims* c) {
  UID2_RETURN_IF_ERROR(json::Hex(p, "x-ms-sgx-mrenclave", &c->mr_enclave));
  UID2_RETURN_IF_ERROR(json::Hex(p, "x-ms-sgx-mrsigner", &c->mr_signer));
  UID2_ASSIGN_OR_RETURN(int64_t prod, json::Int(p, "x-ms-sgx-product-id", 0, 0xFFFF));
  c->product_id = static_cast<uint16_t>(prod);
  UID2_ASSIGN_OR_RETURN(int64_t svn, json::Int(p, "x-ms-sgx-svn", 0, 0xFFFF));
  c->svn = static_cast<uint16_t>(svn);
  UID2_ASSIGN_OR_RETURN(const rapidjson::Value* dbg, json::Member(p, "x-ms-sgx-is-debuggable"));
  if (!dbg->IsBool()) return Error::Invalid("key 'x-ms-sgx-is-debuggable' must be a boolean");
  c->is_debuggable = dbg->GetBool();
  UID2_ASSIGN_OR_RETURN(std::string ehd, json::String(p, "x-ms-sgx-ehd"));
  std::optional<Bytes> ehd_bytes = Base64UrlDecode(ehd, Base64Mode::kLenient);
  if (!ehd_bytes) return Error::Invalid("key 'x-ms-sgx-ehd' is not base64url");
  c->enclave_held_data = std::move(*ehd_bytes);
  if (p.HasMember("x-ms-sgx-report-data")) {
    std::array<uint8_t, 64> rd;
    UID2_RETURN_IF_ERROR(json::Hex(p, "x-ms-sgx-report-data", &rd));
    c->report_data = rd;
  }
  return Ok();
}

}  // namespace

std::string MaaAttestUrl(std::string_view instance, MaaApiVersion version) {
  return std::string(instance) + "/attest/SgxEnclave?api-version=" +
         (version == MaaApiVersion::k2020_10_01 ? "2020-10-01" : "2022-08-01");
}

std::string BuildMaaRequest(ByteSpan quote, ByteSpan runtime_data, MaaApiVersion version,
                            std::string_view nonce) {
  bool old = version == MaaApiVersion::k2020_10_01;
  std::string out = std::string("{\"") + (old ? "Quote" : "quote") +
                    "\":" + JsonQuote(Base64UrlEncode(quote)) + ",\"" +
                    (old ? "RuntimeData" : "runtimeData") + "\":{\"" + (old ? "Data" : "data") +
                    "\":" + JsonQuote(Base64UrlEncode(runtime_data)) + ",\"" +
                    (old ? "DataType" : "dataType") + "\":\"Binary\"}";
  if (!nonce.empty())
    out += std::string(",\"") + (old ? "Nonce" : "nonce") + "\":" + JsonQuote(nonce);
  return out + "}";
}

Result<MaaJwks> ParseMaaJwks(std::string_view text) {
  UID2_ASSIGN_OR_RETURN(rapidjson::Document doc, ParseJson(text));
  UID2_ASSIGN_OR_RETURN(const rapidjson::Value* keys, json::Member(doc, "keys"));
  if (!keys->IsArray()) return Error::Invalid("JWKS: 'keys' must be an array");
  MaaJwks jwks;
  for (const auto& k : keys->GetArray()) {
    UID2_ASSIGN_OR_RETURN(std::string kid, json::String(k, "kid"));
    if (k.HasMember("kty")) {
      UID2_ASSIGN_OR_RETURN(std::string kty, json::String(k, "kty"));
      if (kty != "RSA") continue;  // only RSA keys can verify RS256
    }
    UID2_ASSIGN_OR_RETURN(const rapidjson::Value* x5c, json::Member(k, "x5c"));
    if (!x5c->IsArray() || x5c->Empty() || !(*x5c)[0].IsString()) {
      return Error::Invalid("JWKS key '" + kid + "': x5c must be a non-empty array of strings");
    }
    std::optional<Bytes> der = Base64Decode((*x5c)[0].GetString());
    if (!der) return Error::Invalid("JWKS key '" + kid + "': x5c[0] is not base64");
    Result<crypto::Certificate> cert = crypto::Certificate::FromDer(*der);
    if (!cert.ok()) return std::move(cert).error().Context("JWKS key '" + kid + "'");
    Result<crypto::RsaKey> key = crypto::RsaKey::FromPublicDer(cert->PublicKeySpkiDer());
    if (!key.ok()) return std::move(key).error().Context("JWKS key '" + kid + "'");
    jwks.keys.insert_or_assign(kid, std::move(key).value());
  }
  return jwks;
}

Result<MaaClaims> ValidateMaaToken(std::string_view jwt, const MaaConfig& config, time_t now) {
  if (jwt.size() > kMaxJwtSize) return Error::Invalid("MAA token larger than 64 KiB");
  size_t dot1 = jwt.find('.');
  size_t dot2 = dot1 == std::string_view::npos ? dot1 : jwt.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || jwt.find('.', dot2 + 1) != std::string_view::npos) {
    return Error::Invalid("MAA token: not three dot-separated parts");
  }
  UID2_ASSIGN_OR_RETURN(rapidjson::Document header, DecodePart(jwt.substr(0, dot1), "header"));
  const crypto::RsaKey* key = nullptr;
  UID2_RETURN_IF_ERROR(CheckHeader(header, config, &key));
  std::optional<Bytes> sig = Base64UrlDecode(jwt.substr(dot2 + 1), Base64Mode::kStrict);
  if (!sig) return Error::Invalid("MAA token: signature is not base64url");
  if (!key->VerifyPkcs1Sha256(AsBytes(jwt.substr(0, dot2)), *sig).ok()) {
    return Reject("RS256 signature does not verify");
  }
  return internal::ParseMaaPayload(jwt.substr(dot1 + 1, dot2 - dot1 - 1), config, now);
}

namespace internal {

Result<MaaClaims> ParseMaaPayload(std::string_view payload_b64, const MaaConfig& config,
                                  time_t now) {
  UID2_ASSIGN_OR_RETURN(rapidjson::Document payload, DecodePart(payload_b64, "payload"));
  MaaClaims c;
  UID2_RETURN_IF_ERROR(CheckTimes(payload, config, now, &c));
  Status s = ReadSgxClaims(payload, &c);
  if (!s.ok()) return std::move(s).error().Context("MAA token");
  return c;
}

}  // namespace internal

AttestedEnclave FromMaaClaims(const MaaClaims& c) {
  AttestedEnclave e;
  e.mr_enclave = c.mr_enclave;
  e.mr_signer = c.mr_signer;
  e.isv_prod_id = c.product_id;
  e.isv_svn = c.svn;
  e.debug = c.is_debuggable;
  e.report_data = c.report_data;
  e.runtime_data = c.enclave_held_data;
  e.trust_anchor = std::string(kIntelAnchorLabel);
  e.anchor_kind = AnchorKind::kIntelProduction;
  return e;
}

}  // namespace uid2::attest
