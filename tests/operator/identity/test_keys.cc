#include "test_keys.h"

#include <gtest/gtest.h>

#include <sstream>

#include "common/file.h"
#include "common/json.h"
#include "crypto/random.h"
#include "operator/identity/envelope.h"

namespace uid2::operator_identity::testing {

TokenKey KeyTable::Add(int32_t id, std::string_view secret_b64) {
  std::optional<KeySecret> secret = ParseKeySecret(secret_b64);
  EXPECT_TRUE(secret.has_value()) << secret_b64;
  TokenKey k{id, secret.value_or(KeySecret{})};
  keys_[id] = k;
  return k;
}

TokenKey KeyTable::AddRandom(int32_t id) {
  TokenKey k{id, {}};
  crypto::RandomFill(k.secret);
  keys_[id] = k;
  return k;
}

KeyLookup KeyTable::Lookup() const {
  return [this](int32_t id) -> std::optional<TokenKey> {
    auto it = keys_.find(id);
    if (it == keys_.end()) return std::nullopt;
    return it->second;
  };
}

namespace {
std::vector<std::string> SplitCommas(const std::string& line) {
  std::vector<std::string> out;
  std::string field;
  std::istringstream in(line);
  while (std::getline(in, field, ',')) out.push_back(field);
  if (!line.empty() && line.back() == ',') out.push_back("");
  return out;
}
}  // namespace

std::optional<LocalSalts> LoadLocalSalts(const std::string& file_name) {
  const std::string dir = "data/uid2/core/salts/";
  auto meta_text = ReadFile(dir + "metadata.json");
  if (!meta_text.ok()) {
    ADD_FAILURE() << meta_text.error().message();
    return std::nullopt;
  }
  auto meta = ParseJson(*meta_text);
  if (!meta.ok()) {
    ADD_FAILURE() << meta.error().message();
    return std::nullopt;
  }
  LocalSalts salts;
  salts.first_level = (*meta)["first_level"].GetString();
  salts.id_prefix = (*meta)["id_prefix"].GetString();
  salts.id_secret = (*meta)["id_secret"].GetString();
  auto text = ReadFile(dir + file_name);
  if (!text.ok()) {
    ADD_FAILURE() << text.error().message();
    return std::nullopt;
  }
  std::istringstream in(*text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::vector<std::string> f = SplitCommas(line);
    if (f.size() != 11) {
      ADD_FAILURE() << "salt line has " << f.size() << " fields: " << line;
      return std::nullopt;
    }
    SaltLine s;
    s.id = std::stoll(f[0]);
    s.salt = f[2];
    s.cur_key_id = f[5].empty() ? 0 : std::stoll(f[5]);
    s.cur_key = f[6];
    s.cur_key_salt = f[7];
    salts.lines.push_back(s);
  }
  return salts;
}

}  // namespace uid2::operator_identity::testing
