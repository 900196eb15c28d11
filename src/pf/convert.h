// convert.h: whole-file conversion between plaintext and protected files over file descriptors
// (what gramine-sgx-pf-crypt's pf_encrypt_file / pf_decrypt_file do; used by `shroud pf`).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "common/status.h"
#include "pf/protected_file.h"

namespace uid2::pf {

// OnProgress is told how many plaintext bytes were just converted.
using OnProgress = std::function<void(uint64_t)>;

// EncryptFd reads `in_fd` to its end and writes it as a new protected file into `out_fd` (which
// must be empty and read-write), bound to `bound_path`. Returns the plaintext size. Errors name
// the bound path. A regular input of up to 4 GiB is written in one pass on two threads (memory:
// 1/96 of its size), and `on_progress` may then be called on either (never on both at once);
// pipes and larger inputs go through ProtectedFile.
Result<uint64_t> EncryptFd(int in_fd, int out_fd, const std::string& bound_path, const Key& key,
                           const OnProgress& on_progress = {});

struct Decrypted {
  uint64_t size = 0;
  std::string bound_path;
};

// DecryptFd writes the plaintext of the protected file `in_fd` to `out_fd`, decrypting on two
// threads; nothing after the first chunk that fails is written. An empty
// `bound_path` skips the binding check (the file's own is returned). `on_size` is told the
// plaintext size once the file is open.
Result<Decrypted> DecryptFd(int in_fd, int out_fd, const std::string& bound_path, const Key& key,
                            const OnProgress& on_size = {}, const OnProgress& on_progress = {});

}  // namespace uid2::pf
