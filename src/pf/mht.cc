// mht.cc: MHT node entries (layout in mht.h).
#include "pf/mht.h"

#include <algorithm>
#include <cassert>

namespace uid2::pf {

CryptoData GetCryptoData(std::span<const uint8_t, PF_NODE_SIZE> mht, size_t slot) {
  assert(slot < ATTACHED_DATA_NODES_COUNT + CHILD_MHT_NODES_COUNT);
  ByteReader r(ByteSpan(mht).subspan(slot * kCryptoDataSize, kCryptoDataSize));
  CryptoData entry;
  bool ok = r.ReadInto(entry.key) && r.ReadInto(entry.mac);
  assert(ok);
  (void)ok;
  return entry;
}

void PutCryptoData(std::span<uint8_t, PF_NODE_SIZE> mht, size_t slot, const CryptoData& entry) {
  assert(slot < ATTACHED_DATA_NODES_COUNT + CHILD_MHT_NODES_COUNT);
  auto out = mht.begin() + static_cast<std::ptrdiff_t>(slot * kCryptoDataSize);
  out = std::copy(entry.key.begin(), entry.key.end(), out);
  std::copy(entry.mac.begin(), entry.mac.end(), out);
}

}  // namespace uid2::pf
