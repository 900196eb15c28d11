// Fuzzes the allowlist and operators file parsers (files an operator of core-local edits).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "corelocal/allowlist.h"
#include "corelocal/core_data.h"
#include "corelocal/operators.h"
#include "corelocal/sigstruct_fields.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto list = uid2::corelocal::ParseAllowlist(text);
  if (list.ok()) (void)uid2::corelocal::ParseAllowlist(uid2::corelocal::AllowlistToJson(*list));
  (void)uid2::corelocal::ParseOperators(text);
  (void)uid2::corelocal::ParseCloudEncryptionKeys(text);
  (void)uid2::corelocal::MapLocation(text);
  (void)uid2::corelocal::ReadSigstructIdentity({data, size});
  return 0;
}
