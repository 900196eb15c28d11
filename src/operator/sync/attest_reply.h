// attest_reply.h: the core's /attest exchange (spec uid2-operator.md §4.5, CONTRACT-12 item 1).
//
// Request body (BuildAttestRequest):
//   {"attestation_request": b64(platform document), "public_key": b64(SPKI DER),
//    "application_name": "uid2-operator", "application_version": "<ver>",
//    "operator_type": "private"|"public", "components": {"uid2-operator": "<ver>", ...}}
// Reply 200 (ParseAttestReply):
//   {"status": "success", "body": {"attestation_token": b64(RSA-PKCS#1 v1.5 ciphertext),
//    "expiresAt": "2026-12-07T22:00:00Z", "optout_url"?: "...",
//    "attestation_jwt_optout"?: "...", "attestation_jwt_core"?: "..."}}
// Errors (kInvalid) name the field at fault; no value of a token or JWT is ever echoed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/status.h"

namespace uid2::sync {

inline constexpr std::string_view kApplicationName = "uid2-operator";
inline constexpr std::string_view kApplicationVersion = "5.0.0-cpp";

// The X-UID2-AppVersion header value: "uid2-operator=<ver>;uid2-shared=<ver>".
std::string AppVersionHeader();

std::string BuildAttestRequest(ByteSpan platform_document, ByteSpan public_key_der,
                               std::string_view operator_type);

struct AttestReply {
  Bytes encrypted_token;  // still encrypted to our key
  int64_t expires_at_ms = 0;
  std::optional<std::string> optout_url;
  std::optional<std::string> jwt_optout;
  std::optional<std::string> jwt_core;
};

Result<AttestReply> ParseAttestReply(std::string_view json);

// ParseIsoUtcMs parses "YYYY-MM-DDTHH:MM:SS[.fraction]Z" (also a "+00:00" suffix, as Java's
// Instant.toString and OffsetDateTime print) to epoch milliseconds. kInvalid otherwise.
// (attest::FormatIsoTime writes the seconds-precision form.)
Result<int64_t> ParseIsoUtcMs(std::string_view text);

}  // namespace uid2::sync
