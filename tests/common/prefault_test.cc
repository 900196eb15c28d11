#include "common/prefault.h"

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <vector>

namespace uid2 {
namespace {

const size_t kPage = static_cast<size_t>(sysconf(_SC_PAGESIZE));

// Fresh is a new anonymous mapping: no page resident until touched.
struct Fresh {
  explicit Fresh(size_t n) : size(n) {
    void* p = mmap(nullptr, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    data = p == MAP_FAILED ? nullptr : static_cast<char*>(p);
  }
  ~Fresh() {
    if (data) munmap(data, size);
  }
  // Resident: the mincore flag of each page.
  std::vector<bool> Resident() const {
    std::vector<unsigned char> v((size + kPage - 1) / kPage);
    std::vector<bool> out(v.size());
    if (mincore(data, size, v.data()) != 0) return out;
    for (size_t i = 0; i < v.size(); i++) out[i] = v[i] & 1;
    return out;
  }
  char* data = nullptr;
  size_t size;
};

bool KernelPopulates() {
#ifdef MADV_POPULATE_WRITE
  Fresh probe(kPage);
  return probe.data && madvise(probe.data, kPage, MADV_POPULATE_WRITE) == 0;
#else
  return false;
#endif
}

TEST(Prefault, MakesTheWholePagesOfALargeBufferResident) {
  if (!KernelPopulates()) GTEST_SKIP() << "kernel without MADV_POPULATE_WRITE";
  Fresh region(kPrefaultMin + 4 * kPage);
  ASSERT_NE(region.data, nullptr);
  region.data[kPage + 7] = 'x';
  // From the middle of the first page to the middle of the last one.
  PrefaultPages(region.data + 100, region.size - 200);
  std::vector<bool> resident = region.Resident();
  EXPECT_FALSE(resident.front());  // only partly inside: not touched
  EXPECT_FALSE(resident.back());
  for (size_t i = 1; i + 1 < resident.size(); i++) ASSERT_TRUE(resident[i]) << "page " << i;
  EXPECT_EQ(region.data[kPage + 7], 'x');  // contents unchanged
  EXPECT_EQ(region.data[region.size / 2], 0);
}

TEST(Prefault, LeavesSmallBuffersAndNullAlone) {
  if (!KernelPopulates()) GTEST_SKIP() << "kernel without MADV_POPULATE_WRITE";
  Fresh region(kPrefaultMin - kPage);
  ASSERT_NE(region.data, nullptr);
  PrefaultPages(region.data, region.size);
  for (bool r : region.Resident()) ASSERT_FALSE(r);
  PrefaultPages(nullptr, size_t{1} << 30);  // no effect, no crash
}

}  // namespace
}  // namespace uid2
