#include "common/huge_pages.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace uid2 {
namespace {

// VmFlagsAt returns the "VmFlags:" line of the mapping holding `addr` in /proc/self/smaps
// ("" when not found). MADV_HUGEPAGE shows there as the flag "hg".
std::string VmFlagsAt(const void* addr) {
  const auto a = reinterpret_cast<uintptr_t>(addr);
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  bool inside = false;
  while (std::getline(smaps, line)) {
    uintptr_t lo = 0, hi = 0;
    char dash = 0;
    std::istringstream head(line);
    if (head >> std::hex >> lo >> dash >> hi && dash == '-' && line.find(':') > line.find(' ')) {
      inside = a >= lo && a < hi;
      continue;
    }
    if (inside && line.rfind("VmFlags:", 0) == 0) return line + " ";
  }
  return "";
}

bool KernelHasThp() { return std::filesystem::exists("/sys/kernel/mm/transparent_hugepage"); }

TEST(HugePages, AdvisesTheWholePagesOfALargeBuffer) {
  if (!KernelHasThp()) GTEST_SKIP() << "kernel without transparent huge pages";
  const size_t size = kHugePageAdviceMin + 12345;
  std::string buf;
  buf.reserve(size);  // a fresh mmap'ed block, like the sync buffers
  AdviseHugePages(buf.data(), buf.capacity());
  EXPECT_NE(VmFlagsAt(buf.data() + 4096).find(" hg "), std::string::npos)
      << VmFlagsAt(buf.data() + 4096);
  EXPECT_NE(VmFlagsAt(buf.data() + size - 8192).find(" hg "), std::string::npos);
  buf.assign(size, 'x');  // still an ordinary buffer
  EXPECT_EQ(buf[size - 1], 'x');
}

TEST(HugePages, LeavesSmallBuffersAndNullAlone) {
  if (!KernelHasThp()) GTEST_SKIP() << "kernel without transparent huge pages";
  const size_t size = kHugePageAdviceMin - 1;
  void* p = std::malloc(size);
  ASSERT_NE(p, nullptr);
  AdviseHugePages(p, size);
  EXPECT_EQ(VmFlagsAt(static_cast<char*>(p) + 8192).find(" hg "), std::string::npos)
      << VmFlagsAt(static_cast<char*>(p) + 8192);
  std::free(p);
  AdviseHugePages(nullptr, size_t{1} << 30);  // no effect, no crash
}

}  // namespace
}  // namespace uid2
