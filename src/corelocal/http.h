// http.h: a small HTTP/1.1 server (Boost.Beast) for uid2-core-local's two ports.
//
// Handlers are plain functions from a parsed request to a response; they run on the server's
// threads (two), so a handler must be thread-safe. Request bodies above 1 MiB are refused (413).
//
//   UID2_ASSIGN_OR_RETURN(auto server, HttpServer::Start("127.0.0.1", 0, handler));
//   uint16_t port = server->port();  // the port bound (0 asks for any free port)
//   server->Stop();
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace uid2::corelocal {

struct HttpRequest {
  std::string method;                          // "GET", "POST", ...
  std::string target;                          // as sent: path and query
  std::string path;                            // target before '?'
  std::string query;                           // target after '?' (raw, not decoded)
  std::map<std::string, std::string> headers;  // names lowercased
  std::string body;

  // Header returns the value of `name` (any case), or "" when absent.
  std::string Header(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

// ParseQuery splits "a=1&b=%2B" into ordered (name, percent-decoded value) pairs. '+' stays '+'
// (base64 values). nullopt on a malformed percent escape.
std::optional<std::vector<std::pair<std::string, std::string>>> ParseQuery(std::string_view query);

class HttpServer {
 public:
  // Start binds address:port and serves on background threads. kIo names the address on failure.
  static Result<std::unique_ptr<HttpServer>> Start(const std::string& address, uint16_t port,
                                                   HttpHandler handler);
  ~HttpServer();  // stops
  uint16_t port() const;
  // Stop closes the listener and every connection, then joins the threads. Idempotent.
  void Stop();

  struct Impl;

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace uid2::corelocal
