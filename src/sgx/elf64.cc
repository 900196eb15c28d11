// elf64.cc: ELF64 header and program headers (System V gABI, x86-64 psABI).
//
// ELF header (Elf64_Ehdr), 64 bytes:
//   off size field
//   0   4    e_ident[EI_MAG0..3] = 7f 'E' 'L' 'F'
//   4   1    e_ident[EI_CLASS]   = 2 (ELFCLASS64)
//   5   1    e_ident[EI_DATA]    = 1 (ELFDATA2LSB)
//   6   1    e_ident[EI_VERSION] = 1
//   7   9    e_ident[EI_OSABI..] (ignored)
//   16  2    e_type              (ET_EXEC 2, ET_DYN 3)
//   18  2    e_machine           = 62 (EM_X86_64)
//   20  4    e_version
//   24  8    e_entry
//   32  8    e_phoff
//   40  8    e_shoff             (ignored)
//   48  4    e_flags             (ignored)
//   52  2    e_ehsize
//   54  2    e_phentsize         = 56
//   56  2    e_phnum             (0xffff = PN_XNUM, refused)
//   58  6    e_shentsize, e_shnum, e_shstrndx (ignored)
//
// Program header (Elf64_Phdr), 56 bytes:
//   0 p_type u32 | 4 p_flags u32 | 8 p_offset | 16 p_vaddr | 24 p_paddr | 32 p_filesz |
//   40 p_memsz | 48 p_align (all u64)
//   p_type: PT_LOAD 1, PT_DYNAMIC 2, PT_INTERP 3 (a NUL-terminated path)
//
// Dynamic section entry (Elf64_Dyn), 16 bytes, up to DT_NULL:
//   0 d_tag i64 | 8 d_val u64
//   d_tag: DT_NULL 0, DT_NEEDED 1 (string offset), DT_STRTAB 5 (address), DT_STRSZ 10,
//          DT_RPATH 15 (string offset), DT_RUNPATH 29 (string offset)
#include "sgx/elf64.h"

#include <algorithm>
#include <cstdio>
#include <string>

namespace uid2::sgx {
namespace {

constexpr size_t kEhdrSize = 64;
constexpr size_t kPhdrSize = 56;
constexpr uint8_t kElfClass64 = 2;
constexpr uint8_t kElfData2Lsb = 1;
constexpr uint16_t kEmX86_64 = 62;
constexpr uint16_t kEtExec = 2;
constexpr uint16_t kEtDyn = 3;
constexpr uint16_t kPnXnum = 0xffff;
constexpr uint32_t kPtLoad = 1;
constexpr uint32_t kPtDynamic = 2;
constexpr uint32_t kPtInterp = 3;
constexpr size_t kDynSize = 16;
constexpr uint64_t kDtNull = 0;
constexpr uint64_t kDtNeeded = 1;
constexpr uint64_t kDtStrtab = 5;
constexpr uint64_t kDtStrsz = 10;
constexpr uint64_t kDtRpath = 15;
constexpr uint64_t kDtRunpath = 29;
constexpr size_t kMaxNeeded = 4096;
// No PAL segment is larger than this; it keeps page counts far from overflow.
constexpr uint64_t kMaxSegmentMemsz = 1ull << 40;

std::string Hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

Error Bad(std::string what) { return Error::Invalid("ELF: " + std::move(what)); }

struct Header {
  uint16_t type, machine, phentsize, phnum;
  uint64_t entry, phoff;
};

Result<Header> ReadHeader(ByteSpan file) {
  if (file.size() < kEhdrSize) {
    return Bad("file is " + std::to_string(file.size()) +
               " bytes, shorter than the 64-byte ELF header");
  }
  ByteReader r(file);
  ByteSpan ident;
  if (!r.ReadBytes(16, &ident))
    return Bad("file is " + std::to_string(file.size()) +
               " bytes, shorter than the 64-byte ELF header");
  if (ident[0] != 0x7f || ident[1] != 'E' || ident[2] != 'L' || ident[3] != 'F') {
    return Bad("bad magic (not an ELF file)");
  }
  if (ident[4] != kElfClass64)
    return Bad("EI_CLASS " + std::to_string(ident[4]) + " is not ELFCLASS64");
  if (ident[5] != kElfData2Lsb)
    return Bad("EI_DATA " + std::to_string(ident[5]) + " is not little-endian");
  Header h{};
  uint32_t version, flags;
  uint64_t shoff;
  uint16_t ehsize;
  if (!r.ReadU16LE(&h.type) || !r.ReadU16LE(&h.machine) || !r.ReadU32LE(&version) ||
      !r.ReadU64LE(&h.entry) || !r.ReadU64LE(&h.phoff) || !r.ReadU64LE(&shoff) ||
      !r.ReadU32LE(&flags) || !r.ReadU16LE(&ehsize) || !r.ReadU16LE(&h.phentsize) ||
      !r.ReadU16LE(&h.phnum)) {
    return Bad("file is " + std::to_string(file.size()) +
               " bytes, shorter than the 64-byte ELF header");
  }
  if (h.machine != kEmX86_64)
    return Bad("e_machine " + std::to_string(h.machine) + " is not x86-64 (62)");
  if (h.type != kEtDyn && h.type != kEtExec)
    return Bad("e_type " + std::to_string(h.type) + " is not ET_DYN or ET_EXEC");
  if (h.phentsize != kPhdrSize)
    return Bad("e_phentsize " + std::to_string(h.phentsize) + " is not 56");
  if (h.phnum == 0 || h.phnum == kPnXnum)
    return Bad("e_phnum " + std::to_string(h.phnum) + " is not supported");
  return h;
}

Status CheckSegment(const LoadSegment& s, size_t index, uint64_t file_size) {
  std::string where = "program header " + std::to_string(index) + ": ";
  if (s.filesz > s.memsz)
    return Bad(where + "p_filesz " + Hex(s.filesz) + " > p_memsz " + Hex(s.memsz));
  if (s.memsz > kMaxSegmentMemsz) return Bad(where + "p_memsz " + Hex(s.memsz) + " is too large");
  if (s.offset > file_size || s.filesz > file_size - s.offset) {
    return Bad(where + "p_offset " + Hex(s.offset) + " + p_filesz " + Hex(s.filesz) +
               " beyond the file size " + Hex(file_size));
  }
  if (s.vaddr > UINT64_MAX - kMaxSegmentMemsz)
    return Bad(where + "p_vaddr " + Hex(s.vaddr) + " overflows");
  return Ok();
}

struct Segment {
  uint32_t type = 0;
  LoadSegment load;  // the range fields of any type
};

// ReadSegments reads the PT_LOAD program headers (and PT_DYNAMIC and PT_INTERP with
// `with_dynamic`); each one's file range must lie inside the file, and at least one must be
// PT_LOAD.
Result<std::vector<Segment>> ReadSegments(ByteSpan file, const Header& h, bool with_dynamic) {
  uint64_t table_size = uint64_t{h.phnum} * kPhdrSize;
  if (h.phoff > file.size() || table_size > file.size() - h.phoff) {
    return Bad("program headers (e_phoff " + Hex(h.phoff) + ", " + std::to_string(h.phnum) +
               " entries) lie beyond the file size " + Hex(file.size()));
  }
  ByteReader r(file.subspan(h.phoff, table_size));
  std::vector<Segment> segments;
  bool any_load = false;
  for (size_t i = 0; i < h.phnum; i++) {
    Segment seg;
    LoadSegment& s = seg.load;
    uint64_t paddr, align;
    if (!r.ReadU32LE(&seg.type) || !r.ReadU32LE(&s.flags) || !r.ReadU64LE(&s.offset) ||
        !r.ReadU64LE(&s.vaddr) || !r.ReadU64LE(&paddr) || !r.ReadU64LE(&s.filesz) ||
        !r.ReadU64LE(&s.memsz) || !r.ReadU64LE(&align)) {
      return Bad("program header " + std::to_string(i) + " truncated");
    }
    bool dynamic = seg.type == kPtDynamic || seg.type == kPtInterp;
    if (seg.type != kPtLoad && !(with_dynamic && dynamic)) continue;
    UID2_RETURN_IF_ERROR(CheckSegment(s, i, file.size()));
    any_load = any_load || seg.type == kPtLoad;
    segments.push_back(seg);
  }
  if (!any_load) return Bad("no PT_LOAD program header");
  return segments;
}

// StringAt returns the NUL-terminated string at `offset` of `table`.
Result<std::string> StringAt(ByteSpan table, uint64_t offset, const char* what) {
  if (offset >= table.size()) {
    return Bad(std::string(what) + " string at " + Hex(offset) + " lies outside its table");
  }
  ByteSpan rest = table.subspan(offset);
  for (size_t i = 0; i < rest.size(); i++) {
    if (rest[i] == 0) return std::string(AsChars(rest.first(i)));
  }
  return Bad(std::string(what) + " string at " + Hex(offset) + " is not NUL-terminated");
}

// FileOffsetOf maps a virtual address to its file offset through the PT_LOAD covering it.
Result<uint64_t> FileOffsetOf(uint64_t vaddr, const std::vector<Segment>& segments) {
  for (const Segment& s : segments) {
    if (s.type == kPtLoad && vaddr >= s.load.vaddr && vaddr - s.load.vaddr < s.load.filesz) {
      return s.load.offset + (vaddr - s.load.vaddr);
    }
  }
  return Bad("DT_STRTAB " + Hex(vaddr) + " is not in the file part of any PT_LOAD");
}

std::vector<std::string> SplitPath(const std::string& list) {
  std::vector<std::string> out;
  size_t at = 0;
  while (at <= list.size()) {
    size_t colon = std::min(list.find(':', at), list.size());
    if (colon > at) out.push_back(list.substr(at, colon - at));
    at = colon + 1;
  }
  return out;
}

Status ReadDynamic(ByteSpan file, const LoadSegment& dynamic, const std::vector<Segment>& segments,
                   ElfDeps* deps) {
  ByteReader r(file.subspan(dynamic.offset, dynamic.filesz));
  std::vector<std::pair<uint64_t, uint64_t>> strings;  // (tag, offset)
  uint64_t strtab = 0, strsz = 0;
  bool have_strtab = false;
  while (r.remaining() >= kDynSize) {
    uint64_t tag, val;
    r.ReadU64LE(&tag);
    r.ReadU64LE(&val);
    if (tag == kDtNull) break;
    if (tag == kDtStrtab) have_strtab = true, strtab = val;
    if (tag == kDtStrsz) strsz = val;
    if (tag == kDtNeeded || tag == kDtRpath || tag == kDtRunpath) {
      if (strings.size() == kMaxNeeded) return Bad("more than 4096 DT_NEEDED/DT_RPATH entries");
      strings.emplace_back(tag, val);
    }
  }
  if (strings.empty()) return Ok();
  if (!have_strtab) return Bad("dynamic section names libraries but has no DT_STRTAB");
  UID2_ASSIGN_OR_RETURN(uint64_t offset, FileOffsetOf(strtab, segments));
  if (strsz > file.size() - offset) {
    return Bad("DT_STRSZ " + Hex(strsz) + " runs past the end of the file");
  }
  ByteSpan table = file.subspan(offset, strsz);
  for (const auto& [tag, at] : strings) {
    const char* what = tag == kDtNeeded ? "DT_NEEDED" : tag == kDtRpath ? "DT_RPATH" : "DT_RUNPATH";
    UID2_ASSIGN_OR_RETURN(std::string text, StringAt(table, at, what));
    if (tag == kDtNeeded) {
      deps->needed.push_back(std::move(text));
    } else {
      for (std::string& dir : SplitPath(text)) {
        (tag == kDtRpath ? deps->rpath : deps->runpath).push_back(std::move(dir));
      }
    }
  }
  return Ok();
}

}  // namespace

Result<ElfImage> ParseElf64(ByteSpan file) {
  UID2_ASSIGN_OR_RETURN(Header h, ReadHeader(file));
  UID2_ASSIGN_OR_RETURN(std::vector<Segment> segments, ReadSegments(file, h, false));
  ElfImage image;
  image.type = h.type;
  image.entry = h.entry;
  for (const Segment& s : segments) {
    if (s.type == kPtLoad) image.loads.push_back(s.load);
  }
  return image;
}

Result<ElfDeps> ReadElfDeps(ByteSpan file) {
  UID2_ASSIGN_OR_RETURN(Header h, ReadHeader(file));
  UID2_ASSIGN_OR_RETURN(std::vector<Segment> segments, ReadSegments(file, h, true));
  ElfDeps deps;
  for (const Segment& s : segments) {
    if (s.type == kPtInterp) {
      UID2_ASSIGN_OR_RETURN(deps.interp,
                            StringAt(file.subspan(s.load.offset, s.load.filesz), 0, "PT_INTERP"));
    } else if (s.type == kPtDynamic) {
      UID2_RETURN_IF_ERROR(ReadDynamic(file, s.load, segments, &deps));
    }
  }
  return deps;
}

}  // namespace uid2::sgx
