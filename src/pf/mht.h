// mht.h: the entries of a decrypted MHT node (mht_node_t in protected_files_format.h).
//
// MHT node, 4096 bytes: 128 gcm_crypto_data_t entries of 32 bytes, key (16) then MAC (16):
//   offset | size      | entries
//   -------+-----------+---------------------------------------------------------------------
//   0      | 96 * 32   | data_nodes_crypto[96]: entry i is data node 96 m + i of MHT node m
//   3072   | 32 * 32   | mht_nodes_crypto[32]: entry j is MHT node 32 m + j + 1
#pragma once

#include <span>

#include "common/bytes.h"
#include "pf/metadata.h"

namespace uid2::pf {

struct CryptoData {
  NodeKey key{};
  NodeMac mac{};
};

// DataSlot / MhtSlot: index of the entry describing a data node or a child MHT node.
inline size_t DataSlot(uint64_t logical_data) {
  return static_cast<size_t>(logical_data % ATTACHED_DATA_NODES_COUNT);
}
inline size_t MhtSlot(uint64_t logical_mht) {
  return static_cast<size_t>(ATTACHED_DATA_NODES_COUNT + (logical_mht - 1) % CHILD_MHT_NODES_COUNT);
}

// GetCryptoData / PutCryptoData read and write entry `slot` (< 128) of a decrypted MHT node.
CryptoData GetCryptoData(std::span<const uint8_t, PF_NODE_SIZE> mht, size_t slot);
void PutCryptoData(std::span<uint8_t, PF_NODE_SIZE> mht, size_t slot, const CryptoData& entry);

}  // namespace uid2::pf
