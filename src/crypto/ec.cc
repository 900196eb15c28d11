// ec.cc: P-256 ECDSA/ECDH over EVP_PKEY; raw <-> DER signature conversion via ECDSA_SIG.
#include "crypto/ec.h"

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/ec.h>
#include <openssl/encoder.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>

#include <array>
#include <cstring>
#include <string>

namespace uid2::crypto {
namespace {

using BioPtr = OpenSslPtr<BIO, BIO_free_all>;
using DecoderCtxPtr = OpenSslPtr<OSSL_DECODER_CTX, OSSL_DECODER_CTX_free>;
using EncoderCtxPtr = OpenSslPtr<OSSL_ENCODER_CTX, OSSL_ENCODER_CTX_free>;
using EcdsaSigPtr = OpenSslPtr<ECDSA_SIG, ECDSA_SIG_free>;
using EcGroupPtr = OpenSslPtr<EC_GROUP, EC_GROUP_free>;
using EcPointPtr = OpenSslPtr<EC_POINT, EC_POINT_free>;
using ParamBldPtr = OpenSslPtr<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>;
using ParamPtr = OpenSslPtr<OSSL_PARAM, OSSL_PARAM_free>;
using SecretBnPtr = OpenSslPtr<BIGNUM, BN_clear_free>;

constexpr size_t kCoordSize = 32;
constexpr char kGroupName[] = "prime256v1";  // OpenSSL's name for P-256 / secp256r1

Error OpenSslFailure(std::string_view what) {
  return Error::Internal(std::string(what) + ": " + LastOpenSslError());
}

bool IsP256(EVP_PKEY* pkey) {
  if (!EVP_PKEY_is_a(pkey, "EC")) return false;
  char group[64] = {};
  size_t len = 0;
  if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
                                     &len) != 1) {
    LastOpenSslError();
    return false;
  }
  return std::strcmp(group, kGroupName) == 0;
}

bool HasPrivate(EVP_PKEY* pkey) {
  BIGNUM* d = nullptr;
  bool has = EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_PRIV_KEY, &d) == 1;
  BN_clear_free(d);
  LastOpenSslError();
  return has;
}

Result<EvpPkeyPtr> RequireP256(EvpPkeyPtr pkey, std::string_view what) {
  if (!IsP256(pkey.get())) return Error::Invalid(std::string(what) + " is not a P-256 EC key");
  return pkey;
}

Bytes Encode(EVP_PKEY* pkey, int selection, const char* type, const char* structure) {
  EncoderCtxPtr ectx(OSSL_ENCODER_CTX_new_for_pkey(pkey, selection, type, structure, nullptr));
  unsigned char* data = nullptr;
  size_t len = 0;
  if (!ectx || OSSL_ENCODER_to_data(ectx.get(), &data, &len) != 1) return {};
  Bytes out(data, data + len);
  OPENSSL_clear_free(data, len);
  return out;
}

Result<Bytes> BnPair(const BIGNUM* a, const BIGNUM* b) {
  Bytes out(2 * kCoordSize);
  if (BN_bn2binpad(a, out.data(), kCoordSize) < 0 ||
      BN_bn2binpad(b, out.data() + kCoordSize, kCoordSize) < 0) {
    return Error::Invalid("P-256 value does not fit in 32 bytes");
  }
  return out;
}

using UncompressedPoint = std::array<uint8_t, 1 + 2 * kCoordSize>;  // 04 || X || Y

// PublicPointOf computes Q = d*G (OpenSSL 3.0's EVP_PKEY_fromdata does not derive it).
Result<UncompressedPoint> PublicPointOf(const EC_GROUP* group, const BIGNUM* priv) {
  BnCtxPtr bn_ctx(BN_CTX_new());
  EcPointPtr pub(EC_POINT_new(group));
  UncompressedPoint point{};
  if (!bn_ctx || !pub ||
      EC_POINT_mul(group, pub.get(), priv, nullptr, nullptr, bn_ctx.get()) != 1 ||
      EC_POINT_point2oct(group, pub.get(), POINT_CONVERSION_UNCOMPRESSED, point.data(),
                         point.size(), bn_ctx.get()) != point.size()) {
    return OpenSslFailure("P-256 public point from private scalar");
  }
  return point;
}

Result<EvpPkeyPtr> KeyPairFromData(const BIGNUM* priv, const UncompressedPoint& point) {
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, kGroupName, 0) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, priv) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1) {
    return OpenSslFailure("OSSL_PARAM_BLD");
  }
  ParamPtr params(OSSL_PARAM_BLD_to_param(bld.get()));  // secure heap: priv is a secure BN
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_KEYPAIR, params.get()) != 1) {
    return OpenSslFailure("EVP_PKEY_fromdata(P-256 key pair)");
  }
  return EvpPkeyPtr(raw);
}

}  // namespace

Result<EcKeyP256> EcKeyP256::Generate() {
  EvpPkeyPtr pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", kGroupName));
  if (!pkey) return OpenSslFailure("P-256 keygen");
  return EcKeyP256(std::move(pkey), true);
}

Result<EcKeyP256> EcKeyP256::FromPrivatePkcs8Der(ByteSpan der) {
  EVP_PKEY* raw = nullptr;
  DecoderCtxPtr dctx(OSSL_DECODER_CTX_new_for_pkey(&raw, "DER", "PrivateKeyInfo", "EC",
                                                   EVP_PKEY_KEYPAIR, nullptr, nullptr));
  const unsigned char* data = der.data();
  size_t len = der.size();
  if (!dctx || OSSL_DECODER_from_data(dctx.get(), &data, &len) != 1 || raw == nullptr) {
    LastOpenSslError();
    return Error::Invalid("not a PKCS#8 EC private key DER");
  }
  UID2_ASSIGN_OR_RETURN(EvpPkeyPtr pkey, RequireP256(EvpPkeyPtr(raw), "PKCS#8 key"));
  return EcKeyP256(std::move(pkey), true);
}

Result<EcKeyP256> EcKeyP256::FromPrivatePem(std::string_view pem) {
  if (pem.find("ENCRYPTED") != std::string_view::npos) {
    return Error::Unsupported("EC key PEM is encrypted (password-protected); decrypt it first");
  }
  EVP_PKEY* raw = nullptr;
  DecoderCtxPtr dctx(OSSL_DECODER_CTX_new_for_pkey(&raw, "PEM", nullptr, "EC", EVP_PKEY_KEYPAIR,
                                                   nullptr, nullptr));
  const auto* data = reinterpret_cast<const unsigned char*>(pem.data());
  size_t len = pem.size();
  if (!dctx || OSSL_DECODER_from_data(dctx.get(), &data, &len) != 1 || raw == nullptr) {
    LastOpenSslError();
    return Error::Invalid("not an EC private key in PEM (PRIVATE KEY or EC PRIVATE KEY)");
  }
  UID2_ASSIGN_OR_RETURN(EvpPkeyPtr pkey, RequireP256(EvpPkeyPtr(raw), "PEM key"));
  if (!HasPrivate(pkey.get())) return Error::Invalid("PEM holds no EC private key");
  return EcKeyP256(std::move(pkey), true);
}

Result<EcKeyP256> EcKeyP256::FromPublicSpkiDer(ByteSpan der) {
  const unsigned char* p = der.data();
  EvpPkeyPtr pkey(d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size())));
  if (!pkey) {
    LastOpenSslError();
    return Error::Invalid("not a SubjectPublicKeyInfo DER");
  }
  if (p != der.data() + der.size()) {
    return Error::Invalid("trailing bytes after SubjectPublicKeyInfo DER");
  }
  UID2_ASSIGN_OR_RETURN(pkey, RequireP256(std::move(pkey), "SubjectPublicKeyInfo"));
  return EcKeyP256(std::move(pkey), false);
}

Result<EcKeyP256> EcKeyP256::FromPrivateRaw(ByteSpan d) {
  if (d.size() != kCoordSize) {
    return Error::Invalid("P-256 raw private key must be 32 bytes, got " +
                          std::to_string(d.size()));
  }
  EcGroupPtr group(EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1));
  SecretBnPtr priv(BN_secure_new());
  if (!group || !priv || !BN_bin2bn(d.data(), kCoordSize, priv.get())) {
    return OpenSslFailure("P-256 setup");
  }
  BN_set_flags(priv.get(), BN_FLG_CONSTTIME);
  if (BN_is_zero(priv.get()) || BN_cmp(priv.get(), EC_GROUP_get0_order(group.get())) >= 0) {
    return Error::Invalid("P-256 private scalar is out of range [1, n)");
  }
  UID2_ASSIGN_OR_RETURN(UncompressedPoint point, PublicPointOf(group.get(), priv.get()));
  UID2_ASSIGN_OR_RETURN(EvpPkeyPtr pkey, KeyPairFromData(priv.get(), point));
  return EcKeyP256(std::move(pkey), true);
}

Result<EcKeyP256> EcKeyP256::FromPublicRaw(ByteSpan xy) {
  if (xy.size() != 2 * kCoordSize) {
    return Error::Invalid("P-256 raw public key must be 64 bytes (X || Y), got " +
                          std::to_string(xy.size()));
  }
  uint8_t point[1 + 2 * kCoordSize];
  point[0] = POINT_CONVERSION_UNCOMPRESSED;
  std::memcpy(point + 1, xy.data(), xy.size());
  char group[] = "prime256v1";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0),
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point, sizeof(point)),
      OSSL_PARAM_construct_end(),
  };
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  EVP_PKEY* raw = nullptr;
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params) != 1) {
    LastOpenSslError();
    return Error::Invalid("P-256 raw public key is not a point on the curve");
  }
  EvpPkeyPtr pkey(raw);
  // Belt and braces: fromdata decodes through EC_POINT_oct2point, which already refuses points
  // off the curve; EVP_PKEY_public_check also rejects the point at infinity.
  EvpPkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr));
  if (!check || EVP_PKEY_public_check(check.get()) != 1) {
    LastOpenSslError();
    return Error::Invalid("P-256 raw public key is not a valid point on the curve");
  }
  return EcKeyP256(std::move(pkey), false);
}

Bytes EcKeyP256::PublicRaw() const {
  BIGNUM* x = nullptr;
  BIGNUM* y = nullptr;
  EVP_PKEY_get_bn_param(pkey_.get(), OSSL_PKEY_PARAM_EC_PUB_X, &x);
  EVP_PKEY_get_bn_param(pkey_.get(), OSSL_PKEY_PARAM_EC_PUB_Y, &y);
  BignumPtr bx(x), by(y);
  if (!bx || !by) return {};
  Result<Bytes> out = BnPair(bx.get(), by.get());
  return out.ok() ? std::move(out).value() : Bytes{};
}

Bytes EcKeyP256::PublicSpkiDer() const {
  return Encode(pkey_.get(), EVP_PKEY_PUBLIC_KEY, "DER", "SubjectPublicKeyInfo");
}

Bytes EcKeyP256::PrivatePkcs8Der() const {
  if (!has_private_) return {};
  return Encode(pkey_.get(), EVP_PKEY_KEYPAIR, "DER", "PrivateKeyInfo");
}

std::string EcKeyP256::PrivatePem() const {
  if (!has_private_) return {};
  Bytes pem = Encode(pkey_.get(), EVP_PKEY_KEYPAIR, "PEM", "PrivateKeyInfo");
  std::string out(pem.begin(), pem.end());
  OPENSSL_cleanse(pem.data(), pem.size());
  return out;
}

Result<Bytes> EcKeyP256::SignSha256Der(ByteSpan message) const {
  if (!has_private_) return Error::Invalid("ECDSA sign: key has no private part");
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestSignInit_ex(ctx.get(), nullptr, "SHA256", nullptr, nullptr, pkey_.get(),
                                    nullptr) != 1) {
    return OpenSslFailure("ECDSA sign init");
  }
  size_t len = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &len, message.data(), message.size()) != 1) {
    return OpenSslFailure("ECDSA sign (size)");
  }
  Bytes sig(len);
  if (EVP_DigestSign(ctx.get(), sig.data(), &len, message.data(), message.size()) != 1) {
    return OpenSslFailure("ECDSA sign");
  }
  sig.resize(len);
  return sig;
}

Result<Bytes> EcKeyP256::SignSha256Raw(ByteSpan message) const {
  UID2_ASSIGN_OR_RETURN(Bytes der, SignSha256Der(message));
  return EcdsaDerToRaw(der);
}

Status EcKeyP256::VerifySha256Der(ByteSpan message, ByteSpan der) const {
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit_ex(ctx.get(), nullptr, "SHA256", nullptr, nullptr, pkey_.get(),
                                      nullptr) != 1) {
    return OpenSslFailure("ECDSA verify init");
  }
  if (EVP_DigestVerify(ctx.get(), der.data(), der.size(), message.data(), message.size()) != 1) {
    LastOpenSslError();
    return Error::VerifyFailed("ECDSA P-256 SHA-256 signature does not verify");
  }
  return Ok();
}

Status EcKeyP256::VerifySha256Raw(ByteSpan message, ByteSpan r_s) const {
  Result<Bytes> der = EcdsaRawToDer(r_s);
  if (!der.ok()) {
    return Error::VerifyFailed("ECDSA P-256 signature malformed: " + der.error().message());
  }
  return VerifySha256Der(message, *der);
}

Result<Bytes> EcKeyP256::Ecdh(const EcKeyP256& peer) const {
  if (!has_private_) return Error::Invalid("ECDH: key has no private part");
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey_.get(), nullptr));
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1 ||
      EVP_PKEY_derive_set_peer(ctx.get(), peer.get()) != 1) {
    return OpenSslFailure("ECDH init");
  }
  size_t len = 0;
  if (EVP_PKEY_derive(ctx.get(), nullptr, &len) != 1) return OpenSslFailure("ECDH (size)");
  Bytes out(len);
  if (EVP_PKEY_derive(ctx.get(), out.data(), &len) != 1) return OpenSslFailure("ECDH");
  out.resize(len);
  if (out.size() != kCoordSize) {
    return Error::Internal("ECDH returned " + std::to_string(out.size()) + " bytes, want 32");
  }
  return out;
}

Result<Bytes> EcdsaRawToDer(ByteSpan r_s) {
  if (r_s.size() != 2 * kCoordSize) {
    return Error::Invalid("raw ECDSA P-256 signature must be 64 bytes (r || s), got " +
                          std::to_string(r_s.size()));
  }
  EcdsaSigPtr sig(ECDSA_SIG_new());
  BignumPtr r(BN_bin2bn(r_s.data(), kCoordSize, nullptr));
  BignumPtr s(BN_bin2bn(r_s.data() + kCoordSize, kCoordSize, nullptr));
  if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) {
    return OpenSslFailure("ECDSA_SIG_set0");
  }
  r.release();  // now owned by sig
  s.release();
  unsigned char* der = nullptr;
  int n = i2d_ECDSA_SIG(sig.get(), &der);
  if (n <= 0) return OpenSslFailure("i2d_ECDSA_SIG");
  Bytes out(der, der + n);
  OPENSSL_free(der);
  return out;
}

Result<Bytes> EcdsaDerToRaw(ByteSpan der) {
  const unsigned char* p = der.data();
  EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig) {
    LastOpenSslError();
    return Error::Invalid("not a DER ECDSA-Sig-Value");
  }
  if (p != der.data() + der.size()) return Error::Invalid("trailing bytes after ECDSA DER");
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  if (BN_is_negative(r) || BN_is_negative(s)) return Error::Invalid("negative ECDSA r or s");
  return BnPair(r, s);
}

}  // namespace uid2::crypto
