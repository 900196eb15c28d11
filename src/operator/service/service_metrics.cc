#include "operator/service/service_metrics.h"

#include <mutex>
#include <set>

#include "operator/store/optout_store.h"
#include "operator/store/store_manager.h"

namespace uid2::service {

namespace {

const std::vector<double> kLatencyBounds = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                            0.05,   0.1,   0.25,   0.5,   1,    2.5};
const std::vector<double> kRefreshAgeBounds = {60, 300, 900, 1800, 3600, 7200, 14400, 43200, 86400};
const std::vector<double> kMapInputBounds = {1, 10, 100, 500, 1000, 2500, 5000, 10000};

std::string Site(int32_t site_id) { return std::to_string(site_id); }

void Header(std::string* out, std::string_view name, std::string_view help, std::string_view type) {
  out->append("# HELP ").append(name).append(" ").append(help).append("\n");
  out->append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

void Sample(std::string* out, std::string_view name, std::vector<std::string> labels,
            std::vector<std::string> values, double v) {
  AppendSample(out, name, labels, values, v);
}

}  // namespace

ServiceMetrics::ServiceMetrics() {
  MetricsRegistry& r = registry_;
  token_response_ = &r.AddCounter("uid2_token_response_status_count",
                                  "Token endpoint responses by site, endpoint and status",
                                  {"site_id", "token_endpoint", "token_response_status"});
  token_validate_ =
      &r.AddCounter("uid2_token_validate_total", "Token validations", {"site_id", "result"});
  refresh_duration_ =
      &r.AddHistogram("uid2_token_refresh_duration_seconds", "Age of refresh tokens when refreshed",
                      {"site_id"}, kRefreshAgeBounds);
  refresh_served_ =
      &r.AddCounter("uid2_refresh_token_served_count_total", "Refresh tokens issued", {"site_id"});
  refresh_received_ = &r.AddCounter("uid2_refresh_token_received_count_total",
                                    "Refresh tokens received", {"site_id"});
  map_inputs_ =
      &r.AddHistogram("uid2_operator_identity_map_inputs", "Identities per identity/map request",
                      {"site_id", "api"}, kMapInputBounds);
  map_unmapped_ = &r.AddCounter("uid2_operator_identity_map_unmapped_total",
                                "Identities not mapped", {"site_id", "reason"});
  raw_uid_version_ =
      &r.AddCounter("uid2_raw_uid_version_total", "Raw UIDs produced by version", {"version"});
  sdk_versions_ = &r.AddCounter("uid2_client_sdk_versions_total",
                                "Requests by X-UID2-Client-Version", {"client_version"});
  http_requests_ = &r.AddCounter("vertx_http_server_requests_total", "HTTP requests",
                                 {"method", "route", "code"});
  http_time_ = &r.AddHistogram("vertx_http_server_response_time_seconds",
                               "HTTP request processing time", {"method", "route"}, kLatencyBounds);
  active_connections_ =
      &r.AddGauge("vertx_http_server_active_connections", "Open HTTP connections", {})
           .With(std::vector<std::string>{});
  r.AddGauge("app_status", "Application status (1 = running)", {"application_name", "status"})
      .With({"uid2-operator", "running"})
      .Set(1);
}

void ServiceMetrics::TokenResponse(int32_t site_id, std::string_view endpoint,
                                   std::string_view status) {
  token_response_->With({Site(site_id), std::string(endpoint), std::string(status)}).Inc();
}
void ServiceMetrics::TokenValidate(int32_t site_id, bool matched) {
  token_validate_->With({Site(site_id), matched ? "match" : "mismatch"}).Inc();
}
void ServiceMetrics::RefreshDuration(int32_t site_id, double seconds) {
  refresh_duration_->With({Site(site_id)}).Observe(seconds);
}
void ServiceMetrics::RefreshServed(int32_t site_id) {
  refresh_served_->With({Site(site_id)}).Inc();
}
void ServiceMetrics::RefreshReceived(int32_t site_id) {
  refresh_received_->With({Site(site_id)}).Inc();
}
void ServiceMetrics::IdentityMapInputs(int32_t site_id, std::string_view api, size_t n) {
  map_inputs_->With({Site(site_id), std::string(api)}).Observe(static_cast<double>(n));
}
void ServiceMetrics::IdentityMapUnmapped(int32_t site_id, std::string_view reason, uint64_t n) {
  map_unmapped_->With({Site(site_id), std::string(reason)}).Inc(n);
}
void ServiceMetrics::RawUidVersion(int version, uint64_t n) {
  raw_uid_version_->With({std::to_string(version)}).Inc(n);
}

void ServiceMetrics::ClientSdkVersion(std::string_view version) {
  std::string v;
  for (char ch : version.substr(0, 64)) {
    v += (ch >= 0x20 && ch < 0x7f) ? ch : '?';
  }
  // Bound the label set: a client could send a new value with every request.
  static std::mutex mu;
  static std::set<std::string> seen;
  {
    std::lock_guard lock(mu);
    if (!seen.count(v)) {
      if (static_cast<int>(seen.size()) >= kMaxSdkVersions) {
        v = "other";
      } else {
        seen.insert(v);
      }
    }
  }
  sdk_versions_->With({v}).Inc();
}

void ServiceMetrics::HttpRequest(std::string_view method, std::string_view route, unsigned code,
                                 double seconds) {
  std::string m =
      (method == "GET" || method == "POST" || method == "OPTIONS") ? std::string(method) : "other";
  http_requests_->With({m, std::string(route), std::to_string(code)}).Inc();
  http_time_->With({m, std::string(route)}).Observe(seconds);
}

void ServiceMetrics::AddStoreCollectors(const store::StoreManager* stores,
                                        const store::OptOutStore* optout) {
  if (stores != nullptr) {
    registry_.AddCollector([stores](std::string* out) {
      const store::StoreStats& s = stores->stats();
      const char* kinds[] = {"uid2_store_reload_failures_total",
                             "uid2_store_reload_successes_total", "uid2_store_version",
                             "uid2_store_last_success_seconds"};
      const char* helps[] = {"Core store reloads rejected (old data kept)",
                             "Core store reloads accepted", "Loaded metadata version per store",
                             "Time (epoch s) of the last successful poll per store"};
      for (int k = 0; k < 4; ++k) {
        Header(out, kinds[k], helps[k], k >= 2 ? "gauge" : "counter");
        for (int i = 0; i < store::kStoreCount; ++i) {
          const auto& p = s.stores[i];
          double v = k == 0   ? static_cast<double>(p.reload_failures.load())
                     : k == 1 ? static_cast<double>(p.reload_successes.load())
                     : k == 2 ? static_cast<double>(p.version.load())
                              : static_cast<double>(p.last_success_ms.load()) / 1000.0;
          Sample(out, kinds[k], {"store"},
                 {std::string(store::StoreName(static_cast<store::StoreId>(i)))}, v);
        }
      }
      Header(out, "uid2_store_snapshots_published_total", "Snapshots published", "counter");
      Sample(out, "uid2_store_snapshots_published_total", {}, {},
             static_cast<double>(s.snapshots_published.load()));

      auto snap = stores->Current();
      if (!snap) return;
      Header(out, "uid2_encryption_key_activates", "Activation time (epoch s) of each key",
             "gauge");
      for (const store::KeysetKey* key : snap->KeysById()) {
        Sample(out, "uid2_encryption_key_activates", {"key_id", "keyset_id"},
               {std::to_string(key->id), std::to_string(key->keyset_id)},
               static_cast<double>(key->activates));
      }
      int64_t now_s = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
      Header(out, "uid2_site_keyset_status", "1 when the site's default keyset has an active key",
             "gauge");
      std::set<int32_t> sites;
      for (const auto& c : snap->parts().clients->all()) sites.insert(c.site_id);
      for (int32_t site : sites) {
        auto ks = snap->DefaultKeyset(site);
        std::string status = !ks.ok()                                   ? "ambiguous"
                             : *ks == nullptr                           ? "no_default_keyset"
                             : snap->ActiveKey((*ks)->keyset_id, now_s) ? "active"
                                                                        : "no_active_key";
        Sample(out, "uid2_site_keyset_status", {"site_id", "status"},
               {std::to_string(site), status}, 1);
      }
      const store::SaltsData& salts = snap->salts();
      Header(out, "uid2_second_level_salt_buckets", "Salt buckets in the selected file", "gauge");
      Sample(out, "uid2_second_level_salt_buckets", {}, {}, static_cast<double>(salts.set->size()));
      Header(out, "uid2_second_level_salt_effective_ms", "Effective time of the salt file",
             "gauge");
      Sample(out, "uid2_second_level_salt_effective_ms", {}, {},
             static_cast<double>(salts.selected_effective_ms));
    });
  }
  if (optout != nullptr) {
    registry_.AddCollector([optout](std::string* out) {
      const store::OptOutStats& s = optout->stats();
      struct Item {
        const char* name;
        const char* help;
        const char* type;
        double v;
      } items[] = {
          {"uid2_optout_files_loaded_total", "Opt-out files loaded", "counter",
           static_cast<double>(s.files_loaded.load())},
          {"uid2_optout_files_rejected_total", "Opt-out files refused (malformed)", "counter",
           static_cast<double>(s.files_rejected.load())},
          {"uid2_optout_records_loaded_total", "Opt-out records loaded", "counter",
           static_cast<double>(s.records_loaded.load())},
          {"uid2_optout_logouts_total", "Logout records written", "counter",
           static_cast<double>(s.logouts_written.load())},
          {"uid2_optout_entries", "Distinct opted-out identities", "gauge",
           static_cast<double>(optout->Current()->size())},
          {"uid2_optout_last_scan_ms", "Epoch ms of the last opt-out folder scan", "gauge",
           static_cast<double>(s.last_scan_ms.load())},
      };
      for (const Item& it : items) {
        Header(out, it.name, it.help, it.type);
        Sample(out, it.name, {}, {}, it.v);
      }
    });
  }
}

}  // namespace uid2::service
