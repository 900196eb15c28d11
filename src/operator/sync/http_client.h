// http_client.h: the operator's one HTTP(S) client (libcurl, blocking), used for attestation,
// core and opt-out sync, and the logout call.
//
//   HttpRequest req{.method = "GET", .url = "https://core.uidapi.com/salt/refresh"};
//   req.headers.push_back("Authorization: Bearer " + token.Reveal());
//   UID2_ASSIGN_OR_RETURN(HttpReply reply, HttpFetch(req));
//   if (reply.status != 200) ...
//
// TLS: peers are verified against the system CA bundle (libcurl's default) with
// CURLOPT_SSL_VERIFYPEER and CURLOPT_SSL_VERIFYHOST always on; a TLS failure is a kIo error
// naming the certificate problem ("SSL certificate problem: certificate has expired", ...).
// Only http:// and https:// URLs are accepted and redirects are not followed. The URL is used
// exactly as given (a pre-signed URL keeps its query). Errors (kIo) name the URL without its
// query (pre-signed signatures and opt-out hashes live there) and the transport error; an
// HTTP status is not an error (the caller decides). A body larger than max_body_bytes is kIo.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace uid2::sync {

struct HttpRequest {
  std::string method = "GET";  // "GET" or "POST"
  std::string url;
  std::vector<std::string> headers;                   // "Name: value"
  std::string body;                                   // sent for POST
  std::chrono::milliseconds timeout{30'000};          // whole transfer
  std::chrono::milliseconds connect_timeout{10'000};  // TCP + TLS handshake
  // A transfer slower than 1 KiB/s for low_speed_seconds is aborted (a stalled server).
  long low_speed_seconds = 30;
  size_t max_body_bytes = size_t{1} << 31;
  // Tests only: the trust anchors (PEM) used instead of the system CA bundle (a test CA).
  // Nothing in the operator sets it from its config or environment, so the host cannot swap the
  // enclave client's trust roots (libcurl itself reads neither SSL_CERT_FILE nor CURL_CA_BUNDLE;
  // only the curl tool does). It changes the anchors only: verification stays on.
  std::string test_ca_pem;
  // on_body, when set, is given the body piece by piece as it arrives, with the announced
  // Content-Length (0 when unknown), and HttpReply::body stays empty (a 270 MB salt file is
  // opened while it downloads). It sees the body of any status.
  std::function<void(std::string_view piece, size_t content_length)> on_body;
};

struct HttpReply {
  long status = 0;
  std::string body;
};

// HttpFetch performs the request. Thread-safe (each call uses its own easy handle).
Result<HttpReply> HttpFetch(const HttpRequest& request);

// RedactUrl returns the URL without its query and fragment (for logs and errors).
std::string RedactUrl(std::string_view url);

// ResolveUrl resolves `ref` against `base` (RFC 3986, via libcurl's URL API): an absolute
// `ref` is returned as is; "/x" replaces the base's path; "x" is relative to its directory.
Result<std::string> ResolveUrl(const std::string& base, const std::string& ref);

// UrlEscape percent-encodes a query value.
std::string UrlEscape(std::string_view value);

}  // namespace uid2::sync
