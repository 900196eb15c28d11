#include "common/log.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <mutex>

#include "common/json.h"

namespace uid2::log {
namespace {

std::atomic<Format> g_format{Format::kHuman};
std::atomic<Level> g_level{Level::kInfo};

std::string_view LevelName(Level level) {
  switch (level) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
    case Level::kOff:
      return "off";
  }
  return "info";
}

spdlog::logger& Sink() {
  static std::shared_ptr<spdlog::logger> logger = [] {
    auto l =
        std::make_shared<spdlog::logger>("uid2", std::make_shared<spdlog::sinks::stderr_sink_mt>());
    l->set_level(spdlog::level::trace);
    l->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %v", spdlog::pattern_time_type::utc);
    return l;
  }();
  return *logger;
}

void AppendHumanValue(std::string& out, const Value& v) {
  if (auto* s = std::get_if<std::string_view>(&v)) {
    bool quote = s->empty() || s->find_first_of(" \"=") != std::string_view::npos;
    if (quote) {
      out += JsonQuote(*s);
    } else {
      out += *s;
    }
  } else if (auto* i = std::get_if<int64_t>(&v)) {
    out += std::to_string(*i);
  } else if (auto* b = std::get_if<bool>(&v)) {
    out += *b ? "true" : "false";
  } else {
    out += "[redacted]";
  }
}

void AppendJsonValue(std::string& out, const Value& v) {
  if (auto* s = std::get_if<std::string_view>(&v)) {
    out += JsonQuote(*s);
  } else if (auto* i = std::get_if<int64_t>(&v)) {
    out += std::to_string(*i);
  } else if (auto* b = std::get_if<bool>(&v)) {
    out += *b ? "true" : "false";
  } else {
    out += "\"[redacted]\"";
  }
}

}  // namespace

void Init(Format format, Level level) {
  g_format = format;
  g_level = level;
  if (format == Format::kJson) {
    Sink().set_pattern("%v");
  } else {
    Sink().set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %v", spdlog::pattern_time_type::utc);
  }
}

Level ParseLevel(std::string_view name, Level fallback) {
  for (Level l : {Level::kDebug, Level::kInfo, Level::kWarn, Level::kError, Level::kOff}) {
    if (name == LevelName(l)) return l;
  }
  return fallback;
}

std::string FormatLine(Format format, Level level, std::string_view event, Fields fields) {
  std::string out;
  if (format == Format::kJson) {
    out = "{\"level\":\"" + std::string(LevelName(level)) + "\",\"event\":" + JsonQuote(event);
    for (const Field& f : fields) {
      out += ',';
      out += JsonQuote(f.key);
      out += ':';
      AppendJsonValue(out, f.value);
    }
    out += '}';
  } else {
    out = std::string(LevelName(level)) + " " + std::string(event);
    for (const Field& f : fields) {
      out += ' ';
      out += f.key;
      out += '=';
      AppendHumanValue(out, f.value);
    }
  }
  return out;
}

void Write(Level level, std::string_view event, Fields fields) {
  if (level < g_level.load() || level == Level::kOff) return;
  Format format = g_format.load();
  std::string line = FormatLine(format, level, event, fields);
  if (format == Format::kJson) {
    auto now = std::chrono::system_clock::now();
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch());
    line.insert(1, "\"ts_ms\":" + std::to_string(ms.count()) + ",");
  }
  Sink().info(line);
}

}  // namespace uid2::log
