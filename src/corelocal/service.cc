#include "corelocal/service.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <atomic>
#include <map>

#include "attest/tcb.h"
#include "common/encoding.h"
#include "common/file.h"
#include "common/json.h"
#include "common/log.h"
#include "corelocal/allowlist.h"
#include "corelocal/attest_request.h"
#include "corelocal/core_data.h"
#include "corelocal/jwt.h"
#include "corelocal/operators.h"
#include "corelocal/optout_log.h"
#include "corelocal/presign.h"
#include "corelocal/quote_check.h"
#include "corelocal/sessions.h"
#include "crypto/random.h"
#include "crypto/rsa.h"

namespace uid2::corelocal {
namespace {

constexpr std::string_view kProtocolAzureSgx = "azure-sgx";

struct Store {
  const char* dir;
  bool public_only;  // uid2-core answers 403 to private operators
};

// The reference core's routes (uid2-core Endpoints) and the store each serves.
const std::map<std::string, Store, std::less<>>& Routes() {
  static const auto* routes = new std::map<std::string, Store, std::less<>>{
      {"/sites/refresh", {"sites", true}},
      {"/clients/refresh", {"clients", false}},
      {"/key/keyset/refresh", {"keysets", false}},
      {"/key/keyset-keys/refresh", {"keyset_keys", false}},
      {"/client_side_keypairs/refresh", {"client_side_keypairs", true}},
      {"/salt/refresh", {"salts", false}},
      {"/services/refresh", {"services", true}},
      {"/service_links/refresh", {"service_links", true}},
  };
  return *routes;
}

HttpResponse Json(int status, std::string body) {
  return {status, "application/json", std::move(body)};
}

HttpResponse Fail(int status, std::string_view kind, std::string_view message) {
  return Json(status,
              "{\"status\":" + JsonQuote(kind) + ",\"message\":" + JsonQuote(message) + "}");
}
HttpResponse Unauthorized(std::string_view m) { return Fail(401, "unauthorized", m); }
HttpResponse Forbidden(std::string_view m) { return Fail(403, "forbidden", m); }

std::string BearerToken(const HttpRequest& r) {
  std::string h = r.Header("authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (h.size() <= kBearer.size() ||
      !std::equal(kBearer.begin(), kBearer.end(), h.begin(),
                  [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
    return "";
  }
  return h.substr(kBearer.size());
}

// The operator version from X-UID2-AppVersion "uid2-operator=5.1.0;uid2-shared=...".
std::string OperatorVersion(const HttpRequest& r) {
  std::string h = r.Header("x-uid2-appversion");
  constexpr std::string_view kKey = "uid2-operator=";
  size_t pos = h.find(kKey);
  if (pos == std::string::npos) return "unknown";
  size_t end = h.find(';', pos);
  return h.substr(pos + kKey.size(), end == std::string::npos ? end : end - pos - kKey.size());
}

// The JWT subject: the key id (a non-secret key prefix), else the operator's name.
std::string Subject(const OperatorEntry& op) { return op.key_id.empty() ? op.name : op.key_id; }

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

struct CoreLocal::Impl {
  CoreLocalOptions options;
  std::vector<OperatorEntry> operators;
  Allowlist allowlist;
  std::unique_ptr<QuoteChecker> checker;
  std::optional<CoreData> data;
  std::unique_ptr<OptOutLog> optout;
  std::unique_ptr<JwtSigner> jwt;
  std::unique_ptr<Presigner> core_presign, optout_presign;
  SessionStore sessions;
  std::unique_ptr<HttpServer> core_server, optout_server;
  std::string core_url, optout_url;
  std::atomic<bool> ready{false};  // set once the URLs and presigners exist

  time_t Now() const { return options.clock(); }

  // ---- authentication ------------------------------------------------------------------

  struct Caller {
    const OperatorEntry* op = nullptr;
    AttestSession session;
  };

  // Operator key only (attest, logout). nullptr after logging the reason.
  const OperatorEntry* AuthenticateKey(const HttpRequest& r, std::string_view route) {
    std::string key = BearerToken(r);
    const OperatorEntry* op = Authenticate(operators, key);
    if (op == nullptr) {
      log::Warn("request_refused",
                {{"route", route},
                 {"status", 401},
                 {"reason", key.empty() ? "no Bearer operator key" : "unknown operator key"}});
      return nullptr;
    }
    if (op->disabled) {
      log::Warn("request_refused", {{"route", route},
                                    {"status", 401},
                                    {"operator", op->name},
                                    {"reason", "operator key is disabled"}});
      return nullptr;
    }
    return op;
  }

  // Key + attestation token + JWT for `audience`. Returns the reason on failure.
  Status CheckAttestation(const HttpRequest& r, const OperatorEntry& op,
                          const std::string& audience, bool jwt_required, AttestSession* out) {
    auto session = sessions.Check(r.Header("attestation-token"), op, Now());
    if (!session.ok()) return session.error();
    std::string jwt_text = r.Header("attestation-jwt");
    if (jwt_text.empty()) {
      if (jwt_required) return Error::VerifyFailed("no Attestation-JWT");
    } else {
      auto payload = jwt->Verify(jwt_text);
      if (!payload.ok()) return payload.error();
      UID2_RETURN_IF_ERROR(CheckOperatorClaims(*payload, audience, Subject(op), Now()));
    }
    *out = std::move(*session);
    return Ok();
  }

  // The full data-route check; on failure fills *refusal (401) after logging.
  const OperatorEntry* AuthorizeData(const HttpRequest& r, std::string_view route,
                                     const std::string& audience, HttpResponse* refusal) {
    const OperatorEntry* op = AuthenticateKey(r, route);
    if (op == nullptr) {
      *refusal = Unauthorized("invalid operator key");
      return nullptr;
    }
    AttestSession session;
    Status st = CheckAttestation(r, *op, audience, true, &session);
    if (!st.ok()) {
      log::Warn("request_refused", {{"route", route},
                                    {"status", 401},
                                    {"operator", op->name},
                                    {"reason", st.error().message()}});
      *refusal = Unauthorized("invalid attestation: " + st.error().message());
      return nullptr;
    }
    return op;
  }

  // ---- /attest -----------------------------------------------------------------------------

  HttpResponse Attest(const HttpRequest& r) {
    const OperatorEntry* op = AuthenticateKey(r, "/attest");
    if (op == nullptr) return Unauthorized("invalid operator key");
    auto refuse = [&](int status, const std::string& reason) {
      log::Warn("attestation_refused", {{"operator", op->name},
                                        {"site_id", op->site_id},
                                        {"status", status},
                                        {"reason", reason}});
      return status == 400 ? Fail(400, "client_error", reason) : Forbidden(reason);
    };
    auto req = ParseAttestRequest(r.body);
    if (!req.ok()) return refuse(400, req.error().message());
    if (op->protocol != kProtocolAzureSgx) {
      return refuse(403, "protocol '" + op->protocol +
                             "' is not supported (core-local verifies "
                             "azure-sgx DCAP quotes)");
    }
    auto key = crypto::RsaKey::FromPublicDer(req->public_key);
    if (!key.ok()) return refuse(403, "public_key is not an RSA SubjectPublicKeyInfo");
    time_t now = Now();
    auto enclave = checker->Check(req->document, req->public_key, allowlist, now);
    if (!enclave.ok()) return refuse(403, enclave.error().message());
    if (req->operator_type &&
        Lower(*req->operator_type) != Lower(std::string(OperatorTypeName(op->operator_type)))) {
      // The value sent is not echoed: it is client text, and this reason is logged.
      return refuse(403, "attestation failure; invalid operator type (this key is " +
                             std::string(OperatorTypeName(op->operator_type)) + ")");
    }
    std::string enclave_id = HexEncode(enclave->mr_enclave);
    time_t expires = now + options.token_ttl;
    std::string token = sessions.Create(*op, expires, enclave_id, now);
    auto encrypted = key->EncryptPkcs1(AsBytes(token));
    if (!encrypted.ok())
      return refuse(403, "cannot encrypt to public_key: " + encrypted.error().message());
    std::string version = OperatorVersion(r);
    auto core_jwt = MakeJwt(*op, core_url, enclave_id, version, now, expires);
    auto optout_jwt = MakeJwt(*op, optout_url, enclave_id, version, now, expires);
    if (!core_jwt.ok() || !optout_jwt.ok()) {
      log::Error("jwt_signing_failed", {{"operator", op->name}});
      return Fail(500, "error", "attestation failure");
    }
    log::Info("attestation_succeeded", {{"operator", op->name},
                                        {"site_id", op->site_id},
                                        {"mrenclave", enclave_id},
                                        {"anchor", checker->anchor_label()},
                                        {"expires", attest::FormatIsoTime(expires)}});
    std::string body = "{\"status\":\"success\",\"body\":{\"attestation_token\":" +
                       JsonQuote(Base64Encode(*encrypted)) +
                       ",\"expiresAt\":" + JsonQuote(attest::FormatIsoTime(expires)) +
                       ",\"optout_url\":" + JsonQuote(optout_url) +
                       ",\"attestation_jwt_optout\":" + JsonQuote(*optout_jwt) +
                       ",\"attestation_jwt_core\":" + JsonQuote(*core_jwt) + "}}";
    return Json(200, std::move(body));
  }

  Result<std::string> MakeJwt(const OperatorEntry& op, const std::string& audience,
                              const std::string& enclave_id, const std::string& version, time_t now,
                              time_t expires) {
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    w.StartObject();
    w.Key("iss");
    w.String(core_url);
    w.Key("sub");
    w.String(Subject(op));
    w.Key("aud");
    w.String(audience);
    w.Key("iat");
    w.Int64(now);
    w.Key("exp");
    w.Int64(expires);
    w.Key("roles");
    std::string roles;
    for (const auto& role : op.roles) roles += (roles.empty() ? "" : ",") + role;
    w.String(roles);
    w.Key("siteId");
    w.Int(op.site_id);
    w.Key("name");
    w.String(op.name);
    w.Key("enclaveId");
    w.String(enclave_id);
    w.Key("enclaveType");
    w.String(op.protocol);
    w.Key("operatorVersion");
    w.String(version);
    w.EndObject();
    return jwt->Sign(sb.GetString());
  }

  // ---- core data ---------------------------------------------------------------------------

  HttpResponse CoreHandler(const HttpRequest& r) {
    if (!ready) return Fail(503, "error", "starting");
    if (r.path == "/ops/healthcheck") return {200, "text/plain", "OK"};
    if (r.path == "/attest") {
      if (r.method != "POST") return Fail(405, "client_error", "POST only");
      return Attest(r);
    }
    if (r.path.rfind("/s/", 0) == 0) return ServeCoreContent(r);
    if (r.method != "GET") return Fail(405, "client_error", "GET only");
    auto route = Routes().find(r.path);
    bool known = route != Routes().end() || r.path == "/cloud_encryption_keys/retrieve" ||
                 r.path == "/operator/config";
    if (!known) return Fail(404, "client_error", "not found");
    HttpResponse refusal;
    const OperatorEntry* op = AuthorizeData(r, r.path, core_url, &refusal);
    if (op == nullptr) return refusal;
    if (r.path == "/cloud_encryption_keys/retrieve") {
      if (data->KeysForSite(op->site_id).empty()) {
        return Fail(500, "No Cloud Encryption keys found",
                    "No Cloud Encryption keys found for siteId: " + std::to_string(op->site_id));
      }
      return Json(200, data->KeysJson(op->site_id));
    }
    if (r.path == "/operator/config") {
      auto config = data->File("runtime_config/metadata.json");
      if (!config.ok()) return Fail(500, "error", "Failed to retrieve configuration");
      return Json(200, std::move(*config));
    }
    if (route->second.public_only && op->operator_type != OperatorType::kPublic) {
      return Fail(403, "error", "endpoint " + r.path + " is for public operators only");
    }
    std::optional<int64_t> key_id;
    time_t now = Now();
    if (Lower(r.Header("encrypted")) == "true") {
      const CloudEncryptionKey* key = data->NewestActiveKey(op->site_id, now);
      if (key == nullptr) {
        log::Warn("request_refused", {{"route", r.path},
                                      {"status", 500},
                                      {"operator", op->name},
                                      {"reason", "no active cloud encryption key for the site"}});
        return Fail(500, "error",
                    "No Cloud Encryption keys found for siteId: " + std::to_string(op->site_id));
      }
      key_id = key->id;
    }
    time_t expires = now + options.url_ttl;
    auto meta = data->Metadata(route->second.dir, [&](const std::string& path) {
      return core_presign->Sign(path, key_id, expires);
    });
    if (!meta.ok()) {
      log::Error("metadata_failed", {{"route", r.path}, {"error", meta.error().message()}});
      return Fail(500, "error", "error processing " + std::string(route->second.dir) + " refresh");
    }
    return Json(200, std::move(*meta));
  }

  HttpResponse ServeCoreContent(const HttpRequest& r) {
    auto target = core_presign->Verify(r, Now());
    if (!target.ok()) {
      log::Warn("presigned_refused", {{"port", "core"}, {"reason", target.error().message()}});
      return Fail(403, "forbidden", target.error().message());
    }
    auto content = data->File(target->path);
    if (!content.ok()) return Fail(404, "client_error", "no such file");
    if (!target->key_id) return {200, "application/octet-stream", std::move(*content)};
    const CloudEncryptionKey* key = data->KeyById(*target->key_id);
    if (key == nullptr) return Fail(500, "error", "cloud encryption key no longer exists");
    auto sealed = EncryptContent(*key, *content);
    if (!sealed.ok()) return Fail(500, "error", "encryption failed");
    return Json(200, std::move(*sealed));
  }

  // ---- opt-out -----------------------------------------------------------------------------

  HttpResponse OptOutHandler(const HttpRequest& r) {
    if (!ready) return Fail(503, "error", "starting");
    if (r.path == "/ops/healthcheck") return {200, "text/plain", "OK"};
    if (r.path.rfind("/s/", 0) == 0) {
      auto target = optout_presign->Verify(r, Now());
      if (!target.ok()) {
        log::Warn("presigned_refused", {{"port", "optout"}, {"reason", target.error().message()}});
        return Fail(403, "forbidden", target.error().message());
      }
      auto bytes = optout->Read(target->path);
      if (!bytes.ok()) return Fail(404, "client_error", "no such file");
      return {200, "application/octet-stream", std::string(AsChars(*bytes))};
    }
    if (r.path == "/optout/refresh") return OptOutRefresh(r);
    if (r.path == "/optout/replicate") return Replicate(r);
    return Fail(404, "client_error", "not found");
  }

  HttpResponse OptOutRefresh(const HttpRequest& r) {
    if (r.method != "GET") return Fail(405, "client_error", "GET only");
    HttpResponse refusal;
    if (AuthorizeData(r, r.path, optout_url, &refusal) == nullptr) return refusal;
    time_t now = Now();
    auto files = optout->Refresh(now);
    if (!files.ok()) {
      log::Error("optout_refresh_failed", {{"error", files.error().message()}});
      return Fail(500, "error", "error listing opt-out files");
    }
    time_t expires = now + options.url_ttl;
    std::string body = "{\"version\":" + std::to_string(files->size()) +
                       ",\"generated\":" + std::to_string(now) + ",\"optout_logs\":[";
    for (size_t i = 0; i < files->size(); i++) {
      const OptOutFileInfo& f = (*files)[i];
      body += std::string(i ? "," : "") + "{\"type\":" + (f.delta ? "\"delta\"" : "\"partition\"") +
              ",\"from\":" + std::to_string(f.from) + ",\"to\":" + std::to_string(f.to) +
              ",\"location\":" + JsonQuote(optout_presign->Sign(f.path, std::nullopt, expires)) +
              "}";
    }
    return Json(200, body + "]}");
  }

  HttpResponse Replicate(const HttpRequest& r) {
    if (r.method != "POST") return Fail(405, "client_error", "POST only");
    const OperatorEntry* op = AuthenticateKey(r, r.path);
    if (op == nullptr) return Unauthorized("invalid operator key");
    // The reference operator's logout sends only the key; an attestation it does send must hold.
    if (!r.Header("attestation-token").empty()) {
      AttestSession session;
      Status st = CheckAttestation(r, *op, optout_url, false, &session);
      if (!st.ok()) {
        log::Warn("request_refused", {{"route", r.path},
                                      {"status", 401},
                                      {"operator", op->name},
                                      {"reason", st.error().message()}});
        return Unauthorized("invalid attestation: " + st.error().message());
      }
    }
    auto params = ParseQuery(r.query);
    std::optional<Bytes> identity_hash, advertising_id;
    if (params) {
      for (const auto& [name, value] : *params) {
        auto decoded = Base64Decode(value, Base64Alphabet::kStandard, Base64Mode::kLenient);
        if (!decoded) decoded = Base64Decode(value, Base64Alphabet::kUrlSafe, Base64Mode::kLenient);
        if (name == "identity_hash") identity_hash = decoded;
        if (name == "advertising_id") advertising_id = decoded;
      }
    }
    if (!identity_hash || !advertising_id) {
      return Fail(400, "client_error", "identity_hash and advertising_id (base64) are required");
    }
    Status st = optout->Append(*identity_hash, *advertising_id, Now());
    if (!st.ok()) {
      if (st.error().code() == ErrorCode::kInvalid)
        return Fail(400, "client_error", st.error().message());
      log::Error("optout_append_failed", {{"error", st.error().message()}});
      return Fail(500, "error", "cannot record the opt-out");
    }
    log::Info("optout_recorded", {{"operator", op->name}, {"site_id", op->site_id}});
    return Json(200, R"({"status":"success"})");
  }
};

CoreLocal::CoreLocal(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CoreLocal::~CoreLocal() { Stop(); }
uint16_t CoreLocal::core_port() const { return impl_->core_server->port(); }
uint16_t CoreLocal::optout_port() const { return impl_->optout_server->port(); }
const std::string& CoreLocal::core_url() const { return impl_->core_url; }
const std::string& CoreLocal::optout_url() const { return impl_->optout_url; }
std::string CoreLocal::JwtPublicPem() const { return impl_->jwt->PublicPem(); }

std::string CoreLocal::SummaryJson() const {
  return "{\"core_url\":" + JsonQuote(impl_->core_url) +
         ",\"optout_url\":" + JsonQuote(impl_->optout_url) +
         ",\"trust_anchor\":" + JsonQuote(impl_->checker->anchor_label()) +
         ",\"operators\":" + std::to_string(impl_->operators.size()) +
         ",\"allowlist_entries\":" + std::to_string(impl_->allowlist.entries.size()) +
         ",\"jwt_alg\":" + JsonQuote(impl_->jwt->alg()) +
         ",\"token_ttl\":" + std::to_string(impl_->options.token_ttl) + "}";
}

void CoreLocal::Stop() {
  if (impl_->core_server) impl_->core_server->Stop();
  if (impl_->optout_server) impl_->optout_server->Stop();
}

Result<std::unique_ptr<CoreLocal>> CoreLocal::Start(CoreLocalOptions options_in) {
  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options_in);
  CoreLocalOptions& o = impl->options;
  if (!o.clock) o.clock = [] { return time(nullptr); };
  if (o.data_dir.empty()) return Error::Invalid("--data is required");
  if (o.operators_file.empty()) return Error::Invalid("--operators is required");
  if (o.optout_dir.empty()) return Error::Invalid("--optout-dir is required");
  if (o.token_ttl <= 0) return Error::Invalid("--token-ttl must be positive");
  if (o.url_ttl <= 0) return Error::Invalid("--url-ttl must be positive");
  time_t now = o.clock();

  UID2_ASSIGN_OR_RETURN(impl->operators, LoadOperators(o.operators_file));
  if (impl->operators.empty()) {
    return Error::Invalid(o.operators_file +
                          ": no operators (add one: uid2-core-local add-operator --operators " +
                          o.operators_file + " --name NAME --site-id N)");
  }
  if (!o.allowlist_file.empty()) {
    UID2_ASSIGN_OR_RETURN(impl->allowlist, LoadAllowlist(o.allowlist_file));
  }
  for (const auto& hex : o.allow_mrenclaves) {
    auto bytes = HexDecode(hex);
    if (!bytes || bytes->size() != 32) {
      return Error::Invalid("--allow-mrenclave '" + hex + "': expected 64 hex digits");
    }
    AllowlistEntry e;
    e.name = "--allow-mrenclave";
    e.mrenclave.emplace();
    std::copy(bytes->begin(), bytes->end(), e.mrenclave->begin());
    impl->allowlist.entries.push_back(e);
  }
  if (impl->allowlist.entries.empty()) {
    return Error::Invalid(
        "the enclave allowlist is empty (give --allowlist FILE with entries, or "
        "--allow-mrenclave HEX)");
  }
  UID2_ASSIGN_OR_RETURN(impl->checker,
                        QuoteChecker::Create({o.sim_pki_dir, o.collateral_file}, now));
  UID2_ASSIGN_OR_RETURN(CoreData data, CoreData::Load(o.data_dir));
  impl->data.emplace(std::move(data));
  UID2_ASSIGN_OR_RETURN(impl->optout, OptOutLog::Open(o.optout_dir, o.delta_rotate));
  if (o.jwt_key_file.empty()) {
    UID2_ASSIGN_OR_RETURN(impl->jwt, JwtSigner::Generate(o.jwt_alg));
  } else {
    UID2_ASSIGN_OR_RETURN(std::string pem, ReadFile(o.jwt_key_file));
    auto signer = JwtSigner::FromPem(pem);
    if (!signer.ok()) return std::move(signer).error().Context(o.jwt_key_file);
    impl->jwt = std::move(*signer);
  }

  Impl* raw = impl.get();
  UID2_ASSIGN_OR_RETURN(impl->core_server,
                        HttpServer::Start(o.address, o.core_port, [raw](const HttpRequest& r) {
                          return raw->CoreHandler(r);
                        }));
  UID2_ASSIGN_OR_RETURN(impl->optout_server,
                        HttpServer::Start(o.address, o.optout_port, [raw](const HttpRequest& r) {
                          return raw->OptOutHandler(r);
                        }));
  std::string host = o.public_host;
  if (host.empty()) host = o.address == "0.0.0.0" ? "127.0.0.1" : o.address;
  impl->core_url = "http://" + host + ":" + std::to_string(impl->core_server->port());
  impl->optout_url = "http://" + host + ":" + std::to_string(impl->optout_server->port());
  impl->core_presign = std::make_unique<Presigner>(impl->core_url, crypto::RandomBytes(32));
  impl->optout_presign = std::make_unique<Presigner>(impl->optout_url, crypto::RandomBytes(32));
  impl->ready = true;
  return std::unique_ptr<CoreLocal>(new CoreLocal(std::move(impl)));
}

}  // namespace uid2::corelocal
