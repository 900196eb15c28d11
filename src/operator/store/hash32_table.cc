#include "operator/store/hash32_table.h"

#include <algorithm>
#include <bit>

namespace uid2::store {

size_t Hash32Table::SlotOf(const Hash32& key) const {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++) v = (v << 8) | key[i];
  v *= 0x9E3779B97F4A7C15ull;  // spread non-random keys (tests, special values)
  return static_cast<size_t>(v >> 32) & (slots_.size() - 1);
}

void Hash32Table::Reserve(size_t n) {
  size_t want = std::bit_ceil(std::max<size_t>(16, n * 2));
  if (want <= slots_.size()) return;
  Rehash(want);
}

void Hash32Table::Grow() { Rehash(slots_.empty() ? 16 : slots_.size() * 2); }

void Hash32Table::Rehash(size_t slots) {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(slots, Slot{});
  size_ = 0;
  for (const Slot& s : old) {
    if (s.ts >= 0) InsertMin(s.key, s.ts);
  }
}

void Hash32Table::InsertMin(const Hash32& key, int64_t ts) {
  if ((size_ + 1) * 2 > slots_.size()) Grow();
  const size_t mask = slots_.size() - 1;
  for (size_t i = SlotOf(key);; i = (i + 1) & mask) {
    Slot& s = slots_[i];
    if (s.ts < 0) {
      s.key = key;
      s.ts = ts;
      size_++;
      return;
    }
    if (s.key == key) {
      if (ts < s.ts) s.ts = ts;
      return;
    }
  }
}

std::optional<int64_t> Hash32Table::Find(const Hash32& key) const {
  if (slots_.empty()) return std::nullopt;
  const size_t mask = slots_.size() - 1;
  for (size_t i = SlotOf(key);; i = (i + 1) & mask) {
    const Slot& s = slots_[i];
    if (s.ts < 0) return std::nullopt;
    if (s.key == key) return s.ts;
  }
}

}  // namespace uid2::store
