// fast_crypto.cc: per-thread EVP contexts over prefetched algorithms (see fast_crypto.h).
#include "operator/identity/fast_crypto.h"

#include <openssl/core_dispatch.h>
#include <openssl/evp.h>
#include <openssl/provider.h>

#include <array>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

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

// --- SHA-256 through the provider's digest functions ---------------------------------------
// OpenSSL 3.0's EVP_DigestInit_ex2 frees and re-allocates the provider's digest context and
// consults the ENGINE table on every call, which costs about as much as hashing the 1-2 blocks
// of a chain step. The per-identity hashes therefore call the implementation that EVP_MD_fetch
// selected directly, through its published dispatch table (OSSL_PROVIDER_query_operation, the
// documented provider interface, core_dispatch.h): one algorithm context per thread, reset
// with OSSL_FUNC_digest_init. Same provider, same code; only the EVP bookkeeping is skipped.
// If the table cannot be found, or its output differs from EVP on a known input at startup,
// Sha256Parts falls back to EVP.
struct DigestFns {
  OSSL_FUNC_digest_newctx_fn* newctx = nullptr;
  OSSL_FUNC_digest_freectx_fn* freectx = nullptr;
  OSSL_FUNC_digest_init_fn* init = nullptr;
  OSSL_FUNC_digest_update_fn* update = nullptr;
  OSSL_FUNC_digest_final_fn* final = nullptr;
  void* provctx = nullptr;
  bool ok() const { return newctx && freectx && init && update && final; }
};

bool NameListHas(const char* names, const char* name) {
  std::string_view list(names), want(name);
  size_t pos = 0;
  while (pos <= list.size()) {
    size_t end = list.find(':', pos);
    if (end == std::string_view::npos) end = list.size();
    if (list.substr(pos, end - pos) == want) return true;
    pos = end + 1;
  }
  return false;
}

DigestFns LookUpSha256Fns() {
  DigestFns fns;
  const EVP_MD* md = Sha256Md();
  OSSL_PROVIDER* prov = const_cast<OSSL_PROVIDER*>(EVP_MD_get0_provider(md));
  if (prov == nullptr) return {};
  int no_cache = 0;
  const OSSL_ALGORITHM* algs = OSSL_PROVIDER_query_operation(prov, OSSL_OP_DIGEST, &no_cache);
  for (const OSSL_ALGORITHM* a = algs; a != nullptr && a->algorithm_names != nullptr; ++a) {
    if (!NameListHas(a->algorithm_names, EVP_MD_get0_name(md))) continue;
    for (const OSSL_DISPATCH* d = a->implementation; d->function_id != 0; ++d) {
      switch (d->function_id) {
        case OSSL_FUNC_DIGEST_NEWCTX:
          fns.newctx = OSSL_FUNC_digest_newctx(d);
          break;
        case OSSL_FUNC_DIGEST_FREECTX:
          fns.freectx = OSSL_FUNC_digest_freectx(d);
          break;
        case OSSL_FUNC_DIGEST_INIT:
          fns.init = OSSL_FUNC_digest_init(d);
          break;
        case OSSL_FUNC_DIGEST_UPDATE:
          fns.update = OSSL_FUNC_digest_update(d);
          break;
        case OSSL_FUNC_DIGEST_FINAL:
          fns.final = OSSL_FUNC_digest_final(d);
          break;
        default:
          break;
      }
    }
    break;
  }
  if (algs != nullptr) OSSL_PROVIDER_unquery_operation(prov, OSSL_OP_DIGEST, algs);
  fns.provctx = OSSL_PROVIDER_get0_provider_ctx(prov);
  return fns.ok() ? fns : DigestFns{};
}

bool EvpSha256(ByteSpan data, uint8_t* out);
bool DirectSha256(const DigestFns& fns, void* algctx, std::initializer_list<ByteSpan> parts,
                  uint8_t* out);

// Sha256Fns returns the checked dispatch table, or one whose ok() is false (use EVP).
const DigestFns& Sha256Fns() {
  static const DigestFns fns = [] {
    DigestFns f = LookUpSha256Fns();
    if (!f.ok()) return DigestFns{};
    void* algctx = f.newctx(f.provctx);
    if (algctx == nullptr) return DigestFns{};
    constexpr std::string_view kProbe = "uid2 sha256 dispatch self-check";
    uint8_t direct[32], evp[32];
    bool same = DirectSha256(f, algctx, {AsBytes(kProbe)}, direct) &&
                EvpSha256(AsBytes(kProbe), evp) && std::memcmp(direct, evp, 32) == 0;
    f.freectx(algctx);
    return same ? f : DigestFns{};
  }();
  return fns;
}

bool DirectSha256(const DigestFns& fns, void* algctx, std::initializer_list<ByteSpan> parts,
                  uint8_t* out) {
  if (fns.init(algctx, nullptr) != 1) return false;
  for (ByteSpan p : parts) {
    if (!p.empty() && fns.update(algctx, p.data(), p.size()) != 1) return false;
  }
  size_t len = 0;
  return fns.final(algctx, out, &len, 32) == 1 && len == 32;
}

// The thread's algorithm context for the direct path (freed at thread exit).
struct ThreadAlgCtx {
  void* ctx = nullptr;
  ~ThreadAlgCtx() {
    if (ctx != nullptr) Sha256Fns().freectx(ctx);
  }
};

bool EvpSha256Parts(std::initializer_list<ByteSpan> parts, uint8_t* out) {
  EVP_MD_CTX* ctx = ThreadMdCtx();
  if (EVP_DigestInit_ex2(ctx, Sha256Md(), nullptr) != 1) return false;
  for (ByteSpan p : parts) {
    if (EVP_DigestUpdate(ctx, p.data(), p.size()) != 1) return false;
  }
  unsigned int len = 0;
  return EVP_DigestFinal_ex(ctx, out, &len) == 1 && len == 32;
}

bool EvpSha256(ByteSpan data, uint8_t* out) { return EvpSha256Parts({data}, out); }

// The CBC context of this thread; EVP_CipherInit_ex2 resets it between calls.
EVP_CIPHER_CTX* ThreadCbcCtx() {
  thread_local crypto::EvpCipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx) Die("EVP_CIPHER_CTX_new");
  return ctx.get();
}

int IntLen(size_t n) {
  if (n > static_cast<size_t>(INT_MAX) - 64) Die("cipher input too large");
  return static_cast<int>(n);
}

// --- Keyed cipher contexts -------------------------------------------------------------------
// Setting an AES key (key schedule, plus the GHASH table for GCM) costs more than sealing a
// token or a 16-byte v4 raw UID, and both use the same few keys over and over (master, site,
// refresh; a salt file's v4 keys). Each thread keeps a small cache of contexts already keyed,
// one per (cipher, direction); a call then only sets the IV. Round-robin replacement; contexts
// are freed (and keys cleansed) at thread exit.
constexpr size_t kKeyedCacheSlots = 8;

struct KeyedSlot {
  KeySecret key{};
  bool keyed = false;
  crypto::EvpCipherCtxPtr ctx{EVP_CIPHER_CTX_new()};
};
struct KeyedCache {
  KeyedSlot slots[kKeyedCacheSlots];
  size_t next = 0;
  ~KeyedCache() {
    for (KeyedSlot& s : slots) OPENSSL_cleanse(s.key.data(), s.key.size());
  }
};

// Keyed returns a context of `cache` with `cipher` and `key` set for `encrypt`, and `iv` set.
EVP_CIPHER_CTX* Keyed(KeyedCache* cache, const EVP_CIPHER* cipher, const uint8_t* key32,
                      const uint8_t* iv, bool encrypt) {
  for (KeyedSlot& s : cache->slots) {
    if (s.keyed && std::memcmp(s.key.data(), key32, kKeySize) == 0) {
      if (EVP_CipherInit_ex2(s.ctx.get(), nullptr, nullptr, iv, encrypt ? 1 : 0, nullptr) != 1) {
        Die("cipher iv");
      }
      return s.ctx.get();
    }
  }
  KeyedSlot& s = cache->slots[cache->next];
  cache->next = (cache->next + 1) % kKeyedCacheSlots;
  if (!s.ctx) Die("EVP_CIPHER_CTX_new");
  if (EVP_CipherInit_ex2(s.ctx.get(), cipher, key32, iv, encrypt ? 1 : 0, nullptr) != 1) {
    Die("cipher init");
  }
  std::memcpy(s.key.data(), key32, kKeySize);
  s.keyed = true;
  return s.ctx.get();
}

EVP_CIPHER_CTX* KeyedGcm(const uint8_t* key32, const uint8_t* iv12, bool encrypt) {
  thread_local KeyedCache caches[2];
  return Keyed(&caches[encrypt ? 1 : 0], Aes256Gcm(), key32, iv12, encrypt);
}

EVP_CIPHER_CTX* KeyedCtr(const uint8_t* key32, const uint8_t* iv16) {
  thread_local KeyedCache cache;
  return Keyed(&cache, Aes256Ctr(), key32, iv16, true);
}

}  // namespace

void Sha256Parts(std::initializer_list<ByteSpan> parts, uint8_t* out) {
  const DigestFns& fns = Sha256Fns();
  if (fns.ok()) {
    thread_local ThreadAlgCtx algctx;
    if (algctx.ctx == nullptr && (algctx.ctx = fns.newctx(fns.provctx)) == nullptr) {
      Die("SHA-256 newctx");
    }
    if (!DirectSha256(fns, algctx.ctx, parts, out)) Die("SHA-256");
    return;
  }
  if (!EvpSha256Parts(parts, out)) Die("SHA-256 (EVP)");
}

bool Sha256UsesProviderDispatch() { return Sha256Fns().ok(); }

void AesCtr(const uint8_t* key32, const uint8_t* iv16, const uint8_t* in, size_t len,
            uint8_t* out) {
  EVP_CIPHER_CTX* ctx = KeyedCtr(key32, iv16);
  int n = 0;
  if (EVP_EncryptUpdate(ctx, out, &n, in, IntLen(len)) != 1) Die("AES-256-CTR");
}

void GcmSealWithIv(const KeySecret& key, const uint8_t* iv12, ByteSpan plaintext, uint8_t* out,
                   ByteSpan aad) {
  EVP_CIPHER_CTX* ctx = KeyedGcm(key.data(), iv12, true);
  std::copy(iv12, iv12 + kGcmIv, out);
  int n = 0, fin = 0;
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

void GcmSealInPlace(const KeySecret& key, uint8_t* buf, size_t plaintext_size) {
  uint8_t iv[kGcmIv];
  crypto::RandomFill({iv, kGcmIv});
  // Exact overlap of input and output is allowed for GCM.
  GcmSealWithIv(key, iv, ByteSpan(buf + kGcmIv, plaintext_size), buf);
}

void GcmSeal(const KeySecret& key, ByteSpan plaintext, uint8_t* out, ByteSpan aad) {
  uint8_t iv[kGcmIv];
  crypto::RandomFill({iv, kGcmIv});
  GcmSealWithIv(key, iv, plaintext, out, aad);
}

bool GcmOpen(const uint8_t* key32, ByteSpan iv_ct_tag, uint8_t* out, ByteSpan aad) {
  if (iv_ct_tag.size() < kGcmOverhead) return false;
  const uint8_t* iv = iv_ct_tag.data();
  const size_t ct_len = iv_ct_tag.size() - kGcmOverhead;
  const uint8_t* ct = iv + kGcmIv;
  uint8_t tag[kGcmTag];
  std::copy(ct + ct_len, ct + ct_len + kGcmTag, tag);
  EVP_CIPHER_CTX* ctx = KeyedGcm(key32, iv, false);
  int n = 0, fin = 0;
  if (!aad.empty() && EVP_DecryptUpdate(ctx, nullptr, &n, aad.data(), IntLen(aad.size())) != 1) {
    return false;
  }
  if (ct_len > 0 && EVP_DecryptUpdate(ctx, out, &n, ct, IntLen(ct_len)) != 1) return false;
  if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, kGcmTag, tag) != 1) return false;
  return EVP_DecryptFinal_ex(ctx, out + n, &fin) == 1;
}

bool CbcDecrypt(const KeySecret& key, ByteSpan iv_ct, Bytes* out) {
  if (iv_ct.size() < 32 || (iv_ct.size() - 16) % 16 != 0) return false;
  EVP_CIPHER_CTX* ctx = ThreadCbcCtx();
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
