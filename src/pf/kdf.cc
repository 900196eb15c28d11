// kdf.cc: metadata key derivation (see kdf.h).
#include "pf/kdf.h"

#include <openssl/crypto.h>

#include <cstring>

#include "crypto/aes128.h"

namespace uid2::pf {

Bytes KdfInput(const Nonce& nonce) {
  ByteWriter w(kKdfInputSize);
  w.PutU32LE(1);
  const size_t label_len = std::strlen(METADATA_KEY_NAME);
  w.PutString(std::string_view(METADATA_KEY_NAME, label_len));
  w.PutZeros(MAX_LABEL_SIZE - label_len);
  w.PutBytes(nonce);
  w.PutU32LE(0x80);
  return w.Take();
}

Result<NodeKey> DeriveMetadataKey(const Key& kdk, const Nonce& nonce) {
  Bytes input = KdfInput(nonce);
  auto key = crypto::AesCmac128(kdk, input);
  OPENSSL_cleanse(input.data(), input.size());
  if (!key.ok()) return std::move(key).error().Context("deriving the metadata key");
  return *key;
}

}  // namespace uid2::pf
