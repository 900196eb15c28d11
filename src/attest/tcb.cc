// TCB statuses, ISO-8601 times and the status convergence rule (Intel QVL).
#include "attest/tcb.h"

#include <ctime>

namespace uid2::attest {

namespace {
constexpr std::pair<TcbStatus, std::string_view> kNames[] = {
    {TcbStatus::kUpToDate, "UpToDate"},
    {TcbStatus::kSwHardeningNeeded, "SWHardeningNeeded"},
    {TcbStatus::kConfigurationNeeded, "ConfigurationNeeded"},
    {TcbStatus::kConfigurationAndSwHardeningNeeded, "ConfigurationAndSWHardeningNeeded"},
    {TcbStatus::kOutOfDate, "OutOfDate"},
    {TcbStatus::kOutOfDateConfigurationNeeded, "OutOfDateConfigurationNeeded"},
    {TcbStatus::kRevoked, "Revoked"},
};
}  // namespace

std::string_view TcbStatusName(TcbStatus status) {
  for (const auto& [s, name] : kNames) {
    if (s == status) return name;
  }
  return "Unknown";
}

Result<TcbStatus> ParseTcbStatus(std::string_view name) {
  for (const auto& [s, n] : kNames) {
    if (n == name) return s;
  }
  return Error::Invalid("unknown TCB status '" + std::string(name) + "'");
}

TcbStatus ConvergeTcbStatus(TcbStatus platform, TcbStatus qe) {
  if (qe == TcbStatus::kRevoked) return TcbStatus::kRevoked;
  if (qe == TcbStatus::kOutOfDate) {
    switch (platform) {
      case TcbStatus::kUpToDate:
      case TcbStatus::kSwHardeningNeeded:
        return TcbStatus::kOutOfDate;
      case TcbStatus::kConfigurationNeeded:
      case TcbStatus::kConfigurationAndSwHardeningNeeded:
        return TcbStatus::kOutOfDateConfigurationNeeded;
      default:
        return platform;
    }
  }
  return platform;
}

Result<time_t> ParseIsoTime(std::string_view text) {
  // Exactly "YYYY-MM-DDThh:mm:ssZ" (20 characters), digits where the pattern has them.
  constexpr std::string_view kPattern = "dddd-dd-ddTdd:dd:ddZ";
  auto bad = [&] {
    return Error::Invalid("'" + std::string(text) + "' is not a UTC time YYYY-MM-DDThh:mm:ssZ");
  };
  if (text.size() != kPattern.size()) return bad();
  for (size_t i = 0; i < text.size(); i++) {
    bool digit = text[i] >= '0' && text[i] <= '9';
    if (kPattern[i] == 'd' ? !digit : text[i] != kPattern[i]) return bad();
  }
  auto num = [&](size_t at, size_t n) {
    int v = 0;
    for (size_t i = at; i < at + n; i++) v = v * 10 + (text[i] - '0');
    return v;
  };
  std::tm tm{};
  tm.tm_year = num(0, 4) - 1900;
  tm.tm_mon = num(5, 2) - 1;
  tm.tm_mday = num(8, 2);
  tm.tm_hour = num(11, 2);
  tm.tm_min = num(14, 2);
  tm.tm_sec = num(17, 2);
  if (tm.tm_year < 70 || tm.tm_mon > 11 || tm.tm_mon < 0 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
      tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60) {
    return bad();
  }
  return timegm(&tm);
}

std::string FormatIsoTime(time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace uid2::attest
