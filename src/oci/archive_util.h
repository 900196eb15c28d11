// archive_util.h: RAII and error helpers for libarchive handles (private to src/oci).
#pragma once

#include <archive.h>
#include <archive_entry.h>

#include <memory>
#include <string>

#include "common/status.h"

namespace uid2::oci {

struct ArchiveReadDeleter {
  void operator()(archive* a) const { archive_read_free(a); }
};
struct ArchiveWriteDeleter {
  void operator()(archive* a) const { archive_write_free(a); }
};
struct ArchiveEntryDeleter {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};
using ArchiveReader = std::unique_ptr<archive, ArchiveReadDeleter>;
using ArchiveWriter = std::unique_ptr<archive, ArchiveWriteDeleter>;
using ArchiveEntryPtr = std::unique_ptr<archive_entry, ArchiveEntryDeleter>;

// ArchiveMessage returns libarchive's last error text (or "unknown archive error").
inline std::string ArchiveMessage(archive* a) {
  const char* s = archive_error_string(a);
  return s ? s : "unknown archive error";
}

// NewTarReader returns a reader for tar archives in any compression libarchive supports.
inline ArchiveReader NewTarReader() {
  ArchiveReader a(archive_read_new());
  archive_read_support_filter_all(a.get());
  archive_read_support_format_tar(a.get());
  archive_read_support_format_gnutar(a.get());
  return a;
}

// kReadBlock is the read size for files fed to libarchive.
constexpr size_t kReadBlock = 1 << 20;

}  // namespace uid2::oci
