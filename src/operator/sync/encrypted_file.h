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
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/status.h"

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

// OpenEncryptedFile is DecryptEnvelope(ParseEncryptedEnvelope(json)) for large files (the
// 2^20-line salt file is a 270 MB envelope): the payload is located without copying it, the
// rest of the envelope is checked by RapidJSON, and the base64 is decoded and decrypted in
// 48 KiB pieces straight into the returned text (no copy of the payload, no second buffer).
// Same results and error codes as the two calls (it falls back to them for an envelope whose
// payload string is not a plain run of characters, e.g. one with JSON escapes).
Result<std::string> OpenEncryptedFile(std::string_view json, const CloudKeys& keys);

// OpenEncryptedFileInPlace is OpenEncryptedFile (same results and error codes) for an envelope
// the caller gives up: the plaintext is written over the envelope's own buffer (each byte lands
// on base64 characters already decoded) and that buffer is returned, its unused tail pages
// released, so a 270 MB download needs no second 200 MB buffer.
Result<std::string> OpenEncryptedFileInPlace(std::string json, const CloudKeys& keys);

}  // namespace uid2::sync
