// Differential fuzzer of the base64 decoder: Base64DecodeTo (AVX2 blocks on CPUs with AVX2)
// against the scalar table decoder it must equal (detail::Base64DecodeToScalar), in both
// alphabets and both modes: same verdict and same bytes on every input. Accepted strict
// standard texts must also re-encode to themselves.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/encoding.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace uid2;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (auto alphabet : {Base64Alphabet::kStandard, Base64Alphabet::kUrlSafe}) {
    for (auto mode : {Base64Mode::kStrict, Base64Mode::kLenient}) {
      Bytes fast, scalar;
      const bool fast_ok = Base64DecodeTo(text, alphabet, mode, &fast);
      const bool scalar_ok = detail::Base64DecodeToScalar(text, alphabet, mode, &scalar);
      if (fast_ok != scalar_ok) std::abort();
      if (fast_ok && fast != scalar) std::abort();
      if (fast_ok && mode == Base64Mode::kStrict && alphabet == Base64Alphabet::kStandard &&
          Base64Encode(fast) != text) {
        std::abort();
      }
    }
  }
  return 0;
}
