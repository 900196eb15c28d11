// fast_crypto.h (internal to the identity library): allocation-free SHA-256, AES-256-CTR,
// AES-256-GCM and AES-256-CBC on per-thread OpenSSL contexts, for the per-identity and
// per-token hot paths. Algorithms are prefetched once per process (EVP_MD_fetch /
// EVP_CIPHER_fetch) and each thread reuses one context per algorithm. The public
// crypto/cipher.h API is the general one; this file exists only for throughput.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>

#include "common/bytes.h"
#include "operator/identity/types.h"

namespace uid2::operator_identity::internal {

constexpr size_t kGcmIv = 12;
constexpr size_t kGcmTag = 16;
constexpr size_t kGcmOverhead = kGcmIv + kGcmTag;

// Sha256Parts hashes the concatenation of `parts` into out[32]. Aborts on an OpenSSL failure
// (only a broken installation can cause one).
void Sha256Parts(std::initializer_list<ByteSpan> parts, uint8_t* out);

// AesCtr encrypts `len` bytes with a 32-byte key and 16-byte initial counter block.
void AesCtr(const uint8_t* key32, const uint8_t* iv16, const uint8_t* in, size_t len, uint8_t* out);

// PooledRandom fills out[0..n) from this thread's pool of RAND_bytes output (one RAND_bytes
// call per 4 KiB instead of one per call; the pool is refilled after fork()). For IVs and
// one-time keys on hot paths.
void PooledRandom(uint8_t* out, size_t n);

// GcmSeal writes IV(random) | ct | tag to out (plaintext.size() + 28 bytes). IVs come from a
// per-thread pool of RAND_bytes output (refilled after fork); contexts already keyed with `key`
// are reused per thread (see fast_crypto.cc).
void GcmSeal(const KeySecret& key, ByteSpan plaintext, uint8_t* out, ByteSpan aad = {});

// GcmSealWithIv is GcmSeal with a caller-chosen IV (tests; never reuse an IV with one key).
void GcmSealWithIv(const KeySecret& key, const uint8_t* iv12, ByteSpan plaintext, uint8_t* out,
                   ByteSpan aad = {});

// GcmOpen takes IV | ct | tag and writes ct.size() plaintext bytes to out. Returns false when
// the input is shorter than 28 bytes or the tag does not verify (out is then garbage).
bool GcmOpen(const uint8_t* key32, ByteSpan iv_ct_tag, uint8_t* out, ByteSpan aad = {});

// CbcDecrypt takes IV16 | ct (PKCS#7) and appends the plaintext to *out. False on a bad size or
// bad padding.
bool CbcDecrypt(const KeySecret& key, ByteSpan iv_ct, Bytes* out);

}  // namespace uid2::operator_identity::internal
