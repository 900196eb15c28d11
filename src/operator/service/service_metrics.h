// service_metrics.h: the operator's metric families (spec §5) on one MetricsRegistry.
//
// Names follow the reference operator's Prometheus output:
//   uid2_token_response_status_count{site_id,token_endpoint,token_response_status}
//   uid2_token_validate_total{site_id,result}
//   uid2_token_refresh_duration_seconds{site_id}               histogram (token age at refresh)
//   uid2_refresh_token_served_count_total{site_id}
//   uid2_refresh_token_received_count_total{site_id}
//   uid2_operator_identity_map_inputs{site_id,api}             histogram (identities/request)
//   uid2_operator_identity_map_unmapped_total{site_id,reason}
//   uid2_raw_uid_version_total{version}
//   uid2_client_sdk_versions_total{client_version}
//   vertx_http_server_requests_total{method,route,code}
//   vertx_http_server_response_time_seconds{method,route}      histogram
//   vertx_http_server_active_connections
//   app_status{application_name,status}
// plus families collected from the stores at scrape time (AddStoreCollectors):
//   uid2_store_reload_failures_total{store}, uid2_store_reload_successes_total{store},
//   uid2_store_version{store}, uid2_store_last_success_seconds{store},
//   uid2_store_snapshots_published_total,
//   uid2_encryption_key_activates{key_id,keyset_id}, uid2_site_keyset_status{site_id,status},
//   uid2_second_level_salt_buckets, uid2_second_level_salt_effective_ms,
//   uid2_optout_files_loaded_total, uid2_optout_files_rejected_total,
//   uid2_optout_records_loaded_total, uid2_optout_logouts_total, uid2_optout_entries,
//   uid2_optout_last_scan_ms.
// No label ever carries an identity, token or key material; label values come from client site
// ids, fixed route names and a bounded, sanitised set of SDK version strings.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "operator/service/metrics.h"

namespace uid2::store {
class StoreManager;
class OptOutStore;
}  // namespace uid2::store

namespace uid2::service {

class ServiceMetrics {
 public:
  ServiceMetrics();

  MetricsRegistry& registry() { return registry_; }

  void TokenResponse(int32_t site_id, std::string_view endpoint, std::string_view status);
  void TokenValidate(int32_t site_id, bool matched);
  void RefreshDuration(int32_t site_id, double seconds);
  void RefreshServed(int32_t site_id);
  void RefreshReceived(int32_t site_id);
  void IdentityMapInputs(int32_t site_id, std::string_view api, size_t n);
  void IdentityMapUnmapped(int32_t site_id, std::string_view reason, uint64_t n);
  void RawUidVersion(int version, uint64_t n = 1);
  // ClientSdkVersion counts the X-UID2-Client-Version header; at most kMaxSdkVersions distinct
  // values are kept (later ones count as "other"), each at most 64 printable characters.
  void ClientSdkVersion(std::string_view version);
  void HttpRequest(std::string_view method, std::string_view route, unsigned code, double seconds);
  void SetActiveConnections(int64_t n) { active_connections_->Set(static_cast<double>(n)); }

  // AddStoreCollectors renders store and opt-out statistics at scrape time. The pointers must
  // outlive the registry's use (null = skipped).
  void AddStoreCollectors(const store::StoreManager* stores, const store::OptOutStore* optout);

  static constexpr int kMaxSdkVersions = 64;

 private:
  MetricsRegistry registry_;
  CounterFamily* token_response_;
  CounterFamily* token_validate_;
  HistogramFamily* refresh_duration_;
  CounterFamily* refresh_served_;
  CounterFamily* refresh_received_;
  HistogramFamily* map_inputs_;
  CounterFamily* map_unmapped_;
  CounterFamily* raw_uid_version_;
  CounterFamily* sdk_versions_;
  CounterFamily* http_requests_;
  HistogramFamily* http_time_;
  Gauge* active_connections_;
  std::atomic<int> sdk_version_count_{0};
};

}  // namespace uid2::service
