#include "operator/service/static_js.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <ctime>
#include <iterator>

namespace uid2::service {

namespace {

constexpr std::string_view kNotFoundJson =
    R"({"status":"client_error","message":"Resource not found"})";
constexpr std::string_view kMethodNotAllowedJson =
    R"({"status":"client_error","message":"Method not allowed"})";
constexpr std::string_view kJavaScript = "text/javascript; charset=utf-8";
constexpr size_t kMaxNameBytes = 255;         // NAME_MAX
constexpr int64_t kMaxCacheBytes = 64 << 20;  // the cache is dropped when it would exceed this
constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

bool IsNameChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

void SetJsonError(unsigned status, std::string_view json, HttpResponse* res) {
  res->status = status;
  res->content_type = "application/json";
  res->body = std::string(json);
}

// FileCloser closes a descriptor on scope exit.
struct FileCloser {
  int fd;
  ~FileCloser() { ::close(fd); }
};

// ReadExactly reads `size` bytes from fd into *out (false on error or early end of file).
bool ReadExactly(int fd, size_t size, std::string* out) {
  out->resize(size);
  size_t got = 0;
  while (got < size) {
    ssize_t n = ::read(fd, out->data() + got, size - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    got += static_cast<size_t>(n);
  }
  return true;
}

bool ParseDigits(std::string_view s, int* out) {
  if (s.empty() || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return false;
  }
  return std::from_chars(s.data(), s.data() + s.size(), *out).ec == std::errc();
}

}  // namespace

std::string FormatHttpDate(int64_t epoch_s) {
  std::time_t t = static_cast<std::time_t>(epoch_s);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday % 7],
                tm.tm_mday, kMonths[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return buf;
}

bool ParseHttpDate(std::string_view t, int64_t* epoch_s) {
  // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" (RFC 9110 §5.6.7).
  if (t.size() != 29 || t.substr(3, 2) != ", " || t[7] != ' ' || t[11] != ' ' || t[16] != ' ' ||
      t[19] != ':' || t[22] != ':' || t.substr(25) != " GMT") {
    return false;
  }
  std::tm tm{};
  auto month = std::find(std::begin(kMonths), std::end(kMonths), t.substr(8, 3));
  if (month == std::end(kMonths)) return false;
  tm.tm_mon = static_cast<int>(month - std::begin(kMonths));
  int year = 0;
  if (!ParseDigits(t.substr(5, 2), &tm.tm_mday) || !ParseDigits(t.substr(12, 4), &year) ||
      !ParseDigits(t.substr(17, 2), &tm.tm_hour) || !ParseDigits(t.substr(20, 2), &tm.tm_min) ||
      !ParseDigits(t.substr(23, 2), &tm.tm_sec)) {
    return false;
  }
  tm.tm_year = year - 1900;
  *epoch_s = static_cast<int64_t>(timegm(&tm));
  return true;
}

bool StaticJsFiles::IsServableName(std::string_view name) {
  if (name.size() <= 3 || name.size() > kMaxNameBytes) return false;
  if (!name.ends_with(".js") || name.front() == '.' || name.find("..") != std::string_view::npos) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), IsNameChar);
}

std::shared_ptr<const std::string> StaticJsFiles::Load(const std::string& name, int64_t* mtime_s) {
  std::string path = dir_ + "/" + name;
  int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) return nullptr;
  FileCloser closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > kMaxFileBytes) {
    return nullptr;
  }
  Entry fresh{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino), st.st_size,
              st.st_mtim.tv_sec * int64_t{1000000000} + st.st_mtim.tv_nsec, nullptr};
  *mtime_s = st.st_mtim.tv_sec;
  {
    std::lock_guard lock(mu_);
    auto it = cache_.find(name);
    if (it != cache_.end() && it->second.dev == fresh.dev && it->second.ino == fresh.ino &&
        it->second.size == fresh.size && it->second.mtime_ns == fresh.mtime_ns) {
      return it->second.content;
    }
  }
  auto content = std::make_shared<std::string>();
  if (!ReadExactly(fd, static_cast<size_t>(st.st_size), content.get())) return nullptr;
  fresh.content = content;
  std::lock_guard lock(mu_);
  if (auto it = cache_.find(name); it != cache_.end()) {
    cached_bytes_ -= it->second.size;
    cache_.erase(it);
  }
  if (cached_bytes_ + fresh.size > kMaxCacheBytes) {
    cache_.clear();
    cached_bytes_ = 0;
  }
  cached_bytes_ += fresh.size;
  cache_.emplace(name, std::move(fresh));
  return content;
}

void StaticJsFiles::Serve(const HttpRequest& req, HttpResponse* res) {
  std::string_view name = req.path.substr(std::min(req.path.size(), kPathPrefix.size()));
  if (!Matches(req.path) || !IsServableName(name)) {
    return SetJsonError(404, kNotFoundJson, res);
  }
  if (req.method != "GET" && req.method != "HEAD") {
    return SetJsonError(405, kMethodNotAllowedJson, res);
  }
  int64_t mtime_s = 0;
  std::shared_ptr<const std::string> content = Load(std::string(name), &mtime_s);
  if (content == nullptr) return SetJsonError(404, kNotFoundJson, res);

  res->headers.emplace_back("Cache-Control",
                            "public, immutable, max-age=" + std::to_string(kMaxAgeSeconds));
  res->headers.emplace_back("Last-Modified", FormatHttpDate(mtime_s));
  res->headers.emplace_back("Date", FormatHttpDate(std::time(nullptr)));
  int64_t since = 0;
  if (ParseHttpDate(req.if_modified_since, &since) && mtime_s <= since) {
    res->status = 304;
    res->content_type.clear();
    res->body.clear();
    return;
  }
  res->status = 200;
  res->content_type = std::string(kJavaScript);
  res->body = *content;
}

}  // namespace uid2::service
