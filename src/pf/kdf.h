// kdf.h: the metadata key derivation of Gramine's protected files (ipf_import_metadata_key in
// protected_files.c): NIST SP 800-108 counter mode with AES-128-CMAC as the PRF, one block.
//
// The PRF input is kdf_input_t, 104 bytes, little-endian:
//   offset | size | field      | value
//   -------+------+------------+-------------------------------------------------------------
//   0      | 4    | counter    | 1
//   4      | 64   | label      | METADATA_KEY_NAME "SGX-PROTECTED-FS-METADATA-KEY", zero-filled
//   68     | 32   | nonce      | metadata_key_nonce from the metadata node (random per flush)
//   100    | 4    | output_len | 0x80 (bits)
// metadata key = CMAC-AES-128(KDK, input), where the KDK is the user's 16-byte key.
#pragma once

#include "common/bytes.h"
#include "common/status.h"
#include "pf/metadata.h"
#include "pf/protected_file.h"

namespace uid2::pf {

constexpr char METADATA_KEY_NAME[] = "SGX-PROTECTED-FS-METADATA-KEY";
constexpr size_t MAX_LABEL_SIZE = 64;
constexpr size_t kKdfInputSize = 4 + MAX_LABEL_SIZE + PF_NONCE_SIZE + 4;
static_assert(sizeof(METADATA_KEY_NAME) <= MAX_LABEL_SIZE && kKdfInputSize == 104);

// KdfInput returns the 104-byte PRF input for `nonce`.
Bytes KdfInput(const Nonce& nonce);
// DeriveMetadataKey returns the key of the metadata node's encrypted part (kInternal only if
// OpenSSL fails).
Result<NodeKey> DeriveMetadataKey(const Key& kdk, const Nonce& nonce);

}  // namespace uid2::pf
