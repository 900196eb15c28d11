// Fuzzes the encrypted core file envelope and its decryption (a fixed key set: id 1 is a real
// 32-byte key, so well-formed envelopes reach AES-GCM and its tag check).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "operator/sync/encrypted_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace uid2::sync;
  static const CloudKeys keys = {{1, uid2::Bytes(32, 0x11)}};
  auto env = ParseEncryptedEnvelope(std::string_view(reinterpret_cast<const char*>(data), size));
  if (env.ok()) (void)DecryptEnvelope(*env, keys);
  return 0;
}
