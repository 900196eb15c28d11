// The operator's HTTP client against a real TLS server on 127.0.0.1 (Boost.Asio over OpenSSL),
// with certificates from a test CA made at test time: a trusted chain is fetched; an untrusted
// CA, a certificate for another host and an expired certificate are refused. Each refusal would
// pass if CURLOPT_SSL_VERIFYPEER or CURLOPT_SSL_VERIFYHOST were turned off.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <ctime>
#include <thread>

#include "attest/sim_x509.h"
#include "crypto/ec.h"
#include "operator/sync/http_client.h"
#include "operator/sync/optout_sync.h"

namespace uid2::sync::testing {
namespace {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

// A one-connection-at-a-time HTTPS server answering every request with `body`.
class TlsServer {
 public:
  TlsServer(const std::string& cert_pem, const std::string& key_pem, std::string body)
      : body_(std::move(body)) {
    ctx_.use_certificate_chain(asio::buffer(cert_pem));
    ctx_.use_private_key(asio::buffer(key_pem), ssl::context::pem);
    tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
    acceptor_.open(ep.protocol());
    acceptor_.bind(ep);
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { Serve(); });
  }
  ~TlsServer() {
    stopping_ = true;
    boost::system::error_code ec;
    {
      asio::io_context io;
      tcp::socket s(io);
      s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_), ec);
    }
    thread_.join();
  }
  uint16_t port() const { return port_; }
  // Requests read over a completed handshake.
  int requests() const { return requests_; }

 private:
  void Serve() {
    while (!stopping_) {
      boost::system::error_code ec;
      tcp::socket socket(io_);
      acceptor_.accept(socket, ec);
      if (ec || stopping_) break;
      ssl::stream<tcp::socket> stream(std::move(socket), ctx_);
      stream.handshake(ssl::stream_base::server, ec);
      if (ec) continue;  // the client refused the certificate
      std::string request;
      asio::read_until(stream, asio::dynamic_buffer(request), "\r\n\r\n", ec);
      if (ec) continue;
      requests_++;  // before the reply: the client cannot see the reply before the count
      std::string reply = "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body_.size()) +
                          "\r\nConnection: close\r\n\r\n" + body_;
      asio::write(stream, asio::buffer(reply), ec);
      stream.shutdown(ec);
    }
  }

  asio::io_context io_;
  tcp::acceptor acceptor_{io_};
  ssl::context ctx_{ssl::context::tls_server};
  std::string body_;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> requests_{0};
  std::thread thread_;
};

// A test CA and leaf certificates issued by it (ECDSA P-256, OpenSSL 3 via attest::sim).
struct TestPki {
  crypto::EcKeyP256 ca_key = crypto::EcKeyP256::Generate().value();
  crypto::Certificate ca;
  crypto::EcKeyP256 leaf_key = crypto::EcKeyP256::Generate().value();

  TestPki() : ca(Issue(CaSpec(), ca_key, nullptr)) {}

  static attest::sim::CertSpec CaSpec() {
    attest::sim::CertSpec spec;
    spec.common_name = "UID2 Test CA";
    spec.not_before = Now() - 3600;
    spec.not_after = Now() + 86400;
    spec.ca = true;
    return spec;
  }

  static time_t Now() { return std::time(nullptr); }
  crypto::Certificate Issue(attest::sim::CertSpec spec, const crypto::EcKeyP256& key,
                            const crypto::Certificate* issuer) {
    auto cert = attest::sim::IssueCertificate(spec, key, issuer, issuer ? ca_key : key);
    EXPECT_TRUE(cert.ok()) << cert.error().message();
    return std::move(cert).value();
  }
  // A leaf for `san`, valid [not_before, not_after].
  std::string Leaf(const std::string& san, time_t not_before, time_t not_after) {
    attest::sim::CertSpec spec;
    spec.common_name = "test server";
    spec.not_before = not_before;
    spec.not_after = not_after;
    spec.subject_alt_name = san;
    return Issue(spec, leaf_key, &ca).Pem();
  }
};

constexpr char kMetadata[] =
    R"({"version":7,"generated":1,"optout_logs":[{"type":"delta","location":)"
    R"("https://localhost/o/optout-delta-001_2026-12-07T20.00.00Z_00000001.dat?sig=x"}]})";

HttpRequest Get(const TlsServer& server, const std::string& host, const std::string& ca_pem) {
  HttpRequest r;
  r.url = "https://" + host + ":" + std::to_string(server.port()) + "/optout/refresh?sig=secret";
  r.test_ca_pem = ca_pem;
  r.timeout = std::chrono::milliseconds(10'000);
  return r;
}

const std::string kLocalSan = "DNS:localhost,IP:127.0.0.1";

TEST(HttpsClient, TrustedTestCaFetchesTheMetadata) {
  TestPki pki;
  TlsServer server(pki.Leaf(kLocalSan, TestPki::Now() - 60, TestPki::Now() + 3600),
                   pki.leaf_key.PrivatePem(), kMetadata);
  for (const std::string host : {"localhost", "127.0.0.1"}) {
    auto reply = HttpFetch(Get(server, host, pki.ca.Pem()));
    ASSERT_TRUE(reply.ok()) << host << ": " << reply.error().message();
    EXPECT_EQ(reply->status, 200);
    auto meta = ParseOptOutMetadata(reply->body);
    ASSERT_TRUE(meta.ok()) << meta.error().message();
    EXPECT_EQ(meta->version, 7);
    ASSERT_EQ(meta->logs.size(), 1u);
  }
  EXPECT_EQ(server.requests(), 2);
}

// Fails if CURLOPT_SSL_VERIFYPEER is turned off.
TEST(HttpsClient, SystemTrustRefusesTheTestCa) {
  TestPki pki;
  TlsServer server(pki.Leaf(kLocalSan, TestPki::Now() - 60, TestPki::Now() + 3600),
                   pki.leaf_key.PrivatePem(), kMetadata);
  auto reply = HttpFetch(Get(server, "localhost", ""));  // default: the system CA bundle
  ASSERT_FALSE(reply.ok());
  const std::string m = reply.error().message();
  EXPECT_NE(m.find("SSL certificate problem"), std::string::npos) << m;
  EXPECT_NE(m.find("issuer certificate"), std::string::npos) << m;
  EXPECT_EQ(m.find("secret"), std::string::npos) << m;  // the query never shows
  EXPECT_EQ(server.requests(), 0);
}

// Fails if CURLOPT_SSL_VERIFYHOST is turned off.
TEST(HttpsClient, CertificateForAnotherHostIsRefused) {
  TestPki pki;
  TlsServer server(pki.Leaf("DNS:optout.example.com", TestPki::Now() - 60, TestPki::Now() + 3600),
                   pki.leaf_key.PrivatePem(), kMetadata);
  for (const std::string host : {"localhost", "127.0.0.1"}) {
    auto reply = HttpFetch(Get(server, host, pki.ca.Pem()));
    ASSERT_FALSE(reply.ok()) << host;
    const std::string m = reply.error().message();
    EXPECT_NE(m.find("SSL"), std::string::npos) << m;
    EXPECT_NE(m.find("match"), std::string::npos) << m;
  }
  EXPECT_EQ(server.requests(), 0);
}

// Fails if CURLOPT_SSL_VERIFYPEER is turned off.
TEST(HttpsClient, ExpiredCertificateIsRefused) {
  TestPki pki;
  TlsServer server(pki.Leaf(kLocalSan, TestPki::Now() - 7200, TestPki::Now() - 60),
                   pki.leaf_key.PrivatePem(), kMetadata);
  auto reply = HttpFetch(Get(server, "localhost", pki.ca.Pem()));
  ASSERT_FALSE(reply.ok());
  const std::string m = reply.error().message();
  EXPECT_NE(m.find("certificate has expired"), std::string::npos) << m;
  EXPECT_EQ(server.requests(), 0);
}

// libcurl's error detail is added to TLS failures only: other details may quote the URL.
TEST(HttpsClient, NonTlsErrorsCarryNoDetail) {
  HttpRequest r;
  r.url = "http://127.0.0.1:1/optout/refresh?sig=secret";  // nothing listens on port 1
  auto reply = HttpFetch(r);
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.error().message(),
            "GET http://127.0.0.1:1/optout/refresh?...: Couldn't connect to server");
}

TEST(HttpsClient, TheSystemBundleIsTheDefault) {
  // Nothing but a test sets the anchors: a default request trusts only the system bundle.
  EXPECT_TRUE(HttpRequest{}.test_ca_pem.empty());
}

}  // namespace
}  // namespace uid2::sync::testing
