#include "common/spare_buffer.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace uid2 {
namespace {

// A buffer type of its own, so no other code shares this spare.
using Buf = std::vector<uint32_t>;
constexpr size_t kBig = kPrefaultMin / sizeof(uint32_t);  // elements of a buffer worth keeping

Buf WithCapacity(size_t n) {
  Buf b;
  b.reserve(n);
  b.push_back(7);
  return b;
}

TEST(SpareBuffer, KeepsTheLargestBufferGivenAndHandsItOutOnce) {
  EXPECT_EQ(SpareBuffer<Buf>::Take(kBig).capacity(), 0u);  // nothing kept yet
  SpareBuffer<Buf>::Give(WithCapacity(kBig - 1));          // too small to keep
  EXPECT_EQ(SpareBuffer<Buf>::Take(kBig - 1).capacity(), 0u);

  Buf big = WithCapacity(kBig * 3);
  const uint32_t* storage = big.data();
  SpareBuffer<Buf>::Give(std::move(big));
  SpareBuffer<Buf>::Give(WithCapacity(kBig * 2));                  // smaller than the spare: freed
  EXPECT_EQ(SpareBuffer<Buf>::Take(kBig * 3 + 1).capacity(), 0u);  // too small for that
  EXPECT_EQ(SpareBuffer<Buf>::Take(kBig).capacity(), 0u);          // more than twice what is asked
  EXPECT_EQ(SpareBuffer<Buf>::Take(100).capacity(), 0u);  // a small buffer does not take it
  Buf got = SpareBuffer<Buf>::Take(kBig * 2);
  EXPECT_EQ(got.data(), storage);
  EXPECT_TRUE(got.empty());
  EXPECT_GE(got.capacity(), kBig * 3);
  EXPECT_EQ(SpareBuffer<Buf>::Take(kBig * 2).capacity(), 0u);  // handed out once
}

}  // namespace
}  // namespace uid2
