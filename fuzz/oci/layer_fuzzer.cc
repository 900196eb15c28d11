// oci_layer_fuzzer: feeds arbitrary bytes to the layer reader (any compression, tar formats)
// and applies them to a scratch root. Besides memory errors, it checks the core invariant:
// nothing is ever created outside the root (a sibling "canary" directory must stay empty).
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "oci/layer.h"

namespace {

struct Scratch {
  Scratch() {
    auto t = uid2::oci::TempDir::Create("oci-layer-fuzz");
    if (!t.ok()) std::abort();
    dir = std::make_unique<uid2::oci::TempDir>(std::move(t).value());
    root = dir->path() + "/a/b/root";
    canary = dir->path() + "/a/b/canary";
  }
  std::unique_ptr<uid2::oci::TempDir> dir;
  std::string root, canary;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Scratch s;
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::remove_all(s.dir->path() + "/a", ec);
  if (!uid2::oci::MakeDirs(s.root).ok() || !uid2::oci::MakeDirs(s.canary).ok()) std::abort();
  auto root = uid2::oci::SafeRoot::Open(s.root);
  if (!root.ok()) std::abort();
  uid2::oci::Limits limits;
  limits.max_entry_bytes = 1 << 20;
  limits.max_total_bytes = 4 << 20;
  limits.max_entries = 10000;
  uid2::oci::Budget budget;
  (void)uid2::oci::ApplyLayerBuffer({data, size}, "fuzz", *root, limits, &budget);
  // Invariant: nothing outside the root.
  for (const auto& e : fs::directory_iterator(s.canary, ec)) {
    std::fprintf(stderr, "escaped the root: %s\n", e.path().c_str());
    std::abort();
  }
  for (const auto& e : fs::directory_iterator(s.dir->path() + "/a/b", ec)) {
    std::string n = e.path().filename();
    if (n != "root" && n != "canary") {
      std::fprintf(stderr, "escaped the root: %s\n", e.path().c_str());
      std::abort();
    }
  }
  return 0;
}
