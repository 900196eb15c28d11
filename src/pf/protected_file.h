// protected_file.h: Gramine's protected files (the `type = "encrypted"` mount format), read and
// written random-access through a host file descriptor, bit-compatible with Gramine 1.9
// (common/src/protected_files/). The on-disk layout is described in format.h.
//
//   UID2_ASSIGN_OR_RETURN(auto pf, pf::ProtectedFile::Open(fd, "data/db.sqlite", key,
//                                                            pf::Mode::kReadWrite,
//                                                            /*create=*/false));
//   UID2_ASSIGN_OR_RETURN(size_t n, pf->Read(0, buf));
//   UID2_RETURN_IF_ERROR(pf->Write(4096, more));
//   UID2_RETURN_IF_ERROR(pf->Close());
//
// Every error names the bound path (`path` given to Open) so callers can report it as is. A file
// whose header, metadata or any node fails its check is refused (kVerifyFailed or kInvalid):
// no unauthenticated byte is ever returned.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "common/status.h"

namespace uid2::pf {

// Key is Gramine's pf_key_t: the 16-byte key-derivation key of a mount (the "wrap key" of
// gramine-sgx-pf-crypt, fs.insecure__keys.NAME, /dev/attestation/keys/NAME).
using Key = std::array<uint8_t, 16>;

enum class Mode { kRead, kReadWrite };

class FileState;  // protected_file.cc

// ProtectedFile is one open protected file. Not thread-safe: callers serialise access.
class ProtectedFile {
 public:
  // Open opens the protected file stored in host file `fd` (not owned; it must stay open until
  // Close or destruction, and be opened O_RDWR for kReadWrite). `path` is the path bound into the
  // metadata (Gramine: the normalised host path of the file, the URI without "file:"); a file
  // bound to another path is refused. An empty `path` with create=false skips that check, as
  // pf_open with a NULL path (gramine-sgx-pf-crypt decrypt without --verify); path() then gives
  // the bound one. With create=true a new empty protected file is initialised (and written at
  // once, as Gramine does); fd should be empty or truncated.
  // Errors: kInvalid (not a protected file, bad version, host size not a multiple of 4096,
  // truncated, path longer than 771 bytes), kVerifyFailed (wrong key, tampered metadata or root
  // node, path mismatch), kIo (the host file cannot be read or written).
  static Result<std::unique_ptr<ProtectedFile>> Open(int fd, std::string path, const Key& key,
                                                     Mode mode, bool create);

  // The destructor flushes like Close() when Close() was not called (errors are dropped there,
  // so call Close() to see them).
  ~ProtectedFile();
  ProtectedFile(const ProtectedFile&) = delete;
  ProtectedFile& operator=(const ProtectedFile&) = delete;

  // size is the plaintext size.
  uint64_t size() const;
  // path is the path currently bound into the metadata.
  const std::string& path() const;

  // Read copies up to out.size() bytes from `offset`; it returns fewer at end of file (0 at or
  // past it). kVerifyFailed when a node on the way fails its MAC (the file is then unusable).
  Result<size_t> Read(uint64_t offset, std::span<uint8_t> out);
  // Write stores data at `offset`, extending the file as needed; a gap between the old size and
  // `offset` reads as zeros. An empty write changes nothing (pf_write would extend the file to
  // `offset`). REQUIRES: Mode::kReadWrite (kInvalid otherwise).
  Status Write(uint64_t offset, std::span<const uint8_t> data);
  // SetSize truncates or extends (with zeros) to `size`, as pf_set_size: a shrink flushes, then
  // truncates the host file after the last node still in use.
  Status SetSize(uint64_t size);
  // Rename binds the file to `new_path` and flushes (as pf_rename). The caller renames the host
  // file itself.
  Status Rename(std::string new_path);
  // Flush encrypts the dirty nodes with fresh keys and writes them, then the metadata node.
  Status Flush();
  // Close flushes and releases the node cache; the object is unusable afterwards.
  Status Close();

 private:
  explicit ProtectedFile(std::unique_ptr<FileState> state);
  std::unique_ptr<FileState> state_;
};

}  // namespace uid2::pf
