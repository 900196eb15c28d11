// rsa.cc: RSA over EVP_PKEY (OpenSSL 3 providers), plus SIGSTRUCT's q1/q2 with BN_*.
#include "crypto/rsa.h"

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/encoder.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <string>

namespace uid2::crypto {
namespace {

using BioPtr = OpenSslPtr<BIO, BIO_free_all>;
using DecoderCtxPtr = OpenSslPtr<OSSL_DECODER_CTX, OSSL_DECODER_CTX_free>;
using ParamBldPtr = OpenSslPtr<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>;
using ParamPtr = OpenSslPtr<OSSL_PARAM, OSSL_PARAM_free>;

Error OpenSslFailure(std::string_view what) {
  return Error::Internal(std::string(what) + ": " + LastOpenSslError());
}

BignumPtr GetBn(EVP_PKEY* pkey, const char* name) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, name, &bn) != 1) return nullptr;
  return BignumPtr(bn);
}

bool HasPrivate(EVP_PKEY* pkey) {
  bool has = GetBn(pkey, OSSL_PKEY_PARAM_RSA_D) != nullptr;
  LastOpenSslError();  // a public key leaves "parameter not found" on the queue
  return has;
}

std::string BioToString(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return std::string(data, n > 0 ? static_cast<size_t>(n) : 0);
}

// IsEncryptedPem recognises PKCS#8 "ENCRYPTED PRIVATE KEY" and legacy "Proc-Type: 4,ENCRYPTED".
bool IsEncryptedPem(std::string_view pem) {
  return pem.find("-----BEGIN ENCRYPTED PRIVATE KEY-----") != std::string_view::npos ||
         pem.find("Proc-Type: 4,ENCRYPTED") != std::string_view::npos;
}

}  // namespace

Result<RsaKey> RsaKey::Generate(int bits, unsigned exponent) {
  if (bits < 2048 || bits > 16384 || bits % 8 != 0) {
    return Error::Invalid("RSA key size " + std::to_string(bits) +
                          " unsupported (2048..16384, multiple of 8)");
  }
  if (exponent < 3 || exponent % 2 == 0) {
    return Error::Invalid("RSA public exponent " + std::to_string(exponent) +
                          " must be odd and >= 3");
  }
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1) return OpenSslFailure("RSA keygen init");
  size_t bits_param = static_cast<size_t>(bits);
  unsigned int e_param = exponent;
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_size_t(OSSL_PKEY_PARAM_RSA_BITS, &bits_param),
      OSSL_PARAM_construct_uint(OSSL_PKEY_PARAM_RSA_E, &e_param),
      OSSL_PARAM_construct_end(),
  };
  if (EVP_PKEY_CTX_set_params(ctx.get(), params) != 1) return OpenSslFailure("RSA keygen params");
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_generate(ctx.get(), &raw) != 1) return OpenSslFailure("RSA keygen");
  return RsaKey(EvpPkeyPtr(raw), true);
}

Result<RsaKey> RsaKey::FromPem(std::string_view pem) {
  if (IsEncryptedPem(pem)) {
    return Error::Unsupported(
        "RSA key PEM is encrypted (password-protected); decrypt it first, e.g. "
        "`openssl pkey -in key.pem -out plain.pem`");
  }
  EVP_PKEY* raw = nullptr;
  // Structure NULL and selection 0 let the decoder accept PKCS#8, PKCS#1 (type-specific) and
  // SubjectPublicKeyInfo; the key type is pinned to RSA.
  DecoderCtxPtr dctx(
      OSSL_DECODER_CTX_new_for_pkey(&raw, "PEM", nullptr, "RSA", 0, nullptr, nullptr));
  if (!dctx) return OpenSslFailure("OSSL_DECODER_CTX_new_for_pkey(RSA)");
  const auto* data = reinterpret_cast<const unsigned char*>(pem.data());
  size_t len = pem.size();
  if (OSSL_DECODER_from_data(dctx.get(), &data, &len) != 1 || raw == nullptr) {
    LastOpenSslError();
    return Error::Invalid(
        "not an RSA key in PEM (expected PRIVATE KEY, RSA PRIVATE KEY, PUBLIC KEY or RSA PUBLIC "
        "KEY)");
  }
  EvpPkeyPtr pkey(raw);
  bool priv = HasPrivate(pkey.get());
  return RsaKey(std::move(pkey), priv);
}

Result<RsaKey> RsaKey::FromPublicDer(ByteSpan spki_der) {
  const unsigned char* p = spki_der.data();
  EvpPkeyPtr pkey(d2i_PUBKEY(nullptr, &p, static_cast<long>(spki_der.size())));
  if (!pkey) {
    LastOpenSslError();
    return Error::Invalid("not a SubjectPublicKeyInfo DER");
  }
  if (p != spki_der.data() + spki_der.size()) {
    return Error::Invalid("trailing bytes after SubjectPublicKeyInfo DER");
  }
  if (!EVP_PKEY_is_a(pkey.get(), "RSA")) return Error::Invalid("SubjectPublicKeyInfo is not RSA");
  return RsaKey(std::move(pkey), false);
}

Result<RsaKey> RsaKey::FromPublicModulus(ByteSpan modulus_be, unsigned exponent) {
  BignumPtr n(BN_bin2bn(modulus_be.data(), static_cast<int>(modulus_be.size()), nullptr));
  BignumPtr e(BN_new());
  if (!n || !e || BN_set_word(e.get(), exponent) != 1) return OpenSslFailure("BN_bin2bn");
  if (BN_num_bits(n.get()) < 1024 || !BN_is_odd(n.get())) {
    return Error::Invalid("RSA modulus must be odd and at least 1024 bits, got " +
                          std::to_string(BN_num_bits(n.get())) + " bits");
  }
  if (exponent < 3 || exponent % 2 == 0) {
    return Error::Invalid("RSA public exponent " + std::to_string(exponent) + " is invalid");
  }
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1) {
    return OpenSslFailure("OSSL_PARAM_BLD");
  }
  ParamPtr params(OSSL_PARAM_BLD_to_param(bld.get()));
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return OpenSslFailure("EVP_PKEY_fromdata(RSA public)");
  }
  return RsaKey(EvpPkeyPtr(raw), false);
}

int RsaKey::bits() const { return EVP_PKEY_get_bits(pkey_.get()); }

Bytes RsaKey::ModulusBigEndian() const {
  BignumPtr n = GetBn(pkey_.get(), OSSL_PKEY_PARAM_RSA_N);
  Bytes out(static_cast<size_t>((bits() + 7) / 8));
  if (!n || BN_bn2binpad(n.get(), out.data(), static_cast<int>(out.size())) < 0) return {};
  return out;
}

uint64_t RsaKey::PublicExponent() const {
  BignumPtr e = GetBn(pkey_.get(), OSSL_PKEY_PARAM_RSA_E);
  return e ? BN_get_word(e.get()) : 0;
}

std::string RsaKey::PrivatePem() const {
  BioPtr bio(BIO_new(BIO_s_secmem()));  // cleansed when freed
  if (!bio || !has_private_ ||
      PEM_write_bio_PrivateKey(bio.get(), pkey_.get(), nullptr, nullptr, 0, nullptr, nullptr) !=
          1) {
    return {};
  }
  return BioToString(bio.get());
}

std::string RsaKey::PublicPem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), pkey_.get()) != 1) return {};
  return BioToString(bio.get());
}

Bytes RsaKey::PublicDer() const {
  unsigned char* der = nullptr;
  int n = i2d_PUBKEY(pkey_.get(), &der);
  if (n <= 0) return {};
  Bytes out(der, der + n);
  OPENSSL_free(der);
  return out;
}

Result<Bytes> RsaKey::SignPkcs1Sha256(ByteSpan message) const {
  if (!has_private_) return Error::Invalid("RSA sign: key has no private part");
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;  // owned by ctx
  if (!ctx ||
      EVP_DigestSignInit_ex(ctx.get(), &pctx, "SHA256", nullptr, nullptr, pkey_.get(), nullptr) !=
          1 ||
      EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1) {
    return OpenSslFailure("RSA sign init");
  }
  size_t len = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &len, message.data(), message.size()) != 1) {
    return OpenSslFailure("RSA sign (size)");
  }
  Bytes sig(len);
  if (EVP_DigestSign(ctx.get(), sig.data(), &len, message.data(), message.size()) != 1) {
    return OpenSslFailure("RSA sign");
  }
  sig.resize(len);
  return sig;
}

Status RsaKey::VerifyPkcs1Sha256(ByteSpan message, ByteSpan signature) const {
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;  // owned by ctx
  if (!ctx ||
      EVP_DigestVerifyInit_ex(ctx.get(), &pctx, "SHA256", nullptr, nullptr, pkey_.get(), nullptr) !=
          1 ||
      EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1) {
    return OpenSslFailure("RSA verify init");
  }
  if (EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), message.data(),
                       message.size()) != 1) {
    LastOpenSslError();
    return Error::VerifyFailed("RSA PKCS#1 v1.5 SHA-256 signature does not verify");
  }
  return Ok();
}

Result<Bytes> RsaKey::EncryptPkcs1(ByteSpan plaintext) const {
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey_.get(), nullptr));
  if (!ctx || EVP_PKEY_encrypt_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) != 1) {
    return OpenSslFailure("RSA encrypt init");
  }
  size_t max_plain = static_cast<size_t>((bits() + 7) / 8) - 11;
  if (plaintext.size() > max_plain) {
    return Error::Invalid("RSA PKCS#1 v1.5 plaintext of " + std::to_string(plaintext.size()) +
                          " bytes exceeds the limit of " + std::to_string(max_plain));
  }
  size_t len = 0;
  if (EVP_PKEY_encrypt(ctx.get(), nullptr, &len, plaintext.data(), plaintext.size()) != 1) {
    return OpenSslFailure("RSA encrypt (size)");
  }
  Bytes out(len);
  if (EVP_PKEY_encrypt(ctx.get(), out.data(), &len, plaintext.data(), plaintext.size()) != 1) {
    return OpenSslFailure("RSA encrypt");
  }
  out.resize(len);
  return out;
}

Result<Bytes> RsaKey::DecryptPkcs1(ByteSpan ciphertext) const {
  if (!has_private_) return Error::Invalid("RSA decrypt: key has no private part");
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey_.get(), nullptr));
  if (!ctx || EVP_PKEY_decrypt_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) != 1) {
    return OpenSslFailure("RSA decrypt init");
  }
  size_t len = 0;
  if (EVP_PKEY_decrypt(ctx.get(), nullptr, &len, ciphertext.data(), ciphertext.size()) != 1) {
    return OpenSslFailure("RSA decrypt (size)");
  }
  Bytes out(len);
  if (EVP_PKEY_decrypt(ctx.get(), out.data(), &len, ciphertext.data(), ciphertext.size()) != 1) {
    LastOpenSslError();
    return Error::VerifyFailed("RSA PKCS#1 v1.5 decryption failed (wrong key or bad padding)");
  }
  out.resize(len);
  return out;
}

Result<SigstructQ> ComputeSigstructQ(ByteSpan signature_be, ByteSpan modulus_be, size_t width) {
  BnCtxPtr bn_ctx(BN_CTX_new());
  BignumPtr s(BN_bin2bn(signature_be.data(), static_cast<int>(signature_be.size()), nullptr));
  BignumPtr n(BN_bin2bn(modulus_be.data(), static_cast<int>(modulus_be.size()), nullptr));
  BignumPtr s2(BN_new()), q1(BN_new()), r(BN_new()), rs(BN_new()), q2(BN_new());
  if (!bn_ctx || !s || !n || !s2 || !q1 || !r || !rs || !q2) return OpenSslFailure("BN alloc");
  if (BN_is_zero(n.get())) return Error::Invalid("SIGSTRUCT q1/q2: modulus is zero");
  if (BN_cmp(s.get(), n.get()) >= 0) {
    return Error::Invalid("SIGSTRUCT q1/q2: signature is not smaller than the modulus");
  }
  // q1 = floor(s^2 / n), r = s^2 mod n; q2 = floor(r * s / n).
  if (BN_sqr(s2.get(), s.get(), bn_ctx.get()) != 1 ||
      BN_div(q1.get(), r.get(), s2.get(), n.get(), bn_ctx.get()) != 1 ||
      BN_mul(rs.get(), r.get(), s.get(), bn_ctx.get()) != 1 ||
      BN_div(q2.get(), nullptr, rs.get(), n.get(), bn_ctx.get()) != 1) {
    return OpenSslFailure("SIGSTRUCT q1/q2 arithmetic");
  }
  SigstructQ out{Bytes(width), Bytes(width)};
  if (BN_bn2binpad(q1.get(), out.q1.data(), static_cast<int>(width)) < 0 ||
      BN_bn2binpad(q2.get(), out.q2.data(), static_cast<int>(width)) < 0) {
    return Error::Invalid("SIGSTRUCT q1/q2 do not fit in " + std::to_string(width) + " bytes");
  }
  return out;
}

}  // namespace uid2::crypto
