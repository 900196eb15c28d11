// aes128.cc: AES-128-GCM over a reused EVP_CIPHER_CTX, and CMAC over EVP_MAC.
#include "crypto/aes128.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>

#include <climits>
#include <cstring>
#include <string>

namespace uid2::crypto {
namespace {

Error OpenSslFailure(std::string_view what) {
  return Error::Internal(std::string(what) + ": " + LastOpenSslError());
}

Status CheckSameSize(ByteSpan in, std::span<uint8_t> out) {
  if (in.size() != out.size() || in.size() > static_cast<size_t>(INT_MAX)) {
    return Error::Invalid("AES-128-GCM: output must be as long as the input (" +
                          std::to_string(in.size()) + " vs " + std::to_string(out.size()) + ")");
  }
  return Ok();
}

}  // namespace

Result<Aes128Gcm> Aes128Gcm::Create() {
  Aes128Gcm gcm;
  gcm.cipher_.reset(EVP_CIPHER_fetch(nullptr, "AES-128-GCM", nullptr));
  if (!gcm.cipher_) return OpenSslFailure("EVP_CIPHER_fetch(AES-128-GCM)");
  gcm.encrypt_.reset(EVP_CIPHER_CTX_new());
  gcm.decrypt_.reset(EVP_CIPHER_CTX_new());
  if (!gcm.encrypt_ || !gcm.decrypt_) return OpenSslFailure("EVP_CIPHER_CTX_new");
  // The default GCM IV length is 12 bytes, the only one used here.
  if (EVP_EncryptInit_ex2(gcm.encrypt_.get(), gcm.cipher_.get(), nullptr, nullptr, nullptr) != 1 ||
      EVP_DecryptInit_ex2(gcm.decrypt_.get(), gcm.cipher_.get(), nullptr, nullptr, nullptr) != 1) {
    return OpenSslFailure("EVP_CipherInit_ex2(AES-128-GCM)");
  }
  return gcm;
}

Status Aes128Gcm::Seal(const Aes128Key& key, const GcmIv& iv, ByteSpan plaintext,
                       std::span<uint8_t> out, Aes128Tag* out_tag) {
  UID2_RETURN_IF_ERROR(CheckSameSize(plaintext, out));
  EVP_CIPHER_CTX* ctx = encrypt_.get();
  int len = 0;
  int tail = 0;
  if (EVP_EncryptInit_ex2(ctx, nullptr, key.data(), iv.data(), nullptr) != 1 ||
      EVP_EncryptUpdate(ctx, out.data(), &len, plaintext.data(),
                        static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx, out.data() + len, &tail) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, static_cast<int>(out_tag->size()),
                          out_tag->data()) != 1) {
    return OpenSslFailure("AES-128-GCM encrypt");
  }
  return Ok();
}

Status Aes128Gcm::Open(const Aes128Key& key, const GcmIv& iv, ByteSpan ciphertext,
                       std::span<uint8_t> out, const Aes128Tag& tag) {
  UID2_RETURN_IF_ERROR(CheckSameSize(ciphertext, out));
  EVP_CIPHER_CTX* ctx = decrypt_.get();
  int len = 0;
  int tail = 0;
  Aes128Tag expected = tag;  // the ctrl takes a non-const pointer
  if (EVP_DecryptInit_ex2(ctx, nullptr, key.data(), iv.data(), nullptr) != 1 ||
      EVP_DecryptUpdate(ctx, out.data(), &len, ciphertext.data(),
                        static_cast<int>(ciphertext.size())) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, static_cast<int>(expected.size()),
                          expected.data()) != 1) {
    OPENSSL_cleanse(out.data(), out.size());
    return OpenSslFailure("AES-128-GCM decrypt");
  }
  if (EVP_DecryptFinal_ex(ctx, out.data() + len, &tail) != 1) {
    OPENSSL_cleanse(out.data(), out.size());
    return Error::VerifyFailed("AES-128-GCM tag mismatch");
  }
  return Ok();
}

Result<Aes128Tag> AesCmac128(const Aes128Key& key, ByteSpan data) {
  // The fetched algorithm is immutable and shared; fetch it once per process.
  static EVP_MAC* const mac = EVP_MAC_fetch(nullptr, "CMAC", nullptr);
  if (!mac) return OpenSslFailure("EVP_MAC_fetch(CMAC)");
  EvpMacCtxPtr ctx(EVP_MAC_CTX_new(mac));
  if (!ctx) return OpenSslFailure("EVP_MAC_CTX_new");
  char cipher_name[] = "AES-128-CBC";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, cipher_name, 0),
      OSSL_PARAM_construct_end(),
  };
  Aes128Tag tag{};
  size_t tag_len = 0;
  if (EVP_MAC_init(ctx.get(), key.data(), key.size(), params) != 1 ||
      EVP_MAC_update(ctx.get(), data.data(), data.size()) != 1 ||
      EVP_MAC_final(ctx.get(), tag.data(), &tag_len, tag.size()) != 1 || tag_len != tag.size()) {
    return OpenSslFailure("AES-128-CMAC");
  }
  return tag;
}

}  // namespace uid2::crypto
