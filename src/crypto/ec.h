// ec.h: ECDSA and ECDH on P-256 (prime256v1 / secp256r1), OpenSSL 3.
//
// Raw formats as SGX quotes use them: public key = X || Y (64 bytes), signature = r || s
// (64 bytes), big-endian coordinates.
#pragma once

#include <string>

#include "common/bytes.h"
#include "common/status.h"
#include "crypto/openssl_ptr.h"

namespace uid2::crypto {

// EcKeyP256 owns one EVP_PKEY on P-256 (move-only). Every constructor refuses keys on other
// curves (kInvalid). Verify failures (including malformed signatures) are kVerifyFailed;
// signing/ECDH with a public-only key is kInvalid. Byte accessors return an empty value only on
// an internal OpenSSL failure (or, for private exports, when has_private() is false).
class EcKeyP256 {
 public:
  static Result<EcKeyP256> Generate();
  static Result<EcKeyP256> FromPrivatePkcs8Der(ByteSpan der);
  static Result<EcKeyP256> FromPrivatePem(std::string_view pem);
  static Result<EcKeyP256> FromPublicSpkiDer(ByteSpan der);
  // FromPrivateRaw takes the 32-byte big-endian private scalar d (1 <= d < n) and derives the
  // public point (test vectors and raw key material).
  static Result<EcKeyP256> FromPrivateRaw(ByteSpan d);
  // FromPublicRaw takes X || Y (64 bytes); refuses points not on the curve.
  static Result<EcKeyP256> FromPublicRaw(ByteSpan xy);

  bool has_private() const { return has_private_; }
  Bytes PublicRaw() const;  // X || Y, 64 bytes
  Bytes PublicSpkiDer() const;
  Bytes PrivatePkcs8Der() const;   // REQUIRES: has_private()
  std::string PrivatePem() const;  // PKCS#8 PEM; REQUIRES: has_private()

  // SignSha256 hashes `message` with SHA-256 and signs it.
  Result<Bytes> SignSha256Raw(ByteSpan message) const;  // r || s, 64 bytes
  Result<Bytes> SignSha256Der(ByteSpan message) const;  // DER ECDSA-Sig-Value
  Status VerifySha256Raw(ByteSpan message, ByteSpan r_s) const;
  Status VerifySha256Der(ByteSpan message, ByteSpan der) const;

  // Ecdh returns the 32-byte X coordinate of the shared point. REQUIRES: has_private().
  Result<Bytes> Ecdh(const EcKeyP256& peer) const;

  EVP_PKEY* get() const { return pkey_.get(); }

 private:
  EcKeyP256(EvpPkeyPtr pkey, bool has_private)
      : pkey_(std::move(pkey)), has_private_(has_private) {}
  EvpPkeyPtr pkey_;
  bool has_private_ = false;
};

// EcdsaRawToDer / EcdsaDerToRaw convert between r || s and DER ECDSA-Sig-Value. DerToRaw
// refuses trailing bytes, negative values and values longer than 32 bytes (kInvalid).
Result<Bytes> EcdsaRawToDer(ByteSpan r_s);
Result<Bytes> EcdsaDerToRaw(ByteSpan der);

}  // namespace uid2::crypto
