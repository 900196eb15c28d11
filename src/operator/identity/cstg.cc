// cstg.cc: client-side token generation request parsing and decryption (spec §2.4).
#include "operator/identity/cstg.h"

#include <rapidjson/document.h>

#include "common/encoding.h"
#include "common/json.h"
#include "operator/identity/fast_crypto.h"
#include "operator/identity/token_io.h"

namespace uid2::operator_identity {
namespace {

constexpr size_t kIvSize = 12;

// ReadOptionalString: absent or null -> nullopt, string -> value, other types -> false.
bool ReadOptionalString(const rapidjson::Value& obj, const char* name,
                        std::optional<std::string>* out) {
  const rapidjson::Value* v = internal::JsonMember(obj, name);
  if (v == nullptr || v->IsNull()) return true;
  if (!v->IsString()) return false;
  out->emplace(v->GetString(), v->GetStringLength());
  return true;
}

std::optional<Bytes> B64(const std::string& s) {
  return Base64Decode(s, Base64Alphabet::kStandard, Base64Mode::kLenient);
}

}  // namespace

std::string_view CstgErrorMessage(CstgError e, bool phone_support) {
  switch (e) {
    case CstgError::kOk:
      return "";
    case CstgError::kBadJson:
      return "json payload is not valid";
    case CstgError::kNoBody:
      return "json payload expected but not found";
    case CstgError::kMissingParams:
      return "required parameters: payload, iv, public_key";
    case CstgError::kBadPublicKey:
      return "bad public key";
    case CstgError::kBadIv:
      return "bad iv";
    case CstgError::kDecryptFailed:
      return "payload decryption failed";
    case CstgError::kBadInnerJson:
      return "encrypted payload contains invalid json";
    case CstgError::kPhoneNotSupported:
      return "phone support not enabled";
    case CstgError::kNeedExactlyOne:
      return phone_support ? "please provide exactly one of: email_hash, phone_hash"
                           : "please provide email_hash";
  }
  return "";
}

CstgError ParseCstgRequest(std::string_view body, CstgRequest* out) {
  if (body.empty()) return CstgError::kNoBody;
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseValidateEncodingFlag>(body.data(), body.size());
  if (doc.HasParseError()) return CstgError::kBadJson;
  if (!doc.IsObject()) return CstgError::kNoBody;
  *out = CstgRequest{};
  std::optional<std::string> subscription_id;
  if (!ReadOptionalString(doc, "payload", &out->payload) ||
      !ReadOptionalString(doc, "iv", &out->iv) ||
      !ReadOptionalString(doc, "public_key", &out->public_key) ||
      !ReadOptionalString(doc, "subscription_id", &subscription_id) ||
      !ReadOptionalString(doc, "app_name", &out->app_name)) {
    return CstgError::kBadJson;
  }
  out->subscription_id = subscription_id.value_or("");
  const rapidjson::Value* ts = internal::JsonMember(doc, "timestamp");
  if (ts != nullptr && !ts->IsNull()) {
    if (!ts->IsInt64()) return CstgError::kBadJson;
    out->timestamp_ms = ts->GetInt64();
  }
  return CstgError::kOk;
}

Result<crypto::EcKeyP256> ParseCstgPrivateKey(std::string_view text) {
  if (text.size() <= kCstgPrivateKeyPrefix.size() ||
      text.substr(0, kCstgPrivateKeyPrefix.size()) != kCstgPrivateKeyPrefix) {
    return Error::Invalid("client_side_keypairs: private_key must start with \"UID2-Y-L-\"");
  }
  std::optional<Bytes> der = Base64Decode(text.substr(kCstgPrivateKeyPrefix.size()),
                                          Base64Alphabet::kStandard, Base64Mode::kLenient);
  if (!der) return Error::Invalid("client_side_keypairs: private_key is not base64");
  auto key = crypto::EcKeyP256::FromPrivatePkcs8Der(*der);
  if (!key.ok()) return std::move(key).error().Context("client_side_keypairs: private_key");
  return key;
}

std::string CstgAad(int64_t timestamp_ms, const std::optional<std::string>& app_name) {
  std::string aad = "[" + std::to_string(timestamp_ms);
  if (app_name) aad += "," + JsonQuote(*app_name);
  aad += "]";
  return aad;
}

CstgError OpenCstgPayload(const CstgRequest& request, const crypto::EcKeyP256& server_key,
                          bool phone_support, CstgPayload* out) {
  if (!request.payload || !request.iv || !request.public_key) return CstgError::kMissingParams;
  std::optional<Bytes> spki = B64(*request.public_key);
  if (!spki) return CstgError::kBadPublicKey;
  auto client_key = crypto::EcKeyP256::FromPublicSpkiDer(*spki);
  if (!client_key.ok()) return CstgError::kBadPublicKey;
  auto shared = server_key.Ecdh(*client_key);
  if (!shared.ok() || shared->size() != kKeySize) return CstgError::kBadPublicKey;
  std::copy(shared->begin(), shared->end(), out->shared_secret.begin());

  std::optional<Bytes> iv = B64(*request.iv);
  if (!iv || iv->size() != kIvSize) return CstgError::kBadIv;
  std::optional<Bytes> ct = B64(*request.payload);
  if (!ct) return CstgError::kDecryptFailed;
  Bytes sealed(*iv);
  sealed.insert(sealed.end(), ct->begin(), ct->end());
  if (sealed.size() < internal::kGcmOverhead) return CstgError::kDecryptFailed;
  std::string plain(sealed.size() - internal::kGcmOverhead, '\0');
  std::string aad = CstgAad(request.timestamp_ms, request.app_name);
  if (!internal::GcmOpen(out->shared_secret.data(), sealed,
                         reinterpret_cast<uint8_t*>(plain.data()), AsBytes(aad))) {
    return CstgError::kDecryptFailed;
  }

  rapidjson::Document inner;
  inner.Parse<rapidjson::kParseValidateEncodingFlag>(plain.data(), plain.size());
  if (inner.HasParseError() || !inner.IsObject()) return CstgError::kBadInnerJson;
  std::optional<std::string> email_hash, phone_hash;
  if (!ReadOptionalString(inner, "email_hash", &email_hash) ||
      !ReadOptionalString(inner, "phone_hash", &phone_hash)) {
    return CstgError::kBadInnerJson;
  }
  if (phone_hash && !phone_support) return CstgError::kPhoneNotSupported;
  if (email_hash.has_value() == phone_hash.has_value()) return CstgError::kNeedExactlyOne;
  out->kind = email_hash ? InputKind::kEmailHash : InputKind::kPhoneHash;
  out->hash = email_hash ? *email_hash : *phone_hash;
  const rapidjson::Value* optout = internal::JsonMember(inner, "optout_check");
  out->optout_check = optout != nullptr && optout->IsInt() && optout->GetInt() == 1;
  return CstgError::kOk;
}

bool IsAppNameAllowed(std::string_view app_name, const std::set<std::string>& app_names) {
  auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; };
  for (const std::string& name : app_names) {
    if (name.size() != app_name.size()) continue;
    bool equal = true;
    for (size_t i = 0; equal && i < name.size(); i++) equal = lower(name[i]) == lower(app_name[i]);
    if (equal) return true;
  }
  return false;
}

}  // namespace uid2::operator_identity
