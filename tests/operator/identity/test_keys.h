// test_keys.h: test helpers: a key table with a KeyLookup, and a tiny reader for the bundled
// local salts (data/uid2/core/salts), independent of the store's parser.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "operator/identity/types.h"

namespace uid2::operator_identity::testing {

// KeyTable maps key ids to secrets; Lookup() is a KeyLookup over it.
class KeyTable {
 public:
  TokenKey Add(int32_t id, std::string_view secret_b64);
  TokenKey AddRandom(int32_t id);
  KeyLookup Lookup() const;

 private:
  std::map<int32_t, TokenKey> keys_;
};

struct SaltLine {
  int64_t id = 0;
  std::string salt;  // empty when the bucket has none (v4)
  int64_t cur_key_id = 0;
  std::string cur_key;
  std::string cur_key_salt;
};

struct LocalSalts {
  std::string first_level;
  std::string id_prefix;
  std::string id_secret;
  std::vector<SaltLine> lines;
};

// LoadLocalSalts reads data/uid2/core/salts/metadata.json and the salts file named
// `file_name` (relative to the repository root, the tests' working directory). Fails the
// calling test (ADD_FAILURE) and returns nullopt when something is missing.
std::optional<LocalSalts> LoadLocalSalts(const std::string& file_name);

}  // namespace uid2::operator_identity::testing
