// signing.cc: key loading and one-call measure + sign.
#include "sgx/signing.h"

#include <algorithm>

#include "common/file.h"
#include "crypto/hash.h"
#include "sgx/measure.h"

namespace uid2::sgx {

Result<crypto::RsaKey> LoadSigningKey(const std::string& pem_path) {
  UID2_ASSIGN_OR_RETURN(std::string pem, ReadFile(pem_path));
  Result<crypto::RsaKey> key = crypto::RsaKey::FromPem(pem);
  if (!key.ok()) return std::move(key).error().Context(pem_path);
  if (!key->has_private()) {
    return Error::Invalid(pem_path +
                          ": is a public key; signing needs the private key (or use "
                          "--export-signing-data / --signature for an HSM)");
  }
  Status ok = CheckSigningKey(*key);
  if (!ok.ok()) return std::move(ok).error().Context(pem_path);
  return key;
}

Result<crypto::RsaKey> LoadPublicKey(const std::string& pem_path) {
  UID2_ASSIGN_OR_RETURN(std::string pem, ReadFile(pem_path));
  Result<crypto::RsaKey> key = crypto::RsaKey::FromPem(pem);
  if (!key.ok()) return std::move(key).error().Context(pem_path);
  Status ok = CheckSigningKey(*key);
  if (!ok.ok()) return std::move(ok).error().Context(pem_path);
  return key;
}

Measurement MrSignerOf(const crypto::RsaKey& key) {
  Bytes m = key.ModulusBigEndian();
  std::reverse(m.begin(), m.end());
  return crypto::Sha256(m);
}

Result<SignedEnclave> UnsignedEnclave(ByteSpan manifest_sgx, const EnclaveParams& params,
                                      const std::string& libpal_path, const SigstructDate& date) {
  SignedEnclave out;
  UID2_ASSIGN_OR_RETURN(out.mr_enclave,
                        MeasureEnclaveWithLibpalFile(manifest_sgx, libpal_path, params));
  out.sigstruct = BuildUnsignedSigstruct(params, out.mr_enclave, date);
  return out;
}

Result<SignedEnclave> SignEnclave(ByteSpan manifest_sgx, const EnclaveParams& params,
                                  const std::string& libpal_path, const SigstructDate& date,
                                  const crypto::RsaKey& key) {
  UID2_ASSIGN_OR_RETURN(SignedEnclave out,
                        UnsignedEnclave(manifest_sgx, params, libpal_path, date));
  UID2_ASSIGN_OR_RETURN(out.sigstruct, SignSigstruct(out.sigstruct, key));
  out.mr_signer = MrSignerOf(key);
  return out;
}

}  // namespace uid2::sgx
