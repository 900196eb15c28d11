#include "corelocal/http.h"

#include <algorithm>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <chrono>
#include <thread>

#include "common/log.h"

namespace uid2::corelocal {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

constexpr size_t kBodyLimit = 1 << 20;
constexpr size_t kHeaderLimit = 64 * 1024;
constexpr std::chrono::seconds kTimeout{30};
constexpr int kThreads = 2;
constexpr std::chrono::seconds kLingerTimeout{1};
constexpr size_t kLingerBytes = 4 << 20;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); i++) {
    if (s[i] != '%') {
      out.push_back(s[i]);
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    int hi = HexValue(s[i + 1]), lo = HexValue(s[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, const HttpHandler* handler)
      : stream_(std::move(socket)), handler_(handler) {}

  void Read() {
    parser_.emplace();
    parser_->body_limit(kBodyLimit);
    parser_->header_limit(kHeaderLimit);
    stream_.expires_after(kTimeout);
    http::async_read(
        stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, size_t) {
          if (ec == http::error::body_limit) {
            return self->Send(
                413, R"({"status":"client_error","message":"Request body too large"})", false);
          }
          if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
              ec == net::error::operation_aborted || ec == net::error::eof ||
              ec == net::error::connection_reset) {
            return self->Close();
          }
          if (ec) {
            return self->Send(400, R"({"status":"client_error","message":"Bad request"})", false);
          }
          self->Dispatch();
        });
  }

 private:
  void Dispatch() {
    auto& req = parser_->get();
    HttpRequest r;
    r.method = std::string(req.method_string());
    r.target = std::string(req.target());
    size_t q = r.target.find('?');
    r.path = r.target.substr(0, q);
    if (q != std::string::npos) r.query = r.target.substr(q + 1);
    for (const auto& field : req) {
      r.headers[Lower(std::string_view(field.name_string().data(), field.name_string().size()))] =
          std::string(field.value());
    }
    r.body = std::move(req.body());
    HttpResponse w;
    try {
      w = (*handler_)(r);
    } catch (const std::exception& e) {
      // Handlers return errors as values; this is the last-resort boundary (e.g. bad_alloc).
      log::Error("http_handler_exception", {{"what", e.what()}});
      w = HttpResponse{500, "application/json", R"({"status":"error","message":"Internal error"})"};
    }
    Send(w.status, std::move(w.body), req.keep_alive(), w.content_type);
  }

  void Send(int status, std::string body, bool keep_alive,
            const std::string& content_type = "application/json") {
    res_.emplace();
    res_->result(static_cast<unsigned>(status));
    res_->version(11);
    res_->set(http::field::content_type, content_type);
    res_->body() = std::move(body);
    res_->keep_alive(keep_alive);
    res_->prepare_payload();
    stream_.expires_after(kTimeout);
    http::async_write(stream_, *res_,
                      [self = shared_from_this(), keep_alive](beast::error_code ec, size_t) {
                        if (ec) return;
                        if (keep_alive) return self->Read();
                        self->Linger();
                      });
  }

  // Linger reads and discards what the client still sends (the rest of an oversized body) for a
  // moment after the final response, so that closing does not reset the connection before the
  // client has read the response.
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

  void Close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
  }

  beast::tcp_stream stream_;
  const HttpHandler* handler_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::string_body>> res_;
  size_t lingered_ = 0;
};

}  // namespace

struct HttpServer::Impl {
  HttpHandler handler;
  net::io_context ctx{kThreads};
  std::optional<tcp::acceptor> acceptor;
  std::vector<std::thread> threads;
  uint16_t port = 0;
  bool stopped = false;

  void Accept() {
    acceptor->async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec == net::error::operation_aborted || !acceptor->is_open()) return;
      if (!ec) std::make_shared<Session>(std::move(socket), &handler)->Read();
      Accept();
    });
  }
};

std::string HttpRequest::Header(std::string_view name) const {
  auto it = headers.find(Lower(name));
  return it == headers.end() ? std::string() : it->second;
}

std::optional<std::vector<std::pair<std::string, std::string>>> ParseQuery(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (part.empty()) continue;
    size_t eq = part.find('=');
    auto name = PercentDecode(part.substr(0, eq));
    auto value =
        PercentDecode(eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1));
    if (!name || !value) return std::nullopt;
    out.emplace_back(std::move(*name), std::move(*value));
  }
  return out;
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpServer::~HttpServer() { Stop(); }
uint16_t HttpServer::port() const { return impl_->port; }

Result<std::unique_ptr<HttpServer>> HttpServer::Start(const std::string& address, uint16_t port,
                                                      HttpHandler handler) {
  auto impl = std::make_unique<Impl>();
  impl->handler = std::move(handler);
  beast::error_code ec;
  auto addr = net::ip::make_address(address, ec);
  if (ec) return Error::Invalid("listen address '" + address + "': " + ec.message());
  tcp::endpoint endpoint(addr, port);
  impl->acceptor.emplace(impl->ctx);
  impl->acceptor->open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor->set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor->bind(endpoint, ec);
  if (!ec) impl->acceptor->listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return Error::Io("cannot listen on " + address + ":" + std::to_string(port) + ": " +
                     ec.message());
  }
  impl->port = impl->acceptor->local_endpoint().port();
  impl->Accept();
  for (int i = 0; i < kThreads; i++) {
    Impl* raw = impl.get();
    impl->threads.emplace_back([raw] { raw->ctx.run(); });
  }
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

void HttpServer::Stop() {
  if (impl_->stopped) return;
  impl_->stopped = true;
  net::post(impl_->ctx, [impl = impl_.get()] {
    beast::error_code ec;
    impl->acceptor->close(ec);
  });
  impl_->ctx.stop();
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
}

}  // namespace uid2::corelocal
