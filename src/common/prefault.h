// prefault.h: paging in a large, freshly allocated buffer before it is filled.
#pragma once

#include <cstddef>

namespace uid2 {

// kPrefaultMin: buffers below this size are left alone.
inline constexpr size_t kPrefaultMin = size_t{16} << 20;

// PrefaultPages makes the whole pages inside [data, data + size) resident and writable in one
// system call (madvise MADV_POPULATE_WRITE, Linux 5.14+), for a buffer of hundreds of MB about to
// be written front to back (a decrypted salt file, the table built from it): one call instead of
// a page fault per 4 KiB while the data is written. Measured on the 2-core VM of
// docs/benchmarks.md ("Core sync at production size"), a sync into fresh memory took about half
// the CPU time of the page faults it replaces; transparent huge pages (MADV_HUGEPAGE, used
// before) were slower still there, the kernel compacting memory on the faults. Best effort:
// nothing below kPrefaultMin, nothing where the kernel (or a library OS) does not support it;
// the contents are unchanged either way.
void PrefaultPages(const void* data, size_t size);

}  // namespace uid2
