// fast_crypto.cc: per-thread EVP contexts over prefetched algorithms (see fast_crypto.h).
#include "operator/identity/fast_crypto.h"

#include <openssl/evp.h>
#include <pthread.h>

#include <array>
#include <atomic>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>

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
  thread_local crypto::EvpCipherCtxPtr ctxs[2] = {crypto::EvpCipherCtxPtr(EVP_CIPHER_CTX_new()),
                                                  crypto::EvpCipherCtxPtr(EVP_CIPHER_CTX_new())};
  if (!ctxs[slot]) Die("EVP_CIPHER_CTX_new");
  return ctxs[slot].get();
}
constexpr int kSlotCtr = 0, kSlotCbc = 1;

int IntLen(size_t n) {
  if (n > static_cast<size_t>(INT_MAX) - 64) Die("cipher input too large");
  return static_cast<int>(n);
}

// --- Random IVs -----------------------------------------------------------------------------
// OpenSSL 3.0's RAND_bytes makes a getpid() system call per call (fork detection), which costs
// more than the AES-GCM it feeds. IVs are therefore drawn from a per-thread pool refilled with
// one RAND_bytes call per kIvPoolSize bytes. Fork safety: a pthread_atfork child handler bumps
// a generation counter and every pool refills when it sees a new generation, so a child never
// hands out bytes its parent also uses.
constexpr size_t kIvPoolSize = 4096;
std::atomic<uint64_t> g_fork_generation{0};

void OnForkChild() { g_fork_generation.fetch_add(1, std::memory_order_relaxed); }

struct IvPool {
  std::array<uint8_t, kIvPoolSize> bytes{};
  size_t used = kIvPoolSize;
  uint64_t generation = ~uint64_t{0};
  ~IvPool() { OPENSSL_cleanse(bytes.data(), bytes.size()); }
};

}  // namespace

void PooledRandom(uint8_t* out, size_t n) {
  if (n > kIvPoolSize) {
    crypto::RandomFill({out, n});
    return;
  }
  static const bool registered = [] {
    return pthread_atfork(nullptr, nullptr, OnForkChild) == 0;
  }();
  (void)registered;
  thread_local IvPool pool;
  const uint64_t gen = g_fork_generation.load(std::memory_order_relaxed);
  if (pool.generation != gen || pool.used + n > pool.bytes.size()) {
    crypto::RandomFill(pool.bytes);
    pool.used = 0;
    pool.generation = gen;
  }
  std::memcpy(out, pool.bytes.data() + pool.used, n);
  OPENSSL_cleanse(pool.bytes.data() + pool.used, n);  // never handed out twice
  pool.used += n;
}

namespace {

// --- Keyed GCM contexts -----------------------------------------------------------------------
// Setting an AES-GCM key (key schedule + GHASH table) costs more than sealing a token, and a
// token uses the same few keys over and over (master, site, refresh). Each thread keeps a small
// cache of contexts already keyed, one set for encryption and one for decryption; a call then
// only sets the IV. Round-robin replacement; contexts are freed (and cleansed) at thread exit.
constexpr size_t kGcmCacheSlots = 8;

struct GcmSlot {
  KeySecret key{};
  bool keyed = false;
  crypto::EvpCipherCtxPtr ctx{EVP_CIPHER_CTX_new()};
};
struct GcmCache {
  GcmSlot slots[kGcmCacheSlots];
  size_t next = 0;
  ~GcmCache() {
    for (GcmSlot& s : slots) OPENSSL_cleanse(s.key.data(), s.key.size());
  }
};

// KeyedGcm returns a context with `key` set for `encrypt`, and `iv` set.
EVP_CIPHER_CTX* KeyedGcm(const uint8_t* key32, const uint8_t* iv12, bool encrypt) {
  thread_local GcmCache caches[2];
  GcmCache& cache = caches[encrypt ? 1 : 0];
  for (GcmSlot& s : cache.slots) {
    if (s.keyed && std::memcmp(s.key.data(), key32, kKeySize) == 0) {
      if (EVP_CipherInit_ex2(s.ctx.get(), nullptr, nullptr, iv12, encrypt ? 1 : 0, nullptr) != 1) {
        Die("GCM iv");
      }
      return s.ctx.get();
    }
  }
  GcmSlot& s = cache.slots[cache.next];
  cache.next = (cache.next + 1) % kGcmCacheSlots;
  if (!s.ctx) Die("EVP_CIPHER_CTX_new");
  if (EVP_CipherInit_ex2(s.ctx.get(), Aes256Gcm(), key32, iv12, encrypt ? 1 : 0, nullptr) != 1) {
    Die("GCM init");
  }
  std::memcpy(s.key.data(), key32, kKeySize);
  s.keyed = true;
  return s.ctx.get();
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

void GcmSeal(const KeySecret& key, ByteSpan plaintext, uint8_t* out, ByteSpan aad) {
  uint8_t iv[kGcmIv];
  PooledRandom(iv, kGcmIv);
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
