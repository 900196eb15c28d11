// hash.h: SHA-256, SHA-512 and HMAC over OpenSSL 3's EVP interface.
//
// The digest and HMAC functions cannot fail on valid input; if OpenSSL itself fails (broken
// installation, out of memory) they print the OpenSSL error and abort the process.
#pragma once

#include <array>

#include "common/bytes.h"
#include "common/status.h"
#include "crypto/openssl_ptr.h"

namespace uid2::crypto {

using Sha256Digest = std::array<uint8_t, 32>;
using Sha512Digest = std::array<uint8_t, 64>;

Sha256Digest Sha256(ByteSpan data);
Sha512Digest Sha512(ByteSpan data);

// Sha256Hasher is an incremental SHA-256 (MRENCLAVE's running hash, large files).
// Copyable: Copy() forks the state (for hashing shared prefixes once).
class Sha256Hasher {
 public:
  Sha256Hasher();
  void Update(ByteSpan data);
  Sha256Digest Final();  // the hasher must not be used after Final
  Sha256Hasher Copy() const;

 private:
  explicit Sha256Hasher(EvpMdCtxPtr ctx) : ctx_(std::move(ctx)) {}
  EvpMdCtxPtr ctx_;
};

enum class HashAlg { kSha256, kSha512 };

// Hmac returns HMAC(key, data) (RFC 2104) with the given hash.
Bytes Hmac(HashAlg alg, ByteSpan key, ByteSpan data);

// Sha256File hashes a file with 1 MiB sequential reads (posix_fadvise SEQUENTIAL); the error
// (kIo, with strerror) names the path. Directories fail with EISDIR.
Result<Sha256Digest> Sha256File(const std::string& path);

}  // namespace uid2::crypto
