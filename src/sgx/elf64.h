// elf64.h: a small, bounds-checked reader of the parts of an x86-64 ELF64 shared object that
// enclave measurement needs (ELF header and PT_LOAD program headers). It never maps or executes
// anything; every offset and size is checked against the file and for overflow.
//
//   UID2_ASSIGN_OR_RETURN(ElfImage elf, ParseElf64(libpal_bytes));
//   for (const LoadSegment& s : elf.loads) ...
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"

namespace uid2::sgx {

// PF_* bits of p_flags.
inline constexpr uint32_t kPfX = 0x1;
inline constexpr uint32_t kPfW = 0x2;
inline constexpr uint32_t kPfR = 0x4;

struct LoadSegment {
  uint64_t offset = 0;  // p_offset
  uint64_t vaddr = 0;   // p_vaddr
  uint64_t filesz = 0;  // p_filesz
  uint64_t memsz = 0;   // p_memsz (>= filesz)
  uint32_t flags = 0;   // p_flags (PF_R | PF_W | PF_X)
};

struct ElfImage {
  uint16_t type = 0;               // e_type (ET_DYN = 3 for libpal.so)
  uint64_t entry = 0;              // e_entry
  std::vector<LoadSegment> loads;  // PT_LOAD headers in program-header order
};

// ElfDeps is what the dynamic loader reads first from an executable or shared object.
struct ElfDeps {
  std::string interp;                // PT_INTERP ("" for a static program)
  std::vector<std::string> needed;   // DT_NEEDED, in order
  std::vector<std::string> rpath;    // DT_RPATH, split at ':'
  std::vector<std::string> runpath;  // DT_RUNPATH, split at ':'
};

// ReadElfDeps reads PT_INTERP and the DT_NEEDED, DT_RPATH and DT_RUNPATH strings of the
// dynamic section (through DT_STRTAB / DT_STRSZ, located by the PT_LOAD that maps them). Same
// checks as ParseElf64, and every string must lie, NUL-terminated, inside the file and the
// string table. A file without PT_DYNAMIC gives empty lists.
Result<ElfDeps> ReadElfDeps(ByteSpan file);

// ParseElf64 reads `file` (the whole ELF file; the result does not point into it).
// Succeeds only for a little-endian ELFCLASS64 x86-64 file with at least one PT_LOAD, whose
// program headers and PT_LOAD file ranges lie inside the file, with p_filesz <= p_memsz and no
// address overflow. Fails with kInvalid naming the field at fault ("ELF: program header 3:
// p_offset 0x... + p_filesz 0x... beyond the file size 0x...").
Result<ElfImage> ParseElf64(ByteSpan file);

}  // namespace uid2::sgx
