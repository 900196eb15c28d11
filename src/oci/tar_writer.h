// tar_writer.h: reproducible tar (optionally gzip) output.
//
// Every entry gets the same mtime, uid/gid 0, no user/group names and its permission bits only;
// the caller adds entries in a fixed order (AddTree sorts). Output is pax ("restricted": plain
// ustar headers unless a name or size needs a pax record). Compression is zlib's gzip with a
// header that carries no name and mtime 0, so the same entries give the same bytes and digests.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/status.h"

namespace uid2::oci {

struct TarOptions {
  int64_t mtime = 0;  // seconds since 1970 for every entry
  bool gzip = false;
  int gzip_level = 6;  // 1 (fast) .. 9 (small)
};

class TarWriter {
 public:
  // Create starts writing `path` (truncated). Finish must be called to complete it.
  static Result<std::unique_ptr<TarWriter>> Create(const std::string& path,
                                                   const TarOptions& options);
  ~TarWriter();

  Status AddDirectory(std::string_view name, uint32_t mode);
  Status AddData(std::string_view name, uint32_t mode, ByteSpan data);
  // AddFile streams the content of the host file `source`.
  Status AddFile(std::string_view name, uint32_t mode, const std::string& source);
  Status AddSymlink(std::string_view name, std::string_view target);
  Status AddHardlink(std::string_view name, std::string_view target);
  // AddTree adds everything under the host directory `dir` (not `dir` itself), sorted by name,
  // as `prefix` + relative path. Hard-linked files become hard-link entries. Device nodes,
  // FIFOs and sockets are skipped.
  Status AddTree(const std::string& dir, std::string_view prefix);

  // Finish writes the end-of-archive blocks and closes the file.
  Status Finish();
  // After Finish: "sha256:<hex>" of the file written, of the tar before compression, and sizes.
  const std::string& digest() const { return digest_; }
  const std::string& tar_digest() const { return tar_digest_; }
  uint64_t size() const { return size_; }

  struct Impl;

 private:
  explicit TarWriter(std::unique_ptr<Impl> impl);
  Status Header(std::string_view name, uint32_t type, uint32_t mode, int64_t size,
                std::string_view link, bool hardlink);
  Status AddTreeDir(const std::string& dir, const std::string& prefix);

  std::unique_ptr<Impl> impl_;
  std::string digest_, tar_digest_;
  uint64_t size_ = 0;
};

// GzipFile compresses `source` to `dest` reproducibly; returns "sha256:<hex>" of `dest`.
Result<std::string> GzipFile(const std::string& source, const std::string& dest, int level);

}  // namespace uid2::oci
