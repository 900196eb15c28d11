// ELF64 reader: the stand-in PALs parse; every malformed variant is refused with a reason.
#include <gtest/gtest.h>

#include <algorithm>

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

// ---- ReadElfDeps ----

// A minimal ET_EXEC: one PT_LOAD mapping the whole file at 0x400000, PT_INTERP, PT_DYNAMIC
// with DT_NEEDED x2, DT_RUNPATH, DT_STRTAB, DT_STRSZ.
struct DynElf {
  Bytes file;
  size_t interp_ph, dynamic_ph, interp, strtab, dynamic;
};

DynElf MakeDynElf() {
  constexpr uint64_t kBase = 0x400000;
  const std::string interp = std::string("/lib64/ld-linux-x86-64.so.2") + '\0';
  const std::string strings = std::string("\0libc.so.6\0libm.so.6\0$ORIGIN/../lib:/opt/lib\0", 45);
  DynElf d;
  d.interp = 64 + 3 * 56;
  d.strtab = d.interp + interp.size();
  d.dynamic = (d.strtab + strings.size() + 7) & ~size_t{7};
  size_t size = d.dynamic + 6 * 16;
  Bytes& f = d.file;
  f.assign(size, 0);
  const uint8_t ident[] = {0x7f, 'E', 'L', 'F', 2, 1, 1};
  std::copy(std::begin(ident), std::end(ident), f.begin());
  StoreU16LE(f, 16, 2);   // ET_EXEC
  StoreU16LE(f, 18, 62);  // x86-64
  StoreU64LE(f, 32, 64);  // e_phoff
  StoreU16LE(f, 52, 64);  // e_ehsize
  StoreU16LE(f, 54, 56);  // e_phentsize
  StoreU16LE(f, 56, 3);   // e_phnum
  auto phdr = [&](size_t i, uint32_t type, uint64_t off, uint64_t len) {
    size_t at = 64 + 56 * i;
    StoreU32LE(f, at, type);
    StoreU32LE(f, at + 4, kPfR);
    StoreU64LE(f, at + 8, off);
    StoreU64LE(f, at + 16, kBase + off);
    StoreU64LE(f, at + 32, len);
    StoreU64LE(f, at + 40, len);
    return at;
  };
  phdr(0, 1, 0, size);
  d.interp_ph = phdr(1, 3, d.interp, interp.size());
  d.dynamic_ph = phdr(2, 2, d.dynamic, 6 * 16);
  std::copy(interp.begin(), interp.end(), f.begin() + d.interp);
  std::copy(strings.begin(), strings.end(), f.begin() + d.strtab);
  const uint64_t dyn[][2] = {{1, 1}, {1, 11}, {29, 21}, {5, kBase + d.strtab}, {10, strings.size()},
                             {0, 0}};
  for (size_t i = 0; i < 6; i++) {
    StoreU64LE(f, d.dynamic + 16 * i, dyn[i][0]);
    StoreU64LE(f, d.dynamic + 16 * i + 8, dyn[i][1]);
  }
  return d;
}

void ExpectDepsRefused(const Bytes& file, const std::string& reason) {
  Result<ElfDeps> r = ReadElfDeps(file);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalid);
  EXPECT_NE(r.error().message().find(reason), std::string::npos) << r.error().message();
}

TEST(ElfDepsTest, ReadsInterpreterLibrariesAndRunpath) {
  ElfDeps d = ReadElfDeps(MakeDynElf().file).value();
  EXPECT_EQ(d.interp, "/lib64/ld-linux-x86-64.so.2");
  EXPECT_EQ(d.needed, (std::vector<std::string>{"libc.so.6", "libm.so.6"}));
  EXPECT_EQ(d.runpath, (std::vector<std::string>{"$ORIGIN/../lib", "/opt/lib"}));
  EXPECT_TRUE(d.rpath.empty());
}

TEST(ElfDepsTest, ReadsThisTestProgram) {
  ElfDeps d = ReadElfDeps(ReadFileBytes("/proc/self/exe").value()).value();
  EXPECT_EQ(d.interp, "/lib64/ld-linux-x86-64.so.2");
  EXPECT_NE(std::find(d.needed.begin(), d.needed.end(), "libc.so.6"), d.needed.end());
}

TEST(ElfDepsTest, SharedObjectWithoutLibrariesHasNone) {
  ElfDeps d = ReadElfDeps(Pal("01-defaults-nondebug")).value();
  EXPECT_TRUE(d.interp.empty());
  EXPECT_TRUE(d.needed.empty());
}

TEST(ElfDepsTest, MalformedDynamicPartsAreRefused) {
  DynElf d = MakeDynElf();
  Bytes g = d.file;
  g[d.strtab - 1] = 'x';  // the interpreter path loses its NUL
  ExpectDepsRefused(g, "PT_INTERP string at 0x0 is not NUL-terminated");
  g = d.file;
  StoreU64LE(g, d.dynamic_ph + 32, d.file.size());  // PT_DYNAMIC beyond the file
  StoreU64LE(g, d.dynamic_ph + 40, d.file.size());
  ExpectDepsRefused(g, "beyond the file size");
  g = d.file;
  StoreU64LE(g, d.dynamic + 3 * 16 + 8, 0x900000);  // DT_STRTAB outside every PT_LOAD
  ExpectDepsRefused(g, "not in the file part of any PT_LOAD");
  g = d.file;
  StoreU64LE(g, d.dynamic + 4 * 16 + 8, d.file.size());  // DT_STRSZ past the end
  ExpectDepsRefused(g, "runs past the end of the file");
  g = d.file;
  StoreU64LE(g, d.dynamic + 8, 4096);  // DT_NEEDED offset outside the string table
  ExpectDepsRefused(g, "DT_NEEDED string at 0x1000 lies outside its table");
  g = d.file;
  g[d.strtab + 44] = 'x';  // the last string runs to the end of the table
  ExpectDepsRefused(g, "DT_RUNPATH string at 0x15 is not NUL-terminated");
  g = d.file;
  StoreU64LE(g, d.dynamic + 3 * 16, 7);  // DT_STRTAB renamed: strings without a table
  ExpectDepsRefused(g, "no DT_STRTAB");
}

}  // namespace
}  // namespace uid2::sgx
