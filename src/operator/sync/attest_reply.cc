#include "operator/sync/attest_reply.h"

#include <rapidjson/document.h>

#include <ctime>
#include <utility>

#include "common/encoding.h"
#include "common/json.h"

namespace uid2::sync {
namespace {

Result<std::optional<std::string>> OptString(const rapidjson::Value& obj, const char* name) {
  auto it = obj.FindMember(name);
  if (it == obj.MemberEnd() || it->value.IsNull()) return std::optional<std::string>();
  if (!it->value.IsString()) {
    return Error::Invalid(std::string("body.") + name + ": expected a string");
  }
  return std::optional<std::string>(
      std::string(it->value.GetString(), it->value.GetStringLength()));
}

bool Digits(std::string_view s, size_t at, size_t n, int* out) {
  if (at + n > s.size()) return false;
  int v = 0;
  for (size_t i = at; i < at + n; i++) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

}  // namespace

std::string AppVersionHeader() {
  return std::string(kApplicationName) + "=" + std::string(kApplicationVersion) +
         ";uid2-shared=" + std::string(kApplicationVersion);
}

std::string BuildAttestRequest(ByteSpan platform_document, ByteSpan public_key_der,
                               std::string_view operator_type) {
  std::string v = JsonQuote(kApplicationVersion);
  return "{\"attestation_request\":" + JsonQuote(Base64Encode(platform_document)) +
         ",\"public_key\":" + JsonQuote(Base64Encode(public_key_der)) +
         ",\"application_name\":" + JsonQuote(kApplicationName) + ",\"application_version\":" + v +
         ",\"operator_type\":" + JsonQuote(operator_type) +
         ",\"components\":{\"uid2-operator\":" + v + ",\"uid2-shared\":" + v + "}}";
}

Result<int64_t> ParseIsoUtcMs(std::string_view s) {
  // YYYY-MM-DDTHH:MM:SS
  int y, mo, d, h, mi, sec;
  auto bad = [&] {
    return Error::Invalid("expected an ISO-8601 UTC time like 2026-12-07T22:00:00Z, got \"" +
                          std::string(s.substr(0, 40)) + "\"");
  };
  if (!Digits(s, 0, 4, &y) || s.size() < 20 || s[4] != '-' || !Digits(s, 5, 2, &mo) ||
      s[7] != '-' || !Digits(s, 8, 2, &d) || (s[10] != 'T' && s[10] != 't') ||
      !Digits(s, 11, 2, &h) || s[13] != ':' || !Digits(s, 14, 2, &mi) || s[16] != ':' ||
      !Digits(s, 17, 2, &sec)) {
    return bad();
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return bad();
  size_t at = 19;
  int64_t ms = 0;
  if (at < s.size() && s[at] == '.') {
    at++;
    size_t start = at;
    int scale = 100;
    while (at < s.size() && s[at] >= '0' && s[at] <= '9') {
      if (scale > 0) ms += (s[at] - '0') * scale;
      scale /= 10;
      at++;
    }
    if (at == start || at - start > 9) return bad();
  }
  std::string_view zone = s.substr(at);
  if (zone != "Z" && zone != "z" && zone != "+00:00") return bad();
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  time_t t = timegm(&tm);
  return static_cast<int64_t>(t) * 1000 + ms;
}

Result<AttestReply> ParseAttestReply(std::string_view json) {
  auto doc = ParseJson(json);
  if (!doc.ok()) return std::move(doc).error().Context("attest reply");
  if (!doc->IsObject()) return Error::Invalid("attest reply: expected a JSON object");
  auto status = std::as_const(*doc).FindMember("status");
  if (status == std::as_const(*doc).MemberEnd() || !status->value.IsString() ||
      std::string_view(status->value.GetString()) != "success") {
    return Error::Invalid("attest reply: 'status' is not \"success\"");
  }
  auto body_it = std::as_const(*doc).FindMember("body");
  if (body_it == std::as_const(*doc).MemberEnd() || !body_it->value.IsObject()) {
    return Error::Invalid("attest reply: missing object 'body'");
  }
  const rapidjson::Value& body = body_it->value;
  AttestReply r;
  UID2_ASSIGN_OR_RETURN(auto token, OptString(body, "attestation_token"));
  if (!token) return Error::Invalid("attest reply: missing body.attestation_token");
  auto decoded = Base64Decode(*token);
  if (!decoded || decoded->empty()) {
    return Error::Invalid("attest reply: body.attestation_token is not base64");
  }
  r.encrypted_token = std::move(*decoded);
  UID2_ASSIGN_OR_RETURN(auto expires, OptString(body, "expiresAt"));
  if (!expires) return Error::Invalid("attest reply: missing body.expiresAt");
  auto ms = ParseIsoUtcMs(*expires);
  if (!ms.ok()) return std::move(ms).error().Context("attest reply: body.expiresAt");
  r.expires_at_ms = *ms;
  UID2_ASSIGN_OR_RETURN(r.optout_url, OptString(body, "optout_url"));
  UID2_ASSIGN_OR_RETURN(r.jwt_optout, OptString(body, "attestation_jwt_optout"));
  UID2_ASSIGN_OR_RETURN(r.jwt_core, OptString(body, "attestation_jwt_core"));
  return r;
}

}  // namespace uid2::sync
