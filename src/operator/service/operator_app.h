// operator_app.h: the whole operator process in one object: core stores (polling), the opt-out
// store, the API server (config port + port_offset, `service_instances` threads) and the
// Prometheus server (/metrics). Used by main (RunOperator) and by in-process tests.
//
//   UID2_ASSIGN_OR_RETURN(store::OperatorConfig config, store::LoadOperatorConfigProfile("local"));
//   config.port = 0; config.prometheus_port = 0;             // free ports (tests)
//   UID2_ASSIGN_OR_RETURN(auto app, OperatorApp::Start(std::move(config)));
//   app->api_port(); ...; app->Stop();                        // graceful drain
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "common/status.h"
#include "operator/service/http_server.h"
#include "operator/service/operator_service.h"
#include "operator/service/service_metrics.h"
#include "operator/store/config.h"
#include "operator/store/optout_store.h"
#include "operator/store/store_manager.h"

namespace uid2::service {

class OperatorApp {
 public:
  // Start loads the stores (fails naming the store/file when the data is unusable), opens the
  // opt-out folder, and starts both servers and the pollers. A port of 0 picks a free port.
  // `clock` (epoch ms) is for tests; null = system clock.
  static Result<std::unique_ptr<OperatorApp>> Start(store::OperatorConfig config,
                                                    OperatorService::Clock clock = nullptr);
  ~OperatorApp();

  uint16_t api_port() const { return api_->port(); }
  uint16_t metrics_port() const { return metrics_server_->port(); }
  const store::OperatorConfig& config() const { return config_; }
  store::StoreManager& stores() { return *stores_; }
  store::OptOutStore& optout() { return *optout_; }
  OperatorService& service() { return *service_; }
  ServiceMetrics& metrics() { return *metrics_; }

  // Stop drains the API server (in-flight requests finish), then stops the metrics server and
  // the pollers. Idempotent.
  void Stop(std::chrono::milliseconds drain = std::chrono::milliseconds(10'000));

 private:
  OperatorApp() = default;

  store::OperatorConfig config_;
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
  // How long in-flight API requests may take to finish after SIGTERM/SIGINT (OperatorApp::Stop).
  // The package's terminationGracePeriodSeconds is derived from the same number
  // (deploy/azure/profiles/*.env DRAIN_SECONDS, passed to both by deploy/azure/build.sh).
  int drain_seconds = 10;
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
