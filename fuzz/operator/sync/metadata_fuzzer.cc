// Fuzzes the attested sync's metadata parsers. The first byte picks: 0 = opt-out metadata (and
// the file name check of each location), 1 = cloud encryption keys.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "operator/sync/encrypted_file.h"
#include "operator/sync/optout_sync.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace uid2::sync;
  if (size == 0) return 0;
  std::string_view json(reinterpret_cast<const char*>(data + 1), size - 1);
  if (data[0] % 2 == 0) {
    auto m = ParseOptOutMetadata(json);
    if (m.ok()) {
      for (const auto& log : m->logs) (void)OptOutFileNameOf(log.location);
    }
  } else {
    (void)ParseCloudEncryptionKeys(json);
  }
  return 0;
}
