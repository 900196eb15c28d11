#include "operator/sync/encrypted_file.h"

#include <rapidjson/document.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <utility>

#include "common/encoding.h"
#include "common/huge_pages.h"
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
    // uid2-core's /cloud_encryption_keys/retrieve answers {"cloud_encryption_keys": [...]};
    // older cores (and uid2-shared's S3 key provider) used {"s3Keys": [...]}.
    for (const char* name : {"cloud_encryption_keys", "s3Keys"}) {
      auto it = std::as_const(*doc).FindMember(name);
      if (it != std::as_const(*doc).MemberEnd() && it->value.IsArray()) {
        list = &it->value;
        break;
      }
    }
  }
  if (!list) {
    return Error::Invalid(
        "cloud encryption keys: expected {\"cloud_encryption_keys\": [...]}, {\"s3Keys\": "
        "[...]} or an array");
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

namespace {

constexpr std::string_view kPayloadKey = "\"encrypted_payload\"";
constexpr size_t kPieceChars = 64 * 1024;  // base64 characters per piece (a multiple of 4)

bool IsJsonSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// LocatePayload finds the characters of the encrypted_payload string: [*begin, *end) between
// its quotes, with no quote or backslash inside. False when not found that way.
bool LocatePayload(std::string_view json, size_t* begin, size_t* end) {
  size_t p = json.find(kPayloadKey);
  if (p == std::string_view::npos) return false;
  p += kPayloadKey.size();
  while (p < json.size() && IsJsonSpace(json[p])) p++;
  if (p >= json.size() || json[p] != ':') return false;
  p++;
  while (p < json.size() && IsJsonSpace(json[p])) p++;
  if (p >= json.size() || json[p] != '"') return false;
  const char* first = json.data() + p + 1;
  const char* last = json.data() + json.size();
  const char* quote = static_cast<const char*>(std::memchr(first, '"', last - first));
  if (!quote || std::memchr(first, '\\', quote - first)) return false;
  *begin = first - json.data();
  *end = quote - json.data();
  return true;
}

// Piecewise: the decoded payload is IV (12) | ciphertext | tag (16); Take consumes decoded
// bytes at absolute offset `at` and routes them.
class PayloadSink {
 public:
  // The plaintext is appended to *out, or written at `dst` onwards when `dst` is given.
  PayloadSink(const Bytes& key, size_t total, std::string* out, char* dst)
      : key_(key), total_(total), out_(out), dst_(dst) {}

  Status Take(ByteSpan bytes, size_t at) {
    const size_t ct_end = total_ - crypto::kGcmTagSize;
    for (size_t i = 0; i < bytes.size();) {
      size_t pos = at + i;
      if (pos < crypto::kGcmIvSize) {
        size_t n = std::min(bytes.size() - i, crypto::kGcmIvSize - pos);
        std::memcpy(iv_ + pos, bytes.data() + i, n);
        i += n;
        continue;
      }
      if (pos < ct_end) {
        if (!decryptor_) {
          UID2_ASSIGN_OR_RETURN(crypto::AesGcmDecryptor d,
                                crypto::AesGcmDecryptor::Create(key_, ByteSpan(iv_, 12)));
          decryptor_.emplace(std::move(d));
        }
        size_t n = std::min(bytes.size() - i, ct_end - pos);
        if (dst_) {
          UID2_RETURN_IF_ERROR(
              decryptor_->Update(bytes.subspan(i, n), reinterpret_cast<uint8_t*>(dst_ + written_)));
        } else {
          plain_.resize(n);
          UID2_RETURN_IF_ERROR(decryptor_->Update(bytes.subspan(i, n), plain_.data()));
          out_->append(reinterpret_cast<const char*>(plain_.data()), n);
        }
        written_ += n;
        i += n;
        continue;
      }
      size_t n = std::min(bytes.size() - i, total_ - pos);
      std::memcpy(tag_ + (pos - ct_end), bytes.data() + i, n);
      i += n;
    }
    return Ok();
  }

  Status Finish() {
    if (!decryptor_) {  // empty ciphertext
      UID2_ASSIGN_OR_RETURN(crypto::AesGcmDecryptor d,
                            crypto::AesGcmDecryptor::Create(key_, ByteSpan(iv_, 12)));
      decryptor_.emplace(std::move(d));
    }
    return decryptor_->Finish(ByteSpan(tag_, crypto::kGcmTagSize));
  }

  size_t written() const { return written_; }

 private:
  const Bytes& key_;
  size_t total_;
  std::string* out_;
  char* dst_;
  size_t written_ = 0;
  uint8_t iv_[crypto::kGcmIvSize] = {};
  uint8_t tag_[crypto::kGcmTagSize] = {};
  std::optional<crypto::AesGcmDecryptor> decryptor_;
  Bytes plain_;
};

// Open is OpenEncryptedFile; with `in_place` (the string `json` views, owned by the caller and
// given up) the plaintext is written over the envelope's own buffer, which is then returned.
// That is safe: plaintext byte k is payload byte 12 + k, decoded from base64 characters at
// offsets >= 4 (12 + k) / 3 > k of the payload, itself after the envelope's first bytes, and each
// 64 KiB-character piece is decoded into `piece` before any of its bytes is written back, so
// every write lands on characters already consumed. Every fallback to the general path happens
// before the first write.
Result<std::string> Open(std::string_view json, const CloudKeys& keys, std::string* in_place) {
  size_t begin = 0, end = 0;
  std::string_view b64;
  if (LocatePayload(json, &begin, &end)) b64 = json.substr(begin, end - begin);
  // The padding rules of strict base64 are checked on the whole text here; pieces are then
  // plain runs of quanta (a '=' inside one fails its decoding).
  size_t padding = 0;
  while (padding < 2 && padding < b64.size() && b64[b64.size() - 1 - padding] == '=') padding++;
  const size_t total = b64.size() / 4 * 3 - padding;
  if (b64.empty() || b64.size() % 4 != 0 || total < crypto::kGcmIvSize + crypto::kGcmTagSize) {
    // Not the plain shape: the general path gives the result or the exact error.
    UID2_ASSIGN_OR_RETURN(EncryptedEnvelope envelope, ParseEncryptedEnvelope(json));
    return DecryptEnvelope(envelope, keys);
  }
  // The envelope with an empty payload string must be a valid envelope whose payload is that
  // string (pointer identity in an in-situ parse): then the original is valid JSON too.
  std::string rest;
  rest.reserve(json.size() - b64.size() + 1);
  rest.append(json.substr(0, begin));
  rest.append(json.substr(end));
  rapidjson::Document doc;
  doc.ParseInsitu(rest.data());
  const rapidjson::Value* id = nullptr;
  bool same_shape = !doc.HasParseError() && doc.IsObject();
  if (same_shape) {
    const rapidjson::Document& d = doc;
    auto payload = d.FindMember("encrypted_payload");
    auto key_id = d.FindMember("key_id");
    same_shape = payload != d.MemberEnd() && payload->value.IsString() &&
                 payload->value.GetString() == rest.data() + begin && key_id != d.MemberEnd() &&
                 key_id->value.IsInt64();
    if (same_shape) id = &key_id->value;
  }
  if (!same_shape) {
    UID2_ASSIGN_OR_RETURN(EncryptedEnvelope envelope, ParseEncryptedEnvelope(json));
    return DecryptEnvelope(envelope, keys);
  }
  const int64_t key_id = id->GetInt64();
  auto key = keys.find(key_id);
  if (key == keys.end()) {  // the general path: a bad payload is reported before the key
    UID2_ASSIGN_OR_RETURN(EncryptedEnvelope envelope, ParseEncryptedEnvelope(json));
    return DecryptEnvelope(envelope, keys);
  }
  std::string out;
  if (!in_place) {
    out.reserve(total - crypto::kGcmIvSize - crypto::kGcmTagSize);
    AdviseHugePages(out.data(), out.capacity());
  }
  PayloadSink sink(key->second, total, &out, in_place ? in_place->data() : nullptr);
  Bytes piece;
  size_t at = 0;
  for (size_t i = 0; i < b64.size(); i += kPieceChars) {
    std::string_view chars = b64.substr(i, kPieceChars);
    const bool last = i + kPieceChars >= b64.size();
    if ((!last && chars.back() == '=') ||
        !Base64DecodeTo(chars, Base64Alphabet::kStandard, Base64Mode::kStrict, &piece)) {
      return Error::Invalid("encrypted file: field 'encrypted_payload': not base64");
    }
    Status st = sink.Take(piece, at);
    if (!st.ok()) {
      return std::move(st).error().Context("decrypting with cloud encryption key " +
                                           std::to_string(key_id));
    }
    at += piece.size();
  }
  if (Status st = sink.Finish(); !st.ok()) {
    std::fill(out.begin(), out.end(), '\0');
    if (in_place) std::fill_n(in_place->begin(), sink.written(), '\0');
    return std::move(st).error().Context("decrypting with cloud encryption key " +
                                         std::to_string(key_id));
  }
  if (!in_place) return out;
  in_place->resize(sink.written());
  ReleaseTailPages(in_place->data(), in_place->size() + 1, in_place->capacity() + 1);
  return std::move(*in_place);
}

}  // namespace

Result<std::string> OpenEncryptedFile(std::string_view json, const CloudKeys& keys) {
  return Open(json, keys, nullptr);
}

Result<std::string> OpenEncryptedFileInPlace(std::string json, const CloudKeys& keys) {
  return Open(json, keys, &json);
}

}  // namespace uid2::sync
