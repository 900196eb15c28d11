#include "operator/service/v2_client.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <optional>

#include "crypto/cipher.h"
#include "crypto/random.h"

namespace uid2::service {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

namespace {
void PutI64BE(Bytes* out, int64_t v) {
  for (int i = 7; i >= 0; --i) out->push_back(static_cast<uint8_t>(uint64_t(v) >> (8 * i)));
}
}  // namespace

Result<V2Request> EncryptV2Request(ByteSpan secret, std::string_view json, int64_t now_ms) {
  V2Request r;
  r.nonce = crypto::RandomBytes(kNonceSize);
  Bytes plain;
  plain.reserve(16 + json.size());
  PutI64BE(&plain, now_ms);
  plain.insert(plain.end(), r.nonce.begin(), r.nonce.end());
  plain.insert(plain.end(), json.begin(), json.end());
  UID2_ASSIGN_OR_RETURN(Bytes sealed, crypto::AesGcmSeal(secret, plain));
  r.envelope.reserve(1 + sealed.size());
  r.envelope.push_back(kEnvelopeVersion);
  r.envelope.insert(r.envelope.end(), sealed.begin(), sealed.end());
  return r;
}

Result<V2Response> DecryptV2Response(ByteSpan secret, ByteSpan body) {
  if (body.size() < crypto::kGcmIvSize + crypto::kGcmTagSize + 16) {
    return Error::Invalid("v2 response: " + std::to_string(body.size()) + " bytes is too short");
  }
  UID2_ASSIGN_OR_RETURN(Bytes plain, crypto::AesGcmOpen(secret, body));
  ByteReader r(plain);
  uint64_t ts = 0;
  if (!r.ReadU64BE(&ts)) return Error::Invalid("v2 response: no timestamp");
  V2Response out;
  out.timestamp_ms = static_cast<int64_t>(ts);
  out.nonce.assign(r.rest().begin(), r.rest().begin() + kNonceSize);
  out.json.assign(AsChars(r.rest().subspan(kNonceSize)));
  return out;
}

std::string HttpReply::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (beast::iequals(k, beast::string_view(name.data(), name.size()))) return v;
  }
  return "";
}

struct BlockingHttpClient::Impl {
  std::string host;
  uint16_t port;
  net::io_context ctx;
  std::optional<beast::tcp_stream> stream;
  beast::flat_buffer buffer;
  bool closed = true;
};

BlockingHttpClient::BlockingHttpClient(std::string host, uint16_t port)
    : impl_(std::make_unique<Impl>()) {
  impl_->host = std::move(host);
  impl_->port = port;
}
BlockingHttpClient::~BlockingHttpClient() = default;

bool BlockingHttpClient::closed() const { return impl_->closed; }

Result<HttpReply> BlockingHttpClient::Request(
    std::string_view method, std::string_view target,
    const std::vector<std::pair<std::string, std::string>>& headers, std::string_view body) {
  Impl& im = *impl_;
  beast::error_code ec;
  if (im.closed) {
    im.stream.emplace(im.ctx);
    im.buffer.clear();
    tcp::endpoint ep(net::ip::make_address(im.host, ec), im.port);
    if (ec) return Error::Invalid("bad host " + im.host);
    im.stream->expires_after(std::chrono::seconds(10));
    im.stream->async_connect(ep, [&](beast::error_code e) { ec = e; });
    im.ctx.restart();
    im.ctx.run();
    if (ec) return Error::Io("connect: " + ec.message());
    im.closed = false;
  }
  http::request<http::string_body> req;
  req.method_string(beast::string_view(method.data(), method.size()));
  req.target(beast::string_view(target.data(), target.size()));
  req.version(11);
  req.set(http::field::host, im.host);
  for (const auto& [k, v] : headers) req.set(beast::string_view(k), v);
  req.body() = std::string(body);
  req.keep_alive(true);
  req.prepare_payload();
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 << 20);
  if (method == "HEAD") parser.skip(true);
  im.stream->expires_after(std::chrono::seconds(10));
  http::async_write(*im.stream, req, [&](beast::error_code e, size_t) {
    ec = e;
    if (e) return;
    http::async_read(*im.stream, im.buffer, parser, [&](beast::error_code e2, size_t) { ec = e2; });
  });
  im.ctx.restart();
  im.ctx.run();
  if (ec) {
    im.closed = true;
    return Error::Io("http " + std::string(target) + ": " + ec.message());
  }
  auto& res = parser.get();
  HttpReply reply;
  reply.status = res.result_int();
  reply.content_type = std::string(res[http::field::content_type]);
  reply.body = std::move(res.body());
  for (const auto& f : res) {
    reply.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
  }
  if (!res.keep_alive()) {
    im.closed = true;
    im.stream->socket().close(ec);
  }
  return reply;
}

Result<HttpReply> BlockingHttpClient::Post(std::string_view target, std::string_view bearer,
                                           std::string_view body, std::string_view content_type) {
  std::vector<std::pair<std::string, std::string>> headers;
  if (!bearer.empty()) headers.emplace_back("Authorization", "Bearer " + std::string(bearer));
  if (!content_type.empty()) headers.emplace_back("Content-Type", std::string(content_type));
  return Request("POST", target, headers, body);
}

Result<HttpReply> BlockingHttpClient::Get(std::string_view target) {
  return Request("GET", target, {}, "");
}

}  // namespace uid2::service
