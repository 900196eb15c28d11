#include "operator/sync/http_client.h"

#include <curl/curl.h>

#include <memory>
#include <mutex>

#include "common/prefault.h"

namespace uid2::sync {
namespace {

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
  void operator()(char* s) const { curl_free(s); }
};
using CurlPtr = std::unique_ptr<CURL, CurlDeleter>;
using HeaderList = std::unique_ptr<curl_slist, CurlDeleter>;
using UrlPtr = std::unique_ptr<CURLU, CurlDeleter>;
using CurlString = std::unique_ptr<char, CurlDeleter>;

void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Sink {
  std::string* body;
  const std::function<void(std::string_view, size_t)>* on_body;
  size_t limit;
  CURL* curl;
  size_t received = 0;
  size_t content_length = 0;  // announced, 0 when unknown
  bool overflow = false;
  bool started = false;
};

size_t Write(char* data, size_t size, size_t n, void* user) {
  Sink* sink = static_cast<Sink*>(user);
  size_t len = size * n;
  if (sink->received + len > sink->limit) {
    sink->overflow = true;
    return 0;  // aborts the transfer
  }
  sink->received += len;
  if (!sink->started) {
    sink->started = true;
    curl_off_t length = -1;
    if (curl_easy_getinfo(sink->curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length) == CURLE_OK &&
        length > 0 && static_cast<size_t>(length) <= sink->limit) {
      sink->content_length = static_cast<size_t>(length);
      if (!*sink->on_body) {
        // One allocation for a large body instead of regrowing it.
        sink->body->reserve(sink->content_length);
        PrefaultPages(sink->body->data(), sink->body->capacity());
      }
    }
  }
  if (*sink->on_body) {
    (*sink->on_body)(std::string_view(data, len), sink->content_length);
  } else {
    sink->body->append(data, len);
  }
  return len;
}

bool IsTlsError(CURLcode rc) {
  return rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CONNECT_ERROR ||
         rc == CURLE_SSL_CERTPROBLEM || rc == CURLE_SSL_CACERT_BADFILE ||
         rc == CURLE_SSL_ISSUER_ERROR || rc == CURLE_SSL_INVALIDCERTSTATUS;
}

bool IsHttpUrl(std::string_view url) {
  return url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0;
}

}  // namespace

std::string RedactUrl(std::string_view url) {
  size_t cut = url.find_first_of("?#");
  std::string out(url.substr(0, cut));
  if (cut != std::string_view::npos) out += "?...";
  return out;
}

std::string UrlEscape(std::string_view value) {
  GlobalInitOnce();
  CurlString escaped(curl_easy_escape(nullptr, value.data(), static_cast<int>(value.size())));
  return escaped ? std::string(escaped.get()) : std::string();
}

Result<std::string> ResolveUrl(const std::string& base, const std::string& ref) {
  GlobalInitOnce();
  UrlPtr u(curl_url());
  if (!u) return Error::Internal("curl_url failed");
  if (curl_url_set(u.get(), CURLUPART_URL, base.c_str(), 0) != CURLUE_OK) {
    return Error::Invalid("URL \"" + RedactUrl(base) + "\" is not a valid absolute URL");
  }
  if (curl_url_set(u.get(), CURLUPART_URL, ref.c_str(), 0) != CURLUE_OK) {
    return Error::Invalid("URL \"" + RedactUrl(ref) + "\" cannot be resolved against \"" +
                          RedactUrl(base) + "\"");
  }
  char* out = nullptr;
  if (curl_url_get(u.get(), CURLUPART_URL, &out, 0) != CURLUE_OK || !out) {
    return Error::Internal("curl_url_get failed");
  }
  CurlString owned(out);
  return std::string(owned.get());
}

Result<HttpReply> HttpFetch(const HttpRequest& request) {
  const std::string shown = request.method + " " + RedactUrl(request.url);
  if (!IsHttpUrl(request.url)) {
    return Error::Invalid(shown + ": expected an http:// or https:// URL");
  }
  if (request.method != "GET" && request.method != "POST") {
    return Error::Invalid(shown + ": unsupported method");
  }
  GlobalInitOnce();
  CurlPtr curl(curl_easy_init());
  if (!curl) return Error::Internal(shown + ": curl_easy_init failed");
  HeaderList headers;
  for (const std::string& h : request.headers) {
    curl_slist* grown = curl_slist_append(headers.get(), h.c_str());
    if (!grown) return Error::Internal(shown + ": out of memory");
    headers.release();
    headers.reset(grown);
  }
  HttpReply reply;
  CURL* c = curl.get();
  Sink sink{&reply.body, &request.on_body, request.max_body_bytes, c};
  curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
  if (request.method == "POST") {
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.body.c_str());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(request.body.size()));
  }
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(request.connect_timeout.count()));
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1024L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, request.low_speed_seconds);
  curl_easy_setopt(c, CURLOPT_BUFFERSIZE, 512L * 1024);  // fewer reads and callbacks
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, Write);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  curl_blob test_ca{};
  if (!request.test_ca_pem.empty()) {
    test_ca.data = const_cast<char*>(request.test_ca_pem.data());
    test_ca.len = request.test_ca_pem.size();
    test_ca.flags = CURL_BLOB_NOCOPY;
    curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &test_ca);
  }
  char error_detail[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error_detail);
  // Accept gzip/deflate if the server offers it (libcurl decodes).
  curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");

  CURLcode rc = curl_easy_perform(c);
  if (sink.overflow) {
    return Error::Io(shown + ": response body larger than " +
                     std::to_string(request.max_body_bytes) + " bytes");
  }
  if (rc != CURLE_OK) {
    std::string message = shown + ": " + curl_easy_strerror(rc);
    // libcurl's detail names the certificate problem; it is added for TLS failures only (other
    // details may quote the URL, whose query must not reach a log).
    if (IsTlsError(rc) && error_detail[0] != '\0')
      message += " (" + std::string(error_detail) + ")";
    return Error::Io(message);
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply.status);
  return reply;
}

}  // namespace uid2::sync
