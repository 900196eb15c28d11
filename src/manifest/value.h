// value.h: an ordered TOML value tree. Unlike toml++'s tables (sorted maps), a Table keeps its
// keys in the order they were first defined in the source, which is the order Gramine's Python
// signer (tomli, then tomli-w) keeps when it writes `.manifest.sgx`.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace uid2::manifest {

// Where a value was defined (1-based; 0 = injected by the program).
struct SourcePos {
  uint32_t line = 0;
  uint32_t column = 0;
};

class Value {
 public:
  enum class Kind { kString, kInteger, kFloat, kBoolean, kDateTime, kArray, kTable };
  using Array = std::vector<Value>;
  using Table = std::vector<std::pair<std::string, Value>>;

  Value() : kind_(Kind::kTable) {}
  static Value String(std::string s);
  static Value Integer(int64_t v);
  static Value Float(double v);
  static Value Boolean(bool v);
  // A TOML date, time or date-time, kept as the text Python's str() gives it.
  static Value DateTime(std::string python_text);
  static Value MakeArray(Array items = {});
  static Value MakeTable(Table entries = {});

  Kind kind() const { return kind_; }
  bool is_string() const { return kind_ == Kind::kString; }
  bool is_integer() const { return kind_ == Kind::kInteger; }
  bool is_bool() const { return kind_ == Kind::kBoolean; }
  bool is_array() const { return kind_ == Kind::kArray; }
  bool is_table() const { return kind_ == Kind::kTable; }

  // Accessors; REQUIRES the matching kind.
  const std::string& str() const { return str_; }
  int64_t integer() const { return int_; }
  double number() const { return float_; }
  bool boolean() const { return int_ != 0; }
  const Array& array() const { return array_; }
  Array& array() { return array_; }
  const Table& table() const { return table_; }
  Table& table() { return table_; }

  // Table helpers (REQUIRES is_table()). Find returns nullptr when absent.
  const Value* Find(std::string_view key) const;
  Value* Find(std::string_view key);
  // Set replaces the value of an existing key in place, or appends the key.
  Value& Set(std::string_view key, Value v);
  // SetDefault appends `key` = v unless present (Python's dict.setdefault); returns the entry.
  Value& SetDefault(std::string_view key, Value v);
  bool Erase(std::string_view key);
  // FindPath follows a dotted path of plain keys ("sgx.cpu_features.avx").
  const Value* FindPath(std::string_view dotted) const;

  // TypeName: "string", "integer", "float", "boolean", "datetime", "array", "table".
  std::string_view TypeName() const;
  // Equals compares kinds and values recursively (table key order included iff `ordered`).
  bool Equals(const Value& other, bool ordered = true) const;

  SourcePos pos;  // of the key (tables) or the value

 private:
  Kind kind_;
  std::string str_;
  int64_t int_ = 0;
  double float_ = 0;
  Array array_;
  Table table_;
};

}  // namespace uid2::manifest
