// log.h: structured logging, as human-readable lines or JSON lines, on stderr (spdlog sink).
//
//   log::Info("snapshot_loaded", {{"store", "salts"}, {"version", 12}, {"entries", n}});
//
// Rule: secrets and personal data never reach a log. Field values are strings, integers,
// booleans or Redacted; an email, phone, hash, token or key must be logged as Redacted{} (or not
// at all). Redacted always prints "[redacted]", so nothing sensitive can leak through it.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace uid2::log {

enum class Format { kHuman, kJson };
enum class Level { kDebug, kInfo, kWarn, kError, kOff };

struct Redacted {};

using Value = std::variant<std::string_view, int64_t, bool, Redacted>;

struct Field {
  Field(std::string_view k, std::string_view v) : key(k), value(v) {}
  Field(std::string_view k, const std::string& v) : key(k), value(std::string_view(v)) {}
  Field(std::string_view k, const char* v) : key(k), value(std::string_view(v)) {}
  Field(std::string_view k, bool v) : key(k), value(v) {}
  Field(std::string_view k, Redacted v) : key(k), value(v) {}
  template <typename I>
  requires std::is_integral_v<I> Field(std::string_view k, I v)
      : key(k), value(static_cast<int64_t>(v)) {}

  std::string_view key;
  Value value;
};

using Fields = std::initializer_list<Field>;

// Init sets the process-wide format and threshold. Safe to call more than once.
void Init(Format format, Level level);
Level ParseLevel(std::string_view name, Level fallback);

void Write(Level level, std::string_view event, Fields fields);
inline void Debug(std::string_view event, Fields f = {}) { Write(Level::kDebug, event, f); }
inline void Info(std::string_view event, Fields f = {}) { Write(Level::kInfo, event, f); }
inline void Warn(std::string_view event, Fields f = {}) { Write(Level::kWarn, event, f); }
inline void Error(std::string_view event, Fields f = {}) { Write(Level::kError, event, f); }

// FormatLine renders one record as Write would, without the timestamp (for tests).
std::string FormatLine(Format format, Level level, std::string_view event, Fields fields);

}  // namespace uid2::log
