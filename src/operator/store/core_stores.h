// core_stores.h: parsers for the core stores' metadata and content files (spec §4.2).
//
// Every metadata file is {"version", "generated", "<key>": {"location"}}; the content is a JSON
// array of records. The parsers validate types and required fields; errors name the record
// index and the field ("record 3: field 'site_id': expected an integer"). Callers add the file.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "operator/store/config.h"
#include "operator/store/records.h"

namespace uid2::store {

// The JSON key of each store's content in its metadata ("client_keys" for kClients, ...).
std::string_view StoreContentKey(StoreId id);

struct StoreMetadata {
  int64_t version = 0;
  int64_t generated = 0;
  std::string location;  // "" for runtime_config (its data is inline)
};

// ParseStoreMetadata reads version, generated and <content key>.location.
Result<StoreMetadata> ParseStoreMetadata(StoreId id, std::string_view json);

Result<std::vector<ClientKey>> ParseClients(std::string_view json);
Result<std::vector<Keyset>> ParseKeysets(std::string_view json);
Result<std::vector<KeysetKey>> ParseKeysetKeys(std::string_view json);
Result<std::vector<Site>> ParseSites(std::string_view json);
Result<std::vector<ClientSideKeypair>> ParseClientSideKeypairs(std::string_view json);
Result<std::vector<Service>> ParseServices(std::string_view json);
Result<std::vector<ServiceLink>> ParseServiceLinks(std::string_view json);
// ParseRuntimeConfigMetadata reads the "runtime_config" object of the runtime_config store's
// metadata.json and validates it (ValidateRuntimeConfig).
Result<RuntimeConfig> ParseRuntimeConfigMetadata(std::string_view json);

}  // namespace uid2::store
