// random.cc: RAND_bytes wrapper that never returns weak output.
#include "crypto/random.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <pthread.h>

#include <array>
#include <atomic>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "crypto/openssl_ptr.h"

namespace uid2::crypto {

namespace {

void RandBytesOrDie(std::span<uint8_t> out) {
  size_t done = 0;
  while (done < out.size()) {
    size_t chunk = std::min<size_t>(out.size() - done, INT_MAX);
    if (RAND_bytes(out.data() + done, static_cast<int>(chunk)) != 1) {
      std::fprintf(stderr, "fatal: RAND_bytes failed: %s\n", LastOpenSslError().c_str());
      std::abort();
    }
    done += chunk;
  }
}

// OpenSSL 3.0's RAND_bytes makes a getpid() system call per call (fork detection), which costs
// more than the AES-GCM an IV feeds. Small requests are therefore served from a per-thread pool
// refilled with one RAND_bytes call per kPoolSize bytes; each byte is handed out once and then
// cleansed. Fork safety: a pthread_atfork child handler bumps a generation counter and a pool
// refills when it sees a new generation, so a child never hands out bytes its parent also uses.
constexpr size_t kPoolSize = 4096;
std::atomic<uint64_t> g_fork_generation{0};

void OnForkChild() { g_fork_generation.fetch_add(1, std::memory_order_relaxed); }

struct Pool {
  std::array<uint8_t, kPoolSize> bytes{};
  size_t used = kPoolSize;
  uint64_t generation = ~uint64_t{0};
  ~Pool() { OPENSSL_cleanse(bytes.data(), bytes.size()); }
};

}  // namespace

void RandomFill(std::span<uint8_t> out) {
  if (out.empty()) return;  // memcpy from/to a null span is undefined
  if (out.size() > kPoolSize) return RandBytesOrDie(out);
  static const bool registered = pthread_atfork(nullptr, nullptr, OnForkChild) == 0;
  (void)registered;
  thread_local Pool pool;
  const uint64_t gen = g_fork_generation.load(std::memory_order_relaxed);
  if (pool.generation != gen || pool.used + out.size() > pool.bytes.size()) {
    RandBytesOrDie(pool.bytes);
    pool.used = 0;
    pool.generation = gen;
  }
  std::memcpy(out.data(), pool.bytes.data() + pool.used, out.size());
  OPENSSL_cleanse(pool.bytes.data() + pool.used, out.size());
  pool.used += out.size();
}

Bytes RandomBytes(size_t n) {
  Bytes out(n);
  RandomFill(out);
  return out;
}

}  // namespace uid2::crypto
