// fuzz_sigstruct: SIGSTRUCT parsing and verification of arbitrary 1808-byte inputs.
#include <cstddef>
#include <cstdint>

#include "sgx/sigstruct.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  uid2::ByteSpan s(data, size);
  uid2::Result<uid2::sgx::SigstructFields> f = uid2::sgx::ParseSigstruct(s);
  if (f.ok()) (void)uid2::sgx::VerifySigstruct(s);
  return 0;
}
