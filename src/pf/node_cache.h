// node_cache.h: the decrypted data and MHT nodes of one open protected file (Gramine keeps them in
// an LRU list, lru_cache.c). At most MAX_NODES_IN_CACHE nodes; their buffers are allocated once
// and reused, so steady-state reading and writing allocate nothing.
//
// Invariants: a cached node's parent is cached (or is the root, which lives outside the cache):
// only nodes without cached children are evicted. Dirty nodes are never evicted (the owner
// flushes instead), and a dirty node's ancestors are dirty, so a flush finds every parent.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "pf/layout.h"

namespace uid2::pf {

struct Node {
  enum class Type : uint8_t { kMht = 1, kData = 2 };  // FILE_MHT_NODE_TYPE, FILE_DATA_NODE_TYPE

  Type type = Type::kData;
  bool dirty = false;
  uint64_t logical = 0;   // data node d or MHT node m
  uint64_t physical = 0;  // node index in the host file
  uint64_t last_used = 0;
  bool pinned = false;           // not to be evicted (a read-ahead batch being filled)
  bool fresh = false;            // appended; its plaintext is zeroed around the first write
  Node* parent = nullptr;        // the MHT node holding this node's key and MAC
  uint32_t cached_children = 0;  // cached nodes whose parent this is
  std::array<uint8_t, PF_NODE_SIZE> plain{};   // decrypted
  std::array<uint8_t, PF_NODE_SIZE> cipher{};  // as stored on the host
};

class NodeCache {
 public:
  explicit NodeCache(size_t capacity) : capacity_(capacity) { candidates_.reserve(capacity); }
  ~NodeCache();  // Clear()

  // Find returns the cached node at `physical` (marking it most recently used), or nullptr.
  Node* Find(uint64_t physical);
  // Contains: whether `physical` is cached (without marking it used).
  bool Contains(uint64_t physical) const;
  // TouchAncestors marks `node`'s parents, up to the root, as more recently used than `node`
  // (as Gramine bumps them), so a writer moving forward keeps its MHT nodes.
  void TouchAncestors(const Node* node) {
    for (Node* p = node->parent; p != nullptr; p = p->parent) p->last_used = ++clock_;
  }
  // full: a further Insert needs Evict() first.
  bool full() const { return used_ == capacity_; }
  // Evict drops the least recently used clean nodes that have no cached children, other than
  // `keep`: up to an eighth of the capacity at once, so that a stream of inserts scans the cache
  // once per batch. False when none can go.
  bool Evict(const Node* keep);
  // Insert takes a free slot (REQUIRES: !full()) and returns it as most recently used. Its
  // buffers hold stale bytes: the caller fills `plain` (zeros or a decryption).
  // REQUIRES: `parent` is cached or the root.
  Node* Insert(Node::Type type, uint64_t logical, uint64_t physical, Node* parent);
  // Remove drops `node` (a node just inserted whose read failed).
  void Remove(Node* node);
  // Clear drops every node and wipes every buffer's plaintext.
  void Clear();

  // ForEach calls f(Node&) for each cached node.
  template <typename F>
  void ForEach(F&& f) {
    for (auto& slot : slots_) {
      if (slot.in_use) f(*slot.node);
    }
  }

 private:
  struct Slot {
    std::unique_ptr<Node> node;
    uint64_t physical = 0;  // node->physical, kept here so that Find scans one array
    bool in_use = false;
  };
  void Drop(Slot& slot);

  size_t capacity_;
  size_t used_ = 0;
  uint64_t clock_ = 0;
  std::vector<Slot> slots_;
  std::vector<Slot*> candidates_;  // Evict's scratch space
};

}  // namespace uid2::pf
