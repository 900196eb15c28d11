// cipher.h: AES-256 in GCM, CTR and CBC modes (OpenSSL 3 EVP).
//
// Layouts follow UID2: GCM output is ciphertext || 16-byte tag (the caller prepends the IV when
// the format wants IV || ct || tag; see AesGcmSeal/AesGcmOpen for that combined form).
#pragma once

#include <array>
#include <memory>

#include "common/bytes.h"
#include "common/status.h"

struct evp_cipher_ctx_st;  // OpenSSL's EVP_CIPHER_CTX

namespace uid2::crypto {

constexpr size_t kAes256KeySize = 32;
constexpr size_t kGcmIvSize = 12;
constexpr size_t kGcmTagSize = 16;
constexpr size_t kAesBlockSize = 16;

// Errors: kInvalid for a wrong key/IV size or a malformed input length; kVerifyFailed for an
// authentication failure (GCM tag) or bad PKCS#7 padding (CBC); kInternal for OpenSSL failures.
// On kVerifyFailed no plaintext is returned.

// AesGcmEncrypt returns ciphertext || tag. key: 32 bytes; iv: 12 bytes (kInvalid otherwise).
Result<Bytes> AesGcmEncrypt(ByteSpan key, ByteSpan iv, ByteSpan plaintext, ByteSpan aad = {});
// AesGcmDecrypt takes ciphertext || tag; kVerifyFailed when the tag does not match.
Result<Bytes> AesGcmDecrypt(ByteSpan key, ByteSpan iv, ByteSpan ciphertext_and_tag,
                            ByteSpan aad = {});

// AesGcmSeal draws a random 12-byte IV and returns IV || ciphertext || tag.
Result<Bytes> AesGcmSeal(ByteSpan key, ByteSpan plaintext, ByteSpan aad = {});
// AesGcmOpen takes IV || ciphertext || tag (kInvalid when shorter than 28 bytes).
Result<Bytes> AesGcmOpen(ByteSpan key, ByteSpan iv_ct_tag, ByteSpan aad = {});

// AesGcmDecryptor decrypts AES-256-GCM in pieces, for inputs too large to copy whole (a
// 200 MB core file): Update writes exactly as many bytes as it reads. Until Finish returns Ok
// the output is unauthenticated; on kVerifyFailed the caller must discard (and wipe) it.
//
//   UID2_ASSIGN_OR_RETURN(AesGcmDecryptor d, AesGcmDecryptor::Create(key, iv));
//   UID2_RETURN_IF_ERROR(d.Update(piece, out));   // out: piece.size() writable bytes
//   UID2_RETURN_IF_ERROR(d.Finish(tag));          // 16 bytes; kVerifyFailed on a mismatch
class AesGcmDecryptor {
 public:
  // key: 32 bytes; iv: 12 bytes (kInvalid otherwise).
  static Result<AesGcmDecryptor> Create(ByteSpan key, ByteSpan iv);
  // Update: `in` may overlap `out` only if out == in.data().
  Status Update(ByteSpan in, uint8_t* out);
  Status Finish(ByteSpan tag);

 private:
  struct Free {
    void operator()(evp_cipher_ctx_st* ctx) const;
  };
  explicit AesGcmDecryptor(std::unique_ptr<evp_cipher_ctx_st, Free> ctx) : ctx_(std::move(ctx)) {}
  std::unique_ptr<evp_cipher_ctx_st, Free> ctx_;
};

// AesCtr applies AES-256-CTR with the full 16-byte initial counter block `iv` (encryption and
// decryption are the same operation).
Result<Bytes> AesCtr(ByteSpan key, ByteSpan iv16, ByteSpan data);

// AesCbcEncrypt / AesCbcDecrypt: AES-256-CBC with PKCS#7 padding; iv is 16 bytes. Encrypt
// always adds 1..16 bytes of padding. Decrypt needs a non-empty multiple of 16 (kInvalid) and
// returns kVerifyFailed on bad padding. (CBC is unauthenticated: pair it with a MAC.)
Result<Bytes> AesCbcEncrypt(ByteSpan key, ByteSpan iv16, ByteSpan plaintext);
Result<Bytes> AesCbcDecrypt(ByteSpan key, ByteSpan iv16, ByteSpan ciphertext);

}  // namespace uid2::crypto
