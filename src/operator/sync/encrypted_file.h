// encrypted_file.h: core content files served with `Encrypted: true` and the cloud encryption
// keys that open them (CONTRACT-12 item 3; uid2-shared CloudEncryptionHelpers / AesGcm).
//
// Envelope (one JSON object):
//   {"key_id": <int>, "encrypted_payload": b64(payload)}
// Payload bytes:
//   offset  size  field
//   0       12    IV (kGcmIvSize)
//   12      n     AES-256-GCM ciphertext of the UTF-8 content
//   12+n    16    GCM tag (kGcmTagSize)
// Keys: the reply of <cloud_encryption_keys_metadata_path> (the reference core's
// /cloud_encryption_keys/retrieve) is {"cloud_encryption_keys": [{"id", "site_id"|"siteId",
// "activates", "created", "secret": b64(32 bytes)}, ...]}; the older {"s3Keys": [...]} and a bare
// array of the same records (the bundled test data's content file) are accepted too.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/status.h"
#include "crypto/cipher.h"

namespace uid2::sync {

struct EncryptedEnvelope {
  int64_t key_id = 0;
  Bytes payload;  // IV | ciphertext | tag
};

// ParseEncryptedEnvelope: kInvalid when not an object with an integer key_id and a base64
// encrypted_payload of at least 28 bytes.
Result<EncryptedEnvelope> ParseEncryptedEnvelope(std::string_view json);

// id -> 32-byte AES key.
using CloudKeys = std::map<int64_t, Bytes>;

// ParseCloudEncryptionKeys: kInvalid naming the record when a field is missing or a secret is
// not 32 bytes of base64.
Result<CloudKeys> ParseCloudEncryptionKeys(std::string_view json);

// DecryptEnvelope opens an envelope with keys[key_id]: kNotFound for an unknown key id,
// kVerifyFailed when the GCM tag does not match.
Result<std::string> DecryptEnvelope(const EncryptedEnvelope& envelope, const CloudKeys& keys);

// EnvelopeReader opens an envelope that arrives in pieces (a download: the 2^20-line salt file
// is a 270 MB envelope): Append every piece in order, then Finish once. The result (the text, or
// the error code and message) is exactly DecryptEnvelope(ParseEncryptedEnvelope(whole), keys)
// for every input and every split into pieces.
//
// When key_id comes before encrypted_payload and names a known key (the shape cores write), the
// base64 is decoded and decrypted as it arrives and only the plaintext is kept: the envelope
// itself is never stored. That plaintext is returned only after the GCM tag checks (wiped
// otherwise). Any other shape (payload first, a long prefix, a decoy member name ...) is buffered
// and given to the two calls. Once streaming, the payload characters consumed are plain base64
// characters only; from the first other one (the closing quote, '=', an escape) the rest is
// buffered and the end of the document is checked by RapidJSON as the whole would be (error
// offsets shifted by the characters not kept).
class EnvelopeReader {
 public:
  explicit EnvelopeReader(const CloudKeys& keys);
  EnvelopeReader(const EnvelopeReader&) = delete;
  EnvelopeReader& operator=(const EnvelopeReader&) = delete;

  // Append takes the next piece. expected_size is the whole envelope's announced size (an HTTP
  // Content-Length, 0 when unknown), used on the first call to size the plaintext buffer.
  void Append(std::string_view piece, size_t expected_size = 0);
  // Finish returns the text or the error. Call once, after the last Append.
  Result<std::string> Finish();

 private:
  enum class Mode { kPrefix, kPayload, kTail, kBuffer };
  void TakePrefix(std::string_view piece, size_t expected_size);
  void TakePayload(std::string_view chars);
  size_t DecodeRun(std::string_view run);
  void Emit(ByteSpan bytes);
  void Decrypt(ByteSpan ct);

  const CloudKeys& keys_;
  Mode mode_ = Mode::kPrefix;
  std::string head_;  // the envelope up to the payload's opening quote (kBuffer: all of it)
  size_t scan_ = 0;   // kPrefix: where to look for the payload's member name next
  std::string tail_;  // kTail: the payload from its first character not decoded, and the rest
  char carry_[4] = {};
  size_t carry_n_ = 0;  // base64 characters of an incomplete quantum
  size_t skipped_ = 0;  // payload characters decoded and dropped
  int64_t key_id_ = 0;
  const Bytes* key_ = nullptr;
  size_t decoded_ = 0;  // payload bytes so far
  uint8_t iv_[12] = {};
  uint8_t held_[16] = {};  // the last 16 payload bytes seen: the tag, if nothing follows
  size_t held_n_ = 0;
  std::optional<crypto::AesGcmDecryptor> decryptor_;
  Status gcm_status_;  // the first failure of the decryptor, reported after the envelope checks
  Bytes plain_;
  std::string out_;  // the plaintext
  Bytes piece_;
};

// OpenEncryptedFile is an EnvelopeReader given the whole envelope (in 512 KiB pieces).
Result<std::string> OpenEncryptedFile(std::string_view json, const CloudKeys& keys);

}  // namespace uid2::sync
