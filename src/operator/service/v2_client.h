// v2_client.h: the client side of the UID2 v2 envelope (spec §2.1–2.2) and a small blocking
// HTTP/1.1 client, for tests, the load generator and examples. Written from the spec with the
// crypto library only, independently of the operator's own envelope code, so tests that use it
// check the server against a second implementation.
//
// Request envelope:  0x01 | IV 12 | GCM(secret)[ ts_ms int64 BE | nonce 8 | JSON ] | tag 16
// Response (200):           IV 12 | GCM(secret)[ ts_ms int64 BE | nonce 8 | JSON ] | tag 16
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"

namespace uid2::service {

constexpr uint8_t kEnvelopeVersion = 0x01;
constexpr size_t kNonceSize = 8;

struct V2Request {
  Bytes envelope;  // binary envelope (send as octet-stream, or base64 it)
  Bytes nonce;     // 8 bytes, to check the response echo
};

// EncryptV2Request seals `json` (may be empty) under the 32-byte `secret` at `now_ms`.
Result<V2Request> EncryptV2Request(ByteSpan secret, std::string_view json, int64_t now_ms);

struct V2Response {
  int64_t timestamp_ms = 0;
  Bytes nonce;
  std::string json;  // {"status":..., "body":...}
};

// DecryptV2Response opens a response body (binary IV|ct|tag). Fails on a short body or bad tag.
Result<V2Response> DecryptV2Response(ByteSpan secret, ByteSpan body);

int64_t NowMs();

struct HttpReply {
  unsigned status = 0;
  std::string content_type;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string Header(std::string_view name) const;  // "" when absent (case-insensitive)
};

// BlockingHttpClient keeps one keep-alive connection to host:port and reconnects when the
// server closed it. Not thread-safe. Every call has a 10 s timeout.
class BlockingHttpClient {
 public:
  BlockingHttpClient(std::string host, uint16_t port);
  ~BlockingHttpClient();
  BlockingHttpClient(const BlockingHttpClient&) = delete;
  BlockingHttpClient& operator=(const BlockingHttpClient&) = delete;

  // Request sends one request; `headers` are (name, value) pairs.
  Result<HttpReply> Request(std::string_view method, std::string_view target,
                            const std::vector<std::pair<std::string, std::string>>& headers,
                            std::string_view body);
  Result<HttpReply> Post(std::string_view target, std::string_view bearer, std::string_view body,
                         std::string_view content_type = "text/plain");
  Result<HttpReply> Get(std::string_view target);

  // True when the last reply closed the connection (or it was never opened).
  bool closed() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace uid2::service
