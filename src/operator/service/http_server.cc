#include "operator/service/http_server.h"

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <optional>
#include <thread>
#include <unordered_set>
#include <vector>

#include "common/log.h"

namespace uid2::service {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

constexpr size_t kHeaderLimit = 64 * 1024;
constexpr std::string_view kBadRequestJson = R"({"status":"client_error","message":"Bad request"})";
constexpr std::chrono::milliseconds kLingerTimeout{1000};
constexpr size_t kLingerBytes = 4 << 20;

std::string_view Sv(beast::string_view s) { return {s.data(), s.size()}; }

class Session;

// Declaration order matters: the io_context is destroyed after the acceptor and before the
// session set (destroying pending handlers destroys sessions, which erase themselves).
struct Worker {
  std::unordered_set<Session*> sessions;  // touched only on this worker's thread
  std::atomic<bool> draining{false};      // set by Stop from any thread
  net::io_context ctx{1};
  std::optional<tcp::acceptor> acceptor;
  std::thread thread;
};

}  // namespace

struct HttpServer::Impl {
  HttpServerOptions options;
  HttpHandler handler;
  uint16_t port = 0;
  std::atomic<int64_t> connections{0};
  std::atomic<int> running{0};
  std::atomic<bool> stopped{false};
  std::vector<std::unique_ptr<Worker>> workers;  // last: sessions touch the fields above
};

namespace {

using Impl = HttpServer::Impl;

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Worker* worker, Impl* impl)
      : stream_(std::move(socket)), worker_(worker), impl_(impl) {
    impl_->connections.fetch_add(1, std::memory_order_relaxed);
    worker_->sessions.insert(this);
  }
  ~Session() {
    worker_->sessions.erase(this);
    impl_->connections.fetch_sub(1, std::memory_order_relaxed);
  }

  void Start() { ReadNext(); }

  // Called by the drain on this worker's thread: an idle connection is closed now.
  void CloseIfIdle() {
    if (idle_) stream_.cancel();
  }

 private:
  void ReadNext() {
    if (worker_->draining) return Shutdown();
    parser_.emplace();
    parser_->body_limit(impl_->options.body_limit);
    parser_->header_limit(kHeaderLimit);
    if (buffer_.size() > 0) return ReadHeader();
    idle_ = true;
    stream_.expires_after(impl_->options.idle_timeout);
    stream_.async_read_some(buffer_.prepare(4096),
                            [self = shared_from_this()](beast::error_code ec, size_t n) {
                              self->idle_ = false;
                              if (ec) return;  // closed, idle timeout or drain
                              self->buffer_.commit(n);
                              self->ReadHeader();
                            });
  }

  void ReadHeader() {
    stream_.expires_after(impl_->options.request_timeout);
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
  }

  void OnHeader(beast::error_code ec) {
    if (ec) return OnReadError(ec);
    auto& req = parser_->get();
    if (beast::iequals(req[http::field::expect], "100-continue") && !parser_->is_done()) {
      continue_ = std::make_shared<std::string>("HTTP/1.1 100 Continue\r\n\r\n");
      net::async_write(stream_, net::buffer(*continue_),
                       [self = shared_from_this()](beast::error_code wec, size_t) {
                         if (wec) return;
                         self->ReadBody();
                       });
      return;
    }
    if (parser_->is_done()) return Dispatch();
    ReadBody();
  }

  void ReadBody() {
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       if (ec) return self->OnReadError(ec);
                       self->Dispatch();
                     });
  }

  void OnReadError(beast::error_code ec) {
    if (ec == http::error::body_limit) {
      return Reply(413, "application/json", std::string(kBodyTooLargeJson), false, {});
    }
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == net::error::operation_aborted || ec == net::error::connection_reset ||
        ec == net::error::eof) {
      return Shutdown();
    }
    // Any other parse error: malformed request line, headers or chunking.
    Reply(400, "application/json", std::string(kBadRequestJson), false, {});
  }

  void Dispatch() {
    auto& req = parser_->get();
    HttpRequest r;
    r.method = Sv(req.method_string());
    r.target = Sv(req.target());
    r.path = r.target.substr(0, r.target.find('?'));
    r.authorization = Sv(req[http::field::authorization]);
    r.content_type = Sv(req[http::field::content_type]);
    r.origin = Sv(req[http::field::origin]);
    r.client_version = Sv(req["X-UID2-Client-Version"]);
    r.body = req.body();
    r.if_modified_since = Sv(req[http::field::if_modified_since]);
    bool keep_alive = req.keep_alive();
    std::string origin(r.origin);

    if (req.method() == http::verb::options) {
      std::string allow_headers(Sv(req[http::field::access_control_request_headers]));
      preflight_headers_ = std::move(allow_headers);
      return Reply(204, "", "", keep_alive, origin, true);
    }
    HttpResponse w;
    try {
      impl_->handler(r, &w);
    } catch (const std::exception& e) {
      // Handlers return errors as values; this is the last-resort boundary (e.g. bad_alloc).
      log::Error("http_handler_exception", {{"server", impl_->options.name}, {"what", e.what()}});
      w = HttpResponse{
          500, "application/json", R"({"status":"unknown","message":"Internal error"})", {}};
    }
    Reply(w.status, std::move(w.content_type), std::move(w.body), keep_alive, origin, false,
          &w.headers, req.method() == http::verb::head);
  }

  // Reply sends one response. `extra` headers are added as given; `head_only` drops the body
  // but keeps its Content-Length (the answer to a HEAD request).
  void Reply(unsigned status, std::string content_type, std::string body, bool keep_alive,
             const std::string& origin, bool preflight = false,
             const std::vector<std::pair<std::string, std::string>>* extra = nullptr,
             bool head_only = false) {
    keep_alive = keep_alive && !worker_->draining;
    res_.emplace();
    res_->result(status);
    res_->version(11);
    if (!content_type.empty()) res_->set(http::field::content_type, content_type);
    if (preflight) {
      res_->set(http::field::access_control_allow_origin, origin.empty() ? "*" : origin);
      res_->set(http::field::access_control_allow_methods, "GET, POST, OPTIONS");
      res_->set(http::field::access_control_allow_headers,
                preflight_headers_.empty() ? "Content-Type, Authorization, X-UID2-Client-Version"
                                           : preflight_headers_);
      res_->set(http::field::access_control_max_age, "86400");
    } else if (!origin.empty()) {
      res_->set(http::field::access_control_allow_origin, origin);
    }
    if (!origin.empty()) res_->set(http::field::vary, "Origin");
    if (extra != nullptr) {
      for (const auto& [name, value] : *extra) res_->set(name, value);
    }
    res_->body() = std::move(body);
    res_->keep_alive(keep_alive);
    res_->prepare_payload();
    if (head_only && !res_->body().empty()) {
      size_t length = res_->body().size();
      res_->body().clear();
      res_->content_length(length);
    }
    stream_.expires_after(impl_->options.request_timeout);
    http::async_write(stream_, *res_,
                      [self = shared_from_this(), keep_alive](beast::error_code ec, size_t) {
                        if (ec) return;
                        if (keep_alive) return self->ReadNext();
                        self->Linger();
                      });
  }

  void Shutdown() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
  }

  // Linger reads and discards what the client still sends (an oversized body) for a moment
  // after our final response, so closing does not reset the connection before it is read.
  void Linger() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) return;
    stream_.expires_after(kLingerTimeout);
    LingerRead();
  }
  void LingerRead() {
    buffer_.consume(buffer_.size());
    stream_.async_read_some(buffer_.prepare(64 * 1024),
                            [self = shared_from_this()](beast::error_code ec, size_t n) {
                              self->lingered_ += n;
                              if (ec || self->lingered_ > kLingerBytes) return;
                              self->LingerRead();
                            });
  }

  beast::tcp_stream stream_;
  Worker* worker_;
  Impl* impl_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::string_body>> res_;
  std::shared_ptr<std::string> continue_;
  std::string preflight_headers_;
  size_t lingered_ = 0;
  bool idle_ = false;
};

void Accept(Worker* worker, Impl* impl) {
  worker->acceptor->async_accept([worker, impl](beast::error_code ec, tcp::socket socket) {
    if (!worker->acceptor->is_open()) return;
    if (ec) {
      // EMFILE and friends: back off briefly instead of spinning.
      auto timer = std::make_shared<net::steady_timer>(worker->ctx);
      timer->expires_after(std::chrono::milliseconds(50));
      timer->async_wait([timer, worker, impl](beast::error_code) {
        if (worker->acceptor->is_open()) Accept(worker, impl);
      });
      return;
    }
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    std::make_shared<Session>(std::move(socket), worker, impl)->Start();
    Accept(worker, impl);
  });
}

Status OpenAcceptor(Worker* worker, const tcp::endpoint& endpoint) {
  beast::error_code ec;
  worker->acceptor.emplace(worker->ctx);
  tcp::acceptor& a = *worker->acceptor;
  if (a.open(endpoint.protocol(), ec); ec) return Error::Io("socket: " + ec.message());
  a.set_option(net::socket_base::reuse_address(true), ec);
  int one = 1;
  if (setsockopt(a.native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0) {
    return Error::Errno("setsockopt(SO_REUSEPORT)", errno);
  }
  if (a.bind(endpoint, ec); ec) {
    return Error::Io("bind " + endpoint.address().to_string() + ":" +
                     std::to_string(endpoint.port()) + ": " + ec.message());
  }
  if (a.listen(net::socket_base::max_listen_connections, ec); ec) {
    return Error::Io("listen: " + ec.message());
  }
  return Ok();
}

}  // namespace

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpServer::~HttpServer() { Stop(); }

uint16_t HttpServer::port() const { return impl_->port; }
int64_t HttpServer::open_connections() const { return impl_->connections.load(); }

Result<std::unique_ptr<HttpServer>> HttpServer::Start(const HttpServerOptions& options,
                                                      HttpHandler handler) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->handler = std::move(handler);
  beast::error_code ec;
  net::ip::address address = net::ip::make_address(options.address, ec);
  if (ec) return Error::Invalid("listen address '" + options.address + "': " + ec.message());
  uint16_t port = options.port;
  int threads = options.threads < 1 ? 1 : options.threads;
  for (int i = 0; i < threads; ++i) {
    auto worker = std::make_unique<Worker>();
    Status s = OpenAcceptor(worker.get(), tcp::endpoint(address, port));
    if (!s.ok()) return std::move(s).error().Context(options.name + " server");
    if (port == 0) port = worker->acceptor->local_endpoint().port();
    impl->workers.push_back(std::move(worker));
  }
  impl->port = port;
  Impl* raw = impl.get();
  for (auto& w : impl->workers) {
    Worker* worker = w.get();
    Accept(worker, raw);
    raw->running.fetch_add(1);
    worker->thread = std::thread([worker, raw] {
      for (;;) {
        try {
          worker->ctx.run();
          break;
        } catch (const std::exception& e) {
          log::Error("http_worker_exception", {{"server", raw->options.name}, {"what", e.what()}});
        }
      }
      raw->running.fetch_sub(1);
    });
  }
  log::Info("http_listening", {{"server", options.name},
                               {"address", options.address},
                               {"port", port},
                               {"threads", threads}});
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

void HttpServer::Stop(std::chrono::milliseconds drain) {
  if (impl_->stopped.exchange(true)) return;
  for (auto& w : impl_->workers) {
    Worker* worker = w.get();
    worker->draining = true;  // responses finishing now already say Connection: close
    net::post(worker->ctx, [worker] {
      beast::error_code ec;
      worker->acceptor->close(ec);
      // Copy: closing may destroy sessions, which erase themselves from the set.
      std::vector<Session*> sessions(worker->sessions.begin(), worker->sessions.end());
      for (Session* s : sessions) s->CloseIfIdle();
    });
  }
  auto deadline = std::chrono::steady_clock::now() + drain;
  while (impl_->running.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  for (auto& w : impl_->workers) w->ctx.stop();
  for (auto& w : impl_->workers) {
    if (w->thread.joinable()) w->thread.join();
  }
  log::Info("http_stopped", {{"server", impl_->options.name}});
}

}  // namespace uid2::service
