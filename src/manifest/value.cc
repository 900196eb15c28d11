// value.cc: the ordered TOML value tree.
#include "manifest/value.h"

#include <algorithm>

namespace uid2::manifest {

Value Value::String(std::string s) {
  Value v;
  v.kind_ = Kind::kString;
  v.str_ = std::move(s);
  return v;
}

Value Value::Integer(int64_t i) {
  Value v;
  v.kind_ = Kind::kInteger;
  v.int_ = i;
  return v;
}

Value Value::Float(double d) {
  Value v;
  v.kind_ = Kind::kFloat;
  v.float_ = d;
  return v;
}

Value Value::Boolean(bool b) {
  Value v;
  v.kind_ = Kind::kBoolean;
  v.int_ = b ? 1 : 0;
  return v;
}

Value Value::DateTime(std::string python_text) {
  Value v;
  v.kind_ = Kind::kDateTime;
  v.str_ = std::move(python_text);
  return v;
}

Value Value::MakeArray(Array items) {
  Value v;
  v.kind_ = Kind::kArray;
  v.array_ = std::move(items);
  return v;
}

Value Value::MakeTable(Table entries) {
  Value v;
  v.kind_ = Kind::kTable;
  v.table_ = std::move(entries);
  return v;
}

const Value* Value::Find(std::string_view key) const {
  for (const auto& [k, v] : table_) {
    if (k == key) return &v;
  }
  return nullptr;
}

Value* Value::Find(std::string_view key) {
  return const_cast<Value*>(static_cast<const Value*>(this)->Find(key));
}

Value& Value::Set(std::string_view key, Value v) {
  if (Value* existing = Find(key)) {
    SourcePos pos = existing->pos;
    *existing = std::move(v);
    if (existing->pos.line == 0) existing->pos = pos;
    return *existing;
  }
  table_.emplace_back(std::string(key), std::move(v));
  return table_.back().second;
}

Value& Value::SetDefault(std::string_view key, Value v) {
  if (Value* existing = Find(key)) return *existing;
  table_.emplace_back(std::string(key), std::move(v));
  return table_.back().second;
}

bool Value::Erase(std::string_view key) {
  auto it =
      std::find_if(table_.begin(), table_.end(), [&](const auto& e) { return e.first == key; });
  if (it == table_.end()) return false;
  table_.erase(it);
  return true;
}

const Value* Value::FindPath(std::string_view dotted) const {
  const Value* cur = this;
  while (cur) {
    size_t dot = dotted.find('.');
    if (!cur->is_table()) return nullptr;
    cur = cur->Find(dotted.substr(0, dot));
    if (dot == std::string_view::npos) return cur;
    dotted.remove_prefix(dot + 1);
  }
  return nullptr;
}

std::string_view Value::TypeName() const {
  switch (kind_) {
    case Kind::kString:
      return "string";
    case Kind::kInteger:
      return "integer";
    case Kind::kFloat:
      return "float";
    case Kind::kBoolean:
      return "boolean";
    case Kind::kDateTime:
      return "datetime";
    case Kind::kArray:
      return "array";
    case Kind::kTable:
      return "table";
  }
  return "?";
}

bool Value::Equals(const Value& o, bool ordered) const {
  if (kind_ != o.kind_) return false;
  switch (kind_) {
    case Kind::kString:
    case Kind::kDateTime:
      return str_ == o.str_;
    case Kind::kInteger:
    case Kind::kBoolean:
      return int_ == o.int_;
    case Kind::kFloat:
      return float_ == o.float_ || (float_ != float_ && o.float_ != o.float_);
    case Kind::kArray:
      if (array_.size() != o.array_.size()) return false;
      for (size_t i = 0; i < array_.size(); i++) {
        if (!array_[i].Equals(o.array_[i], ordered)) return false;
      }
      return true;
    case Kind::kTable:
      if (table_.size() != o.table_.size()) return false;
      for (size_t i = 0; i < table_.size(); i++) {
        if (ordered) {
          if (table_[i].first != o.table_[i].first) return false;
          if (!table_[i].second.Equals(o.table_[i].second, ordered)) return false;
        } else {
          const Value* other = o.Find(table_[i].first);
          if (!other || !table_[i].second.Equals(*other, ordered)) return false;
        }
      }
      return true;
  }
  return false;
}

}  // namespace uid2::manifest
