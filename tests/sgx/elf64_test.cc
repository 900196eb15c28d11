// ELF64 reader: the stand-in PALs parse; every malformed variant is refused with a reason.
#include <gtest/gtest.h>

#include "common/file.h"
#include "sgx/elf64.h"
#include "sgx/measure.h"
#include "vectors.h"

namespace uid2::sgx {
namespace {

Bytes Pal(const char* vector) {
  return ReadFileBytes(testing::VectorDir(vector) + "/libpal.so").value();
}

void ExpectRefused(const Bytes& file, const std::string& reason) {
  Result<ElfImage> r = ParseElf64(file);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalid);
  EXPECT_NE(r.error().message().find(reason), std::string::npos) << r.error().message();
}

TEST(Elf64Test, ParsesStandInPals) {
  ElfImage o2 = ParseElf64(Pal("01-defaults-nondebug")).value();
  EXPECT_EQ(o2.entry, 0x5d0u);
  ASSERT_EQ(o2.loads.size(), 2u);
  EXPECT_EQ(o2.loads[1].offset, 0xe50u);
  EXPECT_EQ(o2.loads[1].vaddr, 0x1e50u);
  EXPECT_EQ(o2.loads[1].filesz, 0x1e0u);
  EXPECT_EQ(o2.loads[1].memsz, 0x5638u);
  EXPECT_EQ(o2.loads[1].flags, kPfR | kPfW);
  ElfImage sep = ParseElf64(Pal("02-debug-64m-1thread")).value();
  EXPECT_EQ(sep.entry, 0x1104u);
  ASSERT_EQ(sep.loads.size(), 4u);
  EXPECT_EQ(sep.loads[1].flags, kPfR | kPfX);
}

TEST(Elf64Test, Truncated) {
  Bytes f = Pal("01-defaults-nondebug");
  ExpectRefused(Bytes(f.begin(), f.begin() + 63), "shorter than the 64-byte ELF header");
  ExpectRefused(Bytes(), "shorter than the 64-byte ELF header");
  // Header intact, program headers cut off.
  uint64_t phoff = LoadU64LE(f, 32);
  ExpectRefused(Bytes(f.begin(), f.begin() + phoff + 60), "program headers");
}

TEST(Elf64Test, BadMagicClassEndianMachine) {
  Bytes f = Pal("01-defaults-nondebug");
  Bytes g = f;
  g[1] = 'X';
  ExpectRefused(g, "bad magic");
  g = f;
  g[4] = 1;
  ExpectRefused(g, "ELFCLASS64");
  g = f;
  g[5] = 2;
  ExpectRefused(g, "little-endian");
  g = f;
  StoreU16LE(g, 18, 40);  // EM_ARM
  ExpectRefused(g, "x86-64");
  g = f;
  StoreU16LE(g, 54, 32);
  ExpectRefused(g, "e_phentsize");
  g = f;
  StoreU16LE(g, 56, 0xffff);
  ExpectRefused(g, "e_phnum");
}

TEST(Elf64Test, ProgramHeadersOutOfBounds) {
  Bytes f = Pal("01-defaults-nondebug");
  Bytes g = f;
  StoreU64LE(g, 32, f.size() - 10);
  ExpectRefused(g, "program headers");
  g = f;
  StoreU64LE(g, 32, ~uint64_t{0} - 8);  // e_phoff + table size overflows
  ExpectRefused(g, "program headers");
}

// Offset of PT_LOAD number `i` (the stand-ins' PT_LOADs come first).
size_t LoadHeader(const Bytes& f, size_t i) {
  uint64_t phoff = LoadU64LE(f, 32);
  uint16_t n = LoadU16LE(f, 56);
  size_t seen = 0;
  for (size_t k = 0; k < n; k++) {
    size_t off = phoff + 56 * k;
    if (LoadU32LE(f, off) == 1 && seen++ == i) return off;
  }
  return 0;
}

TEST(Elf64Test, SegmentBeyondFileAndOverflows) {
  Bytes f = Pal("01-defaults-nondebug");
  size_t ph = LoadHeader(f, 1);
  Bytes g = f;
  StoreU64LE(g, ph + 32, f.size());  // p_filesz beyond the file
  StoreU64LE(g, ph + 40, f.size());
  ExpectRefused(g, "beyond the file size");
  g = f;
  StoreU64LE(g, ph + 8, ~uint64_t{0} - 4);  // p_offset + p_filesz overflows
  ExpectRefused(g, "beyond the file size");
  g = f;
  StoreU64LE(g, ph + 40, 0x10);  // p_filesz > p_memsz
  ExpectRefused(g, "p_filesz");
  g = f;
  StoreU64LE(g, ph + 16, ~uint64_t{0} - 0x100);  // p_vaddr + p_memsz overflows
  ExpectRefused(g, "p_vaddr");
  g = f;
  StoreU64LE(g, ph + 40, uint64_t{1} << 50);
  ExpectRefused(g, "p_memsz");
}

TEST(Elf64Test, NoLoadSegment) {
  Bytes f = Pal("01-defaults-nondebug");
  uint16_t n = LoadU16LE(f, 56);
  for (size_t k = 0; k < n; k++) {
    size_t off = LoadU64LE(f, 32) + 56 * k;
    if (LoadU32LE(f, off) == 1) StoreU32LE(f, off, 6);
  }
  ExpectRefused(f, "no PT_LOAD");
}

TEST(Elf64Test, MissingLibpalNamesThePath) {
  EnclaveParams p;
  Result<Measurement> r = MeasureEnclaveWithLibpalFile(ToBytes("x"), "/nonexistent/libpal.so", p);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("/nonexistent/libpal.so"), std::string::npos);
}

TEST(Elf64Test, HugeSegmentDoesNotFitTheEnclave) {
  Bytes f = Pal("01-defaults-nondebug");
  StoreU64LE(f, LoadHeader(f, 1) + 40, uint64_t{1} << 33);  // 8 GiB .bss
  EnclaveParams p;
  Result<Measurement> r = MeasureEnclave(ToBytes("x"), f, p);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("too small"), std::string::npos);
}

}  // namespace
}  // namespace uid2::sgx
