// envelope.h: the v2 request envelope and the encrypted responses (spec §2.1-§2.3).
//
// Request envelope (base64 text body, or raw bytes with Content-Type application/octet-stream):
//   | off | size | field                                   |
//   |   0 |    1 | version = 0x01                          |
//   |   1 |   12 | GCM IV                                  |
//   |  13 |  n   | GCM(client secret) ciphertext           |
//   | end |   16 | GCM tag                                 |
//   Minimum 45 bytes (1 + 12 + 16 + 8 + 8).
// Decrypted plaintext:
//   | off | size | field                                   |
//   |   0 |    8 | timestamp ms (int64)                    |
//   |   8 |    8 | nonce                                   |
//   |  16 |  ... | UTF-8 JSON object (may be absent)       |
//
// Response to a v2 request (HTTP 200): GCM(client secret) of
//   now ms 8 | echoed nonce 8 | JSON {"status":"success","body":...}
// laid out IV|ct|tag with NO version byte, base64 text or raw bytes (binary requests).
//
// Refresh and CSTG replies: base64(GCM(key, JSON)) with no timestamp and no nonce.
#pragma once

#include <rapidjson/document.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/status.h"
#include "operator/identity/types.h"

namespace uid2::operator_identity {

constexpr uint8_t kEnvelopeVersion = 1;
constexpr size_t kEnvelopeMinBytes = 45;

// Why a request envelope was refused. Each has a fixed message (EnvelopeErrorMessage), which the
// service sends verbatim as 400 {"status":"client_error","message":...}.
enum class EnvelopeError {
  kOk,
  kBodyMissing,      // "Invalid body: Body is missing."
  kNotBase64,        // "Invalid body: Body is not valid base64."
  kTooShort,         // "Invalid body: Body too short. Check encryption method."
  kVersionMismatch,  // "Invalid body: Version mismatch."
  kWrongSecret,      // "Invalid body: Check encryption key (ClientSecret)."
  kStaleTimestamp,   // "Invalid timestamp: Request too old or client time drift."
  kBadJson,          // "Invalid payload in body: Data is not valid json string."
};
std::string_view EnvelopeErrorMessage(EnvelopeError e);

// How the body arrived.
enum class BodyEncoding { kBase64Text, kBinary };

// DecodedRequest is a successfully opened envelope.
struct DecodedRequest {
  // The envelope bytes, decrypted in place: owns the memory the payload's strings point into
  // (the JSON is parsed in situ, without copying strings). Declared before `payload` so the
  // document is destroyed first.
  Bytes buffer;
  int64_t timestamp_ms = 0;
  std::array<uint8_t, 8> nonce{};
  // The JSON object, or nullopt when the plaintext had no JSON (exactly 16 bytes).
  std::optional<rapidjson::Document> payload;
  // The encoding the response must use: kBinary only when the body was binary and parsed as
  // binary (a binary body that only parsed as base64 text is answered as text, like Java).
  BodyEncoding response_encoding = BodyEncoding::kBase64Text;
};

// IsTimestampFresh applies the reference rule: Duration(ts, now) in whole minutes (Java's
// Duration.toMinutes on a floor-seconds duration) must be within [-1, 1]. In effect a request
// is accepted when now - ts < 120 s and ts - now < 119.001 s.
bool IsTimestampFresh(int64_t timestamp_ms, int64_t now_ms);

// DecodeRequestEnvelope opens a request body with the client's 32-byte secret at time `now_ms`.
// With kBinary, the bytes are parsed as an envelope first; if that fails and the body is valid
// base64 text, the base64 parse's result (success or error) is used instead, else the binary
// error. An empty body is kBodyMissing. On kOk fills *out.
EnvelopeError DecodeRequestEnvelope(ByteSpan body, BodyEncoding encoding,
                                    const KeySecret& client_secret, int64_t now_ms,
                                    DecodedRequest* out);

// EncodeResponseEnvelope encrypts `json` (the full {"status":...,"body":...} text) for the reply:
// GCM(secret) of now_ms | nonce | json, without version byte; base64 text for kBase64Text, raw
// bytes (in the std::string) for kBinary.
std::string EncodeResponseEnvelope(std::string_view json, const std::array<uint8_t, 8>& nonce,
                                   const KeySecret& client_secret, int64_t now_ms,
                                   BodyEncoding encoding);

// Response frames: a large response is built in one buffer and sealed in place, so its JSON is
// never copied. The caller starts with ResponseFrameStart (kResponseFrameHeader placeholder
// bytes), appends the full {"status":...,"body":...} JSON, and passes the buffer to
// SealResponseFrame, which fills IV | now_ms | nonce, encrypts in place and appends the GCM tag:
//   | off | size | field                                  |
//   |   0 |   12 | GCM IV (random)                        |
//   |  12 |    8 | now ms (int64 BE)     \                |
//   |  20 |    8 | echoed nonce           > ciphertext    |
//   |  28 |    n | JSON                  /                |
//   | end |   16 | GCM tag                                |
// The result is that buffer itself for kBinary, or its base64 text for kBase64Text. Output is
// identical to EncodeResponseEnvelope of the same JSON. A frame shorter than the header (not
// started with ResponseFrameStart) is a caller bug: SealResponseFrame aborts.
constexpr size_t kResponseFrameHeader = 12 + 16;
void ResponseFrameStart(std::string* frame, size_t reserve_json = 0);
std::string SealResponseFrame(std::string frame, const std::array<uint8_t, 8>& nonce,
                              const KeySecret& client_secret, int64_t now_ms,
                              BodyEncoding encoding);

// EncodeKeyedReply: base64(GCM(key, json)) with no timestamp and nonce, for /v2/token/refresh
// (key = refresh_response_key) and CSTG (key = the ECDH shared secret).
std::string EncodeKeyedReply(std::string_view json, const KeySecret& key);

// DecodeResponseEnvelope / DecodeKeyedReply reverse the two encoders (tests, load generator,
// SDK-side tooling). kVerifyFailed on a wrong key, kInvalid on bad text or size.
struct DecodedResponse {
  int64_t timestamp_ms = 0;
  std::array<uint8_t, 8> nonce{};
  std::string json;
};
Result<DecodedResponse> DecodeResponseEnvelope(ByteSpan body, BodyEncoding encoding,
                                               const KeySecret& client_secret);
Result<std::string> DecodeKeyedReply(std::string_view text, const KeySecret& key);

// EncodeRequestEnvelope builds a request envelope as an SDK does (tests, load generator):
// 0x01 | GCM(secret) of ts | nonce | json. Base64 text or raw bytes.
std::string EncodeRequestEnvelope(std::string_view json, const std::array<uint8_t, 8>& nonce,
                                  const KeySecret& client_secret, int64_t timestamp_ms,
                                  BodyEncoding encoding);

// ParseKeySecret decodes a base64 secret (client secret, keyset key) that must be 32 bytes.
std::optional<KeySecret> ParseKeySecret(std::string_view b64);

}  // namespace uid2::operator_identity
