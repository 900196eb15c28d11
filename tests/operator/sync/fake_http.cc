#include "tests/operator/sync/fake_http.h"

#include <utility>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>

namespace uid2::sync::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct FakeHttp::Impl {
  asio::io_context io;
  tcp::acceptor acceptor{io};
  std::atomic<bool> stopping{false};
  std::thread accept_thread;
  std::mutex conns_mu;
  std::vector<std::thread> conns;
};

FakeHttp::FakeHttp(Handler handler)
    : impl_(std::make_unique<Impl>()), handler_(std::move(handler)) {
  tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
  impl_->acceptor.open(ep.protocol());
  impl_->acceptor.set_option(tcp::acceptor::reuse_address(true));
  impl_->acceptor.bind(ep);
  impl_->acceptor.listen();
  port_ = impl_->acceptor.local_endpoint().port();
  impl_->accept_thread = std::thread([this] {
    while (!impl_->stopping) {
      boost::system::error_code ec;
      tcp::socket socket(impl_->io);
      impl_->acceptor.accept(socket, ec);
      if (ec || impl_->stopping) break;
      int fd = socket.release(ec);
      if (ec) continue;
      std::lock_guard<std::mutex> lock(impl_->conns_mu);
      impl_->conns.emplace_back([this, fd] { Serve(fd); });
    }
  });
}

FakeHttp::~FakeHttp() {
  impl_->stopping = true;
  boost::system::error_code ec;
  impl_->acceptor.cancel(ec);
  // Unblock accept() with a throwaway connection.
  {
    asio::io_context io;
    tcp::socket s(io);
    s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_), ec);
  }
  if (impl_->accept_thread.joinable()) impl_->accept_thread.join();
  impl_->acceptor.close(ec);
  std::lock_guard<std::mutex> lock(impl_->conns_mu);
  for (auto& t : impl_->conns) t.join();
}

void FakeHttp::Serve(int fd) {
  asio::io_context io;
  tcp::socket socket(io, tcp::v4(), fd);
  // A receive timeout so a stuck client cannot block the destructor forever.
  struct timeval tv {
    5, 0
  };
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  beast::flat_buffer buffer;
  for (;;) {
    http::request<http::string_body> req;
    boost::system::error_code ec;
    http::read(socket, buffer, req, ec);
    if (ec) break;
    FakeRequest r;
    r.method = std::string(req.method_string());
    r.target = std::string(req.target());
    size_t q = r.target.find('?');
    r.path = r.target.substr(0, q);
    r.query = q == std::string::npos ? "" : r.target.substr(q + 1);
    for (const auto& f : req) {
      std::string name(f.name_string());
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      r.headers[name] = std::string(f.value());
    }
    r.body = req.body();
    {
      std::lock_guard<std::mutex> lock(mu_);
      seen_.push_back(r);
    }
    FakeResponse resp = handler_(r);
    if (resp.truncate) {
      std::string raw = "HTTP/1.1 " + std::to_string(resp.status) +
                        " X\r\nContent-Type: application/json\r\nContent-Length: " +
                        std::to_string(resp.body.size() + 100) + "\r\nConnection: close\r\n\r\n" +
                        resp.body;
      asio::write(socket, asio::buffer(raw), ec);
      break;
    }
    http::response<http::string_body> res{static_cast<http::status>(resp.status), req.version()};
    res.set(http::field::content_type, "application/json");
    res.keep_alive(req.keep_alive());
    res.body() = std::move(resp.body);
    res.prepare_payload();
    http::write(socket, res, ec);
    if (ec || !req.keep_alive()) break;
  }
  boost::system::error_code ec;
  socket.shutdown(tcp::socket::shutdown_both, ec);
}

std::vector<FakeRequest> FakeHttp::requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return seen_;
}

size_t FakeHttp::CountPath(const std::string& prefix) const {
  std::lock_guard<std::mutex> lock(mu_);
  size_t n = 0;
  for (const auto& r : seen_) n += r.path.rfind(prefix, 0) == 0;
  return n;
}

void FakeHttp::ClearRequests() {
  std::lock_guard<std::mutex> lock(mu_);
  seen_.clear();
}

}  // namespace uid2::sync::testing
