// sigstruct_fields.h: the few SIGSTRUCT fields an allowlist needs, read from a Gramine-style
// `.sig` (1808 bytes). Only reads fields; src/sgx owns building and verifying SIGSTRUCTs (the
// toolchain library, which core-local does not link).
//
//   offset  size  field
//   0       16    HEADER         06000000E10000000000010000000000
//   128     384   MODULUS        little-endian; MRSIGNER = SHA-256 of these 384 bytes
//   928     16    ATTRIBUTES     flags u64 LE (bit 1 = DEBUG), xfrm u64 LE
//   960     32    ENCLAVEHASH    MRENCLAVE
//   1024    2     ISVPRODID      u16 LE
//   1026    2     ISVSVN         u16 LE
#pragma once

#include <array>
#include <cstdint>

#include "common/bytes.h"
#include "common/status.h"

namespace uid2::corelocal {

inline constexpr size_t kSigstructSize = 1808;

struct SigstructIdentity {
  std::array<uint8_t, 32> mr_enclave{};
  std::array<uint8_t, 32> mr_signer{};
  uint16_t isv_prod_id = 0;
  uint16_t isv_svn = 0;
  bool debug = false;
};

// ReadSigstructIdentity: kInvalid for a wrong size or header.
Result<SigstructIdentity> ReadSigstructIdentity(ByteSpan sig);

}  // namespace uid2::corelocal
