// fake_http.h: a tiny HTTP/1.1 server for tests (Boost.Beast, blocking, one thread per
// connection) that exposes every request header, on 127.0.0.1 and a free port.
//
//   FakeHttp server([](const FakeRequest& r) { return FakeResponse{200, "{}"}; });
//   server.url("/attest");      // "http://127.0.0.1:<port>/attest"
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace uid2::sync::testing {

struct FakeRequest {
  std::string method;
  std::string target;  // path and query
  std::string path;
  std::string query;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::string Header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? "" : it->second;
  }
};

struct FakeResponse {
  unsigned status = 200;
  std::string body;
  // truncate: announce Content-Length = body.size() + 100 and close after the body.
  bool truncate = false;
};

class FakeHttp {
 public:
  using Handler = std::function<FakeResponse(const FakeRequest&)>;
  explicit FakeHttp(Handler handler);
  ~FakeHttp();

  uint16_t port() const { return port_; }
  std::string url(const std::string& path, const std::string& host = "127.0.0.1") const {
    return "http://" + host + ":" + std::to_string(port_) + path;
  }
  // Requests seen so far (copies).
  std::vector<FakeRequest> requests() const;
  size_t CountPath(const std::string& prefix) const;
  void ClearRequests();

 private:
  struct Impl;
  void Serve(int fd);
  std::unique_ptr<Impl> impl_;
  Handler handler_;
  uint16_t port_ = 0;
  mutable std::mutex mu_;
  std::vector<FakeRequest> seen_;
};

}  // namespace uid2::sync::testing
