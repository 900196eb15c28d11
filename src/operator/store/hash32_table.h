// hash32_table.h: an open-addressing map from 32-byte hashes to the minimum int64 timestamp seen,
// for the opt-out index. Keys are SHA-256 outputs (uniformly distributed), so the slot is taken
// from the key's first 8 bytes mixed by a multiply; linear probing, load factor <= 1/2, so a
// lookup is usually one cache line. Copyable (copy = one vector copy). Not thread-safe for
// writes; const lookups may run concurrently.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "operator/store/optout_file.h"

namespace uid2::store {

class Hash32Table {
 public:
  // InsertMin records `ts` for `key`, keeping the smaller value if the key exists.
  // REQUIRES: ts >= 0 (opt-out timestamps are unsigned 56-bit).
  void InsertMin(const Hash32& key, int64_t ts);
  // Reserve sizes the table for `n` entries at once (no regrowth, and no old + new copy alive
  // together, while they are inserted).
  void Reserve(size_t n);
  // Find returns the stored timestamp, or nullopt. No allocation.
  std::optional<int64_t> Find(const Hash32& key) const;
  bool Contains(const Hash32& key) const { return Find(key).has_value(); }
  size_t size() const { return size_; }

  // ForEach calls fn(key, ts) for every entry.
  template <typename Fn>
  void ForEach(Fn fn) const {
    for (const Slot& s : slots_) {
      if (s.ts >= 0) fn(s.key, s.ts);
    }
  }

 private:
  struct Slot {
    Hash32 key{};
    int64_t ts = -1;  // -1 = empty
  };
  size_t SlotOf(const Hash32& key) const;
  void Grow();
  void Rehash(size_t slots);

  std::vector<Slot> slots_;
  size_t size_ = 0;
};

}  // namespace uid2::store
