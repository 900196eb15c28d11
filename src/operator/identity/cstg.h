// cstg.h: client-side token generation (spec §2.4), the crypto and checks of
// POST /v2/token/client-generate. The service orchestrates, in the reference order:
//
//   1. ParseCstgRequest(body)                  -> 400 client_error on failure (message given)
//   2. store: keypair by subscription_id       -> 400 "bad subscription_id"; disabled -> 401
//   3. if request.app_name: IsAppNameAllowed(app_name, site.app_names)  -> 403 invalid_app_name
//      else IsOriginAllowed(Origin header, site.domain_names)           -> 403 invalid_http_origin
//      (skipped when client_side_token_generate_domain_name_check_enabled = false)
//   4. OpenCstgPayload(request, server_key, phone_support) -> 400 client_error (message given)
//   5. generate tokens from out.identity (privacy bits kPrivacyBitsCstg) and reply with
//      EncodeKeyedReply(json, out.shared_secret) (envelope.h).
//
// Request JSON: {"payload": b64(ct|tag), "iv": b64(12 bytes), "public_key": b64(SPKI DER of
// the client's P-256 key), "timestamp": ms, "subscription_id": "...", "app_name"?: "..."}.
// Crypto: shared secret = X coordinate of ECDH(server private key, client public key), used as
// the AES-256-GCM key; AAD = compact JSON array text `[ts]` or `[ts,"app_name"]`; the timestamp
// is not range-checked. Decrypted: JSON with exactly one of email_hash / phone_hash (plus an
// optional optout_check integer).
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "common/status.h"
#include "crypto/ec.h"
#include "operator/identity/normalize.h"
#include "operator/identity/types.h"

namespace uid2::operator_identity {

// The private_key field of client_side_keypairs starts with this 9-char prefix.
constexpr std::string_view kCstgPrivateKeyPrefix = "UID2-Y-L-";
constexpr std::string_view kCstgPublicKeyPrefix = "UID2-X-L-";

struct CstgRequest {
  std::optional<std::string> payload;
  std::optional<std::string> iv;
  std::optional<std::string> public_key;
  int64_t timestamp_ms = 0;
  std::string subscription_id;
  std::optional<std::string> app_name;
};

// Errors with their verbatim messages (all 400 client_error).
enum class CstgError {
  kOk,
  kBadJson,            // "json payload is not valid"
  kNoBody,             // "json payload expected but not found"
  kMissingParams,      // "required parameters: payload, iv, public_key"
  kBadPublicKey,       // "bad public key"
  kBadIv,              // "bad iv"
  kDecryptFailed,      // "payload decryption failed"
  kBadInnerJson,       // "encrypted payload contains invalid json"
  kPhoneNotSupported,  // "phone support not enabled"
  kNeedExactlyOne,     // "please provide exactly one of: email_hash, phone_hash"
                       // (or "please provide email_hash" without phone support)
};
// CstgErrorMessage: the message for `e` (`phone_support` selects the kNeedExactlyOne text).
std::string_view CstgErrorMessage(CstgError e, bool phone_support = true);

// ParseCstgRequest reads the outer JSON. kBadJson for invalid JSON or a field of the wrong
// type, kNoBody for an empty body or a non-object. Missing payload/iv/public_key are not errors
// here (step 4 reports them, after the subscription and origin checks, like the reference).
CstgError ParseCstgRequest(std::string_view body, CstgRequest* out);

// ParseCstgPrivateKey reads a keypair's private_key text ("UID2-Y-L-" + b64 PKCS#8 DER). Parse
// once per snapshot and keep the key: it is the expensive part of a request.
Result<crypto::EcKeyP256> ParseCstgPrivateKey(std::string_view text);

// CstgAad returns the AAD text: `[ts]` or `[ts,"app_name"]` (app_name JSON-quoted).
std::string CstgAad(int64_t timestamp_ms, const std::optional<std::string>& app_name);

struct CstgPayload {
  KeySecret shared_secret{};               // the reply key
  InputKind kind = InputKind::kEmailHash;  // kEmailHash or kPhoneHash
  std::string hash;           // the email_hash / phone_hash text as sent (validate with
                              // ResolveIdentity(kind, hash))
  bool optout_check = false;  // "optout_check": 1 in the decrypted JSON
};

// OpenCstgPayload performs step 4. On kOk fills *out.
CstgError OpenCstgPayload(const CstgRequest& request, const crypto::EcKeyP256& server_key,
                          bool phone_support, CstgPayload* out);

// RegistrableDomain returns the registrable domain (public suffix + one label, lowercased) of
// the host of an Origin header value ("https://www.example.co.uk:8443" -> "example.co.uk"), or
// "localhost" for "localhost" and "<label>.localhost", or nullopt (not a URL, an IP address,
// a bare public suffix, no host). Uses the system public suffix list (libpsl, Debian package
// publicsuffix), private section included as Guava's InternetDomainName does.
std::optional<std::string> RegistrableDomain(std::string_view origin);

// IsOriginAllowed: RegistrableDomain(origin) is in `domain_names` (exact match).
bool IsOriginAllowed(std::string_view origin, const std::set<std::string>& domain_names);

// IsAppNameAllowed: `app_name` equals one of `app_names` ignoring ASCII case.
bool IsAppNameAllowed(std::string_view app_name, const std::set<std::string>& app_names);

}  // namespace uid2::operator_identity
