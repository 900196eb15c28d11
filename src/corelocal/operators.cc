#include "corelocal/operators.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>

#include "common/encoding.h"
#include "common/file.h"
#include "common/json.h"
#include "crypto/hash.h"
#include "crypto/random.h"

namespace uid2::corelocal {
namespace {

constexpr size_t kSaltBytes = 32;
constexpr size_t kKeyBytes = 32;

Result<std::string> Str(const rapidjson::Value& o, const char* key, bool required) {
  if (!o.HasMember(key)) {
    if (required) return Error::Invalid(std::string("field '") + key + "' is missing");
    return std::string();
  }
  if (!o[key].IsString())
    return Error::Invalid(std::string("field '") + key + "': expected a string");
  return std::string(o[key].GetString(), o[key].GetStringLength());
}

Result<Bytes> B64(const rapidjson::Value& o, const char* key) {
  UID2_ASSIGN_OR_RETURN(std::string text, Str(o, key, true));
  auto bytes = Base64Decode(text, Base64Alphabet::kStandard, Base64Mode::kLenient);
  if (!bytes || bytes->empty()) {
    return Error::Invalid(std::string("field '") + key + "': not base64");
  }
  return std::move(*bytes);
}

Result<OperatorEntry> ReadEntry(const rapidjson::Value& o) {
  if (!o.IsObject()) return Error::Invalid("expected an object");
  OperatorEntry e;
  UID2_ASSIGN_OR_RETURN(e.key_hash, B64(o, "key_hash"));
  if (e.key_hash.size() != 64 && e.key_hash.size() != 32) {
    return Error::Invalid("field 'key_hash': expected 64 bytes (SHA-512) or 32 (SHA-256), got " +
                          std::to_string(e.key_hash.size()));
  }
  UID2_ASSIGN_OR_RETURN(e.key_salt, B64(o, "key_salt"));
  UID2_ASSIGN_OR_RETURN(e.name, Str(o, "name", true));
  UID2_ASSIGN_OR_RETURN(e.contact, Str(o, "contact", false));
  UID2_ASSIGN_OR_RETURN(e.protocol, Str(o, "protocol", true));
  UID2_ASSIGN_OR_RETURN(e.key_id, Str(o, "key_id", false));
  if (o.HasMember("created")) {
    if (!o["created"].IsInt64()) return Error::Invalid("field 'created': expected an integer");
    e.created = o["created"].GetInt64();
  }
  if (o.HasMember("disabled")) {
    if (!o["disabled"].IsBool()) return Error::Invalid("field 'disabled': expected a boolean");
    e.disabled = o["disabled"].GetBool();
  }
  if (!o.HasMember("site_id") || !o["site_id"].IsInt()) {
    return Error::Invalid("field 'site_id': expected an integer");
  }
  e.site_id = o["site_id"].GetInt();
  if (o.HasMember("roles")) {
    if (!o["roles"].IsArray()) return Error::Invalid("field 'roles': expected an array");
    e.roles.clear();
    for (const auto& r : o["roles"].GetArray()) {
      if (!r.IsString()) return Error::Invalid("field 'roles': expected strings");
      e.roles.emplace_back(r.GetString());
    }
    // As uid2-shared's OperatorKey: OPERATOR is always added.
    if (!e.HasRole("OPERATOR")) e.roles.emplace_back("OPERATOR");
  }
  UID2_ASSIGN_OR_RETURN(std::string type, Str(o, "operator_type", false));
  std::transform(type.begin(), type.end(), type.begin(), ::toupper);
  if (type.empty() || type == "PRIVATE") {
    e.operator_type = OperatorType::kPrivate;  // uid2-shared's default
  } else if (type == "PUBLIC") {
    e.operator_type = OperatorType::kPublic;
  } else {
    return Error::Invalid("field 'operator_type': '" + type + "' is not PUBLIC or PRIVATE");
  }
  return e;
}

}  // namespace

bool OperatorEntry::HasRole(std::string_view role) const {
  return std::find(roles.begin(), roles.end(), role) != roles.end();
}

std::string_view OperatorTypeName(OperatorType t) {
  return t == OperatorType::kPublic ? "PUBLIC" : "PRIVATE";
}

Result<std::vector<OperatorEntry>> ParseOperators(std::string_view json) {
  UID2_ASSIGN_OR_RETURN(rapidjson::Document doc, ParseJson(json));
  if (!doc.IsArray()) return Error::Invalid("expected a JSON array of operators");
  std::vector<OperatorEntry> out;
  for (rapidjson::SizeType i = 0; i < doc.Size(); i++) {
    auto e = ReadEntry(doc[i]);
    if (!e.ok()) return std::move(e).error().Context("operator [" + std::to_string(i) + "]");
    out.push_back(std::move(*e));
  }
  return out;
}

Result<std::vector<OperatorEntry>> LoadOperators(const std::string& path) {
  UID2_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  auto ops = ParseOperators(text);
  if (!ops.ok()) return std::move(ops).error().Context(path);
  return ops;
}

std::string OperatorsToJson(const std::vector<OperatorEntry>& entries) {
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  w.StartArray();
  for (const auto& e : entries) {
    w.StartObject();
    w.Key("key_hash");
    w.String(Base64Encode(e.key_hash));
    w.Key("key_salt");
    w.String(Base64Encode(e.key_salt));
    w.Key("name");
    w.String(e.name);
    w.Key("contact");
    w.String(e.contact);
    w.Key("protocol");
    w.String(e.protocol);
    w.Key("created");
    w.Int64(e.created);
    w.Key("disabled");
    w.Bool(e.disabled);
    w.Key("roles");
    w.StartArray();
    for (const auto& r : e.roles) w.String(r);
    w.EndArray();
    w.Key("site_id");
    w.Int(e.site_id);
    w.Key("operator_type");
    w.String(std::string(OperatorTypeName(e.operator_type)));
    w.Key("key_id");
    w.String(e.key_id);
    w.EndObject();
  }
  w.EndArray();
  return sb.GetString();
}

Bytes HashKey(std::string_view key, ByteSpan salt) {
  Bytes input(salt.begin(), salt.end());
  input.insert(input.end(), key.begin(), key.end());
  auto d = crypto::Sha512(input);
  return Bytes(d.begin(), d.end());
}

const OperatorEntry* Authenticate(const std::vector<OperatorEntry>& entries, std::string_view key) {
  if (key.empty()) return nullptr;
  const OperatorEntry* found = nullptr;
  for (const auto& e : entries) {
    Bytes input(e.key_salt.begin(), e.key_salt.end());
    input.insert(input.end(), key.begin(), key.end());
    Bytes hash;
    if (e.key_hash.size() == 64) {
      auto d = crypto::Sha512(input);
      hash.assign(d.begin(), d.end());
    } else {
      auto d = crypto::Sha256(input);
      hash.assign(d.begin(), d.end());
    }
    if (ConstantTimeEquals(hash, e.key_hash) && found == nullptr) found = &e;
  }
  return found;
}

NewOperatorKey MakeOperatorKey(std::string name, int32_t site_id, OperatorType type,
                               std::string protocol, time_t now) {
  NewOperatorKey out;
  std::string prefix = "UID2-O-L-" + std::to_string(site_id) + "-";
  out.key = prefix + Base64UrlEncode(crypto::RandomBytes(kKeyBytes));
  OperatorEntry& e = out.entry;
  e.key_salt = crypto::RandomBytes(kSaltBytes);
  e.key_hash = HashKey(out.key, e.key_salt);
  e.name = std::move(name);
  e.protocol = std::move(protocol);
  e.created = now;
  e.site_id = site_id;
  e.operator_type = type;
  e.key_id = out.key.substr(0, prefix.size() + 6);
  return out;
}

}  // namespace uid2::corelocal
