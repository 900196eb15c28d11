// measure.cc: MRENCLAVE records and the walk over Gramine's layout (sgx_sign.py: do_ecreate,
// do_eadd, do_eextend, gen_measurement). Records are 64 bytes:
//   ECREATE  off 0 "ECREATE\0" (8) | 8 SSAFRAMESIZE u32 | 12 SIZE u64 | 20..63 zero
//   EADD     off 0 "EADD\0\0\0\0" (8) | 8 offset u64 | 16 SECINFO.FLAGS u64 | 24..63 zero
//   EEXTEND  off 0 "EEXTEND\0" (8) | 8 offset u64 | 16..63 zero; then 256 data bytes
#include "sgx/measure.h"

#include <algorithm>
#include <cstring>

#include "common/file.h"

namespace uid2::sgx {
namespace {

constexpr size_t kFlushAt = 1 << 16;

Record Tagged(const char (&tag)[9]) {
  Record r{};
  std::memcpy(r.data(), tag, 8);
  return r;
}

// PalPage fills `page` with the bytes of segment s that fall on the page at segment-relative
// virtual address `page_vaddr`; everything else is zero.
void PalPage(const LoadSegment& s, ByteSpan file, uint64_t page_vaddr, std::span<uint8_t> page) {
  std::fill(page.begin(), page.end(), 0);
  uint64_t lo = std::max(page_vaddr, s.vaddr);
  uint64_t hi = std::min(page_vaddr + page.size(), s.vaddr + s.filesz);
  if (lo >= hi) return;
  // ParseElf64 checked offset + filesz <= file size, so the source range is inside `file`.
  std::memcpy(page.data() + (lo - page_vaddr), file.data() + s.offset + (lo - s.vaddr), hi - lo);
}

}  // namespace

Record EcreateRecord(uint32_t ssa_frame_pages, uint64_t enclave_size) {
  Record r = Tagged("ECREATE\0");
  StoreU32LE(r, 8, ssa_frame_pages);
  StoreU64LE(r, 12, enclave_size);
  return r;
}

Record EaddRecord(uint64_t offset, uint64_t secinfo_flags) {
  Record r = Tagged("EADD\0\0\0\0");
  StoreU64LE(r, 8, offset);
  StoreU64LE(r, 16, secinfo_flags);
  return r;
}

Record EextendRecord(uint64_t offset) {
  Record r = Tagged("EEXTEND\0");
  StoreU64LE(r, 8, offset);
  return r;
}

Measurer::Measurer() { buf_.reserve(kFlushAt + kRecordSize + kEextendChunk); }

void Measurer::Put(ByteSpan b) {
  buf_.insert(buf_.end(), b.begin(), b.end());
  if (buf_.size() >= kFlushAt) Flush();
}

void Measurer::Flush() {
  hasher_.Update(buf_);
  buf_.clear();
}

void Measurer::Ecreate(uint32_t ssa_frame_pages, uint64_t enclave_size) {
  Put(EcreateRecord(ssa_frame_pages, enclave_size));
}

void Measurer::Eadd(uint64_t offset, uint64_t secinfo_flags) {
  Put(EaddRecord(offset, secinfo_flags));
}

void Measurer::Eextend(uint64_t offset, ByteSpan page) {
  for (size_t i = 0; i + kEextendChunk <= page.size(); i += kEextendChunk) {
    Put(EextendRecord(offset + i));
    Put(page.subspan(i, kEextendChunk));
  }
}

Measurement Measurer::Finish() {
  Flush();
  return hasher_.Final();
}

Measurement MeasureLayout(const EnclaveLayout& l, ByteSpan manifest_sgx, ByteSpan pal_file,
                          const ElfImage& pal) {
  const GramineLayoutConstants& c = *l.constants;
  const uint64_t page = c.page_size, base = c.enclave_base;
  Measurer m;
  m.Ecreate(static_cast<uint32_t>(c.ssa_frame_size / page), l.params.enclave_size);
  const Bytes zeros(page, 0);
  Bytes buf(page, 0);
  for (const MemoryArea& a : l.areas) {
    for (uint64_t off = 0; off < a.size; off += page) {
      uint64_t addr = a.addr + off;
      m.Eadd(addr - base, a.flags);
      if (!a.measured) continue;
      ByteSpan data = zeros;
      uint32_t t = static_cast<uint32_t>(off / page);
      switch (a.kind) {
        case AreaKind::kManifest: {
          std::fill(buf.begin(), buf.end(), 0);
          if (off < manifest_sgx.size()) {
            size_t n = std::min<size_t>(page, manifest_sgx.size() - off);
            std::memcpy(buf.data(), manifest_sgx.data() + off, n);
          }
          data = buf;
          break;
        }
        case AreaKind::kTcs:
          buf = TcsPage(l, t);
          data = buf;
          break;
        case AreaKind::kTls:
          buf = TlsPage(l, t);
          data = buf;
          break;
        case AreaKind::kPalSegment:
          PalPage(pal.loads[a.segment], pal_file, addr - l.pal_load_bias, buf);
          data = buf;
          break;
        default:
          break;
      }
      m.Eextend(addr - base, data);
    }
  }
  return m.Finish();
}

Result<Measurement> MeasureEnclave(ByteSpan manifest_sgx, ByteSpan libpal,
                                   const EnclaveParams& params, const GramineLayoutConstants& c) {
  UID2_ASSIGN_OR_RETURN(ElfImage pal, ParseElf64(libpal));
  UID2_ASSIGN_OR_RETURN(EnclaveLayout layout, ComputeLayout(c, params, manifest_sgx.size(), pal));
  return MeasureLayout(layout, manifest_sgx, libpal, pal);
}

Result<Measurement> MeasureEnclaveWithLibpalFile(ByteSpan manifest_sgx,
                                                 const std::string& libpal_path,
                                                 const EnclaveParams& params) {
  Result<Bytes> pal = ReadFileBytes(libpal_path);
  if (!pal.ok()) return std::move(pal).error().Context("libpal");
  Result<ElfImage> elf = ParseElf64(*pal);
  if (!elf.ok()) return std::move(elf).error().Context(libpal_path);
  UID2_ASSIGN_OR_RETURN(EnclaveLayout layout,
                        ComputeLayout(kGramineV1_9, params, manifest_sgx.size(), *elf));
  return MeasureLayout(layout, manifest_sgx, *pal, *elf);
}

}  // namespace uid2::sgx
