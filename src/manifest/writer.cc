// writer.cc: serialises a Value tree byte-for-byte as tomli-w 1.0.0's dumps() does (the TOML
// writer of Gramine's signer), so `.manifest.sgx` files match the ones gramine-sgx-sign writes:
//   - in each table: plain values first ("k = v"), then sub-tables and arrays of tables in key
//     order, each introduced by one blank line;
//   - a table gets a "[name]" header if it has plain values or no sub-tables at all;
//   - arrays: "[\n" + items each indented 4 spaces per level + ",\n" ... + "]"; empty "[]";
//   - a non-empty array of tables is written inline ("{ k = v, ... }" items) only if every item
//     fits in 100 characters as "    { ... }," without a newline, else as [[name]] blocks;
//   - strings: double quotes; '"' '\\' \b \n \f \r escaped, other controls (not tab) as \u00XX;
//   - keys bare when [A-Za-z0-9_-]+, else as quoted strings.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "manifest/manifest.h"

namespace uid2::manifest {
namespace {

constexpr size_t kMaxLineLength = 100;
constexpr std::string_view kIndent = "    ";

std::string FormatString(std::string_view s) {
  std::string out = "\"";
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    switch (c) {
      case '\b':
        out += "\\b";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\r':
        out += "\\r";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      default:
        if ((c < 0x20 && c != '\t') || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += ch;
        }
    }
  }
  return out + "\"";
}

std::string FormatKey(std::string_view k) {
  bool bare = !k.empty();
  for (char c : k) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_';
    if (!ok) bare = false;
  }
  return bare ? std::string(k) : FormatString(k);
}

// Python's repr(float): shortest round-trip digits; fixed notation for exponents in [-4, 16),
// else d.ddde+XX; always with a '.0' when integral.
std::string FormatFloat(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d < 0 ? "-inf" : "inf";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string sci(buf, end);  // "-1.2345e+05"
  bool neg = sci[0] == '-';
  if (neg) sci.erase(0, 1);
  size_t e = sci.find('e');
  int exp = std::stoi(sci.substr(e + 1));
  std::string digits = sci.substr(0, e);
  if (digits.size() > 1) digits.erase(1, 1);  // drop the '.'
  std::string out;
  if (exp >= -4 && exp < 16) {
    if (exp < 0) {
      out = "0." + std::string(static_cast<size_t>(-exp - 1), '0') + digits;
    } else if (static_cast<size_t>(exp) + 1 >= digits.size()) {
      out = digits + std::string(static_cast<size_t>(exp) + 1 - digits.size(), '0') + ".0";
    } else {
      out = digits.substr(0, exp + 1) + "." + digits.substr(exp + 1);
    }
  } else {
    out = digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    char eb[16];
    std::snprintf(eb, sizeof eb, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
    out += eb;
  }
  return neg ? "-" + out : out;
}

std::string FormatLiteral(const Value& v, size_t nest);

std::string FormatInlineTable(const Value& t) {
  if (t.table().empty()) return "{}";
  std::string out = "{ ";
  bool first = true;
  for (const auto& [k, v] : t.table()) {
    if (!first) out += ", ";
    first = false;
    out += FormatKey(k) + " = " + FormatLiteral(v, 0);
  }
  return out + " }";
}

std::string FormatArray(const Value& a, size_t nest) {
  if (a.array().empty()) return "[]";
  std::string item_indent, close_indent;
  for (size_t i = 0; i < nest; i++) close_indent += kIndent;
  item_indent = close_indent + std::string(kIndent);
  std::string out = "[\n";
  for (size_t i = 0; i < a.array().size(); i++) {
    if (i) out += ",\n";
    out += item_indent + FormatLiteral(a.array()[i], nest + 1);
  }
  return out + ",\n" + close_indent + "]";
}

std::string FormatLiteral(const Value& v, size_t nest) {
  switch (v.kind()) {
    case Value::Kind::kBoolean:
      return v.boolean() ? "true" : "false";
    case Value::Kind::kInteger:
      return std::to_string(v.integer());
    case Value::Kind::kFloat:
      return FormatFloat(v.number());
    case Value::Kind::kDateTime:
      return v.str();
    case Value::Kind::kString:
      return FormatString(v.str());
    case Value::Kind::kArray:
      return FormatArray(v, nest);
    case Value::Kind::kTable:
      return FormatInlineTable(v);
  }
  return "";
}

// Python len(): code points, i.e. bytes that are not UTF-8 continuation bytes.
size_t CodePoints(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xc0) != 0x80;
  return n;
}

bool IsArrayOfTables(const Value& v) {
  if (!v.is_array() || v.array().empty()) return false;
  for (const Value& item : v.array()) {
    if (!item.is_table()) return false;
  }
  return true;
}

bool SuitableInline(const Value& t) {
  std::string rendered = std::string(kIndent) + FormatInlineTable(t) + ",";
  return CodePoints(rendered) <= kMaxLineLength && rendered.find('\n') == std::string::npos;
}

struct SubTable {
  std::string_view key;
  const Value* value;
  bool inside_aot;
};

void WriteTable(const Value& table, const std::string& name, bool inside_aot, std::string* out) {
  bool yielded = false;
  std::vector<std::pair<std::string_view, const Value*>> literals;
  std::vector<SubTable> tables;
  for (const auto& [k, v] : table.table()) {
    if (v.is_table()) {
      tables.push_back({k, &v, false});
    } else if (IsArrayOfTables(v) &&
               !std::all_of(v.array().begin(), v.array().end(), SuitableInline)) {
      for (const Value& item : v.array()) tables.push_back({k, &item, true});
    } else {
      literals.emplace_back(k, &v);
    }
  }
  if (inside_aot || (!name.empty() && (!literals.empty() || tables.empty()))) {
    yielded = true;
    *out += inside_aot ? "[[" + name + "]]\n" : "[" + name + "]\n";
  }
  for (const auto& [k, v] : literals) {
    yielded = true;
    *out += FormatKey(k) + " = " + FormatLiteral(*v, 0) + "\n";
  }
  for (const SubTable& t : tables) {
    if (yielded) *out += "\n";
    yielded = true;
    std::string key = FormatKey(t.key);
    WriteTable(*t.value, name.empty() ? key : name + "." + key, t.inside_aot, out);
  }
}

}  // namespace

std::string WriteManifestSgx(const Manifest& m) {
  std::string out;
  WriteTable(m.root, "", false, &out);
  return out;
}

}  // namespace uid2::manifest
