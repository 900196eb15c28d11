// Fuzzes the salt file parser (11-field lines) and the salts metadata parser; checks the bucket
// lookup stays in range for every parsed set.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "operator/store/salts.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto set = uid2::store::SaltSet::Parse(text);
  if (set.ok()) {
    const uint8_t h[3] = {0xFF, 0xFF, 0xFF};
    const auto& e = (*set)->Bucket(h);
    if (&e < (*set)->entries().data() || &e >= (*set)->entries().data() + (*set)->size()) {
      std::abort();
    }
  }
  auto meta = uid2::store::ParseSaltsMetadata(text);
  if (meta.ok()) (void)meta->SelectFile(0);
  return 0;
}
