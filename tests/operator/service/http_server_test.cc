// HttpServer: keep-alive, body limit, slow and idle clients, malformed requests, CORS, drain.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <future>
#include <thread>

#include "operator/service/http_server.h"
#include "operator/service/v2_client.h"

namespace uid2::service {
namespace {

using namespace std::chrono_literals;

std::unique_ptr<HttpServer> StartEcho(HttpServerOptions o, std::chrono::milliseconds delay = 0ms) {
  o.port = 0;
  o.address = "127.0.0.1";
  auto s = HttpServer::Start(o, [delay](const HttpRequest& r, HttpResponse* w) {
    if (delay.count()) std::this_thread::sleep_for(delay);
    w->content_type = "text/plain";
    w->body =
        std::string(r.method) + " " + std::string(r.path) + " " + std::to_string(r.body.size());
  });
  EXPECT_TRUE(s.ok());
  return s.ok() ? std::move(s).value() : nullptr;
}

// A raw TCP connection for misbehaving clients.
class RawConn {
 public:
  explicit RawConn(uint16_t port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  }
  ~RawConn() { close(fd_); }
  bool connected() const { return connected_; }
  bool Send(std::string_view s) {
    return ::send(fd_, s.data(), s.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(s.size());
  }
  // Reads until the peer closes or `timeout`; returns what arrived; *closed tells which.
  std::string ReadAll(std::chrono::milliseconds timeout, bool* closed) {
    std::string out;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    *closed = false;
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd_, POLLIN, 0};
      int ms = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                    deadline - std::chrono::steady_clock::now())
                                    .count());
      if (poll(&p, 1, ms < 0 ? 0 : ms) <= 0) break;
      char buf[4096];
      ssize_t n = recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        *closed = true;
        break;
      }
      out.append(buf, n);
    }
    return out;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

TEST(HttpServerTest, KeepAliveServesManyRequestsOnOneConnection) {
  auto s = StartEcho({});
  BlockingHttpClient c("127.0.0.1", s->port());
  for (int i = 0; i < 5; ++i) {
    auto r = c.Post("/x", "", "hello");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->body, "POST /x 5");
    EXPECT_FALSE(c.closed());
  }
  EXPECT_EQ(s->open_connections(), 1);
}

TEST(HttpServerTest, BodyOverLimitGets413) {
  HttpServerOptions o;
  o.body_limit = 1024;
  auto s = StartEcho(o);
  BlockingHttpClient c("127.0.0.1", s->port());
  auto ok = c.Post("/x", "", std::string(1024, 'a'));
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->status, 200u);
  auto big = c.Post("/x", "", std::string(5000, 'a'));
  ASSERT_TRUE(big.ok()) << big.error().message();
  EXPECT_EQ(big->status, 413u);
  EXPECT_EQ(big->body, kBodyTooLargeJson);
}

TEST(HttpServerTest, SlowlorisClientIsCutOff) {
  HttpServerOptions o;
  o.request_timeout = 400ms;
  auto s = StartEcho(o);
  RawConn conn(s->port());
  ASSERT_TRUE(conn.connected());
  ASSERT_TRUE(conn.Send("POST /x HTTP/1.1\r\nHost: a\r\n"));
  auto start = std::chrono::steady_clock::now();
  // Trickle a header byte every 100 ms; the server must close within its request timeout.
  bool closed = false;
  for (int i = 0; i < 30 && !closed; ++i) {
    if (!conn.Send("X")) break;
    conn.ReadAll(100ms, &closed);
  }
  auto elapsed = std::chrono::steady_clock::now() - start;
  bool still_sending = conn.Send("Y");
  conn.ReadAll(500ms, &closed);
  EXPECT_TRUE(closed || !still_sending);
  EXPECT_LT(elapsed, 2500ms);
}

TEST(HttpServerTest, IdleKeepAliveConnectionIsClosed) {
  HttpServerOptions o;
  o.idle_timeout = 200ms;
  auto s = StartEcho(o);
  RawConn conn(s->port());
  ASSERT_TRUE(conn.connected());
  bool closed = false;
  conn.ReadAll(2000ms, &closed);
  EXPECT_TRUE(closed);
}

TEST(HttpServerTest, MalformedRequestGets400) {
  auto s = StartEcho({});
  RawConn conn(s->port());
  ASSERT_TRUE(conn.Send("THIS IS NOT HTTP\r\n\r\n"));
  bool closed = false;
  std::string reply = conn.ReadAll(2000ms, &closed);
  EXPECT_EQ(reply.rfind("HTTP/1.1 400", 0), 0u) << reply;
}

TEST(HttpServerTest, ExpectContinueIsHonoured) {
  auto s = StartEcho({});
  RawConn conn(s->port());
  ASSERT_TRUE(conn.Send(
      "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n"));
  bool closed = false;
  std::string interim = conn.ReadAll(500ms, &closed);
  EXPECT_EQ(interim.rfind("HTTP/1.1 100 Continue", 0), 0u) << interim;
  ASSERT_TRUE(conn.Send("abc"));
  std::string reply = conn.ReadAll(500ms, &closed);
  EXPECT_NE(reply.find("POST /x 3"), std::string::npos) << reply;
}

TEST(HttpServerTest, StopDrainsInFlightRequestsAndRefusesNewOnes) {
  auto s = StartEcho({}, 500ms);
  uint16_t port = s->port();
  auto pending = std::async(std::launch::async, [port] {
    BlockingHttpClient c("127.0.0.1", port);
    return c.Post("/slow", "", "x");
  });
  std::this_thread::sleep_for(150ms);
  s->Stop(5000ms);
  auto r = pending.get();
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->status, 200u);
  EXPECT_EQ(r->body, "POST /slow 1");
  EXPECT_EQ(r->Header("Connection"), "close");
  RawConn late(port);
  EXPECT_FALSE(late.connected());
}

TEST(HttpServerTest, StopClosesIdleKeepAliveConnectionsPromptly) {
  auto s = StartEcho({});
  RawConn idle(s->port());
  ASSERT_TRUE(idle.Send("GET /warm HTTP/1.1\r\nHost: a\r\n\r\n"));
  bool closed = false;
  EXPECT_NE(idle.ReadAll(300ms, &closed).find("GET /warm 0"), std::string::npos);
  auto start = std::chrono::steady_clock::now();
  s->Stop(5000ms);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1000ms);
  idle.ReadAll(1000ms, &closed);
  EXPECT_TRUE(closed);
}

TEST(HttpServerTest, BadAddressIsAnError) {
  HttpServerOptions o;
  o.address = "not-an-address";
  auto bad = HttpServer::Start(o, [](const HttpRequest&, HttpResponse*) {});
  EXPECT_FALSE(bad.ok());
}

}  // namespace
}  // namespace uid2::service
