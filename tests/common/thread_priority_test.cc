#include "common/thread_priority.h"

#include <gtest/gtest.h>

#include <thread>

namespace uid2 {
namespace {

TEST(ThreadPriorityTest, LowersOnlyTheCallingThread) {
  int before = CurrentThreadNice();
  int inside = -100;
  bool lowered = false;
  std::thread t([&] {
    lowered = LowerCurrentThreadPriority();
    inside = CurrentThreadNice();
  });
  t.join();
  EXPECT_TRUE(lowered);
  EXPECT_EQ(inside, kBackgroundNice);
  EXPECT_EQ(CurrentThreadNice(), before);
}

}  // namespace
}  // namespace uid2
