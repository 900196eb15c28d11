#include "operator/sync/encrypted_file.h"

#include <rapidjson/document.h>

#include <utility>
#include "common/encoding.h"
#include "common/json.h"
#include "crypto/cipher.h"

namespace uid2::sync {

Result<EncryptedEnvelope> ParseEncryptedEnvelope(std::string_view json) {
  auto doc = ParseJson(json);
  if (!doc.ok()) return std::move(doc).error().Context("encrypted file");
  if (!doc->IsObject()) return Error::Invalid("encrypted file: expected a JSON object");
  auto id = std::as_const(*doc).FindMember("key_id");
  if (id == std::as_const(*doc).MemberEnd() || !id->value.IsInt64()) {
    return Error::Invalid("encrypted file: field 'key_id': expected an integer");
  }
  auto payload = std::as_const(*doc).FindMember("encrypted_payload");
  if (payload == std::as_const(*doc).MemberEnd() || !payload->value.IsString()) {
    return Error::Invalid("encrypted file: field 'encrypted_payload': expected a string");
  }
  auto bytes =
      Base64Decode(std::string_view(payload->value.GetString(), payload->value.GetStringLength()));
  if (!bytes) return Error::Invalid("encrypted file: field 'encrypted_payload': not base64");
  if (bytes->size() < crypto::kGcmIvSize + crypto::kGcmTagSize) {
    return Error::Invalid("encrypted file: payload of " + std::to_string(bytes->size()) +
                          " bytes is shorter than IV + tag (28)");
  }
  return EncryptedEnvelope{id->value.GetInt64(), std::move(*bytes)};
}

Result<CloudKeys> ParseCloudEncryptionKeys(std::string_view json) {
  auto doc = ParseJson(json);
  if (!doc.ok()) return std::move(doc).error().Context("cloud encryption keys");
  const rapidjson::Value* list = nullptr;
  if (doc->IsArray()) {
    list = &*doc;
  } else if (doc->IsObject()) {
    auto it = std::as_const(*doc).FindMember("s3Keys");
    if (it != std::as_const(*doc).MemberEnd() && it->value.IsArray()) list = &it->value;
  }
  if (!list) {
    return Error::Invalid("cloud encryption keys: expected {\"s3Keys\": [...]} or an array");
  }
  CloudKeys keys;
  for (rapidjson::SizeType i = 0; i < list->Size(); i++) {
    const rapidjson::Value& k = (*list)[i];
    const std::string where = "cloud encryption keys: record " + std::to_string(i);
    if (!k.IsObject()) return Error::Invalid(where + ": expected an object");
    auto id = k.FindMember("id");
    if (id == k.MemberEnd() || !id->value.IsInt64()) {
      return Error::Invalid(where + ": field 'id': expected an integer");
    }
    auto secret = k.FindMember("secret");
    if (secret == k.MemberEnd() || !secret->value.IsString()) {
      return Error::Invalid(where + ": field 'secret': expected a string");
    }
    auto bytes =
        Base64Decode(std::string_view(secret->value.GetString(), secret->value.GetStringLength()));
    if (!bytes || bytes->size() != crypto::kAes256KeySize) {
      return Error::Invalid(where + ": field 'secret': expected base64 of 32 bytes");
    }
    keys[id->value.GetInt64()] = std::move(*bytes);
  }
  return keys;
}

Result<std::string> DecryptEnvelope(const EncryptedEnvelope& envelope, const CloudKeys& keys) {
  auto key = keys.find(envelope.key_id);
  if (key == keys.end()) {
    return Error::NotFound("no cloud encryption key with id " + std::to_string(envelope.key_id));
  }
  auto plain = crypto::AesGcmOpen(key->second, envelope.payload);
  if (!plain.ok()) {
    return std::move(plain).error().Context("decrypting with cloud encryption key " +
                                            std::to_string(envelope.key_id));
  }
  return std::string(plain->begin(), plain->end());
}

}  // namespace uid2::sync
