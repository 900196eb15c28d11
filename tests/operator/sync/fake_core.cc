#include "tests/operator/sync/fake_core.h"
#include "attest/tcb.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <chrono>
#include <thread>

#include "common/encoding.h"
#include "common/file.h"
#include "common/json.h"
#include "crypto/cipher.h"
#include "crypto/random.h"
#include "crypto/rsa.h"
#include "operator/service/v2_client.h"
#include "operator/sync/attest_reply.h"
#include "operator/sync/encrypted_file.h"

namespace uid2::sync::testing {
namespace {

constexpr char kDataDir[] = "data/uid2/core/";
constexpr char kPrefix[] = "/com.uid2.core/test/";

// Core route -> dataset folder.
const std::map<std::string, std::string>& Routes() {
  static const std::map<std::string, std::string> r = {
      {"/sites/refresh", "sites"},
      {"/clients/refresh", "clients"},
      {"/key/keyset/refresh", "keysets"},
      {"/key/keyset-keys/refresh", "keyset_keys"},
      {"/client_side_keypairs/refresh", "client_side_keypairs"},
      {"/salt/refresh", "salts"},
      {"/services/refresh", "services"},
      {"/service_links/refresh", "service_links"},
      {"/operator/config", "runtime_config"},
  };
  return r;
}

FakeResponse Json(unsigned status, std::string body) { return FakeResponse{status, body}; }

}  // namespace

FakeCore::FakeCore()
    : content_([this](const FakeRequest& r) { return Content(r); }),
      core_([this](const FakeRequest& r) {
        if (r.path == "/attest") return Attest(r);
        return Core(r);
      }) {}

void FakeCore::SetCorrupt(const std::string& store_dir, Corrupt c) {
  std::lock_guard<std::mutex> lock(mu_);
  corrupt_[store_dir] = c;
}

void FakeCore::AddOptOutFile(const std::string& name, std::string bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  optout_files_[name] = std::move(bytes);
}

void FakeCore::RevokeTokens() {
  std::lock_guard<std::mutex> lock(mu_);
  tokens_.clear();
}

bool FakeCore::TokenValid(const std::string& token) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = tokens_.find(token);
  return it != tokens_.end() && it->second > service::NowMs();
}

FakeResponse FakeCore::Attest(const FakeRequest& r) {
  attests_++;
  if (r.Header("authorization") != std::string("Bearer ") + kOperatorKey) {
    return Json(401, R"({"status":"unauthorized","message":"unknown operator key"})");
  }
  if (attest_status != 200) {
    unsigned s = attest_status;
    if (s == 403) {
      return Json(403, R"({"status":"forbidden","message":"enclave not in the allowlist"})");
    }
    return Json(s, R"({"status":"error","message":"try later"})");
  }
  auto doc = ParseJson(r.body);
  if (!doc.ok() || !doc->IsObject() || !(*doc)["public_key"].IsString() ||
      !(*doc)["attestation_request"].IsString()) {
    return Json(400, R"({"status":"client_error","message":"bad body"})");
  }
  auto spki = Base64Decode((*doc)["public_key"].GetString());
  auto document = Base64Decode((*doc)["attestation_request"].GetString());
  if (!spki || !document) return Json(400, R"({"status":"client_error"})");
  std::string doc_s(document->begin(), document->end());
  std::string spki_s(spki->begin(), spki->end());
  if (check_document) {
    std::string reason = check_document(doc_s, spki_s);
    if (!reason.empty()) {
      return Json(403, "{\"status\":\"forbidden\",\"message\":" + JsonQuote(reason) + "}");
    }
  } else if (doc_s != std::string(1, '\0')) {
    return Json(403, R"({"status":"forbidden","message":"expected the no-platform document"})");
  }
  auto key = crypto::RsaKey::FromPublicDer(*spki);
  if (!key.ok()) return Json(400, R"({"status":"client_error","message":"bad public key"})");
  const std::string token = "atoken-" + HexEncode(crypto::RandomBytes(12));
  auto encrypted = key->EncryptPkcs1(AsBytes(token));
  if (!encrypted.ok()) return Json(500, "{}");
  const int64_t expires = service::NowMs() + token_ttl_ms.load();
  {
    std::lock_guard<std::mutex> lock(mu_);
    tokens_[token] = expires;
  }
  return Json(200, "{\"status\":\"success\",\"body\":{\"attestation_token\":" +
                       JsonQuote(Base64Encode(*encrypted)) +
                       ",\"expiresAt\":" + JsonQuote(attest::FormatIsoTime(expires / 1000)) +
                       ",\"optout_url\":" + JsonQuote(base_url()) +
                       ",\"attestation_jwt_optout\":\"optout-jwt\"" +
                       ",\"attestation_jwt_core\":\"core-jwt\"}}");
}

std::string FakeCore::Rewrite(const std::string& json) const {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError() || !doc.IsObject()) return json;
  std::function<void(rapidjson::Value&)> walk = [&](rapidjson::Value& v) {
    if (v.IsObject()) {
      // Index loop: clang rejects != on RapidJSON's non-const member iterators (C++20).
      for (rapidjson::SizeType i = 0; i < v.MemberCount(); ++i) {
        auto& m = *(v.MemberBegin() + i);
        if (std::string_view(m.name.GetString()) == "location" && m.value.IsString()) {
          std::string loc = m.value.GetString();
          if (loc.rfind(kPrefix, 0) == 0) {
            loc = content_.url("/s/" + loc.substr(sizeof(kPrefix) - 1), "localhost") +
                  "?expires=9999999999&sig=fixed";
            m.value.SetString(loc.c_str(), static_cast<rapidjson::SizeType>(loc.size()),
                              doc.GetAllocator());
          }
        } else {
          walk(m.value);
        }
      }
    } else if (v.IsArray()) {
      for (auto& e : v.GetArray()) walk(e);
    }
  };
  walk(doc);
  if (expire_salts && doc.HasMember("salts") && doc["salts"].IsArray()) {
    for (auto& f : doc["salts"].GetArray()) {
      if (f.IsObject() && f.HasMember("expires")) f["expires"].SetInt64(service::NowMs() - 1000);
    }
  }
  if (doc.HasMember("version") && doc["version"].IsInt64()) {
    doc["version"].SetInt64(doc["version"].GetInt64() + version_bump.load());
  }
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  doc.Accept(w);
  return buf.GetString();
}

FakeResponse FakeCore::Core(const FakeRequest& r) {
  if (r.path == "/optout/refresh") {
    if (r.Header("authorization") != std::string("Bearer ") + kOperatorKey ||
        !TokenValid(r.Header("attestation-token")) || r.Header("attestation-jwt") != "optout-jwt") {
      return Json(401, R"({"status":"unauthorized"})");
    }
    if (optout_down) return Json(503, "{}");
    std::string logs;
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [name, bytes] : optout_files_) {
      if (!logs.empty()) logs += ",";
      logs += "{\"type\":\"delta\",\"from\":0,\"to\":0,\"location\":" +
              JsonQuote(content_.url("/o/" + name, "localhost") + "?sig=fixed") + "}";
    }
    return Json(200, "{\"version\":" + std::to_string(optout_files_.size()) +
                         ",\"generated\":1,\"optout_logs\":[" + logs + "]}");
  }
  if (down) return Json(503, "{}");
  if (r.Header("authorization") != std::string("Bearer ") + kOperatorKey ||
      !TokenValid(r.Header("attestation-token")) || r.Header("attestation-jwt") != "core-jwt" ||
      r.Header("x-uid2-appversion").empty() || r.Header("uid-instance-id").empty()) {
    return Json(401, R"({"status":"unauthorized"})");
  }
  if (r.Header("encrypted") != "true") return Json(400, R"({"status":"expected Encrypted"})");
  if (int d = delay_ms.load(); d > 0) std::this_thread::sleep_for(std::chrono::milliseconds(d));
  if (r.path == "/cloud_encryption_keys/retrieve") {
    auto keys =
        ReadFile(std::string(kDataDir) + "cloud_encryption_keys/cloud_encryption_keys.json");
    return Json(200, "{\"cloud_encryption_keys\":" + *keys + "}");  // uid2-core's reply
  }
  auto route = Routes().find(r.path);
  if (route == Routes().end()) return Json(404, "{}");
  auto meta = ReadFile(std::string(kDataDir) + route->second + "/metadata.json");
  if (!meta.ok()) return Json(500, "{}");
  return Json(200, Rewrite(*meta));
}

FakeResponse FakeCore::Content(const FakeRequest& r) {
  if (!r.Header("authorization").empty() || !r.Header("attestation-token").empty()) {
    return Json(400, R"({"status":"credentials sent to a pre-signed URL"})");
  }
  if (r.query.find("sig=fixed") == std::string::npos) return Json(403, R"({"status":"no sig"})");
  if (r.path.rfind("/o/", 0) == 0) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = optout_files_.find(r.path.substr(3));
    if (it == optout_files_.end()) return Json(404, "{}");
    return FakeResponse{200, it->second};
  }
  if (r.path.rfind("/s/", 0) != 0) return Json(404, "{}");
  const std::string rel = r.path.substr(3);
  if (rel.find("..") != std::string::npos) return Json(403, "{}");
  auto plain = ReadFile(std::string(kDataDir) + rel);
  if (!plain.ok()) return Json(404, "{}");
  Corrupt c = Corrupt::kNone;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = corrupt_.find(rel.substr(0, rel.find('/')));
    if (it != corrupt_.end()) c = it->second;
  }
  if (c == Corrupt::kNotFound) return Json(404, "{}");
  std::string text = c == Corrupt::kUnparsable ? std::string("[{\"not\": json") : *plain;
  auto keys = ParseCloudEncryptionKeys(
      *ReadFile(std::string(kDataDir) + "cloud_encryption_keys/cloud_encryption_keys.json"));
  int64_t id = key_id.load();
  Bytes payload = *crypto::AesGcmSeal(keys->at(id), AsBytes(text));
  if (c == Corrupt::kBadCiphertext) payload[payload.size() / 2] ^= 0x01;
  if (c == Corrupt::kUnknownKey) id = 4242;
  std::string envelope = "{\"key_id\":" + std::to_string(id) +
                         ",\"encrypted_payload\":" + JsonQuote(Base64Encode(payload)) + "}";
  FakeResponse resp{200, envelope};
  if (c == Corrupt::kTruncate) resp.truncate = true;
  return resp;
}

store::OperatorConfig FakeCore::Config(const std::string& optout_dir) const {
  auto loaded = store::LoadOperatorConfigProfile("local");
  store::OperatorConfig c = loaded.ok() ? std::move(loaded).value() : store::OperatorConfig{};
  c.listen_address = "127.0.0.1";
  c.port = 0;
  c.port_offset = 0;
  c.prometheus_port = 0;
  c.service_instances = 2;
  c.optout_data_dir = optout_dir;
  c.core_attest_url = attest_url();
  c.core_api_token = store::Secret(kOperatorKey);
  c.enclave_platform.reset();
  c.operator_type = "private";
  c.encrypted_files = true;
  for (const auto& [route, dir] : Routes()) {
    for (int i = 0; i < store::kStoreCount; i++) {
      std::string name(store::StoreName(static_cast<store::StoreId>(i)));
      if (name == dir) c.stores[i].metadata_path = core_.url(route);
    }
  }
  for (auto& s : c.stores) s.refresh_ms = 200;
  c.cloud_encryption_keys_metadata_path = core_.url("/cloud_encryption_keys/retrieve");
  c.optout_metadata_path = "/optout/refresh";
  c.cloud_refresh_interval = 1;
  c.optout_api_uri.reset();
  return c;
}

}  // namespace uid2::sync::testing
