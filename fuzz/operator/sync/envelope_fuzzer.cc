// Fuzzes the encrypted core file envelope and its decryption (key 1 is a real 32-byte key, so
// well-formed envelopes reach AES-GCM and its tag check; key 2 has a wrong size), and checks
// that EnvelopeReader, given the input whole, byte by byte and in pieces of sizes drawn from the
// input, answers exactly as ParseEncryptedEnvelope + DecryptEnvelope: the same text, or the same
// error code and message.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "operator/sync/encrypted_file.h"

namespace {

using uid2::Result;
using uid2::sync::CloudKeys;

void ExpectSame(const Result<std::string>& got, const Result<std::string>& want) {
  if (got.ok() != want.ok()) std::abort();
  if (got.ok() && *got != *want) std::abort();
  if (!got.ok() && (got.error().code() != want.error().code() ||
                    got.error().message() != want.error().message())) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace uid2::sync;
  static const CloudKeys keys = {{1, uid2::Bytes(32, 0x11)}, {2, uid2::Bytes(16, 0x22)}};
  const std::string_view json(reinterpret_cast<const char*>(data), size);
  Result<std::string> want = uid2::Error::Invalid("unset");
  auto env = ParseEncryptedEnvelope(json);
  if (env.ok()) {
    want = DecryptEnvelope(*env, keys);
  } else {
    want = std::move(env).error();
  }
  ExpectSame(OpenEncryptedFile(json, keys), want);
  if (size <= 4096) {
    EnvelopeReader bytewise(keys);
    for (size_t i = 0; i < size; i++) bytewise.Append(json.substr(i, 1));
    ExpectSame(bytewise.Finish(), want);
  }
  // Piece sizes from a generator seeded by the input (1 .. 64 bytes, now and then more).
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < size; i++) h = (h ^ data[i]) * 1099511628211ull;
  EnvelopeReader pieces(keys);
  for (size_t at = 0; at < size;) {
    h = h * 6364136223846793005ull + 1442695040888963407ull;
    size_t n = (h >> 60) == 0 ? size_t(h >> 40) % 4096 : 1 + size_t(h >> 33) % 64;
    pieces.Append(json.substr(at, n), (h >> 59) == 1 ? size : 0);
    at += n;
  }
  ExpectSame(pieces.Finish(), want);
  return 0;
}
