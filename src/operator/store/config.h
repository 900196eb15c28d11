// config.h: the operator's main configuration (conf/<profile>-config.json), typed.
//
//   UID2_ASSIGN_OR_RETURN(OperatorConfig config, LoadOperatorConfigProfile("local"));
//   // or LoadOperatorConfigFile("/etc/uid2/my-config.json")
//
// Every key is documented in docs/operator-config.md (type, default, meaning). A key that is
// absent takes its default; a key with the wrong type or an out-of-range value is an error that
// names the file, the key and the value ("conf/local-config.json: key 'port': expected an
// integer in [1, 65535], got \"abc\""). Unknown keys are accepted (the reference operator's
// configs carry keys this operator does not use) and listed in OperatorConfig::unknown_keys.
//
// Relative paths in the config (core_data_dir, optout_data_dir, static_js_dir) are relative to
// the current directory; the operator is meant to run from the repository root.
//
// Secrets: core_api_token and optout_api_token come from the environment variables of the same
// name (a value in the file is used only when the variable is unset). They are held in Secret,
// which has no formatting, streaming or implicit conversion: the value is reached only through
// Secret::Reveal(), which grep finds.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace uid2::store {

// Secret holds a credential. It cannot be printed or logged (no operator<<, no fmt formatter,
// no conversion to string); Reveal() is the only way to read it.
class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}
  bool empty() const { return value_.empty(); }
  // Reveal returns the credential for use in an outgoing request header. Never log it.
  const std::string& Reveal() const { return value_; }

 private:
  std::string value_;
};

enum class IdentityScope { kUid2 = 0, kEuid = 1 };
enum class IdentityEnvironment { kTest = 0, kInteg = 1, kProd = 2 };

std::string_view IdentityScopeName(IdentityScope scope);            // "UID2" / "EUID"
std::string_view IdentityEnvironmentName(IdentityEnvironment env);  // "test" / "integ" / "prod"
// ParseIdentityEnvironment accepts "test", "integ", "prod" (any case); nullopt otherwise.
std::optional<IdentityEnvironment> ParseIdentityEnvironment(std::string_view name);

// RuntimeConfig: token lifetimes (spec §4.2). From the runtime_config store when
// enable_remote_config is true, else from the main config's keys of the same names.
// Validated: 0 < refresh_identity_token_after_seconds <= identity_token_expires_after_seconds
// <= refresh_token_expires_after_seconds, sharing_token_expiry_seconds > 0.
struct RuntimeConfig {
  int64_t identity_token_expires_after_seconds = 3600;
  int64_t refresh_token_expires_after_seconds = 86400;
  int64_t refresh_identity_token_after_seconds = 900;
  int64_t sharing_token_expiry_seconds = 2592000;
  IdentityEnvironment identity_environment = IdentityEnvironment::kTest;
  std::optional<int64_t> max_bidstream_lifetime_seconds;
  std::optional<int64_t> max_sharing_lifetime_seconds;

  // Lifetimes reported by /v2/key/bidstream and /v2/key/sharing (spec §1.1: value or fallback,
  // plus 10 s).
  int64_t BidstreamLifetimeSeconds() const {
    return max_bidstream_lifetime_seconds.value_or(identity_token_expires_after_seconds) + 10;
  }
  int64_t SharingLifetimeSeconds() const {
    return max_sharing_lifetime_seconds.value_or(sharing_token_expiry_seconds) + 10;
  }
};

// ValidateRuntimeConfig enforces the ordering rule above; the error names the values.
Status ValidateRuntimeConfig(const RuntimeConfig& rc);

// The core stores, in the order they are loaded. Names are the config key prefixes
// (<name>_metadata_path, <name>_refresh_ms) and the metric label values.
enum class StoreId {
  kClients,
  kKeysets,
  kKeysetKeys,
  kSalts,
  kSites,
  kClientSideKeypairs,
  kServices,
  kServiceLinks,
  kRuntimeConfig,
};
inline constexpr int kStoreCount = 9;
std::string_view StoreName(StoreId id);  // "clients", "keysets", "keyset_keys", ...

struct StoreSettings {
  std::string metadata_path;  // "" = the store is not configured (optional stores only)
  int64_t refresh_ms = 10000;
};

struct OperatorConfig {
  std::string source_file;  // the file this was loaded from (for messages)

  // --- HTTP service ---
  std::string listen_address = "127.0.0.1";  // key http_listen_address
  int port = 8080;                           // key "port"; effective = port + port_offset
  int port_offset = 0;                       // key "port_offset" (env port_offset overrides)
  int prometheus_port = 9091;                // key "prometheus_port" (not offset)
  int service_instances = 0;                 // 0 = one per CPU core
  bool service_verbose = false;
  int64_t max_request_body_bytes = 1 << 20;
  int64_t http_idle_timeout_ms = 60000;
  int64_t http_read_timeout_ms = 10000;
  bool enable_async_batch_request = false;
  std::string static_js_dir = "static/js";  // folder served at GET /static/js/<name>.js

  // --- identity / API ---
  IdentityScope identity_scope = IdentityScope::kUid2;
  bool enable_v2_encryption = true;
  bool enable_phone_support = true;
  bool identity_v3 = false;
  bool refresh_token_v3 = true;
  int tcf_vendor_id = 21;
  int64_t allow_clock_skew_seconds = 1800;
  bool client_side_token_generate = false;
  bool client_side_token_generate_domain_name_check_enabled = true;
  bool client_side_token_generate_log_invalid_http_origins = false;
  bool key_sharing_endpoint_provide_app_names = false;
  bool optout_status_api_enabled = true;
  int optout_status_max_request_size = 5000;
  bool validate_service_links = false;

  // --- token lifetimes (used when enable_remote_config = false) ---
  bool enable_remote_config = true;
  RuntimeConfig runtime;  // keys identity_token_expires_after_seconds, ..., identity_environment

  // --- core data ---
  bool storage_mock = false;
  std::string core_data_dir = "data/uid2/core";  // root of the local dataset (local mode)
  std::optional<std::string> core_attest_url;    // set = attested remote mode (docs/operator.md)
  std::optional<std::string> core_s3_bucket;
  Secret core_api_token;  // env core_api_token
  std::optional<std::string> enclave_platform;
  std::string operator_type = "public";
  bool encrypted_files = false;
  std::string attestation_dir = "/dev/attestation";  // user_report_data + quote (azure-sgx)
  int64_t attestation_failure_shutdown_hours = 12;   // continuous attest failure -> stop
  std::string uid_instance_id_prefix = "local-operator";
  StoreSettings stores[kStoreCount];
  std::string cloud_encryption_keys_metadata_path;
  int64_t salts_expired_shutdown_hours = 12;
  int64_t store_refresh_stale_shutdown_hours = 12;
  int64_t failure_shutdown_wait_hours = 120;

  // --- opt-out ---
  std::string optout_data_dir = "run/optout";  // local folder of delta/partition files
  int64_t optout_refresh_ms = 5000;            // how often the folder is re-scanned
  std::optional<std::string> optout_api_uri;   // unset = logout writes a local delta file
  Secret optout_api_token;                     // env optout_api_token
  std::optional<std::string> optout_metadata_path;
  std::optional<std::string> optout_s3_bucket;
  std::string optout_s3_folder = "optout/";
  bool optout_s3_path_compat = false;
  bool optout_inmem_cache = false;
  bool optout_synthetic_logs_enabled = false;
  int64_t optout_bloom_filter_size = 8192;
  int64_t optout_delta_rotate_interval = 300;
  int64_t optout_delta_backtrack_in_days = 1;
  int64_t optout_partition_interval = 86400;
  int64_t optout_max_partitions = 30;
  int64_t optout_heap_default_capacity = 8192;
  int64_t cloud_download_threads = 8;
  int64_t cloud_upload_threads = 2;
  int64_t cloud_refresh_interval = 60;

  // Keys present in the file that this operator does not know (warned about at startup).
  std::vector<std::string> unknown_keys;

  const StoreSettings& store(StoreId id) const { return stores[static_cast<int>(id)]; }
  StoreSettings& store(StoreId id) { return stores[static_cast<int>(id)]; }
  int HttpPort() const { return port + port_offset; }
};

// ProfilePath returns "conf/<profile>-config.json". The profile name must match
// [A-Za-z0-9_-]+ (checked by LoadOperatorConfigProfile).
std::string ProfilePath(std::string_view profile);

// LoadOperatorConfigProfile loads conf/<profile>-config.json relative to the current directory.
// Fails (kNotFound) naming the file when it does not exist, or (kInvalid) as described above.
Result<OperatorConfig> LoadOperatorConfigProfile(std::string_view profile);

// LoadOperatorConfigFile loads an explicit file; then applies the environment (tokens,
// port_offset).
Result<OperatorConfig> LoadOperatorConfigFile(const std::string& path);

// ParseOperatorConfig parses JSON text; `source` names it in errors. Does not read the
// environment (LoadOperatorConfigFile does).
Result<OperatorConfig> ParseOperatorConfig(std::string_view json, std::string_view source);

// ApplyEnvironment reads core_api_token, optout_api_token and port_offset from the environment.
Status ApplyEnvironment(OperatorConfig* config);

}  // namespace uid2::store
