// rsa.h: RSA keys (OpenSSL 3 EVP_PKEY), PKCS#1 v1.5 signatures and encryption, and the raw
// big-number arithmetic SIGSTRUCT needs.
#pragma once

#include <string>

#include "common/bytes.h"
#include "common/status.h"
#include "crypto/openssl_ptr.h"

namespace uid2::crypto {

// RsaKey owns one EVP_PKEY (move-only). Accessors that return Bytes/std::string return an
// empty value only on an internal OpenSSL failure. Verify/decrypt failures are kVerifyFailed;
// signing or decrypting with a public-only key is kInvalid.
class RsaKey {
 public:
  // Generate makes a new key; SGX enclave signing keys are 3072 bits with exponent 3.
  // bits: 2048..16384, multiple of 8; exponent: odd, >= 3 (kInvalid otherwise).
  static Result<RsaKey> Generate(int bits, unsigned exponent);
  // FromPem accepts PKCS#8 ("PRIVATE KEY"), PKCS#1 ("RSA PRIVATE KEY") and, for public keys,
  // SPKI ("PUBLIC KEY") and PKCS#1 ("RSA PUBLIC KEY"). Encrypted PEM ("ENCRYPTED PRIVATE KEY"
  // or "Proc-Type: 4,ENCRYPTED") is refused with kUnsupported; anything else is kInvalid.
  static Result<RsaKey> FromPem(std::string_view pem);
  // FromDer accepts an X.509 SubjectPublicKeyInfo DER.
  static Result<RsaKey> FromPublicDer(ByteSpan spki_der);
  // FromPublicModulus builds a public key from a big-endian modulus and exponent.
  static Result<RsaKey> FromPublicModulus(ByteSpan modulus_be, unsigned exponent);

  bool has_private() const { return has_private_; }
  int bits() const;
  Bytes ModulusBigEndian() const;  // exactly bits()/8 bytes, zero-padded at the front
  uint64_t PublicExponent() const;

  std::string PrivatePem() const;  // PKCS#8; REQUIRES: has_private()
  std::string PublicPem() const;   // SPKI
  Bytes PublicDer() const;         // SPKI DER

  // SignPkcs1Sha256 returns an RSASSA-PKCS1-v1_5 SHA-256 signature (big-endian, bits()/8 bytes).
  Result<Bytes> SignPkcs1Sha256(ByteSpan message) const;
  // VerifyPkcs1Sha256 returns kVerifyFailed when the signature does not match.
  Status VerifyPkcs1Sha256(ByteSpan message, ByteSpan signature) const;
  // RS256 for JWTs is VerifyPkcs1Sha256.

  // PKCS#1 v1.5 encryption (UID2's attestation token is encrypted this way). Plaintext at most
  // bits()/8 - 11 bytes. DecryptPkcs1 returns kVerifyFailed on bad padding (OpenSSL 3.0; from
  // 3.2 OpenSSL's implicit rejection returns a random plaintext instead of failing).
  Result<Bytes> EncryptPkcs1(ByteSpan plaintext) const;
  Result<Bytes> DecryptPkcs1(ByteSpan ciphertext) const;

  EVP_PKEY* get() const { return pkey_.get(); }

 private:
  RsaKey(EvpPkeyPtr pkey, bool has_private) : pkey_(std::move(pkey)), has_private_(has_private) {}
  EvpPkeyPtr pkey_;
  bool has_private_ = false;
};

// SigstructQ computes SGX SIGSTRUCT's q1 = floor(s^2 / n) and q2 = floor((s^2 mod n) * s / n)
// for a signature s and modulus n (both big-endian). Outputs are big-endian, `width` bytes each
// (SIGSTRUCT stores them little-endian: reverse them). kInvalid when s >= n, n == 0, or a value
// does not fit in `width` bytes (for s < n, width = modulus size always fits).
struct SigstructQ {
  Bytes q1;
  Bytes q2;
};
Result<SigstructQ> ComputeSigstructQ(ByteSpan signature_be, ByteSpan modulus_be, size_t width);

}  // namespace uid2::crypto
