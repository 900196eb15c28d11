// attest_request.h: the body of POST /attest (CONTRACT-12 item 1, uid2-core's CoreVerticle):
//
//   {"attestation_request": b64(platform document), "public_key": b64(SPKI DER),
//    "application_name": "uid2-operator", "application_version": "5.x",
//    "operator_type": "public"|"private", "components": {...}}
//
// Only attestation_request is required by the reference; core-local also requires public_key,
// since the token is encrypted to it and the quote binds it. Base64 is read leniently, as Java's
// decoder does.
#pragma once

#include <optional>
#include <string>

#include "common/bytes.h"
#include "common/status.h"

namespace uid2::corelocal {

struct AttestRequest {
  Bytes document;    // the decoded attestation_request
  Bytes public_key;  // the decoded public_key (SPKI DER)
  std::string application_name;
  std::string application_version;
  std::optional<std::string> operator_type;  // as sent ("public", "PRIVATE", ...)
};

// ParseAttestRequest: kInvalid naming the field ("no attestation_request attached", ...).
Result<AttestRequest> ParseAttestRequest(std::string_view body);

}  // namespace uid2::corelocal
