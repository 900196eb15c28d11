// operator_service.h: the request router of the UID2 operator API (spec §1-§2). It matches the
// path, authenticates the bearer key (SHA-512 of salt || key against the clients store) and
// checks roles, opens the v2 envelope (or reads plain JSON when enable_v2_encryption=false),
// runs the endpoint (endpoints.h) and encrypts the reply. It never throws and never answers 500
// for bad input: every malformed request gets the spec's 4xx status and message.
//
//   OperatorService service(config, stores, optout, &metrics);
//   HttpServer::Start(options, [&](const HttpRequest& r, HttpResponse* w) { service.Handle(r, w);
//   });
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "operator/service/endpoints.h"
#include "operator/service/http_server.h"
#include "operator/service/service_metrics.h"
#include "operator/service/static_js.h"
#include "operator/store/config.h"
#include "operator/store/optout_store.h"
#include "operator/store/store_manager.h"

namespace uid2::service {

enum class Route {
  kUnknown,
  kHealthcheck,
  kTokenGenerate,
  kTokenRefresh,
  kTokenValidate,
  kTokenLogout,
  kClientGenerate,
  kIdentityMapV2,
  kIdentityMapV3,
  kIdentityBuckets,
  kKeySharing,
  kKeyBidstream,
  kKeyLatest,
  kOptOutStatus,
};

struct RouteInfo {
  std::string_view path;
  Route route;
  store::RoleMask roles;  // any of these; 0 = no authentication
};

// FindRoute matches an exact path; kUnknown when none (or the endpoint is disabled by config).
const RouteInfo* FindRoute(std::string_view path);

class OperatorService {
 public:
  using Clock = std::function<int64_t()>;  // epoch ms

  // All pointers must outlive the service. `clock` null = system clock.
  OperatorService(const store::OperatorConfig& config, store::StoreManager* stores,
                  store::OptOutStore* optout, ServiceMetrics* metrics, Clock clock = nullptr);

  // Handle answers one HTTP request (an HttpHandler). Thread-safe.
  void Handle(const HttpRequest& request, HttpResponse* response);

  // HandleDecrypted runs the endpoint at `path` for `client` on an already-decrypted JSON
  // payload (empty = none), skipping HTTP, authentication and the envelope (fuzzing, tests).
  Reply HandleDecrypted(std::string_view path, const store::ClientKey& client,
                        std::string_view json, int64_t now_ms);

  // SetUnhealthy makes /ops/healthcheck answer 503 with `reason` ("" = healthy again).
  void SetUnhealthy(std::string reason);

 private:
  void Dispatch(const RouteInfo& route, const HttpRequest& req, HttpResponse* res);
  void HandleEnvelope(const RouteInfo& route, const store::Snapshot& snap, const HttpRequest& req,
                      int64_t now_ms, HttpResponse* res);
  void HandleRefresh(const store::Snapshot& snap, const HttpRequest& req, int64_t now_ms,
                     HttpResponse* res);
  void HandleClientGenerate(const store::Snapshot& snap, const HttpRequest& req, int64_t now_ms,
                            HttpResponse* res);
  Reply RunEndpoint(Route route, const Call& call);
  bool Enabled(Route route) const;

  const store::OperatorConfig& config_;
  store::StoreManager* stores_;
  ServiceMetrics* metrics_;
  Clock clock_;
  Endpoints endpoints_;
  StaticJsFiles static_js_;  // GET /static/js/*.js from config static_js_dir
  std::atomic<std::shared_ptr<const std::string>> unhealthy_;
};

}  // namespace uid2::service
