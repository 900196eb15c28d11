// node_cache.cc: a small LRU of node buffers (a linear scan: at most 48 entries).
#include "pf/node_cache.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <cassert>

namespace uid2::pf {

NodeCache::~NodeCache() { Clear(); }

Node* NodeCache::Find(uint64_t physical) {
  for (auto& slot : slots_) {
    if (slot.physical == physical && slot.in_use) {
      slot.node->last_used = ++clock_;
      return slot.node.get();
    }
  }
  return nullptr;
}

bool NodeCache::Contains(uint64_t physical) const {
  for (const auto& slot : slots_) {
    if (slot.physical == physical && slot.in_use) return true;
  }
  return false;
}

bool NodeCache::Evict(const Node* keep) {
  candidates_.clear();
  for (auto& slot : slots_) {
    if (!slot.in_use || slot.node->dirty || slot.node->pinned) continue;
    if (slot.node->cached_children != 0 || slot.node.get() == keep) continue;
    candidates_.push_back(&slot);
  }
  if (candidates_.empty()) return false;
  const size_t n = std::min(candidates_.size(), std::max<size_t>(1, capacity_ / 8));
  std::nth_element(candidates_.begin(), candidates_.begin() + static_cast<std::ptrdiff_t>(n - 1),
                   candidates_.end(), [](const Slot* a, const Slot* b) {
                     return a->node->last_used < b->node->last_used;
                   });
  for (size_t i = 0; i < n; i++) Drop(*candidates_[i]);
  return true;
}

Node* NodeCache::Insert(Node::Type type, uint64_t logical, uint64_t physical, Node* parent) {
  assert(!full());
  Slot* free_slot = nullptr;
  for (auto& slot : slots_) {
    if (!slot.in_use) {
      free_slot = &slot;
      break;
    }
  }
  if (!free_slot) {
    slots_.push_back(Slot{std::make_unique<Node>(), false});
    free_slot = &slots_.back();
  }
  Node& n = *free_slot->node;
  n.type = type;
  n.dirty = false;
  n.logical = logical;
  n.physical = physical;
  n.last_used = ++clock_;
  n.fresh = false;
  n.pinned = false;
  n.parent = parent;
  n.cached_children = 0;
  parent->cached_children++;
  free_slot->physical = physical;
  free_slot->in_use = true;
  used_++;
  return &n;
}

// Drop frees a slot without wiping it: the next Insert overwrites the plaintext, and Clear (at
// close) wipes every buffer.
void NodeCache::Drop(Slot& slot) {
  slot.node->parent->cached_children--;
  slot.in_use = false;
  used_--;
}

void NodeCache::Remove(Node* node) {
  for (auto& slot : slots_) {
    if (slot.in_use && slot.node.get() == node) Drop(slot);
  }
}

void NodeCache::Clear() {
  for (auto& slot : slots_) {
    if (slot.in_use) Drop(slot);
    OPENSSL_cleanse(slot.node->plain.data(), slot.node->plain.size());
  }
}

}  // namespace uid2::pf
