// huge_pages.cc: see huge_pages.h.
#include "common/huge_pages.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>

namespace uid2 {

void AdviseHugePages(const void* data, size_t size) {
#ifdef MADV_HUGEPAGE
  if (data == nullptr || size < kHugePageAdviceMin) return;
  static const uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  // madvise wants page-aligned bounds: keep only the pages wholly inside the buffer, so memory
  // outside it (malloc's chunk header, a neighbour) is never advised.
  const uintptr_t begin = (reinterpret_cast<uintptr_t>(data) + page - 1) & ~(page - 1);
  const uintptr_t end = (reinterpret_cast<uintptr_t>(data) + size) & ~(page - 1);
  if (end <= begin) return;
  (void)madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
#else
  (void)data;
  (void)size;
#endif
}

void ReleaseTailPages(void* data, size_t used, size_t capacity) {
#ifdef MADV_DONTNEED
  if (data == nullptr || capacity <= used || capacity - used < (size_t{1} << 20)) return;
  static const uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  const uintptr_t begin = (reinterpret_cast<uintptr_t>(data) + used + page - 1) & ~(page - 1);
  const uintptr_t end = (reinterpret_cast<uintptr_t>(data) + capacity) & ~(page - 1);
  if (end <= begin) return;
  (void)madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED);
#else
  (void)data;
  (void)used;
  (void)capacity;
#endif
}

}  // namespace uid2
