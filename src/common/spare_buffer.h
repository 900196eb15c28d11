// spare_buffer.h: the last large buffer of a kind given back, kept for the next one.
//
// The salt set is rebuilt from a new 200 MB text (and a 64 MB table) on every salt sync, while
// the previous set stays alive until its last reader lets go. Writing a fresh buffer of that size
// costs more in page faults than the decryption that fills it; taking the previous set's buffer
// instead (it is freed just after the swap, so the next sync finds it) writes over pages the
// process already has. The cost is that memory, kept between syncs (the peak, old and new set
// alive at once, is unchanged).
//
//   std::string text = SpareBuffer<std::string>::Take(n);  // empty; capacity n .. 2n, or none
//   if (text.capacity() < n) text.reserve(n);
//   ...
//   SpareBuffer<std::string>::Give(std::move(text));       // when done with it
#pragma once

#include <cstddef>
#include <mutex>
#include <utility>

#include "common/prefault.h"

namespace uid2 {

// Buffer: a contiguous container (std::string, std::vector<T>). Thread-safe.
template <class Buffer>
class SpareBuffer {
 public:
  // Give keeps `buffer`'s storage (contents dropped) when it holds at least kPrefaultMin
  // bytes and more than the spare kept so far; otherwise it is freed.
  static void Give(Buffer buffer) {
    if (Bytes(buffer) < kPrefaultMin) return;
    buffer.clear();
    std::lock_guard<std::mutex> lock(mu_);
    if (buffer.capacity() > spare_.capacity()) std::swap(spare_, buffer);
  }  // the smaller of the two is freed here, after the lock is released

  // Take returns the spare (empty) for a large buffer (at least kPrefaultMin bytes) when its
  // capacity is at least `min_capacity` elements and at most twice that; else an empty buffer
  // without storage (the spare is kept; a small or much smaller buffer does not take it).
  static Buffer Take(size_t min_capacity) {
    std::lock_guard<std::mutex> lock(mu_);
    if (min_capacity * sizeof(*spare_.data()) < kPrefaultMin || spare_.capacity() < min_capacity ||
        spare_.capacity() / 2 > min_capacity) {
      return Buffer();
    }
    return std::exchange(spare_, Buffer());
  }

 private:
  static size_t Bytes(const Buffer& b) { return b.capacity() * sizeof(*b.data()); }
  static inline std::mutex mu_;
  static inline Buffer spare_;
};

}  // namespace uid2
