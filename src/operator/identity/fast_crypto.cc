// fast_crypto.cc: per-thread EVP contexts over prefetched algorithms (see fast_crypto.h).
#include "operator/identity/fast_crypto.h"

#include <openssl/evp.h>

#include <climits>
#include <cstdio>
#include <cstdlib>

#include "crypto/openssl_ptr.h"
#include "crypto/random.h"

namespace uid2::operator_identity::internal {
namespace {

[[noreturn]] void Die(const char* what) {
  std::fprintf(stderr, "fatal: %s failed: %s\n", what, crypto::LastOpenSslError().c_str());
  std::abort();
}

// Algorithms are fetched once and live for the process (never freed, like OpenSSL's own
// built-in method tables).
const EVP_MD* Sha256Md() {
  static const EVP_MD* md = [] {
    EVP_MD* m = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    if (m == nullptr) Die("EVP_MD_fetch(SHA256)");
    return m;
  }();
  return md;
}

const EVP_CIPHER* Cipher(const char* name) {
  EVP_CIPHER* c = EVP_CIPHER_fetch(nullptr, name, nullptr);
  if (c == nullptr) Die("EVP_CIPHER_fetch");
  return c;
}
const EVP_CIPHER* Aes256Ctr() {
  static const EVP_CIPHER* c = Cipher("AES-256-CTR");
  return c;
}
const EVP_CIPHER* Aes256Gcm() {
  static const EVP_CIPHER* c = Cipher("AES-256-GCM");
  return c;
}
const EVP_CIPHER* Aes256Cbc() {
  static const EVP_CIPHER* c = Cipher("AES-256-CBC");
  return c;
}

EVP_MD_CTX* ThreadMdCtx() {
  thread_local crypto::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx) Die("EVP_MD_CTX_new");
  return ctx.get();
}

// One cipher context per thread and use; EVP_CipherInit_ex2 resets them between calls.
EVP_CIPHER_CTX* ThreadCipherCtx(int slot) {
  thread_local crypto::EvpCipherCtxPtr ctxs[3] = {crypto::EvpCipherCtxPtr(EVP_CIPHER_CTX_new()),
                                                  crypto::EvpCipherCtxPtr(EVP_CIPHER_CTX_new()),
                                                  crypto::EvpCipherCtxPtr(EVP_CIPHER_CTX_new())};
  if (!ctxs[slot]) Die("EVP_CIPHER_CTX_new");
  return ctxs[slot].get();
}
constexpr int kSlotCtr = 0, kSlotGcm = 1, kSlotCbc = 2;

int IntLen(size_t n) {
  if (n > static_cast<size_t>(INT_MAX) - 64) Die("cipher input too large");
  return static_cast<int>(n);
}

}  // namespace

void Sha256Parts(std::initializer_list<ByteSpan> parts, uint8_t* out) {
  EVP_MD_CTX* ctx = ThreadMdCtx();
  if (EVP_DigestInit_ex2(ctx, Sha256Md(), nullptr) != 1) Die("EVP_DigestInit_ex2");
  for (ByteSpan p : parts) {
    if (EVP_DigestUpdate(ctx, p.data(), p.size()) != 1) Die("EVP_DigestUpdate");
  }
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx, out, &len) != 1 || len != 32) Die("EVP_DigestFinal_ex");
}

void AesCtr(const uint8_t* key32, const uint8_t* iv16, const uint8_t* in, size_t len,
            uint8_t* out) {
  EVP_CIPHER_CTX* ctx = ThreadCipherCtx(kSlotCtr);
  int n = 0;
  if (EVP_EncryptInit_ex2(ctx, Aes256Ctr(), key32, iv16, nullptr) != 1 ||
      EVP_EncryptUpdate(ctx, out, &n, in, IntLen(len)) != 1) {
    Die("AES-256-CTR");
  }
}

void GcmSealWithIv(const KeySecret& key, const uint8_t* iv12, ByteSpan plaintext, uint8_t* out,
                   ByteSpan aad) {
  EVP_CIPHER_CTX* ctx = ThreadCipherCtx(kSlotGcm);
  std::copy(iv12, iv12 + kGcmIv, out);
  int n = 0, fin = 0;
  if (EVP_EncryptInit_ex2(ctx, Aes256Gcm(), key.data(), iv12, nullptr) != 1) Die("GCM init");
  if (!aad.empty() && EVP_EncryptUpdate(ctx, nullptr, &n, aad.data(), IntLen(aad.size())) != 1) {
    Die("GCM aad");
  }
  if (EVP_EncryptUpdate(ctx, out + kGcmIv, &n, plaintext.data(), IntLen(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx, out + kGcmIv + n, &fin) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, kGcmTag, out + kGcmIv + plaintext.size()) !=
          1) {
    Die("GCM encrypt");
  }
}

void GcmSeal(const KeySecret& key, ByteSpan plaintext, uint8_t* out, ByteSpan aad) {
  uint8_t iv[kGcmIv];
  crypto::RandomFill(iv);
  GcmSealWithIv(key, iv, plaintext, out, aad);
}

bool GcmOpen(const uint8_t* key32, ByteSpan iv_ct_tag, uint8_t* out, ByteSpan aad) {
  if (iv_ct_tag.size() < kGcmOverhead) return false;
  const uint8_t* iv = iv_ct_tag.data();
  const size_t ct_len = iv_ct_tag.size() - kGcmOverhead;
  const uint8_t* ct = iv + kGcmIv;
  uint8_t tag[kGcmTag];
  std::copy(ct + ct_len, ct + ct_len + kGcmTag, tag);
  EVP_CIPHER_CTX* ctx = ThreadCipherCtx(kSlotGcm);
  int n = 0, fin = 0;
  if (EVP_DecryptInit_ex2(ctx, Aes256Gcm(), key32, iv, nullptr) != 1) Die("GCM init");
  if (!aad.empty() && EVP_DecryptUpdate(ctx, nullptr, &n, aad.data(), IntLen(aad.size())) != 1) {
    return false;
  }
  if (ct_len > 0 && EVP_DecryptUpdate(ctx, out, &n, ct, IntLen(ct_len)) != 1) return false;
  if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, kGcmTag, tag) != 1) return false;
  return EVP_DecryptFinal_ex(ctx, out + n, &fin) == 1;
}

bool CbcDecrypt(const KeySecret& key, ByteSpan iv_ct, Bytes* out) {
  if (iv_ct.size() < 32 || (iv_ct.size() - 16) % 16 != 0) return false;
  EVP_CIPHER_CTX* ctx = ThreadCipherCtx(kSlotCbc);
  const size_t ct_len = iv_ct.size() - 16;
  const size_t base = out->size();
  out->resize(base + ct_len + 16);
  int n = 0, fin = 0;
  if (EVP_DecryptInit_ex2(ctx, Aes256Cbc(), key.data(), iv_ct.data(), nullptr) != 1) {
    Die("CBC init");
  }
  if (EVP_DecryptUpdate(ctx, out->data() + base, &n, iv_ct.data() + 16, IntLen(ct_len)) != 1 ||
      EVP_DecryptFinal_ex(ctx, out->data() + base + n, &fin) != 1) {
    out->resize(base);
    return false;
  }
  out->resize(base + static_cast<size_t>(n + fin));
  return true;
}

}  // namespace uid2::operator_identity::internal
