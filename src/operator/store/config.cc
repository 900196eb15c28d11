#include "operator/store/config.h"

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <set>

#include "common/file.h"
#include "common/json.h"
#include "operator/store/json_fields.h"

namespace uid2::store {

std::string_view IdentityScopeName(IdentityScope scope) {
  return scope == IdentityScope::kEuid ? "EUID" : "UID2";
}

std::string_view IdentityEnvironmentName(IdentityEnvironment env) {
  switch (env) {
    case IdentityEnvironment::kTest:
      return "test";
    case IdentityEnvironment::kInteg:
      return "integ";
    case IdentityEnvironment::kProd:
      return "prod";
  }
  return "test";
}

std::optional<IdentityEnvironment> ParseIdentityEnvironment(std::string_view name) {
  std::string lower;
  for (char ch : name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (lower == "test") return IdentityEnvironment::kTest;
  if (lower == "integ") return IdentityEnvironment::kInteg;
  if (lower == "prod") return IdentityEnvironment::kProd;
  return std::nullopt;
}

std::string_view StoreName(StoreId id) {
  static constexpr std::string_view kNames[kStoreCount] = {
      "clients",  "keysets",       "keyset_keys",   "salts", "sites", "client_side_keypairs",
      "services", "service_links", "runtime_config"};
  return kNames[static_cast<int>(id)];
}

Status ValidateRuntimeConfig(const RuntimeConfig& rc) {
  auto values = [&] {
    return "refresh_identity_token_after_seconds=" +
           std::to_string(rc.refresh_identity_token_after_seconds) +
           ", identity_token_expires_after_seconds=" +
           std::to_string(rc.identity_token_expires_after_seconds) +
           ", refresh_token_expires_after_seconds=" +
           std::to_string(rc.refresh_token_expires_after_seconds);
  };
  if (rc.refresh_identity_token_after_seconds <= 0) {
    return Error::Invalid("refresh_identity_token_after_seconds must be > 0 (" + values() + ")");
  }
  if (rc.refresh_identity_token_after_seconds > rc.identity_token_expires_after_seconds) {
    return Error::Invalid(
        "refresh_identity_token_after_seconds must be <= identity_token_expires_after_seconds (" +
        values() + ")");
  }
  if (rc.identity_token_expires_after_seconds > rc.refresh_token_expires_after_seconds) {
    return Error::Invalid(
        "identity_token_expires_after_seconds must be <= refresh_token_expires_after_seconds (" +
        values() + ")");
  }
  if (rc.sharing_token_expiry_seconds <= 0) {
    return Error::Invalid("sharing_token_expiry_seconds must be > 0, got " +
                          std::to_string(rc.sharing_token_expiry_seconds));
  }
  return Ok();
}

std::string ProfilePath(std::string_view profile) {
  return "conf/" + std::string(profile) + "-config.json";
}

namespace {

Status ReadScope(JsonFields& f, IdentityScope* out) {
  std::optional<std::string> s;
  UID2_RETURN_IF_ERROR(f.OptString("identity_scope", &s));
  if (!s) return Ok();
  if (*s == "uid2" || *s == "UID2") {
    *out = IdentityScope::kUid2;
  } else if (*s == "euid" || *s == "EUID") {
    *out = IdentityScope::kEuid;
  } else {
    return f.BadValue("identity_scope", "expected \"uid2\" or \"euid\"", *s);
  }
  return Ok();
}

Status ReadStores(JsonFields& f, OperatorConfig* c) {
  for (int i = 0; i < kStoreCount; i++) {
    std::string name(StoreName(static_cast<StoreId>(i)));
    std::optional<std::string> path;
    UID2_RETURN_IF_ERROR(f.OptString(name + "_metadata_path", &path));
    if (path) c->stores[i].metadata_path = *path;
    UID2_RETURN_IF_ERROR(
        f.Int64InRange(name + "_refresh_ms", 100, 86400000, &c->stores[i].refresh_ms));
  }
  std::optional<std::string> cek;
  UID2_RETURN_IF_ERROR(f.OptString("cloud_encryption_keys_metadata_path", &cek));
  if (cek) c->cloud_encryption_keys_metadata_path = *cek;
  return Ok();
}

Status ReadRuntime(JsonFields& f, RuntimeConfig* rc) {
  constexpr int64_t kMax = int64_t{10} * 365 * 86400;
  UID2_RETURN_IF_ERROR(f.Int64InRange("identity_token_expires_after_seconds", 1, kMax,
                                      &rc->identity_token_expires_after_seconds));
  UID2_RETURN_IF_ERROR(f.Int64InRange("refresh_token_expires_after_seconds", 1, kMax,
                                      &rc->refresh_token_expires_after_seconds));
  UID2_RETURN_IF_ERROR(f.Int64InRange("refresh_identity_token_after_seconds", 1, kMax,
                                      &rc->refresh_identity_token_after_seconds));
  UID2_RETURN_IF_ERROR(
      f.Int64InRange("sharing_token_expiry_seconds", 1, kMax, &rc->sharing_token_expiry_seconds));
  std::optional<int64_t> v;
  UID2_RETURN_IF_ERROR(f.OptInt64("max_bidstream_lifetime_seconds", &v));
  if (v) rc->max_bidstream_lifetime_seconds = v;
  v.reset();
  UID2_RETURN_IF_ERROR(f.OptInt64("max_sharing_lifetime_seconds", &v));
  if (v) rc->max_sharing_lifetime_seconds = v;
  std::optional<std::string> env;
  UID2_RETURN_IF_ERROR(f.OptString("identity_environment", &env));
  if (env) {
    auto parsed = ParseIdentityEnvironment(*env);
    if (!parsed) {
      return f.BadValue("identity_environment", "expected \"test\", \"integ\" or \"prod\"", *env);
    }
    rc->identity_environment = *parsed;
  }
  return Ok();
}

Status ReadService(JsonFields& f, OperatorConfig* c) {
  UID2_RETURN_IF_ERROR(f.String("http_listen_address", &c->listen_address));
  UID2_RETURN_IF_ERROR(f.IntInRange("port", 1, 65535, &c->port));
  UID2_RETURN_IF_ERROR(f.IntInRange("port_offset", 0, 60000, &c->port_offset));
  UID2_RETURN_IF_ERROR(f.IntInRange("prometheus_port", 1, 65535, &c->prometheus_port));
  UID2_RETURN_IF_ERROR(f.IntInRange("service_instances", 0, 1024, &c->service_instances));
  UID2_RETURN_IF_ERROR(f.Bool("service_verbose", &c->service_verbose));
  UID2_RETURN_IF_ERROR(
      f.Int64InRange("max_request_body_bytes", 1024, 64 << 20, &c->max_request_body_bytes));
  UID2_RETURN_IF_ERROR(
      f.Int64InRange("http_idle_timeout_ms", 100, 3600000, &c->http_idle_timeout_ms));
  UID2_RETURN_IF_ERROR(
      f.Int64InRange("http_read_timeout_ms", 100, 3600000, &c->http_read_timeout_ms));
  UID2_RETURN_IF_ERROR(f.String("static_js_dir", &c->static_js_dir));
  if (c->static_js_dir.empty()) return f.BadValue("static_js_dir", "must not be empty", "");
  return f.Bool("enable_async_batch_request", &c->enable_async_batch_request);
}

Status ReadIdentity(JsonFields& f, OperatorConfig* c) {
  UID2_RETURN_IF_ERROR(ReadScope(f, &c->identity_scope));
  UID2_RETURN_IF_ERROR(f.Bool("enable_v2_encryption", &c->enable_v2_encryption));
  UID2_RETURN_IF_ERROR(f.Bool("enable_phone_support", &c->enable_phone_support));
  UID2_RETURN_IF_ERROR(f.Bool("identity_v3", &c->identity_v3));
  UID2_RETURN_IF_ERROR(f.Bool("refresh_token_v3", &c->refresh_token_v3));
  UID2_RETURN_IF_ERROR(f.IntInRange("tcf_vendor_id", 0, 1 << 30, &c->tcf_vendor_id));
  UID2_RETURN_IF_ERROR(
      f.Int64InRange("allow_clock_skew_seconds", 0, 86400, &c->allow_clock_skew_seconds));
  UID2_RETURN_IF_ERROR(f.Bool("client_side_token_generate", &c->client_side_token_generate));
  UID2_RETURN_IF_ERROR(f.Bool("client_side_token_generate_domain_name_check_enabled",
                              &c->client_side_token_generate_domain_name_check_enabled));
  UID2_RETURN_IF_ERROR(f.Bool("client_side_token_generate_log_invalid_http_origins",
                              &c->client_side_token_generate_log_invalid_http_origins));
  UID2_RETURN_IF_ERROR(
      f.Bool("key_sharing_endpoint_provide_app_names", &c->key_sharing_endpoint_provide_app_names));
  UID2_RETURN_IF_ERROR(f.Bool("optout_status_api_enabled", &c->optout_status_api_enabled));
  UID2_RETURN_IF_ERROR(f.IntInRange("optout_status_max_request_size", 1, 1000000,
                                    &c->optout_status_max_request_size));
  return f.Bool("validate_service_links", &c->validate_service_links);
}

Status ReadCore(JsonFields& f, OperatorConfig* c) {
  UID2_RETURN_IF_ERROR(f.Bool("enable_remote_config", &c->enable_remote_config));
  UID2_RETURN_IF_ERROR(ReadRuntime(f, &c->runtime));
  UID2_RETURN_IF_ERROR(f.Bool("storage_mock", &c->storage_mock));
  UID2_RETURN_IF_ERROR(f.String("core_data_dir", &c->core_data_dir));
  UID2_RETURN_IF_ERROR(f.OptString("core_attest_url", &c->core_attest_url));
  UID2_RETURN_IF_ERROR(f.OptString("core_s3_bucket", &c->core_s3_bucket));
  std::optional<std::string> token;
  UID2_RETURN_IF_ERROR(f.OptString("core_api_token", &token));
  if (token) c->core_api_token = Secret(*token);
  UID2_RETURN_IF_ERROR(f.OptString("enclave_platform", &c->enclave_platform));
  UID2_RETURN_IF_ERROR(f.String("operator_type", &c->operator_type));
  if (c->operator_type != "public" && c->operator_type != "private") {
    return f.BadValue("operator_type", "expected \"public\" or \"private\"", c->operator_type);
  }
  UID2_RETURN_IF_ERROR(f.Bool("encrypted_files", &c->encrypted_files));
  UID2_RETURN_IF_ERROR(f.String("attestation_dir", &c->attestation_dir));
  UID2_RETURN_IF_ERROR(f.Int64InRange("attestation_failure_shutdown_hours", 0, 100000,
                                      &c->attestation_failure_shutdown_hours));
  UID2_RETURN_IF_ERROR(f.String("uid_instance_id_prefix", &c->uid_instance_id_prefix));
  UID2_RETURN_IF_ERROR(ReadStores(f, c));
  UID2_RETURN_IF_ERROR(
      f.Int64InRange("salts_expired_shutdown_hours", 0, 100000, &c->salts_expired_shutdown_hours));
  UID2_RETURN_IF_ERROR(f.Int64InRange("store_refresh_stale_shutdown_hours", 0, 100000,
                                      &c->store_refresh_stale_shutdown_hours));
  return f.Int64InRange("failure_shutdown_wait_hours", 0, 100000, &c->failure_shutdown_wait_hours);
}

Status ReadOptOut(JsonFields& f, OperatorConfig* c) {
  UID2_RETURN_IF_ERROR(f.String("optout_data_dir", &c->optout_data_dir));
  if (c->optout_data_dir.empty()) return f.BadValue("optout_data_dir", "must not be empty", "");
  UID2_RETURN_IF_ERROR(f.Int64InRange("optout_refresh_ms", 100, 86400000, &c->optout_refresh_ms));
  UID2_RETURN_IF_ERROR(f.OptString("optout_api_uri", &c->optout_api_uri));
  if (c->optout_api_uri && c->optout_api_uri->rfind("http://", 0) != 0 &&
      c->optout_api_uri->rfind("https://", 0) != 0) {
    return f.BadValue("optout_api_uri", "expected an http:// or https:// URL", *c->optout_api_uri);
  }
  std::optional<std::string> token;
  UID2_RETURN_IF_ERROR(f.OptString("optout_api_token", &token));
  if (token) c->optout_api_token = Secret(*token);
  UID2_RETURN_IF_ERROR(f.OptString("optout_metadata_path", &c->optout_metadata_path));
  UID2_RETURN_IF_ERROR(f.OptString("optout_s3_bucket", &c->optout_s3_bucket));
  UID2_RETURN_IF_ERROR(f.String("optout_s3_folder", &c->optout_s3_folder));
  UID2_RETURN_IF_ERROR(f.Bool("optout_s3_path_compat", &c->optout_s3_path_compat));
  UID2_RETURN_IF_ERROR(f.Bool("optout_inmem_cache", &c->optout_inmem_cache));
  UID2_RETURN_IF_ERROR(f.Bool("optout_synthetic_logs_enabled", &c->optout_synthetic_logs_enabled));
  constexpr int64_t kBig = int64_t{1} << 40;
  struct {
    const char* key;
    int64_t* field;
  } ints[] = {
      {"optout_bloom_filter_size", &c->optout_bloom_filter_size},
      {"optout_delta_rotate_interval", &c->optout_delta_rotate_interval},
      {"optout_delta_backtrack_in_days", &c->optout_delta_backtrack_in_days},
      {"optout_partition_interval", &c->optout_partition_interval},
      {"optout_max_partitions", &c->optout_max_partitions},
      {"optout_heap_default_capacity", &c->optout_heap_default_capacity},
      {"cloud_download_threads", &c->cloud_download_threads},
      {"cloud_upload_threads", &c->cloud_upload_threads},
      {"cloud_refresh_interval", &c->cloud_refresh_interval},
  };
  for (auto& i : ints) UID2_RETURN_IF_ERROR(f.Int64InRange(i.key, 0, kBig, i.field));
  return Ok();
}

Status Validate(const OperatorConfig& c) {
  if (c.HttpPort() > 65535) {
    return Error::Invalid("port + port_offset = " + std::to_string(c.HttpPort()) +
                          " is above 65535");
  }
  if (!c.enable_remote_config) {
    UID2_RETURN_IF_ERROR(ValidateRuntimeConfig(c.runtime));
  }
  for (StoreId required :
       {StoreId::kClients, StoreId::kKeysets, StoreId::kKeysetKeys, StoreId::kSalts}) {
    if (c.store(required).metadata_path.empty()) {
      return Error::Invalid("key '" + std::string(StoreName(required)) +
                            "_metadata_path' is required");
    }
  }
  if (c.core_attest_url && c.core_attest_url->rfind("http://", 0) != 0 &&
      c.core_attest_url->rfind("https://", 0) != 0) {
    return Error::Invalid("key 'core_attest_url': expected an http:// or https:// URL, got \"" +
                          *c.core_attest_url + "\"");
  }
  if (c.core_attest_url && c.encrypted_files && c.cloud_encryption_keys_metadata_path.empty()) {
    return Error::Invalid(
        "key 'cloud_encryption_keys_metadata_path' is required when core_attest_url is set and "
        "encrypted_files is true (the keys that open the core's files)");
  }
  if (c.enable_remote_config && c.store(StoreId::kRuntimeConfig).metadata_path.empty()) {
    return Error::Invalid(
        "key 'runtime_config_metadata_path' is required when enable_remote_config is true");
  }
  return Ok();
}

}  // namespace

Result<OperatorConfig> ParseOperatorConfig(std::string_view json, std::string_view source) {
  auto doc = ParseJson(json);
  if (!doc.ok()) return std::move(doc).error().Context(source);
  if (!doc->IsObject()) return Error::Invalid("expected a JSON object").Context(source);
  OperatorConfig c;
  c.source_file = std::string(source);
  JsonFields f(*doc, "key");
  Status st = ReadService(f, &c);
  if (st.ok()) st = ReadIdentity(f, &c);
  if (st.ok()) st = ReadCore(f, &c);
  if (st.ok()) st = ReadOptOut(f, &c);
  if (st.ok()) st = Validate(c);
  if (!st.ok()) return std::move(st).error().Context(source);
  c.unknown_keys = f.UnreadKeys();
  return c;
}

Status ApplyEnvironment(OperatorConfig* config) {
  if (const char* v = std::getenv("core_api_token"); v && *v) config->core_api_token = Secret(v);
  if (const char* v = std::getenv("optout_api_token"); v && *v) {
    config->optout_api_token = Secret(v);
  }
  if (const char* v = std::getenv("port_offset"); v && *v) {
    char* end = nullptr;
    long n = std::strtol(v, &end, 10);
    if (*end != '\0' || n < 0 || n > 60000) {
      return Error::Invalid(
          "environment variable port_offset: expected an integer in [0, 60000], "
          "got \"" +
          std::string(v) + "\"");
    }
    config->port_offset = static_cast<int>(n);
    if (config->HttpPort() > 65535) {
      return Error::Invalid("port + port_offset = " + std::to_string(config->HttpPort()) +
                            " is above 65535");
    }
  }
  return Ok();
}

Result<OperatorConfig> LoadOperatorConfigFile(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return Error::NotFound(path + ": config file not found (current directory: " +
                           std::filesystem::current_path(ec).string() + ")");
  }
  UID2_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  UID2_ASSIGN_OR_RETURN(OperatorConfig config, ParseOperatorConfig(text, path));
  UID2_RETURN_IF_ERROR(ApplyEnvironment(&config));
  return config;
}

Result<OperatorConfig> LoadOperatorConfigProfile(std::string_view profile) {
  bool ok = !profile.empty();
  for (char ch : profile) {
    ok = ok && (std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '-');
  }
  if (!ok) {
    return Error::Invalid("profile name \"" + std::string(profile) +
                          "\" is invalid: use letters, digits, '_' or '-' (e.g. local, integ, "
                          "prod)");
  }
  return LoadOperatorConfigFile(ProfilePath(profile));
}

}  // namespace uid2::store
