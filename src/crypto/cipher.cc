// cipher.cc: AES-256-GCM/CTR/CBC over EVP_CIPHER_CTX.
#include "crypto/cipher.h"

#include <algorithm>
#include <climits>
#include <string>

#include "crypto/openssl_ptr.h"
#include "crypto/random.h"

namespace uid2::crypto {
namespace {

Error OpenSslFailure(std::string_view what) {
  return Error::Internal(std::string(what) + ": " + LastOpenSslError());
}

Status CheckSizes(std::string_view mode, ByteSpan key, ByteSpan iv, size_t iv_size) {
  if (key.size() != kAes256KeySize) {
    return Error::Invalid(std::string(mode) + ": key must be 32 bytes, got " +
                          std::to_string(key.size()));
  }
  if (iv.size() != iv_size) {
    return Error::Invalid(std::string(mode) + ": IV must be " + std::to_string(iv_size) +
                          " bytes, got " + std::to_string(iv.size()));
  }
  return Ok();
}

// EVP's lengths are int: reject inputs that would overflow one.
Status CheckLength(std::string_view mode, size_t n) {
  if (n > static_cast<size_t>(INT_MAX) - 2 * kAesBlockSize) {
    return Error::Invalid(std::string(mode) + ": input too large (" + std::to_string(n) +
                          " bytes)");
  }
  return Ok();
}

Result<EvpCipherCtxPtr> NewCtx(const EVP_CIPHER* cipher, bool encrypt, ByteSpan key, ByteSpan iv,
                               bool set_gcm_iv_len) {
  EvpCipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return OpenSslFailure("EVP_CIPHER_CTX_new");
  if (EVP_CipherInit_ex(ctx.get(), cipher, nullptr, nullptr, nullptr, encrypt ? 1 : 0) != 1) {
    return OpenSslFailure("EVP_CipherInit_ex");
  }
  if (set_gcm_iv_len && EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN,
                                            static_cast<int>(iv.size()), nullptr) != 1) {
    return OpenSslFailure("EVP_CTRL_GCM_SET_IVLEN");
  }
  if (EVP_CipherInit_ex(ctx.get(), nullptr, nullptr, key.data(), iv.data(), -1) != 1) {
    return OpenSslFailure("EVP_CipherInit_ex(key, iv)");
  }
  return ctx;
}

// Run feeds `in` through ctx and finalises; returns the output (padding handled by EVP).
// Final failure is reported by the caller (it means different things per mode).
Result<Bytes> Run(EVP_CIPHER_CTX* ctx, ByteSpan in, bool* final_ok) {
  Bytes out(in.size() + kAesBlockSize);
  int len = 0;
  if (!in.empty() &&
      EVP_CipherUpdate(ctx, out.data(), &len, in.data(), static_cast<int>(in.size())) != 1) {
    return OpenSslFailure("EVP_CipherUpdate");
  }
  int final_len = 0;
  *final_ok = EVP_CipherFinal_ex(ctx, out.data() + len, &final_len) == 1;
  out.resize(static_cast<size_t>(len + (*final_ok ? final_len : 0)));
  return out;
}

Status AddAad(EVP_CIPHER_CTX* ctx, ByteSpan aad) {
  if (aad.empty()) return Ok();
  UID2_RETURN_IF_ERROR(CheckLength("AES-256-GCM AAD", aad.size()));
  int len = 0;
  if (EVP_CipherUpdate(ctx, nullptr, &len, aad.data(), static_cast<int>(aad.size())) != 1) {
    return OpenSslFailure("EVP_CipherUpdate(AAD)");
  }
  return Ok();
}

}  // namespace

Result<Bytes> AesGcmEncrypt(ByteSpan key, ByteSpan iv, ByteSpan plaintext, ByteSpan aad) {
  UID2_RETURN_IF_ERROR(CheckSizes("AES-256-GCM", key, iv, kGcmIvSize));
  UID2_RETURN_IF_ERROR(CheckLength("AES-256-GCM", plaintext.size()));
  UID2_ASSIGN_OR_RETURN(EvpCipherCtxPtr ctx, NewCtx(EVP_aes_256_gcm(), true, key, iv, true));
  UID2_RETURN_IF_ERROR(AddAad(ctx.get(), aad));
  bool final_ok = false;
  UID2_ASSIGN_OR_RETURN(Bytes out, Run(ctx.get(), plaintext, &final_ok));
  if (!final_ok) return OpenSslFailure("AES-256-GCM encrypt final");
  size_t ct_size = out.size();
  out.resize(ct_size + kGcmTagSize);
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kGcmTagSize, out.data() + ct_size) !=
      1) {
    return OpenSslFailure("EVP_CTRL_GCM_GET_TAG");
  }
  return out;
}

Result<Bytes> AesGcmDecrypt(ByteSpan key, ByteSpan iv, ByteSpan ciphertext_and_tag, ByteSpan aad) {
  UID2_RETURN_IF_ERROR(CheckSizes("AES-256-GCM", key, iv, kGcmIvSize));
  if (ciphertext_and_tag.size() < kGcmTagSize) {
    return Error::Invalid("AES-256-GCM: input of " + std::to_string(ciphertext_and_tag.size()) +
                          " bytes is shorter than the 16-byte tag");
  }
  UID2_RETURN_IF_ERROR(CheckLength("AES-256-GCM", ciphertext_and_tag.size()));
  ByteSpan ct = ciphertext_and_tag.first(ciphertext_and_tag.size() - kGcmTagSize);
  ByteSpan tag = ciphertext_and_tag.last(kGcmTagSize);
  UID2_ASSIGN_OR_RETURN(EvpCipherCtxPtr ctx, NewCtx(EVP_aes_256_gcm(), false, key, iv, true));
  UID2_RETURN_IF_ERROR(AddAad(ctx.get(), aad));
  // EVP_CTRL_GCM_SET_TAG takes a non-const pointer but only reads it.
  uint8_t tag_copy[kGcmTagSize];
  std::copy(tag.begin(), tag.end(), tag_copy);
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kGcmTagSize, tag_copy) != 1) {
    return OpenSslFailure("EVP_CTRL_GCM_SET_TAG");
  }
  bool final_ok = false;
  UID2_ASSIGN_OR_RETURN(Bytes out, Run(ctx.get(), ct, &final_ok));
  if (!final_ok) {
    OPENSSL_cleanse(out.data(), out.size());
    LastOpenSslError();  // drop queued errors, if any
    return Error::VerifyFailed(
        "AES-256-GCM: authentication tag mismatch (wrong key, IV, AAD "
        "or tampered data)");
  }
  return out;
}

void AesGcmDecryptor::Free::operator()(evp_cipher_ctx_st* ctx) const { EVP_CIPHER_CTX_free(ctx); }

Result<AesGcmDecryptor> AesGcmDecryptor::Create(ByteSpan key, ByteSpan iv) {
  UID2_RETURN_IF_ERROR(CheckSizes("AES-256-GCM", key, iv, kGcmIvSize));
  UID2_ASSIGN_OR_RETURN(EvpCipherCtxPtr ctx, NewCtx(EVP_aes_256_gcm(), false, key, iv, true));
  return AesGcmDecryptor(std::unique_ptr<evp_cipher_ctx_st, Free>(ctx.release()));
}

Status AesGcmDecryptor::Update(ByteSpan in, uint8_t* out) {
  if (in.empty()) return Ok();
  UID2_RETURN_IF_ERROR(CheckLength("AES-256-GCM", in.size()));
  int len = 0;
  if (EVP_DecryptUpdate(ctx_.get(), out, &len, in.data(), static_cast<int>(in.size())) != 1) {
    return OpenSslFailure("EVP_DecryptUpdate");
  }
  if (static_cast<size_t>(len) != in.size()) {
    return Error::Internal("AES-256-GCM: EVP_DecryptUpdate wrote " + std::to_string(len) +
                           " bytes for " + std::to_string(in.size()));
  }
  return Ok();
}

Status AesGcmDecryptor::Finish(ByteSpan tag) {
  if (tag.size() != kGcmTagSize) {
    return Error::Invalid("AES-256-GCM: tag must be 16 bytes, got " + std::to_string(tag.size()));
  }
  uint8_t tag_copy[kGcmTagSize];
  std::copy(tag.begin(), tag.end(), tag_copy);
  if (EVP_CIPHER_CTX_ctrl(ctx_.get(), EVP_CTRL_GCM_SET_TAG, kGcmTagSize, tag_copy) != 1) {
    return OpenSslFailure("EVP_CTRL_GCM_SET_TAG");
  }
  uint8_t final_block[kAesBlockSize];
  int final_len = 0;
  if (EVP_DecryptFinal_ex(ctx_.get(), final_block, &final_len) != 1) {
    LastOpenSslError();  // drop queued errors, if any
    return Error::VerifyFailed(
        "AES-256-GCM: authentication tag mismatch (wrong key, IV, AAD or tampered data)");
  }
  return Ok();
}

Result<Bytes> AesGcmSeal(ByteSpan key, ByteSpan plaintext, ByteSpan aad) {
  Bytes iv = RandomBytes(kGcmIvSize);
  UID2_ASSIGN_OR_RETURN(Bytes ct, AesGcmEncrypt(key, iv, plaintext, aad));
  iv.insert(iv.end(), ct.begin(), ct.end());
  return iv;
}

Result<Bytes> AesGcmOpen(ByteSpan key, ByteSpan iv_ct_tag, ByteSpan aad) {
  if (iv_ct_tag.size() < kGcmIvSize + kGcmTagSize) {
    return Error::Invalid("AES-256-GCM: sealed input of " + std::to_string(iv_ct_tag.size()) +
                          " bytes is shorter than IV + tag (28 bytes)");
  }
  return AesGcmDecrypt(key, iv_ct_tag.first(kGcmIvSize), iv_ct_tag.subspan(kGcmIvSize), aad);
}

Result<Bytes> AesCtr(ByteSpan key, ByteSpan iv16, ByteSpan data) {
  UID2_RETURN_IF_ERROR(CheckSizes("AES-256-CTR", key, iv16, kAesBlockSize));
  UID2_RETURN_IF_ERROR(CheckLength("AES-256-CTR", data.size()));
  UID2_ASSIGN_OR_RETURN(EvpCipherCtxPtr ctx, NewCtx(EVP_aes_256_ctr(), true, key, iv16, false));
  bool final_ok = false;
  UID2_ASSIGN_OR_RETURN(Bytes out, Run(ctx.get(), data, &final_ok));
  if (!final_ok) return OpenSslFailure("AES-256-CTR final");
  return out;
}

Result<Bytes> AesCbcEncrypt(ByteSpan key, ByteSpan iv16, ByteSpan plaintext) {
  UID2_RETURN_IF_ERROR(CheckSizes("AES-256-CBC", key, iv16, kAesBlockSize));
  UID2_RETURN_IF_ERROR(CheckLength("AES-256-CBC", plaintext.size()));
  UID2_ASSIGN_OR_RETURN(EvpCipherCtxPtr ctx, NewCtx(EVP_aes_256_cbc(), true, key, iv16, false));
  bool final_ok = false;
  UID2_ASSIGN_OR_RETURN(Bytes out, Run(ctx.get(), plaintext, &final_ok));
  if (!final_ok) return OpenSslFailure("AES-256-CBC encrypt final");
  return out;
}

Result<Bytes> AesCbcDecrypt(ByteSpan key, ByteSpan iv16, ByteSpan ciphertext) {
  UID2_RETURN_IF_ERROR(CheckSizes("AES-256-CBC", key, iv16, kAesBlockSize));
  UID2_RETURN_IF_ERROR(CheckLength("AES-256-CBC", ciphertext.size()));
  if (ciphertext.empty() || ciphertext.size() % kAesBlockSize != 0) {
    return Error::Invalid("AES-256-CBC: ciphertext length " + std::to_string(ciphertext.size()) +
                          " is not a positive multiple of 16");
  }
  UID2_ASSIGN_OR_RETURN(EvpCipherCtxPtr ctx, NewCtx(EVP_aes_256_cbc(), false, key, iv16, false));
  bool final_ok = false;
  UID2_ASSIGN_OR_RETURN(Bytes out, Run(ctx.get(), ciphertext, &final_ok));
  if (!final_ok) {
    OPENSSL_cleanse(out.data(), out.size());
    LastOpenSslError();
    return Error::VerifyFailed("AES-256-CBC: bad PKCS#7 padding (wrong key or corrupted data)");
  }
  return out;
}

}  // namespace uid2::crypto
