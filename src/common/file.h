// file.h: whole-file reads and atomic writes, with errors that name the path.
#pragma once

#include <sys/types.h>
#include <string>

#include "common/bytes.h"
#include "common/status.h"

namespace uid2 {

Result<std::string> ReadFile(const std::string& path);
Result<Bytes> ReadFileBytes(const std::string& path);

// WriteFileAtomic writes to a temporary file beside `path`, fsyncs it, sets `mode` and renames
// it over `path`, so a reader never sees a partial file.
Status WriteFileAtomic(const std::string& path, ByteSpan data, mode_t mode = 0644);
inline Status WriteFileAtomic(const std::string& path, std::string_view data, mode_t mode = 0644) {
  return WriteFileAtomic(path, AsBytes(data), mode);
}

}  // namespace uid2
