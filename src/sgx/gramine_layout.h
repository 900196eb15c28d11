// gramine_layout.h: the enclave memory layout of Gramine's SGX PAL, as `gramine-sgx-sign`
// computes it, and the contents of its TCS and TLS pages.
//
// Every release-specific number lives in one table (kGramineV1_9); a future release gets its own
// table. Areas are placed top-down from base + enclave_size and measured in vector order:
//   manifest, ssa, tcs, tls, stack x N, sig_stack x N, PAL PT_LOAD segments, free (no EDMM).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"
#include "sgx/elf64.h"
#include "sgx/enclave_params.h"

namespace uid2::sgx {

// SECINFO.FLAGS: permission bits and the page type in bits 8..15.
inline constexpr uint64_t kSecinfoR = 0x1;
inline constexpr uint64_t kSecinfoW = 0x2;
inline constexpr uint64_t kSecinfoX = 0x4;
inline constexpr uint64_t kSecinfoTcs = 0x100;  // PT_TCS << 8
inline constexpr uint64_t kSecinfoReg = 0x200;  // PT_REG << 8

// The release-specific constants (from Gramine's build-generated _graminelibos_offsets.py and
// python/graminelibos/sgx_sign.py of that release).
struct GramineLayoutConstants {
  std::string_view release;
  uint64_t page_size;
  uint64_t enclave_base;
  uint64_t ssa_frame_size;     // bytes of one SSA frame
  uint64_t ssa_frames;         // frames per thread (NSSA)
  uint64_t stack_size;         // per thread
  uint64_t sig_stack_size;     // per thread
  uint64_t heap_min;           // pages below are never added
  uint64_t default_size;       // sgx.enclave_size default without EDMM
  uint64_t default_size_edmm;  // ... with EDMM
  // TCS page (Intel SDM Vol. 3D 34.8).
  size_t tcs_ossa, tcs_nssa, tcs_oentry, tcs_ogsbase, tcs_fslimit, tcs_gslimit;
  uint32_t tcs_segment_limit;
  // TLS page: struct pal_enclave_tcb of that release.
  size_t tls_self, tls_canary, tls_enclave_size, tls_tcs_offset, tls_initial_stack,
      tls_sig_stack_low, tls_sig_stack_high, tls_ssa, tls_gpr, tls_manifest_size, tls_heap_min,
      tls_heap_max;
  uint64_t stack_protector_canary;
  uint64_t gpr_size;  // sizeof(sgx_pal_gpr_t); gpr = end of first SSA frame - gpr_size
};

inline constexpr GramineLayoutConstants kGramineV1_9 = {
    .release = "v1.9",
    .page_size = 0x1000,
    .enclave_base = 0,
    .ssa_frame_size = 0x4000,
    .ssa_frames = 2,
    .stack_size = 0x40000,
    .sig_stack_size = 0x10000,
    .heap_min = 0x10000,
    .default_size = 256ull << 20,
    .default_size_edmm = 1024ull << 30,
    .tcs_ossa = 0x10,
    .tcs_nssa = 0x1c,
    .tcs_oentry = 0x20,
    .tcs_ogsbase = 0x38,
    .tcs_fslimit = 0x40,
    .tcs_gslimit = 0x44,
    .tcs_segment_limit = 0xfff,
    .tls_self = 0x0,
    .tls_canary = 0x8,
    .tls_enclave_size = 0x110,
    .tls_tcs_offset = 0x118,
    .tls_initial_stack = 0x120,
    .tls_sig_stack_low = 0x130,
    .tls_sig_stack_high = 0x138,
    .tls_ssa = 0x148,
    .tls_gpr = 0x150,
    .tls_manifest_size = 0x1a0,
    .tls_heap_min = 0x1a8,
    .tls_heap_max = 0x1b0,
    .stack_protector_canary = 0xbadbadbadbad,
    .gpr_size = 0xb8,
};

enum class AreaKind { kManifest, kSsa, kTcs, kTls, kStack, kSigStack, kPalSegment, kFree };
std::string_view AreaKindName(AreaKind kind);

// One contiguous range of pages with the same SECINFO flags.
struct MemoryArea {
  AreaKind kind;
  uint64_t addr = 0;     // enclave address of the first page
  uint64_t size = 0;     // bytes, a multiple of the page size
  uint64_t flags = 0;    // SECINFO.FLAGS
  bool measured = true;  // EEXTEND the contents (false: EADD only)
  int segment = -1;      // kPalSegment: index into ElfImage::loads
};

struct EnclaveLayout {
  const GramineLayoutConstants* constants = nullptr;
  EnclaveParams params;
  uint64_t manifest_size = 0;  // .manifest.sgx length + 1 (the NUL)
  uint64_t manifest_addr = 0, ssa_addr = 0, tcs_addr = 0, tls_addr = 0;
  std::vector<uint64_t> stack_addr, sig_stack_addr;  // per thread (lowest address)
  uint64_t pal_base = 0;          // address of the lowest PAL page (also heap max)
  uint64_t pal_load_bias = 0;     // pal_base - rounddown(lowest p_vaddr)
  uint64_t entry = 0;             // OENTRY address
  std::vector<MemoryArea> areas;  // in measurement order
};

// ComputeLayout places the areas for a manifest of `manifest_len` bytes (without the NUL) and
// the given libpal. Fails (kInvalid) when the enclave size is not a power of two, threads are
// 0, or the areas do not fit above heap_min ("sgx.enclave_size 64M is too small ...").
Result<EnclaveLayout> ComputeLayout(const GramineLayoutConstants& c, const EnclaveParams& params,
                                    uint64_t manifest_len, const ElfImage& pal);

// TcsPage / TlsPage return the page_size-byte contents of thread t's TCS / TLS page.
Bytes TcsPage(const EnclaveLayout& layout, uint32_t t);
Bytes TlsPage(const EnclaveLayout& layout, uint32_t t);

// DescribeLayout renders the areas like `gramine-sgx-sign --verbose` ("start-end [REG:RW-]
// (ssa) measured"), one line each, for `shroud measure --verbose`.
std::string DescribeLayout(const EnclaveLayout& layout);

}  // namespace uid2::sgx
