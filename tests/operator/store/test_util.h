// test_util.h: helpers for the store tests (temporary directories, dataset copies, a fixed
// clock). Tests run from the repository root (ctest's working directory).
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "operator/store/config.h"

namespace uid2::store::testing {

// TempDir creates a fresh directory under $TMPDIR and removes it on destruction.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "uid2-store-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data()) ? tmpl : "";
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline void WriteText(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

inline std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// LocalConfigFor loads conf/local-config.json and points it at `core_dir`.
inline OperatorConfig LocalConfigFor(const std::string& core_dir) {
  auto c = LoadOperatorConfigProfile("local");
  OperatorConfig config = c.ok() ? *c : OperatorConfig{};
  config.core_data_dir = core_dir;
  return config;
}

// 2026-01-01T00:00:00Z: after every test key activates, before they expire (except key 11).
inline constexpr int64_t kTestNowMs = 1767225600000;

}  // namespace uid2::store::testing
