#include "tests/operator/service/test_support.h"

#include <stdlib.h>

#include "crypto/cipher.h"

namespace uid2::service::testing {

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "uid2-svc-XXXXXX").string();
  char* made = mkdtemp(tmpl.data());
  path_ = made ? made : "";
}

TempDir::~TempDir() {
  std::error_code ec;
  if (!path_.empty()) std::filesystem::remove_all(path_, ec);
}

store::OperatorConfig LocalConfig(const std::string& optout_dir, const std::string& core_dir) {
  auto config = store::LoadOperatorConfigProfile("local");
  EXPECT_TRUE(config.ok()) << (config.ok() ? "" : config.error().message());
  store::OperatorConfig c = config.ok() ? std::move(config).value() : store::OperatorConfig{};
  c.listen_address = "127.0.0.1";
  c.port = 0;
  c.port_offset = 0;
  c.prometheus_port = 0;
  c.service_instances = 2;
  c.optout_data_dir = optout_dir;
  if (!core_dir.empty()) c.core_data_dir = core_dir;
  return c;
}

std::string ApiReply::Status() const {
  if (!doc.IsObject() || !doc.HasMember("status") || !doc["status"].IsString()) return "";
  return doc["status"].GetString();
}

void ParseInto(ApiReply* r) {
  r->doc.Parse(r->json.data(), r->json.size());
  if (r->doc.HasParseError()) r->doc.SetNull();
}

ApiReply Api::V2(std::string_view path, const TestClient& client, std::string_view json,
                 bool binary, int64_t timestamp_ms) {
  ApiReply out;
  Bytes secret = client.Secret();
  auto req = EncryptV2Request(secret, json, timestamp_ms ? timestamp_ms : NowMs());
  EXPECT_TRUE(req.ok());
  std::string body = binary ? std::string(AsChars(req->envelope)) : Base64Encode(req->envelope);
  auto reply =
      http_.Post(path, client.key, body, binary ? "application/octet-stream" : "text/plain");
  EXPECT_TRUE(reply.ok()) << (reply.ok() ? "" : reply.error().message());
  if (!reply.ok()) return out;
  out.http = reply->status;
  out.content_type = reply->content_type;
  if (reply->status == 200) {
    Bytes raw;
    if (binary) {
      raw = ToBytes(reply->body);
    } else {
      auto decoded = Base64Decode(reply->body);
      EXPECT_TRUE(decoded.has_value()) << "200 body is not base64";
      if (decoded) raw = *decoded;
    }
    auto dec = DecryptV2Response(secret, raw);
    EXPECT_TRUE(dec.ok()) << (dec.ok() ? "" : dec.error().message());
    if (dec.ok()) {
      EXPECT_EQ(dec->nonce, req->nonce) << "response must echo the request nonce";
      out.json = dec->json;
    }
  } else {
    out.json = reply->body;
  }
  ParseInto(&out);
  return out;
}

ApiReply Api::Raw(std::string_view path, std::string_view bearer, std::string_view body,
                  std::string_view content_type) {
  ApiReply out;
  auto reply = http_.Post(path, bearer, body, content_type);
  EXPECT_TRUE(reply.ok()) << (reply.ok() ? "" : reply.error().message());
  if (!reply.ok()) return out;
  out.http = reply->status;
  out.content_type = reply->content_type;
  out.json = reply->body;
  ParseInto(&out);
  return out;
}

ApiReply Api::Refresh(std::string_view refresh_token, std::string_view response_key_b64,
                      std::string_view bearer) {
  ApiReply out = Raw("/v2/token/refresh", bearer, refresh_token);
  if (out.http != 200) return out;
  auto key = Base64Decode(response_key_b64);
  auto raw = Base64Decode(out.json);
  EXPECT_TRUE(key && raw);
  if (!key || !raw) return out;
  auto plain = crypto::AesGcmOpen(*key, *raw);
  EXPECT_TRUE(plain.ok()) << "refresh reply must decrypt with refresh_response_key";
  if (plain.ok()) out.json = std::string(AsChars(*plain));
  ParseInto(&out);
  return out;
}

}  // namespace uid2::service::testing
