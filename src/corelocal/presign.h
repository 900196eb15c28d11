// presign.h: pre-signed URLs for content files, as an S3 pre-signed GET: whoever holds the URL
// may fetch that one file until it expires, with no other credentials (CONTRACT-12 item 2).
//
//   <base>/s/<path>?expires=<epoch s>[&key_id=<cloud encryption key id>]&sig=<hex>
//   sig = HMAC-SHA256(server key, "GET\n/s/<path>\n<expires>\n<key_id or empty>")
//
// key_id, when present, says the file is served encrypted under that cloud encryption key (the
// requesting operator's site key, chosen when the metadata was served). The server key is
// random per process: URLs die with it.
#pragma once

#include <ctime>
#include <optional>
#include <string>

#include "common/bytes.h"
#include "common/status.h"
#include "corelocal/http.h"

namespace uid2::corelocal {

struct PresignedTarget {
  std::string path;  // relative, as signed ("sites/sites.json")
  std::optional<int64_t> key_id;
};

class Presigner {
 public:
  // base_url: "http://127.0.0.1:8088" (no trailing slash).
  Presigner(std::string base_url, Bytes key)
      : base_url_(std::move(base_url)), key_(std::move(key)) {}

  std::string Sign(const std::string& path, std::optional<int64_t> key_id, time_t expires) const;
  // Verify checks a request for /s/...: the signature (constant time), then the expiry, and
  // refuses unknown or repeated query parameters. kVerifyFailed with the reason.
  Result<PresignedTarget> Verify(const HttpRequest& request, time_t now) const;

  const std::string& base_url() const { return base_url_; }

 private:
  Bytes Mac(const std::string& path, const std::string& expires, const std::string& key_id) const;
  std::string base_url_;
  Bytes key_;
};

}  // namespace uid2::corelocal
