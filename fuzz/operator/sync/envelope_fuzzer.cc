// Fuzzes the encrypted core file envelope and its decryption (a fixed key set: id 1 is a real
// 32-byte key, so well-formed envelopes reach AES-GCM and its tag check), and checks that the
// piecewise OpenEncryptedFile and OpenEncryptedFileInPlace agree with ParseEncryptedEnvelope +
// DecryptEnvelope (value or error code) on every input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "operator/sync/encrypted_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace uid2::sync;
  static const CloudKeys keys = {{1, uid2::Bytes(32, 0x11)}};
  const std::string_view json(reinterpret_cast<const char*>(data), size);
  uid2::Result<std::string> want = uid2::Error::Invalid("unset");
  auto env = ParseEncryptedEnvelope(json);
  if (env.ok()) {
    want = DecryptEnvelope(*env, keys);
  } else {
    want = std::move(env).error();
  }
  auto got = OpenEncryptedFile(json, keys);
  if (got.ok() != want.ok()) std::abort();
  if (got.ok() && *got != *want) std::abort();
  if (!got.ok() && got.error().code() != want.error().code()) std::abort();
  auto in_place = OpenEncryptedFileInPlace(std::string(json), keys);
  if (in_place.ok() != want.ok()) std::abort();
  if (in_place.ok() && *in_place != *want) std::abort();
  if (!in_place.ok() && in_place.error().code() != want.error().code()) std::abort();
  return 0;
}
