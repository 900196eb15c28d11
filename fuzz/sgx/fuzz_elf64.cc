// fuzz_elf64: the ELF64 reader, then the layout and measurement of what it accepted (a small
// enclave so that every accepted input is measured quickly).
#include <cstddef>
#include <cstdint>

#include "sgx/measure.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  uid2::ByteSpan file(data, size);
  uid2::Result<uid2::sgx::ElfImage> elf = uid2::sgx::ParseElf64(file);
  if (!elf.ok()) return 0;
  uid2::sgx::EnclaveParams p;
  p.enclave_size = 1 << 20;
  p.max_threads = 1;
  p.edmm = true;
  static const uint8_t kManifest[] = "[sgx]\ndebug = true\n";
  (void)uid2::sgx::MeasureEnclave(uid2::ByteSpan(kManifest, sizeof kManifest - 1), file, p);
  return 0;
}
