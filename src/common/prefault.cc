// prefault.cc: see prefault.h.
#include "common/prefault.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>

namespace uid2 {

void PrefaultPages(const void* data, size_t size) {
#ifdef MADV_POPULATE_WRITE
  if (data == nullptr || size < kPrefaultMin) return;
  static const uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  // madvise wants page-aligned bounds: keep only the pages wholly inside the buffer, so memory
  // outside it (malloc's chunk header, a neighbour) is never touched.
  const uintptr_t begin = (reinterpret_cast<uintptr_t>(data) + page - 1) & ~(page - 1);
  const uintptr_t end = (reinterpret_cast<uintptr_t>(data) + size) & ~(page - 1);
  if (end <= begin) return;
  (void)madvise(reinterpret_cast<void*>(begin), end - begin, MADV_POPULATE_WRITE);
#else
  (void)data;
  (void)size;
#endif
}

}  // namespace uid2
