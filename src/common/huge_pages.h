// huge_pages.h: transparent huge pages for large, freshly allocated buffers.
#pragma once

#include <cstddef>

namespace uid2 {

// kHugePageAdviceMin: buffers below this size are left alone (fewer than ~8 huge pages).
inline constexpr size_t kHugePageAdviceMin = size_t{16} << 20;

// AdviseHugePages asks the kernel to back the whole pages inside [data, data + size) with
// transparent huge pages (madvise MADV_HUGEPAGE: it matters where THP is in "madvise" mode, the
// Debian default). Meant for a buffer of hundreds of MB written front to back right after its
// allocation (a downloaded file, its decrypted text, a table built from it): one page fault per
// 2 MiB instead of one per 4 KiB, which is most of the cost of first-touching such a buffer.
// Call it before writing. Best effort: does nothing below kHugePageAdviceMin, and the kernel
// may ignore it; contents and behaviour are unchanged either way.
void AdviseHugePages(const void* data, size_t size);

}  // namespace uid2
