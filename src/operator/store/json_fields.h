// json_fields.h: typed reads of a JSON object's members with errors that name the member and
// the value (internal to the store library).
//
//   JsonFields f(obj, "field");
//   int32_t id; UID2_RETURN_IF_ERROR(f.ReqInt32("site_id", &id));
//   // error: "field 'site_id': expected an integer, got \"abc\""
//
// Optional readers (Bool, String, Int64InRange, Opt*) leave the output unchanged when the member
// is absent or null. UnreadKeys() lists members never asked for.
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace uid2::store {

class JsonFields {
 public:
  // `obj` must be an object and outlive this. `what` prefixes names: "key" or "field".
  JsonFields(const rapidjson::Value& obj, std::string_view what) : obj_(obj), what_(what) {}

  Status Bool(std::string_view name, bool* out);
  Status String(std::string_view name, std::string* out);
  Status OptString(std::string_view name, std::optional<std::string>* out);
  Status OptInt64(std::string_view name, std::optional<int64_t>* out);
  Status Int64InRange(std::string_view name, int64_t lo, int64_t hi, int64_t* out);
  Status IntInRange(std::string_view name, int lo, int hi, int* out);

  Status ReqBool(std::string_view name, bool* out);
  Status ReqString(std::string_view name, std::string* out);
  Status ReqInt64(std::string_view name, int64_t* out);
  Status ReqInt32(std::string_view name, int32_t* out);
  // OptInt32 leaves *out unchanged when absent or null.
  Status OptInt32(std::string_view name, int32_t* out);
  // StringArray: absent/null -> leaves *out unchanged; else every element must be a string.
  Status StringArray(std::string_view name, std::vector<std::string>* out);

  // Find returns the member or nullptr (absent). Marks it read.
  const rapidjson::Value* Find(std::string_view name);

  // BadValue: "<what> '<name>': <expectation>, got <value>".
  Error BadValue(std::string_view name, std::string_view expectation, std::string_view shown);
  Error BadType(std::string_view name, std::string_view expectation, const rapidjson::Value& v);
  Error Missing(std::string_view name);

  std::vector<std::string> UnreadKeys() const;

 private:
  const rapidjson::Value& obj_;
  std::string what_;
  std::set<std::string, std::less<>> read_;
};

// ShowJson renders a value for an error message (at most 60 characters).
std::string ShowJson(const rapidjson::Value& v);

}  // namespace uid2::store
