// random_test.cc: RandomBytes sanity (no known answer exists for a DRBG seeded by the OS).
#include "crypto/random.h"

#include <gtest/gtest.h>

#include <set>

namespace uid2::crypto {
namespace {

TEST(CryptoRandom, SizesAndDistinctOutputs) {
  EXPECT_TRUE(RandomBytes(0).empty());
  std::set<Bytes> seen;
  for (int i = 0; i < 64; i++) seen.insert(RandomBytes(16));
  EXPECT_EQ(seen.size(), 64u);  // 128-bit collisions would mean a broken generator
}

TEST(CryptoRandom, FillCoversTheWholeBuffer) {
  // Every byte position changes across draws (a fill that stops early leaves zeros).
  Bytes ored(4096, 0);
  for (int i = 0; i < 32; i++) {  // P(false failure) = 4096 * 2^-32
    Bytes b = RandomBytes(ored.size());
    for (size_t j = 0; j < b.size(); j++) ored[j] |= b[j];
  }
  for (size_t j = 0; j < ored.size(); j++) ASSERT_NE(ored[j], 0) << "position " << j;
}

}  // namespace
}  // namespace uid2::crypto
