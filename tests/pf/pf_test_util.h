// pf_test_util.h: temporary host files and whole-file helpers for the protected files tests.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "common/bytes.h"
#include "pf/protected_file.h"

namespace uid2::pf::testing {

// TempDir creates a fresh directory under $TMPDIR and removes it on destruction.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "uid2-pf-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data()) ? tmpl : "";
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string File(const std::string& name) const { return path_ + "/" + name; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Fd owns a file descriptor.
class Fd {
 public:
  explicit Fd(const std::string& path, int flags = O_RDWR | O_CREAT)
      : fd_(::open(path.c_str(), flags, 0644)) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

inline Key TestKey(uint8_t seed = 1) {
  Key k;
  for (size_t i = 0; i < k.size(); i++) k[i] = static_cast<uint8_t>(seed * 16 + i);
  return k;
}

inline Bytes Pattern(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  Bytes b(n);
  for (auto& x : b) x = static_cast<uint8_t>(rng());
  return b;
}

inline Bytes ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), {});
}

inline void WriteAll(const std::string& path, ByteSpan data) {
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      .write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
}

inline uint64_t HostSize(const std::string& path) { return std::filesystem::file_size(path); }

// EncryptTo writes `plain` as a new protected file at `host` bound to `bound`.
inline void EncryptTo(const std::string& host, const std::string& bound, ByteSpan plain,
                      const Key& key = TestKey()) {
  Fd fd(host, O_RDWR | O_CREAT | O_TRUNC);
  auto pf = ProtectedFile::Open(fd.get(), bound, key, Mode::kReadWrite, /*create=*/true);
  ASSERT_TRUE(pf.ok()) << pf.error().message();
  ASSERT_TRUE((*pf)->Write(0, plain).ok());
  Status st = (*pf)->Close();
  ASSERT_TRUE(st.ok()) << st.error().message();
}

// DecryptFrom reads a whole protected file; an Error when it is refused.
inline Result<Bytes> DecryptFrom(const std::string& host, const std::string& bound,
                                 const Key& key = TestKey()) {
  Fd fd(host, O_RDONLY);
  UID2_ASSIGN_OR_RETURN(auto pf, ProtectedFile::Open(fd.get(), bound, key, Mode::kRead, false));
  Bytes out(pf->size());
  UID2_ASSIGN_OR_RETURN(size_t n, pf->Read(0, out));
  if (n != out.size()) return Error::Internal("short read");
  return out;
}

}  // namespace uid2::pf::testing
