// envelope.cc: v2 request envelope, response envelope and keyed replies (spec §2.1-§2.3).
#include "operator/identity/envelope.h"

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

// OpenBytes applies the checks after decoding: size, version, GCM, timestamp, JSON.
EnvelopeError OpenBytes(ByteSpan env, const KeySecret& secret, int64_t now_ms,
                        DecodedRequest* out) {
  if (env.size() < kEnvelopeMinBytes) return EnvelopeError::kTooShort;
  if (env[0] != kEnvelopeVersion) return EnvelopeError::kVersionMismatch;
  ByteSpan sealed = env.subspan(1);
  Bytes plain(sealed.size() - kGcmOverhead);
  if (!internal::GcmOpen(secret.data(), sealed, plain.data())) return EnvelopeError::kWrongSecret;
  ByteReader r(plain);
  uint64_t ts;
  if (!r.ReadU64BE(&ts) || !r.ReadInto(out->nonce)) return EnvelopeError::kTooShort;
  out->timestamp_ms = static_cast<int64_t>(ts);
  if (!IsTimestampFresh(out->timestamp_ms, now_ms)) return EnvelopeError::kStaleTimestamp;
  out->payload.reset();
  if (plain.size() > kTsNonceSize) {
    rapidjson::Document doc;
    doc.Parse<rapidjson::kParseValidateEncodingFlag>(
        reinterpret_cast<const char*>(plain.data()) + kTsNonceSize, plain.size() - kTsNonceSize);
    if (doc.HasParseError() || !doc.IsObject()) return EnvelopeError::kBadJson;
    out->payload.emplace(std::move(doc));
  }
  return EnvelopeError::kOk;
}

EnvelopeError OpenText(ByteSpan body, const KeySecret& secret, int64_t now_ms,
                       DecodedRequest* out) {
  std::optional<Bytes> env =
      Base64Decode(AsChars(body), Base64Alphabet::kStandard, Base64Mode::kLenient);
  if (!env) return EnvelopeError::kNotBase64;
  out->response_encoding = BodyEncoding::kBase64Text;
  return OpenBytes(*env, secret, now_ms, out);
}

Bytes SealWithTsNonce(std::string_view json, const std::array<uint8_t, 8>& nonce,
                      const KeySecret& secret, int64_t ts_ms, size_t prefix) {
  Bytes plain(kTsNonceSize + json.size());
  internal::BeWriter w(plain.data(), plain.size());
  w.I64(ts_ms);
  w.Raw(nonce);
  w.Raw(AsBytes(json));
  Bytes out(prefix + plain.size() + kGcmOverhead);
  internal::GcmSeal(secret, plain, out.data() + prefix);
  return out;
}

std::string AsText(const Bytes& bytes, BodyEncoding encoding) {
  if (encoding == BodyEncoding::kBase64Text) return Base64Encode(bytes);
  return std::string(AsChars(bytes));
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
  EnvelopeError binary = OpenBytes(body, client_secret, now_ms, out);
  if (binary == EnvelopeError::kOk) return binary;
  // Fallback: a binary-typed body that is base64 text is judged as base64 text.
  EnvelopeError text = OpenText(body, client_secret, now_ms, out);
  if (text == EnvelopeError::kNotBase64) {
    out->response_encoding = BodyEncoding::kBinary;
    return binary;
  }
  return text;
}

std::string EncodeResponseEnvelope(std::string_view json, const std::array<uint8_t, 8>& nonce,
                                   const KeySecret& client_secret, int64_t now_ms,
                                   BodyEncoding encoding) {
  return AsText(SealWithTsNonce(json, nonce, client_secret, now_ms, 0), encoding);
}

std::string EncodeRequestEnvelope(std::string_view json, const std::array<uint8_t, 8>& nonce,
                                  const KeySecret& client_secret, int64_t timestamp_ms,
                                  BodyEncoding encoding) {
  Bytes env = SealWithTsNonce(json, nonce, client_secret, timestamp_ms, 1);
  env[0] = kEnvelopeVersion;
  return AsText(env, encoding);
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
