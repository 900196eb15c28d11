// hash.cc: SHA-256/512 and HMAC via EVP_Digest* and EVP_MAC.
#include "crypto/hash.h"

#include <fcntl.h>
#include <openssl/core_names.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>

namespace uid2::crypto {
namespace {

// Die reports a failure that only a broken OpenSSL installation (or out-of-memory) can cause:
// the hash functions have no error channel, as the header promises.
[[noreturn]] void Die(const char* what) {
  std::fprintf(stderr, "fatal: %s failed: %s\n", what, LastOpenSslError().c_str());
  std::abort();
}

// Sha256Md / Sha512Md fetch the provider implementations once (EVP_sha256() would re-fetch
// on every call under OpenSSL 3). The fetched objects are immutable and thread-safe.
const EVP_MD* FetchOnce(const char* name) {
  EVP_MD* md = EVP_MD_fetch(nullptr, name, nullptr);
  if (md == nullptr) Die(name);
  return md;  // lives for the whole process
}
const EVP_MD* Sha256Md() {
  static const EVP_MD* md = FetchOnce("SHA256");
  return md;
}
const EVP_MD* Sha512Md() {
  static const EVP_MD* md = FetchOnce("SHA512");
  return md;
}
EVP_MAC* HmacMac() {
  static EVP_MAC* mac = [] {
    EVP_MAC* m = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    if (m == nullptr) Die("EVP_MAC_fetch(HMAC)");
    return m;
  }();
  return mac;
}

template <size_t N>
std::array<uint8_t, N> Digest(const EVP_MD* md, ByteSpan data) {
  std::array<uint8_t, N> out{};
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, md, nullptr) != 1 || len != N) {
    Die("EVP_Digest");
  }
  return out;
}

constexpr size_t kFileReadSize = 1 << 20;  // 1 MiB sequential reads

}  // namespace

Sha256Digest Sha256(ByteSpan data) { return Digest<32>(Sha256Md(), data); }
Sha512Digest Sha512(ByteSpan data) { return Digest<64>(Sha512Md(), data); }

Sha256Hasher::Sha256Hasher() : ctx_(EVP_MD_CTX_new()) {
  if (!ctx_ || EVP_DigestInit_ex(ctx_.get(), Sha256Md(), nullptr) != 1) {
    Die("EVP_DigestInit_ex(SHA-256)");
  }
}

void Sha256Hasher::Update(ByteSpan data) {
  if (EVP_DigestUpdate(ctx_.get(), data.data(), data.size()) != 1) Die("EVP_DigestUpdate");
}

Sha256Digest Sha256Hasher::Final() {
  Sha256Digest out{};
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx_.get(), out.data(), &len) != 1 || len != out.size()) {
    Die("EVP_DigestFinal_ex");
  }
  return out;
}

Sha256Hasher Sha256Hasher::Copy() const {
  EvpMdCtxPtr copy(EVP_MD_CTX_new());
  if (!copy || EVP_MD_CTX_copy_ex(copy.get(), ctx_.get()) != 1) Die("EVP_MD_CTX_copy_ex");
  return Sha256Hasher(std::move(copy));
}

Bytes Hmac(HashAlg alg, ByteSpan key, ByteSpan data) {
  EvpMacCtxPtr ctx(EVP_MAC_CTX_new(HmacMac()));
  if (!ctx) Die("EVP_MAC_CTX_new");
  // OSSL_PARAM wants a mutable pointer; the string is only read.
  char* digest_name = const_cast<char*>(alg == HashAlg::kSha256 ? "SHA256" : "SHA512");
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
      OSSL_PARAM_construct_end(),
  };
  // EVP_MAC_init rejects a NULL key pointer even for an empty key.
  static const uint8_t kEmpty = 0;
  const uint8_t* key_ptr = key.empty() ? &kEmpty : key.data();
  if (EVP_MAC_init(ctx.get(), key_ptr, key.size(), params) != 1) Die("EVP_MAC_init(HMAC)");
  if (EVP_MAC_update(ctx.get(), data.data(), data.size()) != 1) Die("EVP_MAC_update");
  Bytes out(EVP_MAX_MD_SIZE);
  size_t len = 0;
  if (EVP_MAC_final(ctx.get(), out.data(), &len, out.size()) != 1) Die("EVP_MAC_final");
  out.resize(len);
  return out;
}

Result<Sha256Digest> Sha256File(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Error::Errno("open " + path, errno);
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  Bytes buf(kFileReadSize);
  Sha256Hasher hasher;
  for (;;) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      int saved = errno;
      ::close(fd);
      return Error::Errno("read " + path, saved);
    }
    if (n == 0) break;
    hasher.Update(ByteSpan(buf.data(), static_cast<size_t>(n)));
  }
  ::close(fd);
  return hasher.Final();
}

}  // namespace uid2::crypto
