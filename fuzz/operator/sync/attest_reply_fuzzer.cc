// Fuzzes the core's /attest reply parser (and the ISO-8601 time parser it uses).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "operator/sync/attest_reply.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)uid2::sync::ParseAttestReply(text);
  (void)uid2::sync::ParseIsoUtcMs(text);
  return 0;
}
