// layout.h: the node layout of a Gramine protected file (common/src/protected_files/
// protected_files_format.h and get_node_numbers() in protected_files.c, Gramine 1.9).
//
// A protected file is a sequence of PF_NODE_SIZE (4096-byte) nodes; node i sits at byte i * 4096.
//
//   physical node | content
//   --------------+-------------------------------------------------------------------------
//   0             | metadata node (metadata.h): plaintext header, encrypted header with the
//                 | path, the size, the root MHT node's key and MAC, and bytes [0, 3072) of data
//   1             | root MHT node (logical MHT node 0)
//   2 .. 97       | data nodes 0 .. 95 (the children of MHT node 0)
//   98            | MHT node 1
//   99 .. 194     | data nodes 96 .. 191
//   1 + 97 * m    | MHT node m, followed by its 96 data nodes
//
// Data node d holds plaintext bytes [3072 + 4096 d, 3072 + 4096 (d + 1)). Its key and MAC sit in
// slot d % 96 of MHT node d / 96. MHT node m > 0 is a child of MHT node (m - 1) / 32, whose slot
// (m - 1) % 32 holds its key and MAC; the root's key and MAC are in the metadata node. So the MHT
// nodes form a 32-ary tree in breadth-first order, each also carrying 96 data nodes.
//
// Every data and MHT node is AES-128-GCM with a fresh random key on every flush, an all-zero
// 12-byte IV and no additional data; the 16-byte tag is the node's MAC. The host file holds
// exactly the nodes up to the one holding the last plaintext byte (metadata only while the
// plaintext fits in 3072 bytes).
#pragma once

#include <cstddef>
#include <cstdint>

namespace uid2::pf {

constexpr size_t PF_NODE_SIZE = 4096;
constexpr size_t PF_KEY_SIZE = 16;
constexpr size_t PF_MAC_SIZE = 16;
constexpr size_t PF_IV_SIZE = 12;
constexpr size_t PF_NONCE_SIZE = 32;  // pf_nonce_t (pf_keyid_t before 1.8)

// gcm_crypto_data_t: key (16) || mac (16).
constexpr size_t kCryptoDataSize = PF_KEY_SIZE + PF_MAC_SIZE;
// An MHT node is 96 data-node entries (3/4 of the node) then 32 child-MHT entries (1/4).
constexpr uint64_t ATTACHED_DATA_NODES_COUNT = PF_NODE_SIZE / kCryptoDataSize * 3 / 4;
constexpr uint64_t CHILD_MHT_NODES_COUNT = PF_NODE_SIZE / kCryptoDataSize * 1 / 4;
static_assert(ATTACHED_DATA_NODES_COUNT == 96 && CHILD_MHT_NODES_COUNT == 32);

// MD_USER_DATA_SIZE: plaintext bytes kept inside the metadata node.
constexpr uint64_t MD_USER_DATA_SIZE = PF_NODE_SIZE * 3 / 4;
static_assert(MD_USER_DATA_SIZE == 3072);

// Gramine keeps at most this many data and MHT nodes decrypted; past it a dirty cache is flushed.
constexpr size_t MAX_NODES_IN_CACHE = 48;

// LogicalDataNode: the data node holding plaintext byte `offset`. REQUIRES: offset >= 3072.
constexpr uint64_t LogicalDataNode(uint64_t offset) {
  return (offset - MD_USER_DATA_SIZE) / PF_NODE_SIZE;
}
constexpr uint64_t PhysicalDataNode(uint64_t logical_data) {
  return logical_data + 2 + logical_data / ATTACHED_DATA_NODES_COUNT;
}
constexpr uint64_t PhysicalMhtNode(uint64_t logical_mht) {
  return 1 + logical_mht * (1 + ATTACHED_DATA_NODES_COUNT);
}
constexpr uint64_t ParentMhtNode(uint64_t logical_mht) {
  return (logical_mht - 1) / CHILD_MHT_NODES_COUNT;
}

// HostNodesFor: how many nodes the host file holds for a plaintext of `size` bytes (as
// pf_set_size computes the truncation point). REQUIRES: size <= kMaxPlaintextSize.
constexpr uint64_t HostNodesFor(uint64_t size) {
  if (size <= MD_USER_DATA_SIZE) return 1;
  return PhysicalDataNode(LogicalDataNode(size - 1)) + 1;
}
// A bound that keeps every node offset inside uint64_t (Gramine has none; a plaintext size
// above it cannot come from a real host file).
constexpr uint64_t kMaxPlaintextSize = uint64_t{1} << 60;

static_assert(PhysicalDataNode(0) == 2 && PhysicalDataNode(95) == 97);
static_assert(PhysicalMhtNode(1) == 98 && PhysicalDataNode(96) == 99);
static_assert(HostNodesFor(0) == 1 && HostNodesFor(3072) == 1 && HostNodesFor(3073) == 3);

}  // namespace uid2::pf
