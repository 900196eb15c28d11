// fuzz_manifest: TOML manifest parsing, Gramine defaults, parameters, the linter, and the
// tomli-w writer. Property: what the writer emits parses back to an equal tree and is a fixed
// point of writing.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "manifest/lint.h"
#include "manifest/manifest.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace uid2::manifest;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  uid2::Result<Manifest> m = ParseManifest(text, "fuzz");
  if (!m.ok()) return 0;
  LintOptions lint;
  lint.check_files = false;
  (void)LintManifest(*m, lint);
  std::string first = WriteManifestSgx(*m);
  uid2::Result<Manifest> again = ParseManifest(first, "rewritten");
  if (!again.ok() || !again->root.Equals(m->root, /*ordered=*/false)) std::abort();
  if (WriteManifestSgx(*again) != first) std::abort();
  if (ApplyGramineDefaults(&*m).ok()) {
    (void)EnclaveParamsFrom(*m);
    (void)WriteManifestSgx(*m);
  }
  return 0;
}
