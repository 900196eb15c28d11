// fuzz_elf64: the ELF64 readers (load segments; interpreter and dynamic section), then the
// layout and measurement of what ParseElf64 accepted (a small enclave so that every accepted
// input is measured quickly).
#include <cstddef>
#include <cstdint>

#include "sgx/elf64.h"
#include "sgx/measure.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  uid2::ByteSpan file(data, size);
  (void)uid2::sgx::ReadElfDeps(file);
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
