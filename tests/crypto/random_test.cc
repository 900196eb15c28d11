// random_test.cc: RandomBytes sanity (no known answer exists for a DRBG seeded by the OS).
#include "crypto/random.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
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

TEST(CryptoRandom, PooledOutputsDoNotRepeat) {
  std::set<std::array<uint8_t, 12>> seen;
  for (int i = 0; i < 2000; i++) {  // crosses several pool refills
    std::array<uint8_t, 12> iv;
    RandomFill(iv);
    EXPECT_TRUE(seen.insert(iv).second);
  }
  Bytes big(10000);
  RandomFill(big);  // larger than the pool: direct
  EXPECT_NE(big, Bytes(10000, 0));
}

TEST(CryptoRandom, PooledChildAfterForkDoesNotReuseParentBytes) {
  std::array<uint8_t, 12> warm;
  RandomFill(warm);  // the pool now holds unused bytes
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    std::array<uint8_t, 12> child;
    RandomFill(child);
    ssize_t w = write(fds[1], child.data(), child.size());
    _exit(w == 12 ? 0 : 1);
  }
  std::array<uint8_t, 12> parent, child{};
  RandomFill(parent);
  ASSERT_EQ(read(fds[0], child.data(), child.size()), 12);
  int status = 0;
  waitpid(pid, &status, 0);
  close(fds[0]);
  close(fds[1]);
  EXPECT_NE(parent, child);
}

}  // namespace
}  // namespace uid2::crypto
