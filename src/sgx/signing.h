// signing.h: the signing steps shared by `shroud sign`, `shroud sign-image` and tests:
// load a key, measure + build + sign in one call, and MRSIGNER of a key.
//
//   UID2_ASSIGN_OR_RETURN(crypto::RsaKey key, LoadSigningKey("enclave-key.pem"));
//   UID2_ASSIGN_OR_RETURN(SignedEnclave s, SignEnclave(manifest_sgx, params, libpal_path, date,
//   key)); WriteFileAtomic("app.sig", s.sigstruct);
#pragma once

#include <string>

#include "common/bytes.h"
#include "common/status.h"
#include "crypto/rsa.h"
#include "sgx/enclave_params.h"
#include "sgx/sigstruct.h"

namespace uid2::sgx {

// LoadSigningKey reads a PEM private key (PKCS#8 or PKCS#1, unencrypted) and checks that it is
// RSA-3072 with exponent 3. Errors name the path.
Result<crypto::RsaKey> LoadSigningKey(const std::string& pem_path);
// LoadPublicKey reads a PEM public key (SPKI or PKCS#1), or the public half of a private key.
Result<crypto::RsaKey> LoadPublicKey(const std::string& pem_path);

// MrSignerOf returns SHA-256 of the key's 384-byte little-endian modulus (as in SIGSTRUCT).
Measurement MrSignerOf(const crypto::RsaKey& key);

struct SignedEnclave {
  Measurement mr_enclave{};
  Measurement mr_signer{};
  Bytes sigstruct;  // 1808 bytes
};

// UnsignedEnclave measures and returns the SIGSTRUCT without key fields (for two-step signing:
// SigningData(result.sigstruct) is what the HSM signs).
Result<SignedEnclave> UnsignedEnclave(ByteSpan manifest_sgx, const EnclaveParams& params,
                                      const std::string& libpal_path, const SigstructDate& date);
// SignEnclave = UnsignedEnclave + SignSigstruct.
Result<SignedEnclave> SignEnclave(ByteSpan manifest_sgx, const EnclaveParams& params,
                                  const std::string& libpal_path, const SigstructDate& date,
                                  const crypto::RsaKey& key);

}  // namespace uid2::sgx
