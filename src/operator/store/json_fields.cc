#include "operator/store/json_fields.h"

#include "common/json.h"

namespace uid2::store {

std::string ShowJson(const rapidjson::Value& v) {
  std::string s = JsonToString(v);
  if (s.size() > 60) s = s.substr(0, 57) + "...";
  return s;
}

const rapidjson::Value* JsonFields::Find(std::string_view name) {
  read_.emplace(name);
  auto it = obj_.FindMember(rapidjson::Value(
      rapidjson::StringRef(name.data(), static_cast<rapidjson::SizeType>(name.size()))));
  if (it == obj_.MemberEnd()) return nullptr;
  return &it->value;
}

Error JsonFields::BadValue(std::string_view name, std::string_view expectation,
                           std::string_view shown) {
  return Error::Invalid(what_ + " '" + std::string(name) + "': " + std::string(expectation) +
                        ", got " + std::string(shown));
}

Error JsonFields::BadType(std::string_view name, std::string_view expectation,
                          const rapidjson::Value& v) {
  return BadValue(name, expectation, ShowJson(v));
}

Error JsonFields::Missing(std::string_view name) {
  return Error::Invalid(what_ + " '" + std::string(name) + "' is missing");
}

Status JsonFields::Bool(std::string_view name, bool* out) {
  const rapidjson::Value* v = Find(name);
  if (!v || v->IsNull()) return Ok();
  if (!v->IsBool()) return BadType(name, "expected true or false", *v);
  *out = v->GetBool();
  return Ok();
}

Status JsonFields::String(std::string_view name, std::string* out) {
  const rapidjson::Value* v = Find(name);
  if (!v || v->IsNull()) return Ok();
  if (!v->IsString()) return BadType(name, "expected a string", *v);
  out->assign(v->GetString(), v->GetStringLength());
  return Ok();
}

Status JsonFields::OptString(std::string_view name, std::optional<std::string>* out) {
  const rapidjson::Value* v = Find(name);
  if (!v || v->IsNull()) return Ok();
  if (!v->IsString()) return BadType(name, "expected a string or null", *v);
  *out = std::string(v->GetString(), v->GetStringLength());
  return Ok();
}

Status JsonFields::OptInt64(std::string_view name, std::optional<int64_t>* out) {
  const rapidjson::Value* v = Find(name);
  if (!v || v->IsNull()) return Ok();
  if (!v->IsInt64()) return BadType(name, "expected an integer", *v);
  *out = v->GetInt64();
  return Ok();
}

Status JsonFields::Int64InRange(std::string_view name, int64_t lo, int64_t hi, int64_t* out) {
  const rapidjson::Value* v = Find(name);
  if (!v || v->IsNull()) return Ok();
  if (!v->IsInt64() || v->GetInt64() < lo || v->GetInt64() > hi) {
    return BadType(
        name, "expected an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]",
        *v);
  }
  *out = v->GetInt64();
  return Ok();
}

Status JsonFields::IntInRange(std::string_view name, int lo, int hi, int* out) {
  int64_t wide = *out;
  UID2_RETURN_IF_ERROR(Int64InRange(name, lo, hi, &wide));
  *out = static_cast<int>(wide);
  return Ok();
}

Status JsonFields::ReqBool(std::string_view name, bool* out) {
  const rapidjson::Value* v = Find(name);
  if (!v) return Missing(name);
  if (!v->IsBool()) return BadType(name, "expected true or false", *v);
  *out = v->GetBool();
  return Ok();
}

Status JsonFields::ReqString(std::string_view name, std::string* out) {
  const rapidjson::Value* v = Find(name);
  if (!v) return Missing(name);
  if (!v->IsString()) return BadType(name, "expected a string", *v);
  out->assign(v->GetString(), v->GetStringLength());
  return Ok();
}

Status JsonFields::ReqInt64(std::string_view name, int64_t* out) {
  const rapidjson::Value* v = Find(name);
  if (!v) return Missing(name);
  if (!v->IsInt64()) return BadType(name, "expected an integer", *v);
  *out = v->GetInt64();
  return Ok();
}

Status JsonFields::ReqInt32(std::string_view name, int32_t* out) {
  const rapidjson::Value* v = Find(name);
  if (!v) return Missing(name);
  if (!v->IsInt()) return BadType(name, "expected a 32-bit integer", *v);
  *out = v->GetInt();
  return Ok();
}

Status JsonFields::OptInt32(std::string_view name, int32_t* out) {
  const rapidjson::Value* v = Find(name);
  if (!v || v->IsNull()) return Ok();
  if (!v->IsInt()) return BadType(name, "expected a 32-bit integer", *v);
  *out = v->GetInt();
  return Ok();
}

Status JsonFields::StringArray(std::string_view name, std::vector<std::string>* out) {
  const rapidjson::Value* v = Find(name);
  if (!v || v->IsNull()) return Ok();
  if (!v->IsArray()) return BadType(name, "expected an array of strings", *v);
  out->clear();
  for (const auto& e : v->GetArray()) {
    if (!e.IsString()) return BadType(name, "expected an array of strings", *v);
    out->emplace_back(e.GetString(), e.GetStringLength());
  }
  return Ok();
}

std::vector<std::string> JsonFields::UnreadKeys() const {
  std::vector<std::string> out;
  for (const auto& m : obj_.GetObject()) {
    std::string_view k(m.name.GetString(), m.name.GetStringLength());
    if (!read_.contains(k)) out.emplace_back(k);
  }
  return out;
}

}  // namespace uid2::store
