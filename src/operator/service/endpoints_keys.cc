// Key endpoints (spec §1.1): /v2/key/sharing, /v2/key/bidstream, /v2/key/latest.
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <set>

#include "operator/service/endpoints.h"

namespace uid2::service {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

namespace {

void WriteString(JsonWriter* w, std::string_view s) {
  w->String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

void WriteKey(JsonWriter* w, const store::AccessibleKey& k, bool with_site_id) {
  w->StartObject();
  w->Key("id");
  w->Int(k.key->id);
  w->Key("created");
  w->Int64(k.key->created);
  w->Key("activates");
  w->Int64(k.key->activates);
  w->Key("expires");
  w->Int64(k.key->expires);
  w->Key("secret");
  WriteString(w, k.key->secret_b64);
  if (k.keyset_id) {
    w->Key("keyset_id");
    w->Int(*k.keyset_id);
  }
  if (with_site_id) {
    w->Key("site_id");
    w->Int(k.keyset_site_id);
  }
  w->EndObject();
}

// site_data: the sites owning the returned keys, with their domains (and app names).
void WriteSiteData(JsonWriter* w, const store::Snapshot& snap,
                   const std::vector<store::AccessibleKey>& keys, bool app_names) {
  std::set<int32_t> sites;
  for (const auto& k : keys) {
    if (k.keyset_site_id > 0) sites.insert(k.keyset_site_id);
  }
  w->Key("site_data");
  w->StartArray();
  for (int32_t id : sites) {
    const store::Site* site = snap.FindSite(id);
    if (site == nullptr) continue;
    bool has_apps = app_names && !site->app_names.empty();
    if (site->domain_names.empty() && !has_apps) continue;
    w->StartObject();
    w->Key("id");
    w->Int(id);
    w->Key("domain_names");
    w->StartArray();
    for (const std::string& d : site->domain_names) WriteString(w, d);
    w->EndArray();
    if (app_names) {
      w->Key("app_names");
      w->StartArray();
      for (const std::string& a : site->app_names) WriteString(w, a);
      w->EndArray();
    }
    w->EndObject();
  }
  w->EndArray();
}

std::string_view ScopeName(operator_identity::IdentityScope s) {
  return s == operator_identity::IdentityScope::kEuid ? "EUID" : "UID2";
}

}  // namespace

Reply Endpoints::KeySharing(const Call& c) {
  const store::ClientKey& client = *c.client;
  auto keys = c.snap.AccessibleKeys(client.site_id, client.roles, store::KeyEndpoint::kSharing);
  auto default_keyset = c.snap.DefaultKeyset(client.site_id);
  const store::RuntimeConfig& rc = c.snap.runtime_config();
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  w.Key("caller_site_id");
  w.Int(client.site_id);
  w.Key("master_keyset_id");
  w.Int(store::kMasterKeysetIdForSdks);
  if (default_keyset.ok() && *default_keyset != nullptr) {
    w.Key("default_keyset_id");
    w.Int((*default_keyset)->keyset_id);
  }
  w.Key("token_expiry_seconds");
  WriteString(&w, std::to_string(rc.sharing_token_expiry_seconds));
  if (client.HasAnyRole(store::kRoleSharer)) {
    w.Key("max_sharing_lifetime_seconds");
    w.Int64(rc.SharingLifetimeSeconds());
  }
  w.Key("identity_scope");
  WriteString(&w, ScopeName(scope_));
  w.Key("allow_clock_skew_seconds");
  w.Int64(config_.allow_clock_skew_seconds);
  w.Key("keys");
  w.StartArray();
  for (const auto& k : keys) WriteKey(&w, k, false);
  w.EndArray();
  if (config_.client_side_token_generate) {
    WriteSiteData(&w, c.snap, keys, config_.key_sharing_endpoint_provide_app_names);
  }
  w.EndObject();
  return Reply::Success(std::string(buf.GetString(), buf.GetSize()));
}

Reply Endpoints::KeyBidstream(const Call& c) {
  const store::ClientKey& client = *c.client;
  auto keys = c.snap.AccessibleKeys(client.site_id, client.roles, store::KeyEndpoint::kBidstream);
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  w.Key("max_bidstream_lifetime_seconds");
  w.Int64(c.snap.runtime_config().BidstreamLifetimeSeconds());
  w.Key("identity_scope");
  WriteString(&w, ScopeName(scope_));
  w.Key("allow_clock_skew_seconds");
  w.Int64(config_.allow_clock_skew_seconds);
  w.Key("keys");
  w.StartArray();
  for (const auto& k : keys) WriteKey(&w, k, false);
  w.EndArray();
  WriteSiteData(&w, c.snap, keys, config_.key_sharing_endpoint_provide_app_names);
  w.EndObject();
  return Reply::Success(std::string(buf.GetString(), buf.GetSize()));
}

Reply Endpoints::KeyLatest(const Call& c) {
  const store::ClientKey& client = *c.client;
  if (client.site_id <= 2) {
    return Reply::Error(401, "invalid_client",
                        "Unexpected client site id " + std::to_string(client.site_id));
  }
  auto keys = c.snap.AccessibleKeys(client.site_id, client.roles, store::KeyEndpoint::kBidstream);
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartArray();
  for (const auto& k : keys) WriteKey(&w, k, true);
  w.EndArray();
  return Reply::Success(std::string(buf.GetString(), buf.GetSize()));
}

}  // namespace uid2::service
