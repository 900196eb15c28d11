// Fuzzes MAA JWT validation (structure, header checks; an empty JWKS means no fuzzed token can
// pass the kid check), the payload claim parser directly, and JWKS parsing.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "attest/maa.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  static uid2::attest::MaaConfig* config = [] {
    auto* c = new uid2::attest::MaaConfig;
    c->instance = "https://fuzz.attest.azure.net";
    return c;
  }();
  (void)uid2::attest::ValidateMaaToken(text, *config, 1700000000);
  // The payload parser, as if the signature had verified (first part = the payload).
  (void)uid2::attest::internal::ParseMaaPayload(text.substr(0, text.find('.')), *config,
                                                1700000000);
  (void)uid2::attest::ParseMaaJwks(text);
  return 0;
}
