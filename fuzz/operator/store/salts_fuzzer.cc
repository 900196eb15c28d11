// Fuzzes the salt file parser (11-field lines) and the salts metadata parser; checks the bucket
// lookup stays in range for every parsed set, and that SaltSet::Parse (one pass, fast path)
// accepts exactly the files whose every line ParseSaltLine accepts, with the same entries.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "operator/store/salts.h"

namespace {

bool SameKey(const uid2::store::SaltKey& a, const uid2::store::SaltKey& b) {
  return a.id == b.id && a.key == b.key && a.salt == b.salt;
}

// Reference: split at '\n', drop a '\r' before it, ignore a final empty line.
bool ReferenceParse(std::string_view all, std::vector<uid2::store::SaltEntry>* out) {
  size_t pos = 0;
  while (pos < all.size()) {
    size_t nl = all.find('\n', pos);
    std::string_view line = all.substr(pos, nl == std::string_view::npos ? nl : nl - pos);
    pos = nl == std::string_view::npos ? all.size() : nl + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() && pos >= all.size()) break;
    uid2::store::SaltEntry e;
    if (!uid2::store::ParseSaltLine(line, &e).ok()) return false;
    out->push_back(e);
  }
  return !out->empty();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto set = uid2::store::SaltSet::Parse(text);
  std::vector<uid2::store::SaltEntry> want;
  const bool want_ok = ReferenceParse(text, &want);
  if (set.ok() != want_ok) std::abort();
  if (set.ok()) {
    if ((*set)->size() != want.size()) std::abort();
    for (size_t i = 0; i < want.size(); i++) {
      const uid2::store::SaltEntry a = (*set)->Entry(i);
      const uid2::store::SaltEntry& b = want[i];
      if (a.id != b.id || a.last_updated_ms != b.last_updated_ms ||
          a.refresh_from_ms != b.refresh_from_ms || a.salt != b.salt ||
          a.previous_salt != b.previous_salt || !SameKey(a.current_key, b.current_key) ||
          !SameKey(a.previous_key, b.previous_key)) {
        std::abort();
      }
    }
    const uint8_t h[3] = {0xFF, 0xFF, 0xFF};
    const uid2::store::SaltEntry last = (*set)->Bucket(h);
    const uid2::store::SaltEntry& w = want[uid2::store::SaltBucketIndex(h, want.size())];
    if (last.id != w.id || last.salt != w.salt) std::abort();
  }
  auto meta = uid2::store::ParseSaltsMetadata(text);
  if (meta.ok()) (void)meta->SelectFile(0);
  return 0;
}
