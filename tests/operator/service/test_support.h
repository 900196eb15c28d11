// test_support.h: the operator under test (in-process, on free 127.0.0.1 ports) and a v2 client
// for it. Clients and secrets are the bundled dataset's test clients (data/uid2/core/clients).
#pragma once

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <filesystem>
#include <memory>
#include <string>

#include "common/encoding.h"
#include "common/json.h"
#include "operator/service/operator_app.h"
#include "operator/service/v2_client.h"
#include "operator/store/config.h"

namespace uid2::service::testing {

struct TestClient {
  const char* key;
  const char* secret;
  Bytes Secret() const { return *Base64Decode(secret); }
};

// data/uid2/core/clients/clients.json
inline const TestClient k999{"UID2-C-L-999-fCXrMM.fsR3mDqAXELtWWMS+xG1s7RdgRTMqdOH2qaAo=",
                             "DzBzbjTJcYL0swDtFs2krRNu+g1Eokm2tBU4dEuD0Wk="};  // all roles
inline const TestClient k123{"UID2-C-L-123-t32pCM.5NCX1E94UgOd2f8zhsKmxzCoyhXohHYSSWR8U=",
                             "FsD4bvtjMkeTonx6HvQp6u0EiI1ApGH4pIZzZ5P7UcQ="};  // ID_READER
inline const TestClient k124{"UID2-C-L-124-H8VwqX.l2G4TCuUWYAqdqkeG/UqtFoPEoXirKn4kHWxc=",
                             "NcMgi6Y8C80SlxvV7pYlfcvEIo+2b0508tYQ3pKK8HM="};  // GENERATOR
inline const TestClient k125{"UID2-C-L-125-E5w9L8.T5og45yFqQeoj4ubh9IVqXcaSVwk7A5XyG958=",
                             "3YAgjckHGQyBgSFj64ZsLf8WlUnvrQhLKuG7rljp6W4="};  // MAPPER, SHARER
inline const TestClient k126{"UID2-C-L-126-GMP9tD.jn2o3vmXzn7vmKRlTT6BEUrPUaPJuQmDBdq38=",
                             "1ydXM0rEj+ROUazVpZjNZOGu2T5+f/BIiBfnK8xGh/A="};  // MAPPER
inline const TestClient k127{"UID2-C-L-127-aHVydH.JlZnVzZWRmYXN0ZW5lbXliYWdpZGVudGl0eWU=",
                             "c3VpdG9wcG9zaXRlaW1hZ2Vsb29rc2ltcGxlc3RmaXI="};  // OPTOUT

// A fresh temporary directory, removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// LocalConfig: conf/local-config.json with free ports, 2 threads, and the given opt-out folder
// (and core data folder, if not empty).
store::OperatorConfig LocalConfig(const std::string& optout_dir, const std::string& core_dir = "");

// The outcome of one API call, decrypted when it was an encrypted 200.
struct ApiReply {
  unsigned http = 0;
  std::string content_type;
  std::string json;  // decrypted (200) or plaintext (errors)
  rapidjson::Document doc;
  std::string Status() const;  // doc["status"] or ""
  const rapidjson::Value& Body() const { return doc["body"]; }
};

class Api {
 public:
  explicit Api(uint16_t port) : http_("127.0.0.1", port) {}

  // V2 posts an envelope of `json` for `client` (base64 text, or binary) and decrypts a 200.
  ApiReply V2(std::string_view path, const TestClient& client, std::string_view json,
              bool binary = false, int64_t timestamp_ms = 0);
  // Raw posts `body` as given with the client's bearer key ("" = no Authorization).
  ApiReply Raw(std::string_view path, std::string_view bearer, std::string_view body,
               std::string_view content_type = "text/plain");
  // Refresh posts the 388-char token and decrypts a 200 with `response_key_b64`.
  ApiReply Refresh(std::string_view refresh_token, std::string_view response_key_b64,
                   std::string_view bearer = "");
  BlockingHttpClient& http() { return http_; }

 private:
  BlockingHttpClient http_;
};

// ParseReply fills doc from json (leaves doc null on a parse error).
void ParseInto(ApiReply* r);

}  // namespace uid2::service::testing
