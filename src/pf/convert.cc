// convert.cc: streaming conversion in 1 MiB chunks (see convert.h).
#include "pf/convert.h"

#include <unistd.h>

#include <cerrno>
#include <memory>
#include <vector>

namespace uid2::pf {
namespace {

constexpr size_t kChunk = size_t{1} << 20;

Status WriteAllFd(int fd, const uint8_t* data, size_t len) {
  size_t done = 0;
  while (done < len) {
    ssize_t n = ::write(fd, data + done, len - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error::Errno("writing the plaintext", errno);
    done += static_cast<size_t>(n);
  }
  return Ok();
}

}  // namespace

Result<uint64_t> EncryptFd(int in_fd, int out_fd, const std::string& bound_path, const Key& key,
                           const OnProgress& on_progress) {
  UID2_ASSIGN_OR_RETURN(std::unique_ptr<ProtectedFile> file,
                        ProtectedFile::Open(out_fd, bound_path, key, Mode::kReadWrite, true));
  std::vector<uint8_t> chunk(kChunk);
  uint64_t offset = 0;
  while (true) {
    ssize_t n = ::read(in_fd, chunk.data(), chunk.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error::Errno("reading the plaintext", errno).Context(bound_path);
    if (n == 0) break;
    const size_t len = static_cast<size_t>(n);
    UID2_RETURN_IF_ERROR(file->Write(offset, std::span<const uint8_t>(chunk.data(), len)));
    offset += len;
    if (on_progress) on_progress(len);
  }
  UID2_RETURN_IF_ERROR(file->Close());
  return offset;
}

Result<Decrypted> DecryptFd(int in_fd, int out_fd, const std::string& bound_path, const Key& key,
                            const OnProgress& on_size, const OnProgress& on_progress) {
  UID2_ASSIGN_OR_RETURN(std::unique_ptr<ProtectedFile> file,
                        ProtectedFile::Open(in_fd, bound_path, key, Mode::kRead, false));
  if (on_size) on_size(file->size());
  std::vector<uint8_t> chunk(kChunk);
  uint64_t offset = 0;
  while (offset < file->size()) {
    UID2_ASSIGN_OR_RETURN(size_t n, file->Read(offset, chunk));
    UID2_RETURN_IF_ERROR(WriteAllFd(out_fd, chunk.data(), n));
    offset += n;
    if (on_progress) on_progress(n);
  }
  Decrypted out{offset, file->path()};
  UID2_RETURN_IF_ERROR(file->Close());
  return out;
}

}  // namespace uid2::pf
