// Fuzzes the core store JSON parsers and the config parser. The first byte picks the parser.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "operator/store/config.h"
#include "operator/store/core_stores.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace uid2::store;
  if (size == 0) return 0;
  std::string_view json(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] % 11) {
    case 0:
      (void)ParseClients(json);
      break;
    case 1:
      (void)ParseKeysets(json);
      break;
    case 2:
      (void)ParseKeysetKeys(json);
      break;
    case 3:
      (void)ParseSites(json);
      break;
    case 4:
      (void)ParseClientSideKeypairs(json);
      break;
    case 5:
      (void)ParseServices(json);
      break;
    case 6:
      (void)ParseServiceLinks(json);
      break;
    case 7:
      (void)ParseRuntimeConfigMetadata(json);
      break;
    case 8:
      (void)ParseStoreMetadata(StoreId::kClients, json);
      break;
    case 9:
      (void)ParseOperatorConfig(json, "fuzz.json");
      break;
    case 10:
      (void)ParseStoreMetadata(StoreId::kRuntimeConfig, json);
      break;
  }
  return 0;
}
