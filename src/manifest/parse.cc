// parse.cc: TOML text -> ordered Value tree via toml++. toml++ keeps tables as sorted maps, so
// each table's keys are re-ordered by where they were first defined in the source, which is the
// order Python's tomli (and so Gramine's signer) keeps.
#include <toml++/toml.h>

#include <algorithm>
#include <cstdio>

#include "common/file.h"
#include "manifest/manifest.h"

namespace uid2::manifest {
namespace {

SourcePos PosOf(const toml::source_region& r) { return {r.begin.line, r.begin.column}; }

std::string Two(unsigned v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02u", v);
  return buf;
}

// Python's str() of datetime.time: HH:MM:SS[.ffffff].
std::string TimeText(const toml::time& t) {
  std::string s = Two(t.hour) + ":" + Two(t.minute) + ":" + Two(t.second);
  if (uint32_t micros = t.nanosecond / 1000) {
    char buf[16];
    std::snprintf(buf, sizeof buf, ".%06u", micros);
    s += buf;
  }
  return s;
}

std::string DateText(const toml::date& d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04u-%02u-%02u", unsigned{d.year}, unsigned{d.month},
                unsigned{d.day});
  return buf;
}

std::string DateTimeText(const toml::date_time& dt) {
  std::string s = DateText(dt.date) + " " + TimeText(dt.time);
  if (dt.offset) {
    int m = dt.offset->minutes;
    s += m < 0 ? "-" : "+";
    m = m < 0 ? -m : m;
    s += Two(static_cast<unsigned>(m / 60)) + ":" + Two(static_cast<unsigned>(m % 60));
  }
  return s;
}

Value Convert(const toml::node& n);

Value ConvertTable(const toml::table& t) {
  std::vector<std::pair<const toml::key*, const toml::node*>> entries;
  for (auto&& [k, v] : t) entries.emplace_back(&k, &v);
  std::stable_sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
    const auto& pa = a.first->source().begin;
    const auto& pb = b.first->source().begin;
    return pa.line != pb.line ? pa.line < pb.line : pa.column < pb.column;
  });
  Value out = Value::MakeTable();
  for (const auto& [k, v] : entries) {
    Value child = Convert(*v);
    child.pos = PosOf(k->source());
    out.table().emplace_back(std::string(k->str()), std::move(child));
  }
  return out;
}

Value Convert(const toml::node& n) {
  Value v;
  switch (n.type()) {
    case toml::node_type::table:
      v = ConvertTable(*n.as_table());
      break;
    case toml::node_type::array: {
      v = Value::MakeArray();
      for (const toml::node& item : *n.as_array()) v.array().push_back(Convert(item));
      break;
    }
    case toml::node_type::string:
      v = Value::String(n.as_string()->get());
      break;
    case toml::node_type::integer:
      v = Value::Integer(n.as_integer()->get());
      break;
    case toml::node_type::floating_point:
      v = Value::Float(n.as_floating_point()->get());
      break;
    case toml::node_type::boolean:
      v = Value::Boolean(n.as_boolean()->get());
      break;
    case toml::node_type::date:
      v = Value::DateTime(DateText(n.as_date()->get()));
      break;
    case toml::node_type::time:
      v = Value::DateTime(TimeText(n.as_time()->get()));
      break;
    case toml::node_type::date_time:
      v = Value::DateTime(DateTimeText(n.as_date_time()->get()));
      break;
    default:
      break;
  }
  v.pos = PosOf(n.source());
  return v;
}

}  // namespace

Result<Manifest> ParseManifest(std::string_view text, std::string origin) {
  try {
    toml::table t = toml::parse(text, origin);
    Manifest m;
    m.root = ConvertTable(t);
    m.origin = std::move(origin);
    return m;
  } catch (const toml::parse_error& e) {
    const auto& b = e.source().begin;
    return Error::Invalid(origin + ":" + std::to_string(b.line) + ":" + std::to_string(b.column) +
                          ": TOML syntax error: " + std::string(e.description()));
  }
}

Result<Manifest> LoadManifest(const std::string& path) {
  UID2_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  return ParseManifest(text, path);
}

}  // namespace uid2::manifest
