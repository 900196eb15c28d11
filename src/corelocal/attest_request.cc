#include "corelocal/attest_request.h"

#include "common/encoding.h"
#include "common/json.h"

namespace uid2::corelocal {
namespace {

constexpr size_t kMaxDocument = 64 * 1024;  // a DCAP quote with its PEM chain is ~5 KiB

Result<std::optional<std::string>> OptString(const rapidjson::Value& o, const char* key) {
  if (!o.HasMember(key) || o[key].IsNull()) return std::optional<std::string>();
  if (!o[key].IsString()) return Error::Invalid(std::string("'") + key + "': expected a string");
  return std::optional<std::string>(std::string(o[key].GetString(), o[key].GetStringLength()));
}

}  // namespace

Result<AttestRequest> ParseAttestRequest(std::string_view body) {
  auto doc = ParseJson(body);
  if (!doc.ok()) return Error::Invalid("request body is not a valid json");
  if (!doc->IsObject()) return Error::Invalid("request body is not a valid json");
  AttestRequest r;
  UID2_ASSIGN_OR_RETURN(auto document, OptString(*doc, "attestation_request"));
  if (!document || document->empty()) return Error::Invalid("no attestation_request attached");
  if (document->size() > Base64EncodedSize(kMaxDocument)) {
    return Error::Invalid("'attestation_request' is larger than " + std::to_string(kMaxDocument) +
                          " bytes");
  }
  auto bytes = Base64Decode(*document, Base64Alphabet::kStandard, Base64Mode::kLenient);
  if (!bytes) return Error::Invalid("'attestation_request' is not base64");
  r.document = std::move(*bytes);
  UID2_ASSIGN_OR_RETURN(auto key, OptString(*doc, "public_key"));
  if (!key || key->empty()) return Error::Invalid("no public_key attached");
  auto key_bytes = Base64Decode(*key, Base64Alphabet::kStandard, Base64Mode::kLenient);
  if (!key_bytes || key_bytes->empty()) return Error::Invalid("'public_key' is not base64");
  r.public_key = std::move(*key_bytes);
  UID2_ASSIGN_OR_RETURN(auto name, OptString(*doc, "application_name"));
  UID2_ASSIGN_OR_RETURN(auto version, OptString(*doc, "application_version"));
  UID2_ASSIGN_OR_RETURN(r.operator_type, OptString(*doc, "operator_type"));
  r.application_name = name.value_or("");
  r.application_version = version.value_or("");
  return r;
}

}  // namespace uid2::corelocal
