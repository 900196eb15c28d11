// envelope.cc: v2 request envelope, response envelope and keyed replies (spec §2.1-§2.3).
#include "operator/identity/envelope.h"

#include <cstdlib>

#include "common/encoding.h"
#include "crypto/random.h"
#include "operator/identity/fast_crypto.h"
#include "operator/identity/token_io.h"

namespace uid2::operator_identity {
namespace {

using internal::kGcmOverhead;
constexpr size_t kTsNonceSize = 16;
constexpr int64_t kMsPerSecond = 1000;
constexpr int64_t kMaxDriftMinutes = 1;

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

// OpenBuffer applies the checks after decoding to the envelope in out->buffer: size, version,
// GCM (decrypted in place), timestamp, JSON (parsed in situ).
//   buffer: | version 1 | IV 12 | ct: ts 8 | nonce 8 | JSON n | tag 16 |
EnvelopeError OpenBuffer(const KeySecret& secret, int64_t now_ms, DecodedRequest* out) {
  Bytes& env = out->buffer;
  if (env.size() < kEnvelopeMinBytes) return EnvelopeError::kTooShort;
  if (env[0] != kEnvelopeVersion) return EnvelopeError::kVersionMismatch;
  uint8_t* plain = env.data() + 1 + internal::kGcmIv;
  const size_t plain_size = env.size() - 1 - kGcmOverhead;
  if (!internal::GcmOpen(secret.data(), ByteSpan(env).subspan(1), plain)) {
    return EnvelopeError::kWrongSecret;
  }
  ByteReader r(ByteSpan(plain, plain_size));
  uint64_t ts;
  if (!r.ReadU64BE(&ts) || !r.ReadInto(out->nonce)) return EnvelopeError::kTooShort;
  out->timestamp_ms = static_cast<int64_t>(ts);
  if (!IsTimestampFresh(out->timestamp_ms, now_ms)) return EnvelopeError::kStaleTimestamp;
  out->payload.reset();
  if (plain_size > kTsNonceSize) {
    // The tag (already checked) follows the plaintext: its first byte becomes the NUL that ends
    // the in-situ parse. A NUL inside the JSON ends it too, exactly as in a length-bounded parse.
    plain[plain_size] = 0;
    rapidjson::Document doc;
    doc.ParseInsitu<rapidjson::kParseValidateEncodingFlag>(
        reinterpret_cast<char*>(plain + kTsNonceSize));
    if (doc.HasParseError() || !doc.IsObject()) return EnvelopeError::kBadJson;
    out->payload.emplace(std::move(doc));
  }
  return EnvelopeError::kOk;
}

EnvelopeError OpenBinary(ByteSpan body, const KeySecret& secret, int64_t now_ms,
                         DecodedRequest* out) {
  out->buffer.assign(body.begin(), body.end());
  return OpenBuffer(secret, now_ms, out);
}

EnvelopeError OpenText(ByteSpan body, const KeySecret& secret, int64_t now_ms,
                       DecodedRequest* out) {
  if (!Base64DecodeTo(AsChars(body), Base64Alphabet::kStandard, Base64Mode::kLenient,
                      &out->buffer)) {
    return EnvelopeError::kNotBase64;
  }
  out->response_encoding = BodyEncoding::kBase64Text;
  return OpenBuffer(secret, now_ms, out);
}

// FrameOf returns a response frame holding `json` (see ResponseFrameStart).
std::string FrameOf(std::string_view json) {
  std::string frame;
  ResponseFrameStart(&frame, json.size());
  frame.append(json);
  return frame;
}

}  // namespace

std::string_view EnvelopeErrorMessage(EnvelopeError e) {
  switch (e) {
    case EnvelopeError::kOk:
      return "";
    case EnvelopeError::kBodyMissing:
      return "Invalid body: Body is missing.";
    case EnvelopeError::kNotBase64:
      return "Invalid body: Body is not valid base64.";
    case EnvelopeError::kTooShort:
      return "Invalid body: Body too short. Check encryption method.";
    case EnvelopeError::kVersionMismatch:
      return "Invalid body: Version mismatch.";
    case EnvelopeError::kWrongSecret:
      return "Invalid body: Check encryption key (ClientSecret).";
    case EnvelopeError::kStaleTimestamp:
      return "Invalid timestamp: Request too old or client time drift.";
    case EnvelopeError::kBadJson:
      return "Invalid payload in body: Data is not valid json string.";
  }
  return "";
}

bool IsTimestampFresh(int64_t timestamp_ms, int64_t now_ms) {
  // Java: Duration.between(ts, now).toMinutes(): seconds floored, then truncated to minutes.
  int64_t diff_ms;
  if (__builtin_sub_overflow(now_ms, timestamp_ms, &diff_ms)) return false;  // ~292 My apart
  int64_t seconds = FloorDiv(diff_ms, kMsPerSecond);
  int64_t minutes = seconds / 60;
  return minutes >= -kMaxDriftMinutes && minutes <= kMaxDriftMinutes;
}

EnvelopeError DecodeRequestEnvelope(ByteSpan body, BodyEncoding encoding,
                                    const KeySecret& client_secret, int64_t now_ms,
                                    DecodedRequest* out) {
  if (body.empty()) return EnvelopeError::kBodyMissing;
  if (encoding == BodyEncoding::kBase64Text) return OpenText(body, client_secret, now_ms, out);
  out->response_encoding = BodyEncoding::kBinary;
  EnvelopeError binary = OpenBinary(body, client_secret, now_ms, out);
  if (binary == EnvelopeError::kOk) return binary;
  // Fallback: a binary-typed body that is base64 text is judged as base64 text.
  EnvelopeError text = OpenText(body, client_secret, now_ms, out);
  if (text == EnvelopeError::kNotBase64) {
    out->response_encoding = BodyEncoding::kBinary;
    return binary;
  }
  return text;
}

void ResponseFrameStart(std::string* frame, size_t reserve_json) {
  frame->clear();
  frame->reserve(kResponseFrameHeader + reserve_json + internal::kGcmTag);
  frame->append(kResponseFrameHeader, '\0');
}

std::string SealResponseFrame(std::string frame, const std::array<uint8_t, 8>& nonce,
                              const KeySecret& client_secret, int64_t now_ms,
                              BodyEncoding encoding) {
  if (frame.size() < kResponseFrameHeader) std::abort();  // not started with ResponseFrameStart
  const size_t plain_size = frame.size() - internal::kGcmIv;
  frame.append(internal::kGcmTag, '\0');
  uint8_t* p = reinterpret_cast<uint8_t*>(frame.data());
  internal::BeWriter w(p + internal::kGcmIv, kTsNonceSize);
  w.I64(now_ms);
  w.Raw(nonce);
  internal::GcmSealInPlace(client_secret, p, plain_size);
  if (encoding == BodyEncoding::kBinary) return frame;
  std::string text(Base64EncodedSize(frame.size()), '\0');
  Base64EncodeTo(AsBytes(frame), text.data());
  return text;
}

std::string EncodeResponseEnvelope(std::string_view json, const std::array<uint8_t, 8>& nonce,
                                   const KeySecret& client_secret, int64_t now_ms,
                                   BodyEncoding encoding) {
  return SealResponseFrame(FrameOf(json), nonce, client_secret, now_ms, encoding);
}

std::string EncodeRequestEnvelope(std::string_view json, const std::array<uint8_t, 8>& nonce,
                                  const KeySecret& client_secret, int64_t timestamp_ms,
                                  BodyEncoding encoding) {
  // A request envelope is a response frame behind the version byte.
  std::string frame(1, static_cast<char>(kEnvelopeVersion));
  frame.reserve(1 + kResponseFrameHeader + json.size() + internal::kGcmTag);
  frame.append(kResponseFrameHeader, '\0');
  frame.append(json);
  frame.append(internal::kGcmTag, '\0');
  uint8_t* p = reinterpret_cast<uint8_t*>(frame.data()) + 1;
  internal::BeWriter w(p + internal::kGcmIv, kTsNonceSize);
  w.I64(timestamp_ms);
  w.Raw(nonce);
  internal::GcmSealInPlace(client_secret, p, kTsNonceSize + json.size());
  if (encoding == BodyEncoding::kBinary) return frame;
  return Base64Encode(AsBytes(frame));
}

std::string EncodeKeyedReply(std::string_view json, const KeySecret& key) {
  Bytes out(json.size() + kGcmOverhead);
  internal::GcmSeal(key, AsBytes(json), out.data());
  return Base64Encode(out);
}

Result<DecodedResponse> DecodeResponseEnvelope(ByteSpan body, BodyEncoding encoding,
                                               const KeySecret& client_secret) {
  Bytes bytes(body.begin(), body.end());
  if (encoding == BodyEncoding::kBase64Text) {
    std::optional<Bytes> decoded = Base64Decode(AsChars(body));
    if (!decoded) return Error::Invalid("response: not base64");
    bytes = std::move(*decoded);
  }
  if (bytes.size() < kGcmOverhead + kTsNonceSize) return Error::Invalid("response: too short");
  Bytes plain(bytes.size() - kGcmOverhead);
  if (!internal::GcmOpen(client_secret.data(), bytes, plain.data())) {
    return Error::VerifyFailed("response: does not decrypt with this secret");
  }
  DecodedResponse resp;
  ByteReader r(plain);
  uint64_t ts;
  if (!r.ReadU64BE(&ts) || !r.ReadInto(resp.nonce)) return Error::Invalid("response: too short");
  resp.timestamp_ms = static_cast<int64_t>(ts);
  resp.json.assign(AsChars(r.rest()));
  return resp;
}

Result<std::string> DecodeKeyedReply(std::string_view text, const KeySecret& key) {
  std::optional<Bytes> bytes = Base64Decode(text);
  if (!bytes) return Error::Invalid("reply: not base64");
  if (bytes->size() < kGcmOverhead) return Error::Invalid("reply: too short");
  std::string plain(bytes->size() - kGcmOverhead, '\0');
  if (!internal::GcmOpen(key.data(), *bytes, reinterpret_cast<uint8_t*>(plain.data()))) {
    return Error::VerifyFailed("reply: does not decrypt with this key");
  }
  return plain;
}

std::optional<KeySecret> ParseKeySecret(std::string_view b64) {
  std::optional<Bytes> bytes = Base64Decode(b64, Base64Alphabet::kStandard, Base64Mode::kLenient);
  if (!bytes || bytes->size() != kKeySize) return std::nullopt;
  KeySecret out;
  std::copy(bytes->begin(), bytes->end(), out.begin());
  return out;
}

}  // namespace uid2::operator_identity
