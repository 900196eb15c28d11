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
// (only a broken installation can cause one). Calls the SHA-256 implementation EVP_MD_fetch
// selected through its provider dispatch table, with one context per thread (OpenSSL 3.0's
// EVP_DigestInit_ex2 re-allocates the context on every call); falls back to EVP when that
// table is unavailable or fails a self-check against EVP (see fast_crypto.cc).
void Sha256Parts(std::initializer_list<ByteSpan> parts, uint8_t* out);

// Sha256UsesProviderDispatch reports whether Sha256Parts takes the direct path (tests, bench).
bool Sha256UsesProviderDispatch();

// AesCtr encrypts `len` bytes with a 32-byte key and 16-byte initial counter block. Contexts
// already keyed are cached per thread (a v4 salt file has few keys), so a call usually only
// sets the counter block.
void AesCtr(const uint8_t* key32, const uint8_t* iv16, const uint8_t* in, size_t len, uint8_t* out);

// GcmSeal writes IV(random) | ct | tag to out (plaintext.size() + 28 bytes). IVs come from
// crypto::RandomFill (a per-thread pool of RAND_bytes output); contexts already keyed with `key`
// are reused per thread (see fast_crypto.cc).
void GcmSeal(const KeySecret& key, ByteSpan plaintext, uint8_t* out, ByteSpan aad = {});

// GcmSealInPlace seals buf[12 .. 12+plaintext_size) in place: writes a random IV to buf[0..12),
// encrypts, and writes the tag to buf[12+plaintext_size .. +16). `buf` holds
// plaintext_size + 28 bytes.
void GcmSealInPlace(const KeySecret& key, uint8_t* buf, size_t plaintext_size);

// GcmSealWithIv is GcmSeal with a caller-chosen IV (tests; never reuse an IV with one key).
void GcmSealWithIv(const KeySecret& key, const uint8_t* iv12, ByteSpan plaintext, uint8_t* out,
                   ByteSpan aad = {});

// GcmOpen takes IV | ct | tag and writes ct.size() plaintext bytes to out (out may be exactly
// the ct bytes, i.e. iv_ct_tag.data() + 12, to decrypt in place). Returns false when
// the input is shorter than 28 bytes or the tag does not verify (out is then garbage).
bool GcmOpen(const uint8_t* key32, ByteSpan iv_ct_tag, uint8_t* out, ByteSpan aad = {});

// CbcDecrypt takes IV16 | ct (PKCS#7) and appends the plaintext to *out. False on a bad size or
// bad padding.
bool CbcDecrypt(const KeySecret& key, ByteSpan iv_ct, Bytes* out);

}  // namespace uid2::operator_identity::internal
