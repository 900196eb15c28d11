#include "operator/store/core_stores.h"

#include <algorithm>
#include <utility>

#include "common/encoding.h"
#include "common/json.h"
#include "operator/store/json_fields.h"

namespace uid2::store {

std::string_view StoreContentKey(StoreId id) {
  switch (id) {
    case StoreId::kClients:
      return "client_keys";
    case StoreId::kKeysets:
      return "keysets";
    case StoreId::kKeysetKeys:
      return "keyset_keys";
    case StoreId::kSalts:
      return "salts";
    case StoreId::kSites:
      return "sites";
    case StoreId::kClientSideKeypairs:
      return "client_side_keypairs";
    case StoreId::kServices:
      return "services";
    case StoreId::kServiceLinks:
      return "service_links";
    case StoreId::kRuntimeConfig:
      return "runtime_config";
  }
  return "";
}

Result<StoreMetadata> ParseStoreMetadata(StoreId id, std::string_view json) {
  UID2_ASSIGN_OR_RETURN(rapidjson::Document doc, ParseJson(json));
  if (!doc.IsObject()) return Error::Invalid("metadata: expected a JSON object");
  StoreMetadata m;
  JsonFields f(doc, "field");
  UID2_RETURN_IF_ERROR(f.ReqInt64("version", &m.version));
  UID2_RETURN_IF_ERROR(f.Int64InRange("generated", INT64_MIN, INT64_MAX, &m.generated));
  if (id == StoreId::kRuntimeConfig) return m;
  std::string key(StoreContentKey(id));
  const rapidjson::Value* content = f.Find(key);
  if (!content || !content->IsObject()) {
    return Error::Invalid("field '" + key + "': expected an object with a \"location\"");
  }
  JsonFields cf(*content, "field");
  Status st = cf.ReqString("location", &m.location);
  if (!st.ok()) return std::move(st).error().Context(key);
  return m;
}

namespace {

// ParseArray parses a JSON array and calls parse(JsonFields&, T*) for each object element.
template <typename T, typename Fn>
Result<std::vector<T>> ParseArray(std::string_view json, Fn parse) {
  UID2_ASSIGN_OR_RETURN(rapidjson::Document doc, ParseJson(json));
  if (!doc.IsArray()) return Error::Invalid("expected a JSON array");
  std::vector<T> out;
  out.reserve(doc.Size());
  for (rapidjson::SizeType i = 0; i < doc.Size(); i++) {
    std::string where = "record " + std::to_string(i);
    if (!doc[i].IsObject()) return Error::Invalid("expected an object").Context(where);
    JsonFields f(doc[i], "field");
    T record;
    Status st = parse(f, &record);
    if (!st.ok()) return std::move(st).error().Context(where);
    out.push_back(std::move(record));
  }
  return out;
}

Status ReqBase64(JsonFields& f, std::string_view name, Bytes* out, std::string* text = nullptr) {
  std::string s;
  UID2_RETURN_IF_ERROR(f.ReqString(name, &s));
  auto decoded = Base64Decode(s, Base64Alphabet::kStandard, Base64Mode::kLenient);
  if (!decoded) return f.BadValue(name, "expected base64", "a non-base64 string");
  *out = std::move(*decoded);
  if (text) *text = std::move(s);
  return Ok();
}

Status Roles(JsonFields& f, std::string_view name, RoleMask* out) {
  std::vector<std::string> names;
  UID2_RETURN_IF_ERROR(f.StringArray(name, &names));
  *out = 0;
  for (const auto& n : names) *out |= ParseRole(n);  // unknown roles are ignored (spec §4.2)
  return Ok();
}

Status ParseClient(JsonFields& f, ClientKey* c) {
  UID2_RETURN_IF_ERROR(ReqBase64(f, "key_hash", &c->key_hash));
  if (c->key_hash.size() != 64) return f.BadValue("key_hash", "expected 64 bytes", "another size");
  UID2_RETURN_IF_ERROR(ReqBase64(f, "key_salt", &c->key_salt));
  UID2_RETURN_IF_ERROR(ReqBase64(f, "secret", &c->secret));
  if (c->secret.size() != 32) return f.BadValue("secret", "expected 32 bytes", "another size");
  UID2_RETURN_IF_ERROR(f.String("key_id", &c->key_id));
  UID2_RETURN_IF_ERROR(f.String("name", &c->name));
  UID2_RETURN_IF_ERROR(f.String("contact", &c->contact));
  UID2_RETURN_IF_ERROR(f.Int64InRange("created", INT64_MIN, INT64_MAX, &c->created));
  UID2_RETURN_IF_ERROR(Roles(f, "roles", &c->roles));
  UID2_RETURN_IF_ERROR(f.ReqInt32("site_id", &c->site_id));
  UID2_RETURN_IF_ERROR(f.Bool("disabled", &c->disabled));
  return f.OptInt32("service_id", &c->service_id);
}

Status ParseKeyset(JsonFields& f, Keyset* k) {
  UID2_RETURN_IF_ERROR(f.ReqInt32("keyset_id", &k->keyset_id));
  UID2_RETURN_IF_ERROR(f.ReqInt32("site_id", &k->site_id));
  UID2_RETURN_IF_ERROR(f.String("name", &k->name));
  UID2_RETURN_IF_ERROR(f.Int64InRange("created", INT64_MIN, INT64_MAX, &k->created));
  UID2_RETURN_IF_ERROR(f.ReqBool("enabled", &k->enabled));
  UID2_RETURN_IF_ERROR(f.ReqBool("default", &k->is_default));
  const rapidjson::Value* allowed = f.Find("allowed_sites");
  if (allowed && !allowed->IsNull()) {
    if (!allowed->IsArray())
      return f.BadType("allowed_sites", "expected null or an array", *allowed);
    std::vector<int32_t> sites;
    for (const auto& s : allowed->GetArray()) {
      if (!s.IsInt()) return f.BadType("allowed_sites", "expected integers", *allowed);
      sites.push_back(s.GetInt());
    }
    k->allowed_sites = std::move(sites);
  }
  return Ok();
}

Status ParseKey(JsonFields& f, KeysetKey* k) {
  UID2_RETURN_IF_ERROR(f.ReqInt32("id", &k->id));
  UID2_RETURN_IF_ERROR(f.ReqInt32("keyset_id", &k->keyset_id));
  UID2_RETURN_IF_ERROR(f.ReqInt64("created", &k->created));
  UID2_RETURN_IF_ERROR(f.ReqInt64("activates", &k->activates));
  UID2_RETURN_IF_ERROR(f.ReqInt64("expires", &k->expires));
  UID2_RETURN_IF_ERROR(ReqBase64(f, "secret", &k->secret, &k->secret_b64));
  if (k->secret.size() != 32) return f.BadValue("secret", "expected 32 bytes", "another size");
  return Ok();
}

Status ParseSite(JsonFields& f, Site* s) {
  UID2_RETURN_IF_ERROR(f.ReqInt32("id", &s->id));
  UID2_RETURN_IF_ERROR(f.String("name", &s->name));
  UID2_RETURN_IF_ERROR(f.ReqBool("enabled", &s->enabled));
  UID2_RETURN_IF_ERROR(f.StringArray("domain_names", &s->domain_names));
  UID2_RETURN_IF_ERROR(f.StringArray("app_names", &s->app_names));
  std::sort(s->domain_names.begin(), s->domain_names.end());
  std::sort(s->app_names.begin(), s->app_names.end());
  return Ok();
}

constexpr size_t kKeypairPrefixLength = 9;  // "UID2-X-L-" / "UID2-Y-L-" (spec §2.4)

Bytes DecodePrefixed(const std::string& s) {
  if (s.size() <= kKeypairPrefixLength) return {};
  auto d = Base64Decode(std::string_view(s).substr(kKeypairPrefixLength), Base64Alphabet::kStandard,
                        Base64Mode::kLenient);
  return d ? std::move(*d) : Bytes{};
}

Status ParseKeypair(JsonFields& f, ClientSideKeypair* k) {
  UID2_RETURN_IF_ERROR(f.ReqString("subscription_id", &k->subscription_id));
  UID2_RETURN_IF_ERROR(f.ReqString("public_key", &k->public_key));
  UID2_RETURN_IF_ERROR(f.ReqString("private_key", &k->private_key));
  UID2_RETURN_IF_ERROR(f.ReqInt32("site_id", &k->site_id));
  UID2_RETURN_IF_ERROR(f.Int64InRange("created", INT64_MIN, INT64_MAX, &k->created));
  UID2_RETURN_IF_ERROR(f.Bool("disabled", &k->disabled));
  f.Find("contact");  // personal data; not kept
  k->public_key_der = DecodePrefixed(k->public_key);
  k->private_key_der = DecodePrefixed(k->private_key);
  if (k->public_key_der.empty()) return f.BadValue("public_key", "expected UID2-X-L-<base64>", "?");
  if (k->private_key_der.empty()) {
    return f.BadValue("private_key", "expected UID2-Y-L-<base64>", "[redacted]");
  }
  return Ok();
}

Status ParseService(JsonFields& f, Service* s) {
  UID2_RETURN_IF_ERROR(f.ReqInt32("service_id", &s->service_id));
  UID2_RETURN_IF_ERROR(f.ReqInt32("site_id", &s->site_id));
  UID2_RETURN_IF_ERROR(f.String("name", &s->name));
  return Roles(f, "roles", &s->roles);
}

Status ParseServiceLink(JsonFields& f, ServiceLink* l) {
  UID2_RETURN_IF_ERROR(f.ReqString("link_id", &l->link_id));
  UID2_RETURN_IF_ERROR(f.ReqInt32("service_id", &l->service_id));
  UID2_RETURN_IF_ERROR(f.ReqInt32("site_id", &l->site_id));
  UID2_RETURN_IF_ERROR(f.String("name", &l->name));
  UID2_RETURN_IF_ERROR(Roles(f, "roles", &l->roles));
  return f.Bool("disabled", &l->disabled);
}

}  // namespace

Result<std::vector<ClientKey>> ParseClients(std::string_view json) {
  return ParseArray<ClientKey>(json, ParseClient);
}
Result<std::vector<Keyset>> ParseKeysets(std::string_view json) {
  return ParseArray<Keyset>(json, ParseKeyset);
}
Result<std::vector<KeysetKey>> ParseKeysetKeys(std::string_view json) {
  return ParseArray<KeysetKey>(json, ParseKey);
}
Result<std::vector<Site>> ParseSites(std::string_view json) {
  return ParseArray<Site>(json, ParseSite);
}
Result<std::vector<ClientSideKeypair>> ParseClientSideKeypairs(std::string_view json) {
  return ParseArray<ClientSideKeypair>(json, ParseKeypair);
}
Result<std::vector<Service>> ParseServices(std::string_view json) {
  return ParseArray<Service>(json, ParseService);
}
Result<std::vector<ServiceLink>> ParseServiceLinks(std::string_view json) {
  return ParseArray<ServiceLink>(json, ParseServiceLink);
}

Result<RuntimeConfig> ParseRuntimeConfigMetadata(std::string_view json) {
  UID2_ASSIGN_OR_RETURN(rapidjson::Document doc, ParseJson(json));
  if (!doc.IsObject()) return Error::Invalid("metadata: expected a JSON object");
  JsonFields top(doc, "field");
  const rapidjson::Value* rc_value = top.Find("runtime_config");
  if (!rc_value || !rc_value->IsObject()) {
    return Error::Invalid("field 'runtime_config': expected an object");
  }
  JsonFields f(*rc_value, "field");
  RuntimeConfig rc;
  UID2_RETURN_IF_ERROR(
      f.ReqInt64("identity_token_expires_after_seconds", &rc.identity_token_expires_after_seconds));
  UID2_RETURN_IF_ERROR(
      f.ReqInt64("refresh_token_expires_after_seconds", &rc.refresh_token_expires_after_seconds));
  UID2_RETURN_IF_ERROR(
      f.ReqInt64("refresh_identity_token_after_seconds", &rc.refresh_identity_token_after_seconds));
  UID2_RETURN_IF_ERROR(
      f.ReqInt64("sharing_token_expiry_seconds", &rc.sharing_token_expiry_seconds));
  std::string env = "test";
  UID2_RETURN_IF_ERROR(f.String("identity_environment", &env));
  auto parsed = ParseIdentityEnvironment(env);
  if (!parsed) return f.BadValue("identity_environment", "expected test, integ or prod", env);
  rc.identity_environment = *parsed;
  std::optional<int64_t> v;
  UID2_RETURN_IF_ERROR(f.OptInt64("max_bidstream_lifetime_seconds", &v));
  rc.max_bidstream_lifetime_seconds = v;
  v.reset();
  UID2_RETURN_IF_ERROR(f.OptInt64("max_sharing_lifetime_seconds", &v));
  rc.max_sharing_lifetime_seconds = v;
  Status st = ValidateRuntimeConfig(rc);
  if (!st.ok()) return std::move(st).error().Context("runtime_config");
  return rc;
}

}  // namespace uid2::store
