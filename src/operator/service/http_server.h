// http_server.h: the operator's HTTP/1.1 server (Boost.Beast over Asio).
//
// One io_context and one thread per `threads`; each thread owns an SO_REUSEPORT acceptor on the
// same port, so the kernel spreads connections and a connection never changes thread. Requests
// are read with a body limit, a keep-alive idle timeout (waiting for the first byte of the next
// request) and a request timeout (first byte to last byte, so a client that trickles headers is
// cut off). Every response carries CORS headers for any origin; OPTIONS preflights are answered
// here. Handlers run on the connection's thread and must not throw and should not block long.
//
//   HttpServerOptions o; o.port = 0;                      // 0: the kernel picks a free port
//   auto server = HttpServer::Start(o, [](const HttpRequest& r, HttpResponse* w) { ... });
//   if (!server.ok()) ...;  (*server)->port();  ...  (*server)->Stop();   // graceful drain
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace uid2::service {

struct HttpRequest {
  std::string_view method;  // "GET", "POST", ...
  std::string_view target;  // path and query, as sent
  std::string_view path;    // target without the query
  std::string_view authorization;
  std::string_view content_type;
  std::string_view origin;
  std::string_view client_version;  // X-UID2-Client-Version
  std::string_view body;
  std::string_view if_modified_since;  // If-Modified-Since, as sent
};

// A HEAD request is answered like a GET whose body is dropped (Content-Length kept).
struct HttpResponse {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra (name, value) headers
};

// HttpHandler fills the response. It is called concurrently from every server thread.
using HttpHandler = std::function<void(const HttpRequest&, HttpResponse*)>;

struct HttpServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 8080;  // 0: pick a free port (see HttpServer::port())
  int threads = 1;
  size_t body_limit = 1 << 20;                        // larger bodies get 413
  std::chrono::milliseconds request_timeout{10'000};  // first byte to complete request
  std::chrono::milliseconds idle_timeout{60'000};     // keep-alive wait for the next request
  std::string name = "api";                           // for logs
};

// The body sent with 413 (the connection is closed after it).
constexpr std::string_view kBodyTooLargeJson =
    R"({"status":"client_error","message":"Request body too large"})";

class HttpServer {
 public:
  // Start binds and listens on every thread's acceptor and starts the threads. Fails (kIo) when
  // the address cannot be bound; nothing keeps running then.
  static Result<std::unique_ptr<HttpServer>> Start(const HttpServerOptions& options,
                                                   HttpHandler handler);
  ~HttpServer();  // Stop() with the default drain
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  uint16_t port() const;

  // Stop stops accepting, closes idle keep-alive connections, lets requests in flight finish
  // (their responses carry Connection: close), and joins the threads. Connections still open
  // after `drain` are cut. Idempotent.
  void Stop(std::chrono::milliseconds drain = std::chrono::milliseconds(10'000));

  // Number of open connections (for tests and metrics).
  int64_t open_connections() const;

  struct Impl;

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace uid2::service
