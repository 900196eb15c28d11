// sessions.h: attestation tokens. A successful /attest creates a random 32-byte token
// (base64url text, sent to the operator RSA-encrypted) bound to the operator key and site, with
// an expiry. Data requests present it back in the Attestation-Token header. Only SHA-256 of each
// token is kept, so the lookup does not time the secret. Thread-safe.
#pragma once

#include <ctime>
#include <map>
#include <mutex>
#include <string>

#include "common/bytes.h"
#include "common/status.h"
#include "corelocal/operators.h"

namespace uid2::corelocal {

struct AttestSession {
  Bytes operator_key_hash;  // identifies the operator entry
  int32_t site_id = 0;
  time_t expires = 0;
  std::string enclave_id;  // MRENCLAVE hex
};

class SessionStore {
 public:
  // Create returns the new token's text.
  std::string Create(const OperatorEntry& op, time_t expires, std::string enclave_id, time_t now);
  // Check: kVerifyFailed when the token is unknown, belongs to another operator key, or expired.
  Result<AttestSession> Check(std::string_view token, const OperatorEntry& op, time_t now);

 private:
  std::mutex mu_;
  std::map<Bytes, AttestSession> sessions_;  // by SHA-256(token)
};

}  // namespace uid2::corelocal
