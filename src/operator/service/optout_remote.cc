#include "operator/service/optout_remote.h"

#include <curl/curl.h>

#include <mutex>

#include "common/encoding.h"
#include "common/json.h"
#include "crypto/random.h"

namespace uid2::service {
namespace {

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
  void operator()(char* s) const { curl_free(s); }
};
using CurlPtr = std::unique_ptr<CURL, CurlDeleter>;
using HeaderList = std::unique_ptr<curl_slist, CurlDeleter>;
using CurlString = std::unique_ptr<char, CurlDeleter>;

void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string RandomHex(size_t bytes) { return HexEncode(crypto::RandomBytes(bytes)); }

// QueryValue is the base64 of `data`, escaped for a query string ('+', '/', '=').
std::string QueryValue(CURL* curl, ByteSpan data) {
  std::string b64 = Base64Encode(data);
  CurlString escaped(curl_easy_escape(curl, b64.data(), static_cast<int>(b64.size())));
  return escaped ? std::string(escaped.get()) : std::string();
}

std::string BodyJson(const OptOutRequest& r) {
  std::string body = "{";
  if (r.email) body += "\"email\":" + JsonQuote(*r.email);
  if (r.phone) body += std::string(r.email ? "," : "") + "\"phone\":" + JsonQuote(*r.phone);
  return body + "}";
}

size_t Discard(char*, size_t size, size_t n, void*) { return size * n; }

}  // namespace

Result<std::unique_ptr<RemoteOptOut>> RemoteOptOut::Create(std::string uri, store::Secret token,
                                                           const std::string& instance_prefix) {
  if (uri.rfind("http://", 0) != 0 && uri.rfind("https://", 0) != 0) {
    return Error::Invalid("optout_api_uri: expected an http:// or https:// URL, got \"" + uri +
                          "\"");
  }
  GlobalInitOnce();
  return std::unique_ptr<RemoteOptOut>(
      new RemoteOptOut(std::move(uri), std::move(token), instance_prefix + "-" + RandomHex(8)));
}

Status RemoteOptOut::Send(const OptOutRequest& request) const {
  CurlPtr curl(curl_easy_init());
  if (!curl) return Error::Io("opt-out service " + uri_ + ": curl_easy_init failed");
  std::string url = uri_ + "?identity_hash=" + QueryValue(curl.get(), request.first_level_hash) +
                    "&advertising_id=" + QueryValue(curl.get(), request.advertising_id);
  std::string body = BodyJson(request);

  HeaderList headers;
  for (const std::string& h :
       {std::string("Content-Type: application/json"), "Authorization: Bearer " + token_.Reveal(),
        "UID-Instance-Id: " + instance_id_, "UID-Trace-Id: " + RandomHex(8)}) {
    curl_slist* grown = curl_slist_append(headers.get(), h.c_str());
    if (!grown) return Error::Io("opt-out service " + uri_ + ": out of memory");
    headers.release();
    headers.reset(grown);
  }
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_POST, 1L);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(kTimeout.count()));
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, Discard);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");

  CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK) {
    return Error::Io("opt-out service " + uri_ + ": " + curl_easy_strerror(rc));
  }
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  if (status != 200) {
    return Error::Io("opt-out service " + uri_ + ": HTTP " + std::to_string(status) +
                     " (expected 200)");
  }
  return Ok();
}

}  // namespace uid2::service
