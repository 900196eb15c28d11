// aes128.h: AES-128 primitives for formats that fix the key size at 128 bits (Gramine's
// protected files): GCM with a reusable context, and CMAC (NIST SP 800-38B).
#pragma once

#include <array>
#include <span>

#include "common/bytes.h"
#include "common/status.h"
#include "crypto/openssl_ptr.h"

namespace uid2::crypto {

constexpr size_t kAes128KeySize = 16;
using Aes128Key = std::array<uint8_t, kAes128KeySize>;
using Aes128Tag = std::array<uint8_t, 16>;
using GcmIv = std::array<uint8_t, 12>;

// Aes128Gcm encrypts and decrypts many messages with one EVP_CIPHER_CTX (fetched cipher and
// context are made once; each call only sets the key and IV), so a hot loop allocates nothing.
// Not thread-safe: one object per thread.
class Aes128Gcm {
 public:
  // Create fetches AES-128-GCM and allocates the context (kInternal on OpenSSL failure).
  static Result<Aes128Gcm> Create();

  // Seal encrypts `plaintext` into `out` (same size; may be the same buffer) and writes the
  // 16-byte tag. No additional data.
  Status Seal(const Aes128Key& key, const GcmIv& iv, ByteSpan plaintext, std::span<uint8_t> out,
              Aes128Tag* out_tag);
  // Open decrypts into `out` and checks `tag`: kVerifyFailed when it does not match, and then
  // `out` is zeroed (no unauthenticated plaintext escapes).
  Status Open(const Aes128Key& key, const GcmIv& iv, ByteSpan ciphertext, std::span<uint8_t> out,
              const Aes128Tag& tag);

 private:
  Aes128Gcm() = default;
  OpenSslPtr<EVP_CIPHER, EVP_CIPHER_free> cipher_;
  EvpCipherCtxPtr encrypt_;
  EvpCipherCtxPtr decrypt_;
};

// AesCmac128 returns CMAC-AES-128(key, data) (RFC 4493).
Result<Aes128Tag> AesCmac128(const Aes128Key& key, ByteSpan data);

}  // namespace uid2::crypto
