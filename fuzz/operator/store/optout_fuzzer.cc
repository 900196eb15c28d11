// Fuzzes the opt-out record parser and file-name parser; parsed records are indexed and looked
// up, and re-encoding must give back the input bytes.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string_view>

#include "operator/store/optout_file.h"
#include "operator/store/optout_store.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace uid2::store;
  uid2::ByteSpan in(data, size);
  auto name = ParseOptOutFileName(std::string_view(reinterpret_cast<const char*>(data), size));
  if (name && FormatOptOutFileName(*name).size() != size) {
    // Formatting normalises nothing but the replica width, which the parser fixes at 3 digits.
    std::abort();
  }
  auto recs = ParseOptOutRecords(in);
  if (!recs.ok()) return 0;
  uid2::Bytes again;
  for (const auto& r : *recs) EncodeOptOutRecord(r, &again);
  if (again.size() != size || !std::equal(again.begin(), again.end(), data)) std::abort();
  auto idx = std::make_shared<const OptOutIndex>()->WithRecords(*recs);
  for (const auto& r : *recs) {
    bool special =
        r.identity_hash == Hash32{} || std::all_of(r.identity_hash.begin(), r.identity_hash.end(),
                                                   [](uint8_t b) { return b == 0xFF; });
    if (!special && !idx->IsOptedOut(r.identity_hash)) std::abort();
    auto since = idx->OptedOutSince(r.advertising_id);
    if (!since || *since > r.timestamp_s) std::abort();
  }
  return 0;
}
