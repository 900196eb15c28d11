// measure.h: MRENCLAVE as SGX computes it during ECREATE/EADD/EEXTEND, for Gramine's layout.
//
// Records (64 bytes each, little-endian) feed one running SHA-256; MRENCLAVE is its digest:
//   ECREATE  "ECREATE\0" | u32 SSA frame size in pages | u64 enclave size | 44 zero bytes
//   EADD     "EADD\0\0\0\0" | u64 page offset | u64 SECINFO.FLAGS | 40 zero bytes
//   EEXTEND  "EEXTEND\0" | u64 chunk offset | 48 zero bytes, then the chunk's 256 data bytes
//            (16 per measured page)
//
//   UID2_ASSIGN_OR_RETURN(Measurement mr, MeasureEnclave(manifest_sgx, libpal, params));
#pragma once

#include <array>
#include <string>

#include "common/bytes.h"
#include "common/status.h"
#include "crypto/hash.h"
#include "sgx/enclave_params.h"
#include "sgx/gramine_layout.h"

namespace uid2::sgx {

inline constexpr size_t kRecordSize = 64;
inline constexpr size_t kEextendChunk = 256;

using Record = std::array<uint8_t, kRecordSize>;
Record EcreateRecord(uint32_t ssa_frame_pages, uint64_t enclave_size);
Record EaddRecord(uint64_t offset, uint64_t secinfo_flags);
Record EextendRecord(uint64_t offset);

// Measurer is the running hash. Feeds are buffered, so call order is all that matters.
class Measurer {
 public:
  Measurer();
  void Ecreate(uint32_t ssa_frame_pages, uint64_t enclave_size);
  void Eadd(uint64_t offset, uint64_t secinfo_flags);
  // Eextend measures one page (page.size() must be a multiple of 256) at `offset`.
  void Eextend(uint64_t offset, ByteSpan page);
  Measurement Finish();

 private:
  void Put(ByteSpan b);
  void Flush();
  crypto::Sha256Hasher hasher_;
  Bytes buf_;
};

// MeasureLayout measures `layout` with the manifest bytes (no NUL) and the PAL file whose
// ElfImage the layout was computed from.
Measurement MeasureLayout(const EnclaveLayout& layout, ByteSpan manifest_sgx, ByteSpan pal_file,
                          const ElfImage& pal);

// MeasureEnclave parses `libpal` (the libpal.so file bytes), computes Gramine v1.9's layout and
// returns MRENCLAVE. `manifest_sgx` are the exact .manifest.sgx bytes (without a NUL).
// Errors: malformed ELF, layout that does not fit (kInvalid).
Result<Measurement> MeasureEnclave(ByteSpan manifest_sgx, ByteSpan libpal,
                                   const EnclaveParams& params,
                                   const GramineLayoutConstants& c = kGramineV1_9);

// MeasureEnclaveWithLibpalFile reads libpal from `libpal_path` first (kNotFound / kIo naming it).
Result<Measurement> MeasureEnclaveWithLibpalFile(ByteSpan manifest_sgx,
                                                 const std::string& libpal_path,
                                                 const EnclaveParams& params);

}  // namespace uid2::sgx
