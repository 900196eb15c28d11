#include "operator/sync/encrypted_file.h"

#include <openssl/crypto.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <utility>

#include "common/encoding.h"
#include "common/json.h"
#include "common/prefault.h"
#include "common/spare_buffer.h"
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

constexpr std::string_view kPayloadName = "encrypted_payload";
constexpr size_t kMaxPrefix = 64 * 1024;   // envelope bytes before the payload, at most
constexpr size_t kPieceChars = 64 * 1024;  // base64 characters decoded at a time (a multiple of 4)

bool IsJsonSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

bool IsBase64Char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/';
}

Result<std::string> Reference(std::string_view json, const CloudKeys& keys) {
  UID2_ASSIGN_OR_RETURN(EncryptedEnvelope envelope, ParseEncryptedEnvelope(json));
  return DecryptEnvelope(envelope, keys);
}

std::string DecryptContext(int64_t key_id) {
  return "decrypting with cloud encryption key " + std::to_string(key_id);
}

// PayloadStart: the offset just after the opening quote of the value of the first
// "encrypted_payload" (as written, no escapes) in `head`, searching from *scan; 0 when `head`
// does not hold it yet (*scan: where to look next), npos when that name is followed by anything
// but `: "` (spaces allowed).
size_t PayloadStart(std::string_view head, size_t* scan) {
  const std::string_view quoted = "\"encrypted_payload\"";
  size_t p = head.find(quoted, *scan);
  if (p == std::string_view::npos) {
    *scan = head.size() < quoted.size() ? 0 : head.size() - quoted.size() + 1;
    return 0;
  }
  *scan = p;
  size_t i = p + quoted.size();
  while (i < head.size() && IsJsonSpace(head[i])) i++;
  if (i == head.size()) return 0;
  if (head[i++] != ':') return std::string_view::npos;
  while (i < head.size() && IsJsonSpace(head[i])) i++;
  if (i == head.size()) return 0;
  return head[i] == '"' ? i + 1 : std::string_view::npos;
}

}  // namespace

EnvelopeReader::EnvelopeReader(const CloudKeys& keys) : keys_(keys) {}

void EnvelopeReader::Append(std::string_view piece, size_t expected_size) {
  switch (mode_) {
    case Mode::kPrefix:
      TakePrefix(piece, expected_size);
      return;
    case Mode::kPayload:
      TakePayload(piece);
      return;
    case Mode::kTail:
      tail_.append(piece);
      return;
    case Mode::kBuffer:
      head_.append(piece);
      return;
  }
}

// TakePrefix collects the envelope up to the payload's opening quote, then decides: stream the
// payload when the prefix closed by `"}` is a JSON object whose last member is that (first)
// "encrypted_payload" (its value is then "") and whose first key_id is an integer naming a known
// key. The whole
// document is then the same object with more payload characters and more members after it, so
// the reference's FindMember answers (the first of each name) are these.
void EnvelopeReader::TakePrefix(std::string_view piece, size_t expected_size) {
  if (head_.empty() && expected_size / 4 * 3 > out_.capacity()) {
    // Plaintext <= 3/4 of the base64, itself shorter than the envelope: one allocation, the
    // previous salt text's when it is free (see SpareBuffer).
    const size_t need = expected_size / 4 * 3;
    out_ = SpareBuffer<std::string>::Take(need);
    if (out_.capacity() < need) {
      out_.reserve(need);
      PrefaultPages(out_.data(), out_.capacity());
    }
  }
  const size_t old_size = head_.size();
  head_.append(piece.substr(0, kMaxPrefix + 1));
  const size_t start = PayloadStart(head_, &scan_);
  auto buffer_all = [&] {
    mode_ = Mode::kBuffer;
    SpareBuffer<std::string>::Give(std::move(out_));
    out_ = std::string();
    if (expected_size > head_.size()) {
      head_.reserve(expected_size);
      PrefaultPages(head_.data(), head_.capacity());
    }
    head_.append(piece.substr(head_.size() - old_size));
  };
  if (start == std::string_view::npos || (start == 0 && head_.size() > kMaxPrefix)) {
    buffer_all();
    return;
  }
  if (start == 0) return;  // not seen yet
  std::string closed(head_.data(), start);
  closed += "\"}";
  rapidjson::Document doc;
  doc.Parse(closed.data(), closed.size());
  bool stream = !doc.HasParseError() && doc.IsObject() && doc.MemberCount() > 0;
  if (stream) {
    const rapidjson::Document& d = doc;
    auto last = d.MemberEnd() - 1;
    auto id = d.FindMember("key_id");
    stream = d.FindMember(kPayloadName.data()) == last && last->value.IsString() &&
             id != d.MemberEnd() && id->value.IsInt64();
    if (stream) {
      key_id_ = id->value.GetInt64();
      auto key = keys_.find(key_id_);
      stream = key != keys_.end();
      if (stream) key_ = &key->second;
    }
  }
  if (!stream) {
    buffer_all();
    return;
  }
  mode_ = Mode::kPayload;
  // The payload characters of this piece: those copied into head_ past `start`, then the rest.
  const size_t in_piece = start - old_size;
  head_.resize(start);
  TakePayload(piece.substr(in_piece));
}

void EnvelopeReader::TakePayload(std::string_view chars) {
  const void* quote = std::memchr(chars.data(), '"', chars.size());
  const size_t end = quote ? static_cast<const char*>(quote) - chars.data() : chars.size();
  const size_t stop = DecodeRun(chars.substr(0, end));
  if (stop == chars.size()) return;
  // The first character that is not plain base64 (the closing quote, '=', an escape ...): from
  // the undecoded characters on, everything is kept for the end check.
  mode_ = Mode::kTail;
  tail_.assign(carry_, carry_n_);
  carry_n_ = 0;
  tail_.append(chars.substr(stop));
}

// DecodeRun decodes whole quanta of plain base64 characters (continuing carry_) and keeps the
// last incomplete one in carry_; returns where it stopped: run.size(), or the start of the first
// quantum holding another character (that quantum's earlier characters stay in carry_ when
// they came before `run`).
size_t EnvelopeReader::DecodeRun(std::string_view run) {
  size_t i = 0;
  if (carry_n_ > 0) {
    while (carry_n_ < 4 && i < run.size()) {
      if (!IsBase64Char(run[i])) return i;
      carry_[carry_n_++] = run[i++];
    }
    if (carry_n_ < 4) return i;
    Base64DecodeTo(std::string_view(carry_, 4), Base64Alphabet::kStandard, Base64Mode::kStrict,
                   &piece_);  // 4 plain characters always decode
    Emit(piece_);
    skipped_ += 4;
    carry_n_ = 0;
  }
  while (run.size() - i >= 4) {
    const std::string_view block = run.substr(i, std::min(kPieceChars, (run.size() - i) / 4 * 4));
    if (block.back() != '=' &&
        Base64DecodeTo(block, Base64Alphabet::kStandard, Base64Mode::kStrict, &piece_)) {
      Emit(piece_);
      skipped_ += block.size();
      i += block.size();
      continue;
    }
    size_t bad = 0;
    while (IsBase64Char(block[bad])) bad++;  // there is one: plain quanta always decode
    const size_t good = bad / 4 * 4;
    if (good > 0) {
      Base64DecodeTo(block.substr(0, good), Base64Alphabet::kStandard, Base64Mode::kStrict,
                     &piece_);
      Emit(piece_);
      skipped_ += good;
    }
    return i + good;
  }
  for (size_t j = i; j < run.size(); j++) {
    if (!IsBase64Char(run[j])) return i;
  }
  for (; i < run.size(); i++) carry_[carry_n_++] = run[i];
  return i;
}

// Emit routes decoded payload bytes: the IV, then ciphertext, holding back the last 16 bytes
// (the tag when the payload ends there).
void EnvelopeReader::Emit(ByteSpan bytes) {
  if (decoded_ < crypto::kGcmIvSize) {
    const size_t n = std::min(bytes.size(), crypto::kGcmIvSize - decoded_);
    std::memcpy(iv_ + decoded_, bytes.data(), n);
    decoded_ += n;
    bytes = bytes.subspan(n);
  }
  if (bytes.empty()) return;
  decoded_ += bytes.size();
  constexpr size_t kTag = crypto::kGcmTagSize;
  if (held_n_ + bytes.size() <= kTag) {
    std::memcpy(held_ + held_n_, bytes.data(), bytes.size());
    held_n_ += bytes.size();
    return;
  }
  if (bytes.size() >= kTag) {
    Decrypt(ByteSpan(held_, held_n_));
    Decrypt(bytes.first(bytes.size() - kTag));
    std::memcpy(held_, bytes.data() + bytes.size() - kTag, kTag);
  } else {
    // Fewer than 16 new bytes: the oldest held ones leave.
    const size_t leave = held_n_ + bytes.size() - kTag;
    Decrypt(ByteSpan(held_, leave));
    std::memmove(held_, held_ + leave, held_n_ - leave);
    std::memcpy(held_ + held_n_ - leave, bytes.data(), bytes.size());
  }
  held_n_ = kTag;
}

void EnvelopeReader::Decrypt(ByteSpan ct) {
  if (ct.empty() || !gcm_status_.ok()) return;
  if (!decryptor_) {
    auto d = crypto::AesGcmDecryptor::Create(*key_, ByteSpan(iv_, crypto::kGcmIvSize));
    if (!d.ok()) {
      gcm_status_ = std::move(d).error();
      return;
    }
    decryptor_.emplace(std::move(*d));
  }
  plain_.resize(ct.size());
  gcm_status_ = decryptor_->Update(ct, plain_.data());
  if (gcm_status_.ok()) out_.append(reinterpret_cast<const char*>(plain_.data()), plain_.size());
}

Result<std::string> EnvelopeReader::Finish() {
  if (mode_ == Mode::kPrefix || mode_ == Mode::kBuffer) return Reference(head_, keys_);
  // The document without the payload characters decoded (plain base64 characters, neutral to
  // JSON) parses as the whole does, at offsets `skipped_` lower past the prefix.
  if (mode_ == Mode::kPayload) tail_.assign(carry_, carry_n_);
  const size_t prefix = head_.size();
  head_ += tail_;
  tail_ = std::string();
  rapidjson::Document doc;
  doc.Parse(head_.data(), head_.size());
  if (doc.HasParseError()) {
    size_t offset = doc.GetErrorOffset();
    if (offset >= prefix) offset += skipped_;  // (the prefix itself parsed)
    return Error::Invalid("invalid JSON at byte " + std::to_string(offset) + ": " +
                          rapidjson::GetParseError_En(doc.GetParseError()))
        .Context("encrypted file");
  }
  const rapidjson::Value& rest = std::as_const(doc).FindMember(kPayloadName.data())->value;
  Bytes last;
  if (!Base64DecodeTo(std::string_view(rest.GetString(), rest.GetStringLength()),
                      Base64Alphabet::kStandard, Base64Mode::kStrict, &last)) {
    return Error::Invalid("encrypted file: field 'encrypted_payload': not base64");
  }
  if (decoded_ + last.size() < crypto::kGcmIvSize + crypto::kGcmTagSize) {
    return Error::Invalid("encrypted file: payload of " + std::to_string(decoded_ + last.size()) +
                          " bytes is shorter than IV + tag (28)");
  }
  Emit(last);
  Status st = gcm_status_;
  if (st.ok() && !decryptor_) {  // empty ciphertext
    auto d = crypto::AesGcmDecryptor::Create(*key_, ByteSpan(iv_, crypto::kGcmIvSize));
    if (d.ok()) {
      decryptor_.emplace(std::move(*d));
    } else {
      st = std::move(d).error();
    }
  }
  if (st.ok()) st = decryptor_->Finish(ByteSpan(held_, crypto::kGcmTagSize));
  if (!st.ok()) {
    OPENSSL_cleanse(out_.data(), out_.size());
    out_ = std::string();
    return std::move(st).error().Context(DecryptContext(key_id_));
  }
  return std::move(out_);
}

Result<std::string> OpenEncryptedFile(std::string_view json, const CloudKeys& keys) {
  EnvelopeReader reader(keys);
  constexpr size_t kPiece = 512 * 1024;  // as a download arrives (and the closing quote is
                                         // searched piece by piece, in cache)
  for (size_t at = 0; at < json.size(); at += kPiece)
    reader.Append(json.substr(at, kPiece), json.size());
  return reader.Finish();
}

}  // namespace uid2::sync
