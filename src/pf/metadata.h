// metadata.h: node 0 of a protected file (metadata_node_t in Gramine's
// protected_files_format.h). All integers little-endian.
//
// Metadata node, 4096 bytes:
//   offset | size | field (Gramine name)            | note
//   -------+------+---------------------------------+-------------------------------------------
//   0      | 8    | file_id                         | PF_FILE_ID 0x46505f5346415247 ("GRAFS_PF")
//   8      | 1    | major_version                   | PF_MAJOR_VERSION 1; others refused
//   9      | 1    | minor_version                   | PF_MINOR_VERSION 0; not checked (as Gramine)
//   10     | 32   | metadata_key_nonce              | random per flush; KDF input (kdf.h)
//   42     | 16   | metadata_mac                    | GCM tag of the encrypted part
//   58     | 3884 | encrypted part                  | AES-128-GCM(metadata key, IV 0) of below
//   3942   | 154  | padding                         | zero (Gramine never writes anything else)
//
// Encrypted part once decrypted (metadata_decrypted_t), 3884 bytes:
//   0      | 772  | file_path (PATH_MAX_SIZE)       | NUL-terminated, zero-filled
//   772    | 8    | file_size                       | plaintext size
//   780    | 16   | root_mht_node_key               | random per flush
//   796    | 16   | root_mht_node_mac               | GCM tag of physical node 1
//   812    | 3072 | file_data (MD_USER_DATA_SIZE)   | plaintext bytes [0, 3072)
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>

#include "common/bytes.h"
#include "common/status.h"
#include "pf/layout.h"

namespace uid2::pf {

constexpr uint64_t PF_FILE_ID = 0x46505f5346415247;  // "GRAFS_PF" read as a little-endian u64
constexpr uint8_t PF_MAJOR_VERSION = 0x01;
constexpr uint8_t PF_MINOR_VERSION = 0x00;
constexpr size_t PATH_MAX_SIZE = 260 + 512;

using NodeKey = std::array<uint8_t, PF_KEY_SIZE>;
using NodeMac = std::array<uint8_t, PF_MAC_SIZE>;
using Nonce = std::array<uint8_t, PF_NONCE_SIZE>;

constexpr size_t kMetadataPlainSize = 8 + 1 + 1 + PF_NONCE_SIZE + PF_MAC_SIZE;
constexpr size_t kMetadataEncryptedSize =
    PATH_MAX_SIZE + 8 + PF_KEY_SIZE + PF_MAC_SIZE + MD_USER_DATA_SIZE;
constexpr size_t kMetadataPaddingSize = PF_NODE_SIZE - kMetadataPlainSize - kMetadataEncryptedSize;
static_assert(kMetadataPlainSize == 58 && kMetadataEncryptedSize == 3884 &&
              kMetadataPaddingSize == 154);

// MetadataPlain is the plaintext header (metadata_plaintext_t).
struct MetadataPlain {
  uint64_t file_id = PF_FILE_ID;
  uint8_t major_version = PF_MAJOR_VERSION;
  uint8_t minor_version = PF_MINOR_VERSION;
  Nonce metadata_key_nonce{};
  NodeMac metadata_mac{};
};

// MetadataDecrypted is the encrypted part once decrypted (metadata_decrypted_t).
struct MetadataDecrypted {
  std::string file_path;
  uint64_t file_size = 0;
  NodeKey root_mht_node_key{};
  NodeMac root_mht_node_mac{};
  std::array<uint8_t, MD_USER_DATA_SIZE> file_data{};
};

// ParseMetadataNode splits node 0 into its plaintext header and the encrypted part. kInvalid
// (with the reason) when the node is not 4096 bytes, the file id or major version is wrong, or
// the padding is not zero.
Status ParseMetadataNode(ByteSpan node, MetadataPlain* out_plain,
                         std::span<uint8_t, kMetadataEncryptedSize> out_encrypted);
// SerializeMetadataNode writes node 0 (the padding as zeros).
void SerializeMetadataNode(const MetadataPlain& plain,
                           std::span<const uint8_t, kMetadataEncryptedSize> encrypted,
                           std::span<uint8_t, PF_NODE_SIZE> out);

// ParseMetadataDecrypted reads the decrypted part; kInvalid when the path has no NUL within
// PATH_MAX_SIZE bytes or the size exceeds kMaxPlaintextSize.
Status ParseMetadataDecrypted(std::span<const uint8_t, kMetadataEncryptedSize> in,
                              MetadataDecrypted* out);
// SerializeMetadataDecrypted writes it back. REQUIRES: file_path.size() < PATH_MAX_SIZE.
void SerializeMetadataDecrypted(const MetadataDecrypted& md,
                                std::span<uint8_t, kMetadataEncryptedSize> out);

}  // namespace uid2::pf
