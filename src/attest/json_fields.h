// json_fields.h: typed field access on RapidJSON objects with errors that name the key.
// Internal to uid2_attest.
#pragma once

#include <rapidjson/document.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/encoding.h"
#include "common/status.h"

namespace uid2::attest::json {

inline Result<const rapidjson::Value*> Member(const rapidjson::Value& obj, std::string_view key) {
  if (!obj.IsObject()) return Error::Invalid("expected a JSON object");
  auto it = obj.FindMember(rapidjson::StringRef(key.data(), key.size()));
  if (it == obj.MemberEnd()) return Error::Invalid("missing key '" + std::string(key) + "'");
  return &it->value;
}

inline Result<std::string> String(const rapidjson::Value& obj, std::string_view key) {
  UID2_ASSIGN_OR_RETURN(const rapidjson::Value* v, Member(obj, key));
  if (!v->IsString()) return Error::Invalid("key '" + std::string(key) + "' must be a string");
  return std::string(v->GetString(), v->GetStringLength());
}

inline Result<int64_t> Int(const rapidjson::Value& obj, std::string_view key, int64_t min,
                           int64_t max) {
  UID2_ASSIGN_OR_RETURN(const rapidjson::Value* v, Member(obj, key));
  if (!v->IsInt64()) return Error::Invalid("key '" + std::string(key) + "' must be an integer");
  int64_t n = v->GetInt64();
  if (n < min || n > max) {
    return Error::Invalid("key '" + std::string(key) + "' = " + std::to_string(n) + " outside [" +
                          std::to_string(min) + ", " + std::to_string(max) + "]");
  }
  return n;
}

template <size_t N>
Status Hex(const rapidjson::Value& obj, std::string_view key, std::array<uint8_t, N>* out) {
  UID2_ASSIGN_OR_RETURN(std::string text, String(obj, key));
  std::optional<Bytes> b = HexDecode(text);
  if (!b || b->size() != N) {
    return Error::Invalid("key '" + std::string(key) + "' must be " + std::to_string(2 * N) +
                          " hex digits");
  }
  std::copy(b->begin(), b->end(), out->begin());
  return Ok();
}

}  // namespace uid2::attest::json
