#include "operator/service/optout_remote.h"

#include "common/encoding.h"
#include "common/json.h"
#include "crypto/random.h"
#include "operator/sync/http_client.h"

namespace uid2::service {
namespace {

std::string RandomHex(size_t bytes) { return HexEncode(crypto::RandomBytes(bytes)); }

// QueryValue is the base64 of `data`, escaped for a query string ('+', '/', '=').
std::string QueryValue(ByteSpan data) { return sync::UrlEscape(Base64Encode(data)); }

std::string BodyJson(const OptOutRequest& r) {
  std::string body = "{";
  if (r.email) body += "\"email\":" + JsonQuote(*r.email);
  if (r.phone) body += std::string(r.email ? "," : "") + "\"phone\":" + JsonQuote(*r.phone);
  return body + "}";
}

}  // namespace

Result<std::unique_ptr<RemoteOptOut>> RemoteOptOut::Create(std::string uri, store::Secret token,
                                                           const std::string& instance_prefix) {
  if (uri.rfind("http://", 0) != 0 && uri.rfind("https://", 0) != 0) {
    return Error::Invalid("optout_api_uri: expected an http:// or https:// URL, got \"" + uri +
                          "\"");
  }
  return std::unique_ptr<RemoteOptOut>(
      new RemoteOptOut(std::move(uri), std::move(token), instance_prefix + "-" + RandomHex(8)));
}

Status RemoteOptOut::Send(const OptOutRequest& request) const {
  sync::HttpRequest req;
  req.method = "POST";
  req.url = uri_ + "?identity_hash=" + QueryValue(request.first_level_hash) +
            "&advertising_id=" + QueryValue(request.advertising_id);
  req.body = BodyJson(request);
  req.timeout = kTimeout;
  req.max_body_bytes = 1 << 20;
  req.headers = {"Content-Type: application/json", "Authorization: Bearer " + token_.Reveal(),
                 "UID-Instance-Id: " + instance_id_, "UID-Trace-Id: " + RandomHex(8)};
  auto reply = sync::HttpFetch(req);
  if (!reply.ok()) {
    // HttpFetch's message names the URL without its query (the hashes).
    return Error::Io("opt-out service " + uri_ + ": " + reply.error().message());
  }
  if (reply->status != 200) {
    return Error::Io("opt-out service " + uri_ + ": HTTP " + std::to_string(reply->status) +
                     " (expected 200)");
  }
  return Ok();
}

}  // namespace uid2::service
