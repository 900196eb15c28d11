// gramine_layout.cc: Gramine's enclave memory layout (python/graminelibos/sgx_sign.py:
// get_memory_areas, populate_memory_areas, gen_area_content) for the constants of one release.
#include "sgx/gramine_layout.h"

#include <algorithm>
#include <cstdio>

namespace uid2::sgx {
namespace {

uint64_t RoundDown(uint64_t v, uint64_t page) { return v & ~(page - 1); }
uint64_t RoundUp(uint64_t v, uint64_t page) { return RoundDown(v + page - 1, page); }

uint64_t PalFlags(uint32_t p_flags) {
  uint64_t f = kSecinfoReg;
  if (p_flags & kPfR) f |= kSecinfoR;
  if (p_flags & kPfW) f |= kSecinfoW;
  if (p_flags & kPfX) f |= kSecinfoX;
  return f;
}

std::string SizeText(uint64_t bytes) {
  if (bytes % (1ull << 30) == 0) return std::to_string(bytes >> 30) + "G";
  if (bytes % (1ull << 20) == 0) return std::to_string(bytes >> 20) + "M";
  return std::to_string(bytes);
}

// Places `size` bytes right below *top; fails when the area would reach below heap_min.
Status PlaceBelow(uint64_t* top, uint64_t size, const GramineLayoutConstants& c,
                  const EnclaveParams& p, uint64_t* addr) {
  if (size > *top || *top - size < c.enclave_base + c.heap_min) {
    return Error::Invalid("sgx.enclave_size " + SizeText(p.enclave_size) +
                          " is too small for sgx.max_threads = " + std::to_string(p.max_threads) +
                          " (each thread needs about 360 KiB); raise sgx.enclave_size or lower "
                          "sgx.max_threads");
  }
  *top -= size;
  *addr = *top;
  return Ok();
}

void AddArea(EnclaveLayout* l, AreaKind kind, uint64_t addr, uint64_t size, uint64_t flags) {
  l->areas.push_back({kind, addr, size, flags, true, -1});
}

// PalSpan returns rounddown(lowest p_vaddr) and roundup(highest p_vaddr + p_memsz).
std::pair<uint64_t, uint64_t> PalSpan(const ElfImage& pal, uint64_t page) {
  uint64_t lo = UINT64_MAX, hi = 0;
  for (const LoadSegment& s : pal.loads) {
    lo = std::min(lo, RoundDown(s.vaddr, page));
    hi = std::max(hi, RoundUp(s.vaddr + s.memsz, page));
  }
  return {lo, hi};
}

Status CheckParams(const GramineLayoutConstants& c, const EnclaveParams& p) {
  if (p.enclave_size == 0 || (p.enclave_size & (p.enclave_size - 1)) != 0) {
    return Error::Invalid("sgx.enclave_size " + std::to_string(p.enclave_size) +
                          " is not a power of two (e.g. \"256M\", \"1G\")");
  }
  if (p.enclave_size > (1ull << 50)) {
    return Error::Invalid("sgx.enclave_size " + SizeText(p.enclave_size) + " is too large");
  }
  if (p.max_threads == 0) return Error::Invalid("sgx.max_threads must be at least 1");
  if (p.enclave_size <= c.heap_min) {
    return Error::Invalid("sgx.enclave_size " + SizeText(p.enclave_size) + " is too small");
  }
  return Ok();
}

}  // namespace

std::string_view AreaKindName(AreaKind kind) {
  switch (kind) {
    case AreaKind::kManifest:
      return "manifest";
    case AreaKind::kSsa:
      return "ssa";
    case AreaKind::kTcs:
      return "tcs";
    case AreaKind::kTls:
      return "tls";
    case AreaKind::kStack:
      return "stack";
    case AreaKind::kSigStack:
      return "sig_stack";
    case AreaKind::kPalSegment:
      return "pal";
    case AreaKind::kFree:
      return "free";
  }
  return "?";
}

Result<EnclaveLayout> ComputeLayout(const GramineLayoutConstants& c, const EnclaveParams& p,
                                    uint64_t manifest_len, const ElfImage& pal) {
  UID2_RETURN_IF_ERROR(CheckParams(c, p));
  EnclaveLayout l;
  l.constants = &c;
  l.params = p;
  l.manifest_size = manifest_len + 1;
  const uint64_t page = c.page_size, n = p.max_threads;
  uint64_t top = c.enclave_base + p.enclave_size;
  if (manifest_len > p.enclave_size) return Error::Invalid("manifest larger than the enclave");
  UID2_RETURN_IF_ERROR(PlaceBelow(&top, RoundUp(l.manifest_size, page), c, p, &l.manifest_addr));
  AddArea(&l, AreaKind::kManifest, l.manifest_addr, RoundUp(l.manifest_size, page),
          kSecinfoReg | kSecinfoR);
  UID2_RETURN_IF_ERROR(PlaceBelow(&top, n * c.ssa_frames * c.ssa_frame_size, c, p, &l.ssa_addr));
  AddArea(&l, AreaKind::kSsa, l.ssa_addr, n * c.ssa_frames * c.ssa_frame_size,
          kSecinfoReg | kSecinfoR | kSecinfoW);
  UID2_RETURN_IF_ERROR(PlaceBelow(&top, n * page, c, p, &l.tcs_addr));
  AddArea(&l, AreaKind::kTcs, l.tcs_addr, n * page, kSecinfoTcs);
  UID2_RETURN_IF_ERROR(PlaceBelow(&top, n * page, c, p, &l.tls_addr));
  AddArea(&l, AreaKind::kTls, l.tls_addr, n * page, kSecinfoReg | kSecinfoR | kSecinfoW);
  l.stack_addr.resize(n);
  l.sig_stack_addr.resize(n);
  for (uint64_t t = 0; t < n; t++) {
    UID2_RETURN_IF_ERROR(PlaceBelow(&top, c.stack_size, c, p, &l.stack_addr[t]));
    AddArea(&l, AreaKind::kStack, l.stack_addr[t], c.stack_size,
            kSecinfoReg | kSecinfoR | kSecinfoW);
  }
  for (uint64_t t = 0; t < n; t++) {
    UID2_RETURN_IF_ERROR(PlaceBelow(&top, c.sig_stack_size, c, p, &l.sig_stack_addr[t]));
    AddArea(&l, AreaKind::kSigStack, l.sig_stack_addr[t], c.sig_stack_size,
            kSecinfoReg | kSecinfoR | kSecinfoW);
  }
  auto [lo, hi] = PalSpan(pal, page);
  UID2_RETURN_IF_ERROR(PlaceBelow(&top, hi - lo, c, p, &l.pal_base));
  l.pal_load_bias = l.pal_base - lo;
  l.entry = l.pal_load_bias + pal.entry;
  for (size_t i = 0; i < pal.loads.size(); i++) {
    const LoadSegment& s = pal.loads[i];
    uint64_t start = RoundDown(s.vaddr, page), end = RoundUp(s.vaddr + s.memsz, page);
    l.areas.push_back({AreaKind::kPalSegment, l.pal_load_bias + start, end - start,
                       PalFlags(s.flags), true, static_cast<int>(i)});
  }
  uint64_t heap_min = c.enclave_base + c.heap_min;
  if (!p.edmm && l.pal_base > heap_min) {
    l.areas.push_back({AreaKind::kFree, heap_min, l.pal_base - heap_min,
                       kSecinfoReg | kSecinfoR | kSecinfoW | kSecinfoX, false, -1});
  }
  return l;
}

Bytes TcsPage(const EnclaveLayout& l, uint32_t t) {
  const GramineLayoutConstants& c = *l.constants;
  Bytes page(c.page_size, 0);
  uint64_t base = c.enclave_base;
  StoreU64LE(page, c.tcs_ossa, l.ssa_addr + t * c.ssa_frames * c.ssa_frame_size - base);
  StoreU32LE(page, c.tcs_nssa, static_cast<uint32_t>(c.ssa_frames));
  StoreU64LE(page, c.tcs_oentry, l.entry - base);
  StoreU64LE(page, c.tcs_ogsbase, l.tls_addr + t * c.page_size - base);
  StoreU32LE(page, c.tcs_fslimit, c.tcs_segment_limit);
  StoreU32LE(page, c.tcs_gslimit, c.tcs_segment_limit);
  return page;
}

Bytes TlsPage(const EnclaveLayout& l, uint32_t t) {
  const GramineLayoutConstants& c = *l.constants;
  Bytes page(c.page_size, 0);
  uint64_t base = c.enclave_base;
  uint64_t ssa = l.ssa_addr + t * c.ssa_frames * c.ssa_frame_size - base;
  StoreU64LE(page, c.tls_self, l.tls_addr + t * c.page_size - base);
  StoreU64LE(page, c.tls_canary, c.stack_protector_canary);
  StoreU64LE(page, c.tls_enclave_size, l.params.enclave_size);
  StoreU64LE(page, c.tls_tcs_offset, l.tcs_addr + t * c.page_size - base);
  StoreU64LE(page, c.tls_initial_stack, l.stack_addr[t] + c.stack_size - base);
  StoreU64LE(page, c.tls_sig_stack_low, l.sig_stack_addr[t] - base);
  StoreU64LE(page, c.tls_sig_stack_high, l.sig_stack_addr[t] + c.sig_stack_size - base);
  StoreU64LE(page, c.tls_ssa, ssa);
  StoreU64LE(page, c.tls_gpr, ssa + c.ssa_frame_size - c.gpr_size);
  StoreU64LE(page, c.tls_manifest_size, l.manifest_size);
  StoreU64LE(page, c.tls_heap_min, c.heap_min);
  StoreU64LE(page, c.tls_heap_max, l.pal_base - base);
  return page;
}

std::string DescribeLayout(const EnclaveLayout& l) {
  std::string out;
  for (const MemoryArea& a : l.areas) {
    char line[160];
    bool tcs = (a.flags & kSecinfoTcs) != 0;
    const char* name = a.kind == AreaKind::kPalSegment ? ((a.flags & kSecinfoX) ? "code" : "data")
                                                       : AreaKindName(a.kind).data();
    std::snprintf(line, sizeof line, "    %016llx-%016llx [%s:%c%c%c] (%s)%s\n",
                  static_cast<unsigned long long>(a.addr),
                  static_cast<unsigned long long>(a.addr + a.size), tcs ? "TCS" : "REG",
                  (a.flags & kSecinfoR) ? 'R' : '-', (a.flags & kSecinfoW) ? 'W' : '-',
                  (a.flags & kSecinfoX) ? 'X' : '-', name, a.measured ? " measured" : "");
    out += line;
  }
  return out;
}

}  // namespace uid2::sgx
