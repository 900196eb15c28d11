#include "operator/service/operator_app.h"
#include "attest/tcb.h"

#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <thread>

#include "common/cli.h"
#include "common/encoding.h"
#include "common/log.h"
#include "crypto/random.h"
#include "operator/sync/attest_reply.h"
#include "operator/sync/http_client.h"

namespace uid2::service {

namespace {

constexpr std::string_view kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

int64_t SystemNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int DefaultThreads() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

}  // namespace

Result<std::unique_ptr<OperatorApp>> OperatorApp::Start(store::OperatorConfig config,
                                                        OperatorService::Clock clock,
                                                        FatalHandler on_fatal,
                                                        AttestedTiming timing) {
  std::unique_ptr<OperatorApp> app(new OperatorApp());
  app->config_ = std::move(config);
  app->clock_ = std::move(clock);
  app->on_fatal_ = std::move(on_fatal);
  app->timing_ = timing;
  app->instance_id_ = app->config_.uid_instance_id_prefix + "-" + HexEncode(crypto::RandomBytes(8));
  const store::OperatorConfig& c = app->config_;
  for (const std::string& key : c.unknown_keys) {
    log::Debug("config_key_ignored", {{"key", key}});
  }
  app->metrics_ = std::make_unique<ServiceMetrics>();

  if (!c.core_attest_url) {
    store::StoreManager::Clock store_clock;
    if (app->clock_) store_clock = [clock = app->clock_] { return clock(); };
    auto stores = store::StoreManager::Create(c, store_clock);
    if (!stores.ok()) return std::move(stores).error().Context("loading core data");
    app->stores_ = std::move(stores).value();
    UID2_ASSIGN_OR_RETURN(app->optout_, store::OptOutStore::Open(c.optout_data_dir));
    UID2_RETURN_IF_ERROR(app->StartMetricsServer());
    UID2_RETURN_IF_ERROR(app->StartServing());
    return app;
  }

  // Attested mode.
  if (c.core_api_token.empty()) {
    return Error::Invalid(
        "core_attest_url is set but core_api_token is empty: set the environment variable "
        "core_api_token to the operator key");
  }
  UID2_ASSIGN_OR_RETURN(auto platform,
                        sync::MakeAttestationPlatform(c.enclave_platform, c.attestation_dir));
  sync::AttestationManager::Options ao;
  ao.attest.url = *c.core_attest_url;
  ao.attest.api_token = c.core_api_token;
  ao.attest.operator_type = c.operator_type;
  ao.attest.instance_id = app->instance_id_;
  ao.attest.timeout = timing.http_timeout;
  ao.check_interval_ms = timing.attest_check_interval_ms;
  ao.initial_backoff_ms = timing.retry_initial_ms;
  ao.max_backoff_ms = timing.retry_max_ms;
  ao.failure_shutdown_ms = c.attestation_failure_shutdown_hours * 3600 * 1000;
  OperatorApp* self = app.get();
  app->attestation_ = std::make_unique<sync::AttestationManager>(
      std::move(ao), std::move(platform), [self](const Error& e) { self->Fail(e); });
  UID2_RETURN_IF_ERROR(app->StartMetricsServer());
  sync::AttestationManager* attestation = app->attestation_.get();
  const sync::RemoteCoreStats* core_stats = &app->core_stats_;
  std::atomic<bool>* ready = &app->ready_;
  app->metrics_->registry().AddCollector([attestation, core_stats, ready](std::string* out) {
    const sync::AttestationStats& a = attestation->stats();
    auto line = [out](const char* name, const char* type, const char* help, double v) {
      out->append("# HELP ").append(name).append(" ").append(help).append("\n");
      out->append("# TYPE ").append(name).append(" ").append(type).append("\n");
      out->append(name).append(" ").append(std::to_string(v)).append("\n");
    };
    line("uid2_operator_ready", "gauge", "1 once the API serves", ready->load() ? 1 : 0);
    line("uid2_attestation_attested", "gauge", "1 when the operator holds attestation credentials",
         attestation->Current() ? 1 : 0);
    line("uid2_attestation_expires_at_seconds", "gauge", "expiresAt of the attestation token",
         static_cast<double>(a.expires_at_ms.load()) / 1000.0);
    line("uid2_attestation_last_success_seconds", "gauge", "time of the last attestation",
         static_cast<double>(a.last_success_ms.load()) / 1000.0);
    line("uid2_attestation_attempts_total", "counter", "attestation attempts",
         static_cast<double>(a.attempts.load()));
    line("uid2_attestation_failures_total", "counter", "attestation failures",
         static_cast<double>(a.failures.load()));
    line("uid2_attestation_last_http_status", "gauge", "HTTP status of the last attest reply",
         static_cast<double>(a.last_http_status.load()));
    line("uid2_core_request_failures_total", "counter",
         "core requests that failed (transport or non-200)",
         static_cast<double>(core_stats->request_failures.load()));
    line("uid2_core_decrypt_failures_total", "counter",
         "core files that could not be decrypted (bad envelope, unknown key, bad tag)",
         static_cast<double>(core_stats->decrypt_failures.load()));
    line("uid2_core_unknown_key_ids_total", "counter", "core files naming an unknown key id",
         static_cast<double>(core_stats->unknown_key_ids.load()));
    line("uid2_core_content_downloads_total", "counter", "core content files downloaded",
         static_cast<double>(core_stats->content_downloads.load()));
  });
  app->attestation_->Start();
  app->startup_ = std::thread([self] { self->RunAttested(); });
  log::Info("operator_starting", {{"mode", "attested"},
                                  {"core_attest_url", sync::RedactUrl(*c.core_attest_url)},
                                  {"enclave_platform", c.enclave_platform.value_or("none")},
                                  {"metrics_port", app->metrics_port()}});
  return app;
}

Status OperatorApp::StartMetricsServer() {
  const store::OperatorConfig& c = config_;
  HttpServerOptions prom;
  prom.name = "metrics";
  prom.address = c.listen_address;
  prom.port = static_cast<uint16_t>(c.prometheus_port);
  prom.threads = 1;
  prom.body_limit = 64 * 1024;
  prom.request_timeout = std::chrono::milliseconds(c.http_read_timeout_ms);
  prom.idle_timeout = std::chrono::milliseconds(c.http_idle_timeout_ms);
  ServiceMetrics* metrics = metrics_.get();
  OperatorApp* self = this;
  UID2_ASSIGN_OR_RETURN(
      metrics_server_,
      HttpServer::Start(prom, [metrics, self](const HttpRequest& r, HttpResponse* w) {
        if (r.path != "/metrics" || (r.method != "GET" && r.method != "HEAD")) {
          w->status = 404;
          w->content_type = "text/plain";
          w->body = "Not Found";
          return;
        }
        if (self->ready()) metrics->SetActiveConnections(self->api_->open_connections());
        w->content_type = std::string(kPrometheusContentType);
        w->body = metrics->registry().Render();
      }));
  return Ok();
}

Status OperatorApp::StartServing() {
  const store::OperatorConfig& c = config_;
  metrics_->AddStoreCollectors(stores_.get(), optout_.get());
  service_ =
      std::make_unique<OperatorService>(c, stores_.get(), optout_.get(), metrics_.get(), clock_);
  HttpServerOptions api;
  api.name = "api";
  api.address = c.listen_address;
  api.port = static_cast<uint16_t>(c.port == 0 ? 0 : c.HttpPort());
  api.threads = c.service_instances > 0 ? c.service_instances : DefaultThreads();
  api.body_limit = static_cast<size_t>(c.max_request_body_bytes);
  api.request_timeout = std::chrono::milliseconds(c.http_read_timeout_ms);
  api.idle_timeout = std::chrono::milliseconds(c.http_idle_timeout_ms);
  OperatorService* service = service_.get();
  UID2_ASSIGN_OR_RETURN(
      api_, HttpServer::Start(
                api, [service](const HttpRequest& r, HttpResponse* w) { service->Handle(r, w); }));
  stores_->Start();
  optout_->Start(c.optout_refresh_ms);
  if (optout_sync_) optout_sync_->Start();
  {
    std::lock_guard<std::mutex> lock(state_mu_);
    ready_ = true;
  }
  state_cv_.notify_all();
  log::Info("operator_started", {{"api_port", api_->port()},
                                 {"metrics_port", metrics_port()},
                                 {"address", c.listen_address},
                                 {"threads", api.threads},
                                 {"v2_encryption", c.enable_v2_encryption},
                                 {"identity_scope", store::IdentityScopeName(c.identity_scope)},
                                 {"core", stores_->source().Describe()},
                                 {"optout_dir", c.optout_data_dir}});
  return Ok();
}

Status OperatorApp::WaitReady(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(state_mu_);
  state_cv_.wait_for(lock, timeout, [this] { return ready_.load() || fatal_.has_value(); });
  if (fatal_) return *fatal_;
  if (ready_) return Ok();
  return Error::Io("the operator is not serving after " + std::to_string(timeout.count()) +
                   " ms (attestation or first core load still failing; see the log)");
}

std::optional<Error> OperatorApp::Fatal() const {
  std::lock_guard<std::mutex> lock(state_mu_);
  return fatal_;
}

void OperatorApp::Fail(Error error) {
  {
    std::lock_guard<std::mutex> lock(state_mu_);
    if (fatal_) return;
    fatal_ = error;
  }
  log::Error("operator_fatal", {{"error", error.message()}});
  if (ready_) service_->SetUnhealthy("stopping: " + error.message());
  if (on_fatal_) on_fatal_(error);
  state_cv_.notify_all();
}

bool OperatorApp::SleepMs(int64_t ms) {
  std::unique_lock<std::mutex> lock(state_mu_);
  state_cv_.wait_for(lock, std::chrono::milliseconds(std::max<int64_t>(ms, 1)),
                     [this] { return stopping_; });
  return !stopping_ && !fatal_;
}

void OperatorApp::RunAttested() {
  const store::OperatorConfig& c = config_;
  // 1. The first attestation (the manager retries; a 401/403 makes it fatal).
  for (;;) {
    Status st = attestation_->WaitAttested(std::chrono::milliseconds(500));
    if (st.ok()) break;
    if (attestation_->Fatal() || !SleepMs(1)) return;
  }
  // 2. The first load of every core store, retried with backoff.
  sync::AttestationManager* attestation = attestation_.get();
  auto make_source = [this, attestation, &c] {
    sync::RemoteCoreSource::Options o;
    o.name = sync::RedactUrl(*c.core_attest_url);
    o.api_token = c.core_api_token;
    o.instance_id = instance_id_;
    o.encrypted_files = c.encrypted_files;
    o.cloud_keys_path = c.cloud_encryption_keys_metadata_path;
    o.timeout = timing_.http_timeout;
    o.credentials = [attestation] { return attestation->Current(); };
    o.on_unauthorized = [attestation] { attestation->RequestReattest(); };
    o.stats = &core_stats_;
    return std::make_unique<sync::RemoteCoreSource>(std::move(o));
  };
  store::StoreManager::Clock store_clock;
  if (clock_) store_clock = [clock = clock_] { return clock(); };
  auto now_ms = [this] { return clock_ ? clock_() : SystemNowMs(); };
  const int64_t stale_ms = c.store_refresh_stale_shutdown_hours * 3600 * 1000;
  const int64_t first_try = now_ms();
  int64_t backoff = timing_.retry_initial_ms;
  for (;;) {
    auto stores = store::StoreManager::CreateWithSource(c, make_source(), store_clock);
    if (stores.ok()) {
      stores_ = std::move(stores).value();
      break;
    }
    log::Warn("core_data_unavailable",
              {{"error", stores.error().message()}, {"retry_in_ms", backoff}});
    if (now_ms() - first_try > stale_ms) {
      Fail(Error::Io(
          "no usable core data for " + std::to_string(c.store_refresh_stale_shutdown_hours) +
          " h (store_refresh_stale_shutdown_hours); last error: " + stores.error().message()));
      return;
    }
    if (!SleepMs(backoff)) return;
    backoff = std::min(backoff * 2, timing_.retry_max_ms);
  }
  // 3. Opt-out: the folder, and its sync from the opt-out service.
  auto optout = store::OptOutStore::Open(c.optout_data_dir);
  if (!optout.ok()) {
    Fail(std::move(optout).error().Context("opening the opt-out folder"));
    return;
  }
  optout_ = std::move(optout).value();
  if (c.optout_metadata_path) {
    sync::OptOutSync::Options o;
    o.metadata_path = *c.optout_metadata_path;
    // The reference's opt-out client authenticates with the operator key (core_api_token);
    // optout_api_token, when set, takes precedence for this download.
    o.api_token = c.optout_api_token.empty() ? c.core_api_token : c.optout_api_token;
    o.instance_id = instance_id_;
    o.data_dir = c.optout_data_dir;
    o.store = optout_.get();
    o.interval_ms = c.cloud_refresh_interval > 0 ? c.cloud_refresh_interval * 1000 : 60'000;
    o.timeout = timing_.http_timeout;
    o.credentials = [attestation] { return attestation->Current(); };
    o.on_unauthorized = [attestation] { attestation->RequestReattest(); };
    o.retention = {c.optout_delta_rotate_interval, c.optout_delta_backtrack_in_days,
                   c.optout_partition_interval, c.optout_max_partitions};
    if (clock_) o.now_s = [clock = clock_] { return clock() / 1000; };
    optout_sync_ = std::make_unique<sync::OptOutSync>(std::move(o));
    auto first = optout_sync_->SyncOnce();
    if (!first.ok()) {
      log::Warn("optout_sync_failed", {{"error", first.error().message()}});
    }
  }
  // 4. Serve.
  if (Status st = StartServing(); !st.ok()) {
    Fail(std::move(st).error());
    return;
  }
  // 5. Watchdog.
  int64_t salts_expired_since = 0;
  while (SleepMs(timing_.watchdog_interval_ms)) Watchdog(now_ms(), &salts_expired_since);
}

void OperatorApp::Watchdog(int64_t now_ms, int64_t* salts_expired_since) {
  const store::OperatorConfig& c = config_;
  // Attestation: serve only with a valid token (the manager renews it 10 min before expiry).
  auto creds = attestation_->Current();
  if (!creds || creds->expires_at_ms <= now_ms) {
    service_->SetUnhealthy("attestation token expired");
  } else {
    service_->SetUnhealthy("");
  }
  // Stale stores: a required store that has not polled successfully for too long.
  const int64_t stale_ms = c.store_refresh_stale_shutdown_hours * 3600 * 1000;
  for (store::StoreId id : {store::StoreId::kClients, store::StoreId::kKeysets,
                            store::StoreId::kKeysetKeys, store::StoreId::kSalts}) {
    int64_t last = stores_->stats().store(id).last_success_ms.load();
    if (last > 0 && now_ms - last > stale_ms) {
      Fail(Error::Io("store " + std::string(store::StoreName(id)) + " has not refreshed for " +
                     std::to_string((now_ms - last) / 1000) +
                     " s (store_refresh_stale_shutdown_hours = " +
                     std::to_string(c.store_refresh_stale_shutdown_hours) + ")"));
      return;
    }
  }
  // Salts: the selected salt file expired (the reference's OperatorShutdownHandler).
  auto snap = stores_->Current();
  const store::SaltsData& salts = snap->salts();
  const store::SaltFileRef& file = salts.metadata.SelectFile(now_ms);
  const bool expired = file.expires_ms > 0 && file.expires_ms <= now_ms;
  if (!expired) {
    *salts_expired_since = 0;
    return;
  }
  if (*salts_expired_since == 0) {
    *salts_expired_since = now_ms;
    log::Error("salts_expired", {{"expired_at", attest::FormatIsoTime(file.expires_ms / 1000)}});
  }
  const int64_t limit_ms = c.salts_expired_shutdown_hours * 3600 * 1000;
  if (now_ms - *salts_expired_since > limit_ms) {
    Fail(Error::Io("salts have been expired for more than " +
                   std::to_string(c.salts_expired_shutdown_hours) +
                   " h (salts_expired_shutdown_hours)"));
  }
}

OperatorApp::~OperatorApp() { Stop(); }

void OperatorApp::Stop(std::chrono::milliseconds drain) {
  if (stopped_) return;
  stopped_ = true;
  {
    std::lock_guard<std::mutex> lock(state_mu_);
    stopping_ = true;
  }
  state_cv_.notify_all();
  if (attestation_) attestation_->Stop();
  if (startup_.joinable()) startup_.join();
  if (service_) service_->SetUnhealthy("shutting down");
  if (api_) api_->Stop(drain);
  if (metrics_server_) metrics_server_->Stop(std::chrono::milliseconds(1000));
  if (optout_sync_) optout_sync_->Stop();
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
  sigaddset(&stop_signals, SIGUSR1);  // raised by the app itself when it must stop (fatal)
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
  if (flags.enclave_platform) {
    if (*flags.enclave_platform == "none") {
      config->enclave_platform.reset();
    } else {
      config->enclave_platform = *flags.enclave_platform;
    }
  }
  if (flags.attestation_dir) config->attestation_dir = *flags.attestation_dir;

  auto app = OperatorApp::Start(std::move(config).value(), nullptr,
                                [](const Error&) { kill(getpid(), SIGUSR1); });
  if (!app.ok()) return cli::ReportError(app.error());
  if ((*app)->config().core_attest_url) {
    // Attested: the API port opens once attested and loaded. Wait for that, a stop signal, or
    // a fatal error.
    for (;;) {
      Status st = (*app)->WaitReady(std::chrono::milliseconds(200));
      if (st.ok()) break;
      if ((*app)->Fatal()) {
        (*app)->Stop(std::chrono::milliseconds(0));
        return cli::ReportError(*(*app)->Fatal());
      }
      timespec zero{0, 0};
      int pending = sigtimedwait(&stop_signals, nullptr, &zero);
      if (pending == SIGTERM || pending == SIGINT) {
        log::Info("operator_stopping", {{"signal", pending == SIGTERM ? "SIGTERM" : "SIGINT"}});
        (*app)->Stop();
        return 0;
      }
    }
  }
  if (!cli::CurrentGlobals().quiet) {
    std::printf("uid2-operator: serving on http://%s:%u (metrics on :%u)\n",
                (*app)->config().listen_address.c_str(), (*app)->api_port(),
                (*app)->metrics_port());
    std::fflush(stdout);
  }
  int sig = 0;
  sigwait(&stop_signals, &sig);
  if (sig == SIGUSR1 && (*app)->Fatal()) {
    (*app)->Stop(std::chrono::milliseconds(2000));
    return cli::ReportError(*(*app)->Fatal());
  }
  log::Info("operator_stopping", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"},
                                  {"drain_seconds", flags.drain_seconds}});
  (*app)->Stop(std::chrono::seconds(flags.drain_seconds));
  log::Info("operator_stopped", {});
  return 0;
}

}  // namespace uid2::service
