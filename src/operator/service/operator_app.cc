#include "operator/service/operator_app.h"

#include <malloc.h>
#include <pthread.h>
#include <signal.h>

#include <thread>

#include "common/cli.h"
#include "common/log.h"

namespace uid2::service {

namespace {

constexpr std::string_view kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

int DefaultThreads() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

}  // namespace

Result<std::unique_ptr<OperatorApp>> OperatorApp::Start(store::OperatorConfig config,
                                                        OperatorService::Clock clock) {
  std::unique_ptr<OperatorApp> app(new OperatorApp());
  app->config_ = std::move(config);
  const store::OperatorConfig& c = app->config_;
  for (const std::string& key : c.unknown_keys) {
    log::Debug("config_key_ignored", {{"key", key}});
  }
  if (clock) {
    auto stores = store::StoreManager::Create(c, [clock] { return clock(); });
    if (!stores.ok()) return std::move(stores).error().Context("loading core data");
    app->stores_ = std::move(stores).value();
  } else {
    auto stores = store::StoreManager::Create(c);
    if (!stores.ok()) return std::move(stores).error().Context("loading core data");
    app->stores_ = std::move(stores).value();
  }
  UID2_ASSIGN_OR_RETURN(app->optout_, store::OptOutStore::Open(c.optout_data_dir));
  app->metrics_ = std::make_unique<ServiceMetrics>();
  app->metrics_->AddStoreCollectors(app->stores_.get(), app->optout_.get());
  app->service_ = std::make_unique<OperatorService>(c, app->stores_.get(), app->optout_.get(),
                                                    app->metrics_.get(), clock);

  HttpServerOptions api;
  api.name = "api";
  api.address = c.listen_address;
  api.port = static_cast<uint16_t>(c.port == 0 ? 0 : c.HttpPort());
  api.threads = c.service_instances > 0 ? c.service_instances : DefaultThreads();
  api.body_limit = static_cast<size_t>(c.max_request_body_bytes);
  api.request_timeout = std::chrono::milliseconds(c.http_read_timeout_ms);
  api.idle_timeout = std::chrono::milliseconds(c.http_idle_timeout_ms);
  OperatorService* service = app->service_.get();
  UID2_ASSIGN_OR_RETURN(app->api_,
                        HttpServer::Start(api, [service](const HttpRequest& r, HttpResponse* w) {
                          service->Handle(r, w);
                        }));

  HttpServerOptions prom = api;
  prom.name = "metrics";
  prom.port = static_cast<uint16_t>(c.prometheus_port);
  prom.threads = 1;
  prom.body_limit = 64 * 1024;
  ServiceMetrics* metrics = app->metrics_.get();
  HttpServer* api_server = app->api_.get();
  UID2_ASSIGN_OR_RETURN(
      app->metrics_server_,
      HttpServer::Start(prom, [metrics, api_server](const HttpRequest& r, HttpResponse* w) {
        if (r.path != "/metrics" || (r.method != "GET" && r.method != "HEAD")) {
          w->status = 404;
          w->content_type = "text/plain";
          w->body = "Not Found";
          return;
        }
        metrics->SetActiveConnections(api_server->open_connections());
        w->content_type = std::string(kPrometheusContentType);
        w->body = metrics->registry().Render();
      }));

  app->stores_->Start();
  app->optout_->Start(c.optout_refresh_ms);
  log::Info("operator_started", {{"api_port", app->api_port()},
                                 {"metrics_port", app->metrics_port()},
                                 {"address", c.listen_address},
                                 {"threads", api.threads},
                                 {"v2_encryption", c.enable_v2_encryption},
                                 {"identity_scope", store::IdentityScopeName(c.identity_scope)},
                                 {"core", app->stores_->source().Describe()},
                                 {"optout_dir", c.optout_data_dir}});
  return app;
}

OperatorApp::~OperatorApp() { Stop(); }

void OperatorApp::Stop(std::chrono::milliseconds drain) {
  if (stopped_) return;
  stopped_ = true;
  if (service_) service_->SetUnhealthy("shutting down");
  if (api_) api_->Stop(drain);
  if (metrics_server_) metrics_server_->Stop(std::chrono::milliseconds(1000));
  if (stores_) stores_->Stop();
  if (optout_) optout_->Stop();
}

void KeepLargeBuffersInHeap() {
  constexpr int kMmapThreshold = 32 << 20;  // glibc's maximum on 64-bit
  constexpr int kTrimThreshold = 128 << 20;
  mallopt(M_MMAP_THRESHOLD, kMmapThreshold);
  mallopt(M_TRIM_THRESHOLD, kTrimThreshold);
}

int RunOperator(const OperatorFlags& flags) {
  KeepLargeBuffersInHeap();
  // Block the stop signals before any thread starts, so every thread inherits the mask and
  // only sigwait below receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  Result<store::OperatorConfig> config = flags.config_file.empty()
                                             ? store::LoadOperatorConfigProfile(flags.profile)
                                             : store::LoadOperatorConfigFile(flags.config_file);
  if (!config.ok()) return cli::ReportError(config.error());
  if (flags.address) config->listen_address = *flags.address;
  if (flags.port) {
    config->port = *flags.port;
    if (*flags.port == 0) config->port_offset = 0;
  }
  if (flags.metrics_port) config->prometheus_port = *flags.metrics_port;
  if (flags.threads) config->service_instances = *flags.threads;
  if (flags.optout_dir) config->optout_data_dir = *flags.optout_dir;

  auto app = OperatorApp::Start(std::move(config).value());
  if (!app.ok()) return cli::ReportError(app.error());
  if (!cli::CurrentGlobals().quiet) {
    std::printf("uid2-operator: serving on http://%s:%u (metrics on :%u)\n",
                (*app)->config().listen_address.c_str(), (*app)->api_port(),
                (*app)->metrics_port());
    std::fflush(stdout);
  }
  int sig = 0;
  sigwait(&stop_signals, &sig);
  log::Info("operator_stopping", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"},
                                  {"drain_seconds", flags.drain_seconds}});
  (*app)->Stop(std::chrono::seconds(flags.drain_seconds));
  log::Info("operator_stopped", {});
  return 0;
}

}  // namespace uid2::service
