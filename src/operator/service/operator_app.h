// operator_app.h: the whole operator process in one object: core stores (polling), the opt-out
// store, the API server (config port + port_offset, `service_instances` threads) and the
// Prometheus server (/metrics). Used by main (RunOperator) and by in-process tests.
//
//   UID2_ASSIGN_OR_RETURN(store::OperatorConfig config, store::LoadOperatorConfigProfile("local"));
//   config.port = 0; config.prometheus_port = 0;             // free ports (tests)
//   UID2_ASSIGN_OR_RETURN(auto app, OperatorApp::Start(std::move(config)));
//   UID2_RETURN_IF_ERROR(app->WaitReady(std::chrono::seconds(30)));
//   app->api_port(); ...; app->Stop();                        // graceful drain
//
// Two modes:
//  - local (no core_attest_url): the bundled dataset is loaded synchronously; Start fails when
//    it is unusable and returns a ready app.
//  - attested (core_attest_url set): Start starts the metrics server and returns; a start-up
//    thread attests (sync::AttestationManager, retried with backoff), loads every core store
//    from the core (sync::RemoteCoreSource, retried until every required store has a first
//    snapshot), opens the opt-out folder and starts its sync (sync::OptOutSync, when
//    optout_metadata_path is set), and only then opens the API port. A watchdog then stops the
//    operator (the FatalHandler runs; Fatal() holds the reason) when the core refuses the
//    attestation (401/403), attestation fails for attestation_failure_shutdown_hours, a
//    required store has not refreshed for store_refresh_stale_shutdown_hours, or the salts have
//    been expired for salts_expired_shutdown_hours; /ops/healthcheck answers 503 while the
//    attestation token is expired.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "common/status.h"
#include "operator/service/http_server.h"
#include "operator/service/operator_service.h"
#include "operator/service/service_metrics.h"
#include "operator/store/config.h"
#include "operator/store/optout_store.h"
#include "operator/store/store_manager.h"
#include "operator/sync/attestation.h"
#include "operator/sync/optout_sync.h"
#include "operator/sync/remote_core_source.h"

namespace uid2::service {

// Timing knobs of the attested mode (tests shorten them; defaults are the reference's).
struct AttestedTiming {
  int64_t attest_check_interval_ms = 60'000;  // how often token expiry is checked
  int64_t retry_initial_ms = 1'000;           // backoff of attestation and the first core load
  int64_t retry_max_ms = 60'000;
  int64_t watchdog_interval_ms = 60'000;  // stale stores / expired salts / token expiry checks
  std::chrono::milliseconds http_timeout{60'000};  // each core / opt-out request
};

class OperatorApp {
 public:
  using FatalHandler = std::function<void(const Error&)>;

  // Start: see the modes above. A port of 0 picks a free port. `clock` (epoch ms) is for tests;
  // null = system clock. `on_fatal` runs once (on a background thread) when the attested
  // operator must stop.
  static Result<std::unique_ptr<OperatorApp>> Start(store::OperatorConfig config,
                                                    OperatorService::Clock clock = nullptr,
                                                    FatalHandler on_fatal = nullptr,
                                                    AttestedTiming timing = {});
  ~OperatorApp();

  // WaitReady blocks until the API serves (Ok), the operator failed (the fatal error), or the
  // timeout (kIo).
  Status WaitReady(std::chrono::milliseconds timeout);
  bool ready() const { return ready_.load(); }
  std::optional<Error> Fatal() const;

  // api_port is 0 until ready.
  uint16_t api_port() const { return ready() ? api_->port() : 0; }
  uint16_t metrics_port() const { return metrics_server_->port(); }
  const store::OperatorConfig& config() const { return config_; }
  // stores(), optout(), service(): REQUIRES ready().
  store::StoreManager& stores() { return *stores_; }
  store::OptOutStore& optout() { return *optout_; }
  OperatorService& service() { return *service_; }
  ServiceMetrics& metrics() { return *metrics_; }
  // Attested mode only (null otherwise).
  sync::AttestationManager* attestation() { return attestation_.get(); }
  sync::OptOutSync* optout_sync() { return optout_sync_.get(); }
  const sync::RemoteCoreStats& core_stats() const { return core_stats_; }

  // Stop drains the API server (in-flight requests finish), then stops the metrics server and
  // the pollers. Idempotent.
  void Stop(std::chrono::milliseconds drain = std::chrono::milliseconds(10'000));

 private:
  OperatorApp() = default;
  Status StartServing();  // service + API server + pollers; sets ready_
  Status StartMetricsServer();
  void RunAttested();        // the start-up + watchdog thread
  void Fail(Error error);    // records the fatal error, runs on_fatal_ once
  bool SleepMs(int64_t ms);  // false when stopping
  void Watchdog(int64_t now_ms, int64_t* salts_expired_since);

  store::OperatorConfig config_;
  OperatorService::Clock clock_;
  FatalHandler on_fatal_;
  AttestedTiming timing_;
  std::string instance_id_;
  std::unique_ptr<sync::AttestationManager> attestation_;
  std::unique_ptr<sync::OptOutSync> optout_sync_;
  sync::RemoteCoreStats core_stats_;
  std::atomic<bool> ready_{false};
  mutable std::mutex state_mu_;
  std::condition_variable state_cv_;
  bool stopping_ = false;
  std::optional<Error> fatal_;
  std::thread startup_;
  std::unique_ptr<store::StoreManager> stores_;
  std::unique_ptr<store::OptOutStore> optout_;
  std::unique_ptr<ServiceMetrics> metrics_;
  std::unique_ptr<OperatorService> service_;
  std::unique_ptr<HttpServer> api_;
  std::unique_ptr<HttpServer> metrics_server_;
  bool stopped_ = false;
};

// Command-line overrides of the config (uid2-operator --port ...).
struct OperatorFlags {
  std::string profile = "local";
  std::string config_file;  // overrides the profile
  std::optional<std::string> address;
  std::optional<int> port;  // API port (port_offset still applies from config/env)
  std::optional<int> metrics_port;
  std::optional<int> threads;  // service_instances
  std::optional<std::string> optout_dir;
  std::optional<std::string> enclave_platform;  // "none" clears it (attested mode off-enclave)
  std::optional<std::string> attestation_dir;
};

// KeepLargeBuffersInHeap sets glibc malloc so that buffers up to 32 MiB (request and response
// bodies: /v3/identity/map moves ~1 MB per request) come from the heap and stay there after
// free, instead of one mmap + page faults + munmap per buffer (which cost a quarter of the CPU
// of an identity/map request). Process-wide; RunOperator calls it first. Idempotent.
void KeepLargeBuffersInHeap();

// RunOperator loads the config, starts the OperatorApp, waits for SIGTERM or SIGINT, drains and
// returns the process exit code (0 after a clean drain, 1 when startup failed; the error is
// printed).
int RunOperator(const OperatorFlags& flags);

}  // namespace uid2::service
