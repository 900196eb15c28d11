// Token endpoints (spec §1, §2.3, §2.4, §3.4-§3.6): generate, refresh, validate, logout and
// client-side generate.
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <set>

#include "common/log.h"
#include "operator/identity/tcf.h"
#include "operator/service/endpoints.h"

namespace uid2::service {

namespace oi = operator_identity;
using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

namespace {

// Tokens established before 2021-03-08T17:00Z are answered with optout (spec §3.5).
constexpr int64_t kRefreshCutoffMs = 1615222800000;

oi::IdentityScope ScopeOf(store::IdentityScope s) {
  return s == store::IdentityScope::kEuid ? oi::IdentityScope::kEuid : oi::IdentityScope::kUid2;
}

// SpecialByFirstLevel classifies a first-level hash (refresh only has that) against the
// special identities of `type`, hashed with the current first-level salt.
oi::SpecialIdentity SpecialByFirstLevel(oi::IdentityType type, const oi::Sha256Value& fl,
                                        std::string_view first_level_salt) {
  struct Cache {
    std::string salt;
    oi::Sha256Value values[2][3];
  };
  thread_local Cache cache;
  static constexpr std::string_view kValues[2][3] = {
      {"optout@example.com", "refresh-optout@example.com", "validate@example.com"},
      {"+00000000000", "+00000000002", "+12345678901"}};
  if (cache.salt != first_level_salt || cache.salt.empty()) {
    cache.salt = std::string(first_level_salt);
    for (int t = 0; t < 2; ++t) {
      for (int i = 0; i < 3; ++i) {
        cache.values[t][i] = oi::FirstLevelHash(oi::HashIdentity(kValues[t][i]), first_level_salt);
      }
    }
  }
  int t = type == oi::IdentityType::kPhone ? 1 : 0;
  if (fl == cache.values[t][0]) return oi::SpecialIdentity::kAlwaysOptedOut;
  if (fl == cache.values[t][1]) return oi::SpecialIdentity::kRefreshOptedOut;
  if (fl == cache.values[t][2]) return oi::SpecialIdentity::kNeverOptedOut;
  return oi::SpecialIdentity::kNone;
}

enum class ConsentCheck { kSufficient, kInsufficient, kInvalid };

// CheckEuidConsent applies the EUID TCF rule (tcf.h) to the optional tcf_consent_string. As in
// the reference, only a present key is checked; a null, empty, non-string or undecodable value
// is invalid.
ConsentCheck CheckEuidConsent(const rapidjson::Value* payload, int vendor_id) {
  if (payload == nullptr) return ConsentCheck::kSufficient;
  auto it = payload->FindMember("tcf_consent_string");
  if (it == payload->MemberEnd()) return ConsentCheck::kSufficient;
  if (!it->value.IsString() || it->value.GetStringLength() == 0) return ConsentCheck::kInvalid;
  auto tc = oi::DecodeTcString({it->value.GetString(), it->value.GetStringLength()});
  if (!tc.ok()) return ConsentCheck::kInvalid;
  return oi::EvaluateEuidConsent(*tc, vendor_id) == oi::TcfConsent::kSufficient
             ? ConsentCheck::kSufficient
             : ConsentCheck::kInsufficient;
}

}  // namespace

Endpoints::Endpoints(const store::OperatorConfig& config, store::OptOutStore* optout,
                     ServiceMetrics* metrics)
    : config_(config), optout_(optout), metrics_(metrics), scope_(ScopeOf(config.identity_scope)) {
  if (!config.optout_api_uri) return;
  auto remote = RemoteOptOut::Create(*config.optout_api_uri, config.core_api_token,
                                     config.uid_instance_id_prefix);
  if (remote.ok()) {
    remote_optout_ = std::move(remote).value();
  } else {  // the config loader refuses such a URI; this is for configs built in code
    log::Error("optout_api_uri_invalid", {{"error", remote.error().message()}});
  }
}

bool Endpoints::OptedOut(const oi::Sha256Value& first_level) const {
  return optout_->Current()->IsOptedOut(first_level);
}

Reply Endpoints::Issue(const store::Snapshot& snap, oi::IdentityType type,
                       const oi::Sha256Value& first_level, int32_t site_id, int32_t privacy_bits,
                       int64_t established_ms, int64_t now_ms, std::string_view endpoint) {
  int64_t now_s = now_ms / 1000;
  auto master = snap.MasterKey(now_s);
  auto refresh = snap.RefreshKey(now_s);
  if (!master.ok() || !refresh.ok()) {
    log::Error("no_active_key", {{"endpoint", endpoint}, {"master", master.ok()}});
    return Reply::Unknown("No active encryption key available");
  }
  auto site_key = snap.SiteKey(site_id, now_s);
  if (!site_key.ok()) {
    log::Error("no_site_key", {{"endpoint", endpoint}, {"site_id", site_id}});
    return Reply::Unknown("No active encryption key available");
  }
  auto mapped = MapFirstLevel(snap, first_level, scope_, type, config_.identity_v3, false, now_ms);
  if (!mapped.ok()) {
    log::Error("salt_bucket_unusable", {{"endpoint", endpoint}});
    return Reply::Unknown("Unable to map identity");
  }
  metrics_->RawUidVersion(mapped->version);
  const store::RuntimeConfig& rc = snap.runtime_config();

  oi::AdvertisingToken at;
  at.version = 4;
  at.scope = scope_;
  at.type = type;
  at.expires_ms = now_ms + rc.identity_token_expires_after_seconds * 1000;
  at.created_ms = now_ms;
  at.publisher.site_id = site_id;
  at.privacy_bits = privacy_bits;
  at.established_ms = established_ms;
  at.refreshed_ms = now_ms;
  at.raw_uid.assign(mapped->current.span().begin(), mapped->current.span().end());
  auto ad = oi::EncodeAdvertisingToken(at, TokenKeyOf(**master), TokenKeyOf(**site_key));

  oi::RefreshToken rt;
  rt.scope = scope_;
  rt.type = type;
  rt.expires_ms = now_ms + rc.refresh_token_expires_after_seconds * 1000;
  rt.created_ms = now_ms;
  rt.publisher.site_id = site_id;
  rt.privacy_bits = privacy_bits;
  rt.established_ms = established_ms;
  rt.first_level_hash = first_level;
  oi::TokenKey refresh_key = TokenKeyOf(**refresh);
  auto inner = oi::EncodeRefreshToken(rt, refresh_key);
  if (!ad.ok() || !inner.ok()) {
    log::Error("token_encode_failed", {{"endpoint", endpoint}});
    return Reply::Unknown("Unable to generate token");
  }
  auto wrapped = oi::WrapRefreshToken(*inner, scope_, refresh_key);
  if (!wrapped.ok()) {
    log::Error("token_wrap_failed", {{"endpoint", endpoint}});
    return Reply::Unknown("Unable to generate token");
  }

  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  w.Key("advertising_token");
  w.String(ad->data(), static_cast<rapidjson::SizeType>(ad->size()));
  w.Key("refresh_token");
  w.String(wrapped->token.data(), static_cast<rapidjson::SizeType>(wrapped->token.size()));
  w.Key("identity_expires");
  w.Int64(at.expires_ms);
  w.Key("refresh_expires");
  w.Int64(rt.expires_ms);
  w.Key("refresh_from");
  w.Int64(now_ms + rc.refresh_identity_token_after_seconds * 1000);
  w.Key("refresh_response_key");
  w.String(wrapped->refresh_response_key_b64.data(),
           static_cast<rapidjson::SizeType>(wrapped->refresh_response_key_b64.size()));
  w.EndObject();
  metrics_->TokenResponse(site_id, endpoint, "success");
  metrics_->RefreshServed(site_id);
  return Reply::Success(std::string(buf.GetString(), buf.GetSize()));
}

Reply Endpoints::TokenGenerate(const Call& c) {
  int32_t site = c.client->site_id;
  auto in = ParseSingleIdentity(c.payload, config_.enable_phone_support);
  if (!in.ok()) {
    metrics_->TokenResponse(site, "generate", "invalid_input");
    return Reply::ClientError(in.error().message());
  }
  if (scope_ == oi::IdentityScope::kEuid) {
    ConsentCheck consent = CheckEuidConsent(c.payload, config_.tcf_vendor_id);
    if (consent == ConsentCheck::kInvalid) {
      metrics_->TokenResponse(site, "generate", "invalid_user_consent_string");
      return Reply::ClientError("User consent is invalid");
    }
    if (consent == ConsentCheck::kInsufficient) {
      metrics_->TokenResponse(site, "generate", "insufficient_user_consent");
      return Reply::StatusOnly("insufficient_user_consent");
    }
  }
  oi::IdentityType type = oi::TypeOfInput(in->kind);
  oi::SpecialIdentity special = oi::ClassifySpecialIdentity(type, in->bytes);
  oi::Sha256Value fl = oi::FirstLevelHash(in->bytes, c.snap.first_level_salt());
  bool opted_out = special == oi::SpecialIdentity::kAlwaysOptedOut ||
                   (special != oi::SpecialIdentity::kNeverOptedOut && OptedOut(fl));
  if (opted_out) {
    metrics_->TokenResponse(site, "generate", "optout");
    return Reply::StatusOnly("optout");
  }
  return Issue(c.snap, type, fl, site, oi::kPrivacyBitsGenerate, c.now_ms, c.now_ms, "generate");
}

Reply Endpoints::TokenRefresh(const Call& c, std::string_view inner_token) {
  auto token = oi::DecodeRefreshToken(inner_token, KeyLookupFor(c.snap));
  if (!token.ok() || token->scope != scope_) {
    metrics_->TokenResponse(0, "refresh", "invalid_token");
    return Reply::Error(400, "invalid_token", "Invalid Token presented");
  }
  int32_t site = token->publisher.site_id;
  metrics_->RefreshReceived(site);
  if (token->established_ms < kRefreshCutoffMs) {
    metrics_->TokenResponse(site, "refresh", "optout");
    return Reply::StatusOnly("optout");
  }
  if (token->expires_ms < c.now_ms) {
    metrics_->TokenResponse(site, "refresh", "expired_token");
    return Reply::Error(400, "expired_token", "Expired Token presented");
  }
  oi::SpecialIdentity special =
      SpecialByFirstLevel(token->type, token->first_level_hash, c.snap.first_level_salt());
  bool opted_out =
      special == oi::SpecialIdentity::kAlwaysOptedOut ||
      special == oi::SpecialIdentity::kRefreshOptedOut ||
      (special != oi::SpecialIdentity::kNeverOptedOut && OptedOut(token->first_level_hash));
  if (opted_out) {
    metrics_->TokenResponse(site, "refresh", "optout");
    return Reply::StatusOnly("optout");
  }
  metrics_->RefreshDuration(site, static_cast<double>(c.now_ms - token->created_ms) / 1000.0);
  return Issue(c.snap, token->type, token->first_level_hash, site, token->privacy_bits,
               token->established_ms, c.now_ms, "refresh");
}

Reply Endpoints::TokenValidate(const Call& c) {
  int32_t site = c.client->site_id;
  auto in = ParseSingleIdentity(c.payload, config_.enable_phone_support);
  if (!in.ok()) return Reply::ClientError(in.error().message());
  oi::IdentityType type = oi::TypeOfInput(in->kind);
  if (!(in->bytes == oi::ValidateIdentityBytes(type))) {
    metrics_->TokenValidate(site, false);
    return Reply::Success("false");
  }
  std::string_view token_text;
  auto it = c.payload->FindMember("token");
  if (it != c.payload->MemberEnd() && it->value.IsString()) {
    token_text = {it->value.GetString(), it->value.GetStringLength()};
  }
  auto token = oi::DecodeAdvertisingToken(token_text, KeyLookupFor(c.snap));
  if (!token.ok()) return Reply::ClientError("Invalid token");
  const store::KeysetKey* site_key = c.snap.FindKey(token->site_key_id);
  const store::Keyset* keyset = site_key ? c.snap.FindKeyset(site_key->keyset_id) : nullptr;
  if (keyset == nullptr || keyset->site_id != site) {
    return Reply::ClientError("Unauthorised to validate token");
  }
  oi::Sha256Value fl = oi::FirstLevelHash(in->bytes, c.snap.first_level_salt());
  auto mapped = MapFirstLevel(c.snap, fl, scope_, type, config_.identity_v3, false, c.now_ms);
  bool match =
      mapped.ok() && token->raw_uid.size() == mapped->current.size &&
      std::equal(token->raw_uid.begin(), token->raw_uid.end(), mapped->current.data.begin());
  metrics_->TokenValidate(site, match);
  return Reply::Success(match ? "true" : "false");
}

Status Endpoints::SendRemoteOptOut(const IdentityInput& in, const oi::Sha256Value& fl,
                                   ByteSpan raw_uid) const {
  if (!remote_optout_) return Error::Invalid("optout_api_uri is not a usable http(s) URL");
  OptOutRequest r{fl, raw_uid, std::nullopt, std::nullopt};
  if (in.kind == oi::InputKind::kEmail) r.email = std::string(in.text);
  if (in.kind == oi::InputKind::kPhone) r.phone = std::string(in.text);
  return remote_optout_->Send(r);
}

Reply Endpoints::TokenLogout(const Call& c) {
  auto in = ParseSingleIdentity(c.payload, config_.enable_phone_support);
  if (!in.ok()) return Reply::ClientError(in.error().message());
  oi::IdentityType type = oi::TypeOfInput(in->kind);
  oi::Sha256Value fl = oi::FirstLevelHash(in->bytes, c.snap.first_level_salt());
  auto mapped = MapFirstLevel(c.snap, fl, scope_, type, config_.identity_v3, false, c.now_ms);
  if (!mapped.ok()) return Reply::Unknown("Unable to map identity");
  Status s = config_.optout_api_uri
                 ? SendRemoteOptOut(*in, fl, mapped->current.span())
                 : optout_->AppendLogout(fl, mapped->current.span(), c.now_ms / 1000);
  if (!s.ok()) {
    log::Error("logout_write_failed", {{"error", s.error().message()}});
    return Reply::Unknown("Opt-out request failed");
  }
  log::Info("logout_recorded", {{"site_id", c.client->site_id}});
  return Reply::Success(R"({"optout":"OK"})");
}

Result<const crypto::EcKeyP256*> Endpoints::CstgKey(const store::Snapshot& snap,
                                                    const store::ClientSideKeypair& kp) {
  std::lock_guard lock(cstg_mu_);
  if (cstg_parts_ != snap.parts().client_side_keypairs) {
    cstg_keys_.clear();
    cstg_parts_ = snap.parts().client_side_keypairs;  // held, so the address is not reused
  }
  auto it = cstg_keys_.find(kp.subscription_id);
  if (it != cstg_keys_.end()) return it->second.get();
  UID2_ASSIGN_OR_RETURN(crypto::EcKeyP256 key, oi::ParseCstgPrivateKey(kp.private_key));
  auto owned = std::make_unique<crypto::EcKeyP256>(std::move(key));
  const crypto::EcKeyP256* raw = owned.get();
  cstg_keys_.emplace(kp.subscription_id, std::move(owned));
  return raw;
}

Reply Endpoints::ClientGenerate(const Call& c, oi::KeySecret* reply_key) {
  bool phones = config_.enable_phone_support;
  oi::CstgRequest req;
  oi::CstgError e = oi::ParseCstgRequest(c.http.body, &req);
  if (e != oi::CstgError::kOk) return Reply::ClientError(std::string(oi::CstgErrorMessage(e)));
  const store::ClientSideKeypair* kp = c.snap.FindKeypair(req.subscription_id);
  if (kp == nullptr) return Reply::ClientError("bad subscription_id");
  if (kp->disabled) return Reply::Unauthorized();
  if (config_.client_side_token_generate_domain_name_check_enabled) {
    const store::Site* site = c.snap.FindSite(kp->site_id);
    if (req.app_name) {
      std::set<std::string> names;
      if (site) names.insert(site->app_names.begin(), site->app_names.end());
      if (!oi::IsAppNameAllowed(*req.app_name, names)) {
        metrics_->TokenResponse(kp->site_id, "client_generate", "invalid_app_name");
        return Reply::Error(403, "invalid_app_name", "unexpected app name");
      }
    } else {
      std::set<std::string> domains;
      if (site) domains.insert(site->domain_names.begin(), site->domain_names.end());
      if (!oi::IsOriginAllowed(c.http.origin, domains)) {
        metrics_->TokenResponse(kp->site_id, "client_generate", "invalid_http_origin");
        return Reply::Error(403, "invalid_http_origin", "unexpected http origin");
      }
    }
  }
  auto key = CstgKey(c.snap, *kp);
  if (!key.ok()) {
    log::Error("cstg_private_key_unusable", {{"site_id", kp->site_id}});
    return Reply::Unknown("Unexpected server key");
  }
  oi::CstgPayload payload;
  e = oi::OpenCstgPayload(req, **key, phones, &payload);
  if (e != oi::CstgError::kOk) {
    return Reply::ClientError(std::string(oi::CstgErrorMessage(e, phones)));
  }
  auto bytes = oi::ResolveIdentity(payload.kind, payload.hash);
  if (!bytes) return Reply::ClientError(std::string(kMsgInvalidIdentifier));
  *reply_key = payload.shared_secret;
  oi::IdentityType type = oi::TypeOfInput(payload.kind);
  oi::SpecialIdentity special = oi::ClassifySpecialIdentity(type, *bytes);
  oi::Sha256Value fl = oi::FirstLevelHash(*bytes, c.snap.first_level_salt());
  if (special == oi::SpecialIdentity::kAlwaysOptedOut ||
      (special != oi::SpecialIdentity::kNeverOptedOut && OptedOut(fl))) {
    metrics_->TokenResponse(kp->site_id, "client_generate", "optout");
    return Reply::StatusOnly("optout");
  }
  return Issue(c.snap, type, fl, kp->site_id, oi::kPrivacyBitsCstg, c.now_ms, c.now_ms,
               "client_generate");
}

}  // namespace uid2::service
