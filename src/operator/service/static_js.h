// static_js.h: GET/HEAD /static/js/<name>.js, the JavaScript SDK files the reference operator
// bundles, served from a folder (config key static_js_dir). This project ships no SDK source;
// the operator's user drops the files in (docs/operator.md).
//
//   StaticJsFiles files("static/js");
//   if (StaticJsFiles::Matches(req.path)) return files.Serve(req, &res);
//
// Only names matching [A-Za-z0-9._-]+\.js that do not start with '.' and contain no ".." are
// looked up; the path is not percent-decoded, so "%2e%2e", "%2f" and any other escape is
// simply not a valid name. The file is opened relative to the folder with O_NOFOLLOW and must
// be a regular file: a symlink, a directory, a FIFO or a missing file is 404, so nothing
// outside the folder is ever read.
//
// Freshness: each request opens the file and fstat()s it; the content is cached per name and
// re-read only when (device, inode, size, mtime) changed, so a replaced file is served at once
// and an unchanged one costs an open, an fstat and a close. Files over kMaxFileBytes are 404.
//
// Responses mirror the reference's Vert.x StaticHandler: 200 with
// `Content-Type: text/javascript; charset=utf-8`, `Cache-Control: public, immutable,
// max-age=86400`, `Last-Modified`, `Date`; 304 when If-Modified-Since is not older than the
// file; 404 {"status":"client_error","message":"Resource not found"}; 405 for other methods.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "operator/service/http_server.h"

namespace uid2::service {

class StaticJsFiles {
 public:
  static constexpr std::string_view kPathPrefix = "/static/js/";
  static constexpr std::string_view kRouteName = "/static/js/*";  // metrics label
  static constexpr int64_t kMaxFileBytes = 16 << 20;
  static constexpr int64_t kMaxAgeSeconds = 86400;

  // `dir` need not exist (every request is then 404); it is not created.
  explicit StaticJsFiles(std::string dir) : dir_(std::move(dir)) {}

  // Matches: the request path is under /static/js/ (this handler answers it, maybe 404).
  static bool Matches(std::string_view path) { return path.starts_with(kPathPrefix); }
  // IsServableName applies the name rule above.
  static bool IsServableName(std::string_view name);

  // Serve answers a request whose path Matches. Thread-safe.
  void Serve(const HttpRequest& req, HttpResponse* res);

 private:
  struct Entry {
    uint64_t dev = 0, ino = 0;
    int64_t size = 0, mtime_ns = 0;
    std::shared_ptr<const std::string> content;
  };
  // Load returns the file's content and its mtime (seconds), or null when it is not servable.
  std::shared_ptr<const std::string> Load(const std::string& name, int64_t* mtime_s);

  std::string dir_;
  std::mutex mu_;
  std::map<std::string, Entry, std::less<>> cache_;  // only names of files that existed
  int64_t cached_bytes_ = 0;
};

// FormatHttpDate renders epoch seconds as an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT");
// ParseHttpDate reads one back (false for any other format).
std::string FormatHttpDate(int64_t epoch_s);
bool ParseHttpDate(std::string_view text, int64_t* epoch_s);

}  // namespace uid2::service
