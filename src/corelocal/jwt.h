// jwt.h: the operator JWTs core-local issues with an attestation (attestation_jwt_core,
// attestation_jwt_optout), signed RS256 (RSASSA-PKCS1-v1_5 SHA-256) or ES256 (ECDSA P-256,
// r||s) with OpenSSL (src/crypto). The reference core signs them with AWS KMS; the claims follow
// its OperatorJWTTokenProvider (iss, sub, aud, iat, exp, roles, siteId, name, enclaveId,
// enclaveType, operatorVersion).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace uid2::corelocal {

class JwtSigner {
 public:
  // Generate makes a fresh key: "RS256" (RSA-2048) or "ES256" (P-256). kInvalid otherwise.
  static Result<std::unique_ptr<JwtSigner>> Generate(std::string_view alg);
  // FromPem reads a private key: RSA gives RS256, EC P-256 gives ES256.
  static Result<std::unique_ptr<JwtSigner>> FromPem(std::string_view pem);
  virtual ~JwtSigner() = default;

  virtual std::string_view alg() const = 0;
  virtual std::string PublicPem() const = 0;
  // Sign returns header.payload.signature (base64url, no padding) for the payload JSON.
  Result<std::string> Sign(std::string_view payload_json) const;
  // Verify checks the structure, that the header's alg is this signer's, and the signature;
  // returns the decoded payload JSON. kVerifyFailed otherwise.
  Result<std::string> Verify(std::string_view jwt) const;

 protected:
  virtual Result<std::string> SignBytes(std::string_view input) const = 0;
  virtual bool VerifyBytes(std::string_view input, std::string_view signature) const = 0;
};

// CheckOperatorClaims checks a verified payload: aud == audience, sub == key_id (the operator
// it was issued to), exp > now. kVerifyFailed names the claim.
Status CheckOperatorClaims(std::string_view payload_json, std::string_view audience,
                           std::string_view key_id, int64_t now);

}  // namespace uid2::corelocal
