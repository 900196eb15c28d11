#include "operator/service/operator_service.h"

#include <chrono>

#include "common/json.h"
#include "common/log.h"

namespace uid2::service {

namespace oi = operator_identity;

namespace {

using store::kRoleGenerator;
using store::kRoleIdReader;
using store::kRoleMapper;
using store::kRoleOptout;
using store::kRoleSharer;

constexpr RouteInfo kRoutes[] = {
    {"/ops/healthcheck", Route::kHealthcheck, 0},
    {"/v2/token/generate", Route::kTokenGenerate, kRoleGenerator},
    {"/v2/token/refresh", Route::kTokenRefresh, 0},
    {"/v2/token/validate", Route::kTokenValidate, kRoleGenerator},
    {"/v2/token/logout", Route::kTokenLogout, kRoleOptout},
    {"/v2/token/client-generate", Route::kClientGenerate, 0},
    {"/v2/identity/map", Route::kIdentityMapV2, kRoleMapper},
    {"/v3/identity/map", Route::kIdentityMapV3, kRoleMapper},
    {"/v2/identity/buckets", Route::kIdentityBuckets, kRoleMapper},
    {"/v2/key/sharing", Route::kKeySharing, kRoleSharer | kRoleIdReader},
    {"/v2/key/bidstream", Route::kKeyBidstream, kRoleIdReader},
    {"/v2/key/latest", Route::kKeyLatest, kRoleIdReader},
    {"/v2/optout/status", Route::kOptOutStatus, kRoleMapper | kRoleSharer | kRoleIdReader},
};

constexpr std::string_view kJson = "application/json";
constexpr std::string_view kText = "text/plain";
constexpr std::string_view kOctets = "application/octet-stream";

int64_t SystemNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void SetReply(const Reply& r, HttpResponse* res) {
  res->status = r.http_status;
  res->content_type = std::string(kJson);
  res->body = r.Json();
}

bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    char a = s[i] >= 'A' && s[i] <= 'Z' ? static_cast<char>(s[i] + 32) : s[i];
    if (a != prefix[i]) return false;
  }
  return true;
}

// Authenticate returns the enabled client whose key is the bearer token, or null.
const store::ClientKey* Authenticate(const store::Snapshot& snap, std::string_view header) {
  constexpr std::string_view kBearer = "bearer ";
  if (header.size() <= kBearer.size() || !StartsWithIgnoreCase(header, kBearer)) return nullptr;
  const store::ClientKey* c = snap.FindClientByKey(header.substr(kBearer.size()));
  if (c == nullptr || c->disabled) return nullptr;
  return c;
}

std::optional<oi::KeySecret> SecretOf(const store::ClientKey& client) {
  if (client.secret.size() != oi::kKeySize) return std::nullopt;
  oi::KeySecret s;
  std::copy(client.secret.begin(), client.secret.end(), s.begin());
  return s;
}

std::string_view RouteName(const RouteInfo* r) { return r ? r->path : "unknown"; }

}  // namespace

const RouteInfo* FindRoute(std::string_view path) {
  for (const RouteInfo& r : kRoutes) {
    if (r.path == path) return &r;
  }
  return nullptr;
}

OperatorService::OperatorService(const store::OperatorConfig& config, store::StoreManager* stores,
                                 store::OptOutStore* optout, ServiceMetrics* metrics, Clock clock)
    : config_(config),
      stores_(stores),
      metrics_(metrics),
      clock_(clock ? std::move(clock) : Clock(SystemNowMs)),
      endpoints_(config, optout, metrics),
      static_js_(config.static_js_dir) {}

void OperatorService::SetUnhealthy(std::string reason) {
  if (reason.empty()) {
    unhealthy_.store(nullptr);
  } else {
    unhealthy_.store(std::make_shared<const std::string>(std::move(reason)));
  }
}

bool OperatorService::Enabled(Route route) const {
  if (route == Route::kClientGenerate) return config_.client_side_token_generate;
  if (route == Route::kOptOutStatus) return config_.optout_status_api_enabled;
  return true;
}

void OperatorService::Handle(const HttpRequest& req, HttpResponse* res) {
  auto start = std::chrono::steady_clock::now();
  if (StaticJsFiles::Matches(req.path)) {
    static_js_.Serve(req, res);
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return metrics_->HttpRequest(req.method, StaticJsFiles::kRouteName, res->status, secs);
  }
  const RouteInfo* route = FindRoute(req.path);
  if (route != nullptr && !Enabled(route->route)) route = nullptr;
  if (!req.client_version.empty()) metrics_->ClientSdkVersion(req.client_version);
  if (route == nullptr) {
    res->status = 404;
    res->content_type = std::string(kJson);
    res->body = R"({"status":"client_error","message":"Resource not found"})";
  } else if (route->route == Route::kHealthcheck) {
    auto reason = unhealthy_.load();
    res->status = reason ? 503 : 200;
    res->content_type = std::string(kText);
    res->body = reason ? *reason : "OK";
  } else if (req.method != "POST") {
    res->status = 405;
    res->content_type = std::string(kJson);
    res->body = R"({"status":"client_error","message":"Method not allowed"})";
  } else {
    Dispatch(*route, req, res);
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  metrics_->HttpRequest(req.method, RouteName(route), res->status, secs);
}

void OperatorService::Dispatch(const RouteInfo& route, const HttpRequest& req, HttpResponse* res) {
  std::shared_ptr<const store::Snapshot> snap = stores_->Current();
  int64_t now_ms = clock_();
  switch (route.route) {
    case Route::kTokenRefresh:
      return HandleRefresh(*snap, req, now_ms, res);
    case Route::kClientGenerate:
      return HandleClientGenerate(*snap, req, now_ms, res);
    default:
      return HandleEnvelope(route, *snap, req, now_ms, res);
  }
}

Reply OperatorService::RunEndpoint(Route route, const Call& call) {
  switch (route) {
    case Route::kTokenGenerate:
      return endpoints_.TokenGenerate(call);
    case Route::kTokenValidate:
      return endpoints_.TokenValidate(call);
    case Route::kTokenLogout:
      return endpoints_.TokenLogout(call);
    case Route::kIdentityMapV2:
      return endpoints_.IdentityMapV2(call);
    case Route::kIdentityMapV3:
      return endpoints_.IdentityMapV3(call);
    case Route::kIdentityBuckets:
      return endpoints_.IdentityBuckets(call);
    case Route::kKeySharing:
      return endpoints_.KeySharing(call);
    case Route::kKeyBidstream:
      return endpoints_.KeyBidstream(call);
    case Route::kKeyLatest:
      return endpoints_.KeyLatest(call);
    case Route::kOptOutStatus:
      return endpoints_.OptOutStatus(call);
    default:
      return Reply::Error(404, "client_error", "Resource not found");
  }
}

void OperatorService::HandleEnvelope(const RouteInfo& route, const store::Snapshot& snap,
                                     const HttpRequest& req, int64_t now_ms, HttpResponse* res) {
  const store::ClientKey* client = Authenticate(snap, req.authorization);
  if (client == nullptr || !client->HasAnyRole(route.roles)) {
    return SetReply(Reply::Unauthorized(), res);
  }
  if (!config_.enable_v2_encryption) {
    std::optional<rapidjson::Document> doc;
    if (!req.body.empty()) {
      auto parsed = ParseJson(req.body);
      if (!parsed.ok() || !parsed->IsObject()) {
        return SetReply(
            Reply::ClientError(std::string(oi::EnvelopeErrorMessage(oi::EnvelopeError::kBadJson))),
            res);
      }
      doc = std::move(parsed).value();
    }
    Call call{snap, client, doc ? &*doc : nullptr, now_ms, req};
    Reply reply = RunEndpoint(route.route, call);
    return SetReply(reply, res);
  }
  std::optional<oi::KeySecret> secret = SecretOf(*client);
  if (!secret) {
    log::Error("client_secret_unusable", {{"site_id", client->site_id}});
    return SetReply(Reply::Unauthorized(), res);
  }
  oi::BodyEncoding encoding = StartsWithIgnoreCase(req.content_type, kOctets)
                                  ? oi::BodyEncoding::kBinary
                                  : oi::BodyEncoding::kBase64Text;
  oi::DecodedRequest decoded;
  oi::EnvelopeError err =
      oi::DecodeRequestEnvelope(AsBytes(req.body), encoding, *secret, now_ms, &decoded);
  if (err == oi::EnvelopeError::kOk && decoded.payload && !decoded.payload->IsObject()) {
    err = oi::EnvelopeError::kBadJson;
  }
  if (err != oi::EnvelopeError::kOk) {
    return SetReply(Reply::ClientError(std::string(oi::EnvelopeErrorMessage(err))), res);
  }
  Call call{snap, client, decoded.payload ? &*decoded.payload : nullptr, now_ms, req};
  Reply reply = RunEndpoint(route.route, call);
  if (reply.kind == Reply::Kind::kError) return SetReply(reply, res);
  res->status = 200;
  bool binary = decoded.response_encoding == oi::BodyEncoding::kBinary;
  res->content_type = std::string(binary ? kOctets : kText);
  res->body = oi::SealResponseFrame(reply.TakeFrame(), decoded.nonce, *secret, now_ms,
                                    decoded.response_encoding);
}

void OperatorService::HandleRefresh(const store::Snapshot& snap, const HttpRequest& req,
                                    int64_t now_ms, HttpResponse* res) {
  const store::ClientKey* client = Authenticate(snap, req.authorization);
  std::string_view inner = req.body;
  oi::UnwrappedRefreshToken unwrapped;
  bool wrapped = req.body.size() == oi::kRefreshWrapperChars;
  oi::KeySecret reply_key{};
  if (wrapped) {
    oi::UnwrapStatus st = oi::UnwrapRefreshToken(req.body, KeyLookupFor(snap), &unwrapped);
    if (!st.ok()) return SetReply(Reply::ClientError(st.message), res);
    if (unwrapped.refresh_response_key.size() != oi::kKeySize) {
      return SetReply(
          Reply::ClientError("Invalid data: Check encryption method and encryption key"), res);
    }
    std::copy(unwrapped.refresh_response_key.begin(), unwrapped.refresh_response_key.end(),
              reply_key.begin());
    inner = unwrapped.inner_token;
  }
  Call call{snap, client, nullptr, now_ms, req};
  Reply reply = endpoints_.TokenRefresh(call, inner);
  if (reply.kind == Reply::Kind::kError) {
    // Unauthenticated callers get a generic error instead of the token's state.
    if (client == nullptr && reply.http_status == 400) {
      reply = Reply::Error(400, "error", "Error refreshing token");
    }
    return SetReply(reply, res);
  }
  res->status = 200;
  if (wrapped) {
    res->content_type = std::string(kText);
    res->body = oi::EncodeKeyedReply(reply.Json(), reply_key);
  } else {
    res->content_type = std::string(kJson);
    res->body = reply.Json();
  }
}

void OperatorService::HandleClientGenerate(const store::Snapshot& snap, const HttpRequest& req,
                                           int64_t now_ms, HttpResponse* res) {
  Call call{snap, nullptr, nullptr, now_ms, req};
  oi::KeySecret key{};
  Reply reply = endpoints_.ClientGenerate(call, &key);
  if (reply.kind == Reply::Kind::kError) return SetReply(reply, res);
  res->status = 200;
  res->content_type = std::string(kText);
  res->body = oi::EncodeKeyedReply(reply.Json(), key);
}

Reply OperatorService::HandleDecrypted(std::string_view path, const store::ClientKey& client,
                                       std::string_view json, int64_t now_ms) {
  const RouteInfo* route = FindRoute(path);
  if (route == nullptr || route->route == Route::kHealthcheck ||
      route->route == Route::kTokenRefresh || route->route == Route::kClientGenerate) {
    return Reply::Error(404, "client_error", "Resource not found");
  }
  std::shared_ptr<const store::Snapshot> snap = stores_->Current();
  std::optional<rapidjson::Document> doc;
  if (!json.empty()) {
    auto parsed = ParseJson(json);
    if (!parsed.ok() || !parsed->IsObject()) {
      return Reply::ClientError(std::string(oi::EnvelopeErrorMessage(oi::EnvelopeError::kBadJson)));
    }
    doc = std::move(parsed).value();
  }
  HttpRequest req;
  req.method = "POST";
  req.path = path;
  req.target = path;
  req.body = json;
  Call call{*snap, &client, doc ? &*doc : nullptr, now_ms, req};
  return RunEndpoint(route->route, call);
}

}  // namespace uid2::service
