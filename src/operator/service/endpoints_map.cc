// Mapping endpoints (spec §1, §3.2): /v2/identity/map, /v3/identity/map, /v2/identity/buckets,
// /v2/optout/status.
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <charconv>
#include <cstring>

#include "common/encoding.h"
#include "operator/service/endpoints.h"

namespace uid2::service {

namespace oi = operator_identity;
using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

namespace {

constexpr oi::InputKind kKinds[] = {oi::InputKind::kEmail, oi::InputKind::kEmailHash,
                                    oi::InputKind::kPhone, oi::InputKind::kPhoneHash};

const rapidjson::Value* Member(const rapidjson::Value* payload, std::string_view name) {
  if (payload == nullptr || !payload->IsObject()) return nullptr;
  auto it = payload->FindMember(rapidjson::StringRef(name.data(), name.size()));
  if (it == payload->MemberEnd() || it->value.IsNull()) return nullptr;
  return &it->value;
}

void WriteB64(JsonWriter* w, ByteSpan bytes) {
  std::array<char, 44> text;
  size_t n = oi::Base64Small(bytes, &text);
  w->String(text.data(), static_cast<rapidjson::SizeType>(n));
}

// Outcome of mapping one input.
enum class MapOutcome { kMapped, kOptOut, kInvalid };

struct MapContext {
  const Call& call;
  oi::IdentityScope scope;
  bool identity_v3;
  bool phone_support;
  const store::OptOutIndex& optout;
  std::string scratch;
};

MapOutcome MapOne(MapContext* ctx, oi::InputKind kind, std::string_view value, bool want_previous,
                  Mapped* out) {
  oi::IdentityType type = oi::TypeOfInput(kind);
  if (!ctx->phone_support && type == oi::IdentityType::kPhone) return MapOutcome::kInvalid;
  auto bytes = oi::ResolveIdentity(kind, value, &ctx->scratch);
  if (!bytes) return MapOutcome::kInvalid;
  oi::SpecialIdentity special = oi::ClassifySpecialIdentity(type, *bytes);
  if (special == oi::SpecialIdentity::kAlwaysOptedOut) return MapOutcome::kOptOut;
  oi::Sha256Value fl = oi::FirstLevelHash(*bytes, ctx->call.snap.first_level_salt());
  if (special != oi::SpecialIdentity::kNeverOptedOut && ctx->optout.IsOptedOut(fl)) {
    return MapOutcome::kOptOut;
  }
  auto mapped = MapFirstLevel(ctx->call.snap, fl, ctx->scope, type, ctx->identity_v3, want_previous,
                              ctx->call.now_ms);
  if (!mapped.ok()) return MapOutcome::kInvalid;
  *out = *mapped;
  return MapOutcome::kMapped;
}

// V3Item renders one /v3/identity/map result object (with its leading ',' unless first) into
// a fixed buffer: {"u":"<b64>","p":"<b64>"|null,"r":<int>} or {"e":"<reason>"}.
constexpr size_t kV3ItemReserve = 120;
class V3Item {
 public:
  void SetMapped(const Mapped& m, int64_t refresh_from_s, bool first) {
    Start(first);
    Put(R"({"u":")");
    B64(m.current);
    if (m.previous) {
      Put(R"(","p":")");
      B64(*m.previous);
      Put(R"(","r":)");
    } else {
      Put(R"(","p":null,"r":)");
    }
    auto [end, ec] = std::to_chars(p_, buf_ + sizeof buf_, refresh_from_s);
    (void)ec;  // 20 digits always fit
    p_ = end;
    *p_++ = '}';
  }
  void SetUnmapped(std::string_view reason, bool first) {
    Start(first);
    Put(R"({"e":")");
    Put(reason);
    Put(R"("})");
  }
  const char* text() const { return buf_; }
  size_t size() const { return static_cast<size_t>(p_ - buf_); }

 private:
  void Start(bool first) {
    p_ = buf_;
    if (!first) *p_++ = ',';
  }
  void Put(std::string_view s) {
    std::memcpy(p_, s.data(), s.size());
    p_ += s.size();
  }
  void B64(const oi::RawUid& uid) {
    std::array<char, 44> text;
    Put({text.data(), oi::Base64Small(uid.span(), &text)});
  }
  // ',' + {"u":"44","p":"44","r":20} = 1 + 6 + 44 + 7 + 44 + 6 + 20 + 1 = 129 at most.
  char buf_[160];
  char* p_ = buf_;
};

// RefreshFromSeconds: the bucket's refresh_from, or the next UTC midnight once it has passed.
int64_t RefreshFromSeconds(int64_t refresh_from_ms, int64_t now_ms) {
  if (refresh_from_ms > now_ms) return refresh_from_ms / 1000;
  constexpr int64_t kDayMs = 86400000;
  return (now_ms / kDayMs + 1) * kDayMs / 1000;
}

}  // namespace

Reply Endpoints::IdentityMapV2(const Call& c) {
  const rapidjson::Value* input = nullptr;
  oi::InputKind kind = oi::InputKind::kEmail;
  int present = 0;
  for (oi::InputKind k : kKinds) {
    const rapidjson::Value* v = Member(c.payload, oi::InputFieldName(k));
    if (v == nullptr) continue;
    if (!v->IsArray()) return Reply::ClientError(std::string(kMsgIncorrectFormat));
    if (v->Empty()) continue;
    ++present;
    input = v;
    kind = k;
  }
  if (present != 1) return Reply::ClientError(std::string(kMsgExactlyOneIdentity));
  for (const auto& e : input->GetArray()) {
    if (!e.IsString()) return Reply::ClientError(std::string(kMsgIncorrectFormat));
  }
  if (config_.validate_service_links) {
    const rapidjson::Value* link = Member(c.payload, "link_id");
    std::string_view link_id;
    if (link != nullptr) {
      if (!link->IsString()) return Reply::ClientError(std::string(kMsgIncorrectFormat));
      link_id = {link->GetString(), link->GetStringLength()};
    }
    if (!c.snap.CheckServiceLink(*c.client, link_id, store::kRoleMapper)) {
      return Reply::Error(401, "unauthorized", "Invalid link_id");
    }
  }
  auto index = optout_->Current();
  MapContext ctx{c, scope_, config_.identity_v3, config_.enable_phone_support, *index, {}};
  rapidjson::StringBuffer mapped_buf, unmapped_buf;
  JsonWriter mw(mapped_buf), uw(unmapped_buf);
  mw.StartArray();
  uw.StartArray();
  uint64_t optouts = 0, invalid = 0;
  Mapped m;
  for (const auto& e : input->GetArray()) {
    std::string_view value(e.GetString(), e.GetStringLength());
    MapOutcome outcome = MapOne(&ctx, kind, value, false, &m);
    if (outcome == MapOutcome::kMapped) {
      mw.StartObject();
      mw.Key("identifier");
      mw.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
      mw.Key("advertising_id");
      WriteB64(&mw, m.current.span());
      mw.Key("bucket_id");
      std::string bucket = BucketIdText(c.snap, m.bucket.id);
      mw.String(bucket.data(), static_cast<rapidjson::SizeType>(bucket.size()));
      mw.EndObject();
      metrics_->RawUidVersion(m.version);
    } else {
      uw.StartObject();
      uw.Key("identifier");
      uw.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
      uw.Key("reason");
      uw.String(outcome == MapOutcome::kOptOut ? "optout" : "invalid identifier");
      uw.EndObject();
      ++(outcome == MapOutcome::kOptOut ? optouts : invalid);
    }
  }
  mw.EndArray();
  uw.EndArray();
  int32_t site = c.client->site_id;
  metrics_->IdentityMapInputs(site, "v2", input->Size());
  if (optouts) metrics_->IdentityMapUnmapped(site, "optout", optouts);
  if (invalid) metrics_->IdentityMapUnmapped(site, "invalid", invalid);
  std::string body = "{\"mapped\":";
  body.append(mapped_buf.GetString(), mapped_buf.GetSize());
  if (optouts + invalid > 0) {
    body += ",\"unmapped\":";
    body.append(unmapped_buf.GetString(), unmapped_buf.GetSize());
  }
  body += '}';
  return Reply::Success(std::move(body));
}

Reply Endpoints::IdentityMapV3(const Call& c) {
  const rapidjson::Value* inputs[4] = {};
  size_t total = 0;
  for (int i = 0; i < 4; ++i) {
    const rapidjson::Value* v = Member(c.payload, oi::InputFieldName(kKinds[i]));
    if (v == nullptr) continue;
    if (!v->IsArray()) return Reply::ClientError(std::string(kMsgIncorrectFormat));
    for (const auto& e : v->GetArray()) {
      if (!e.IsString()) return Reply::ClientError(std::string(kMsgIncorrectFormat));
    }
    inputs[i] = v;
    total += v->Size();
  }
  if (!inputs[0] && !inputs[1] && !inputs[2] && !inputs[3]) {
    return Reply::ClientError(
        "Required Parameter Missing: one or more of [email, email_hash, phone, phone_hash] must "
        "be specified");
  }
  auto index = optout_->Current();
  MapContext ctx{c, scope_, config_.identity_v3, config_.enable_phone_support, *index, {}};
  // The body is written straight into the response frame: per mapped identity
  // {"u":"<44>","p":"<44>"|null,"r":<seconds>} (~115 bytes), no escaping needed (base64, digits).
  std::string out = Reply::StartSuccessFrame(64 + total * kV3ItemReserve);
  out += '{';
  uint64_t optouts = 0, invalid = 0;
  uint64_t versions[5] = {};
  Mapped m;
  for (int i = 0; i < 4; ++i) {
    if (i > 0) out += ',';
    out += '"';
    out += oi::InputFieldName(kKinds[i]);
    out += "\":[";
    if (inputs[i] != nullptr) {
      bool first = true;
      for (const auto& e : inputs[i]->GetArray()) {
        MapOutcome outcome =
            MapOne(&ctx, kKinds[i], {e.GetString(), e.GetStringLength()}, true, &m);
        V3Item item;
        if (outcome == MapOutcome::kMapped) {
          item.SetMapped(m, RefreshFromSeconds(m.bucket.refresh_from_ms, c.now_ms), first);
          ++versions[m.version];
        } else {
          item.SetUnmapped(outcome == MapOutcome::kOptOut ? "optout" : "invalid identifier", first);
          ++(outcome == MapOutcome::kOptOut ? optouts : invalid);
        }
        out.append(item.text(), item.size());
        first = false;
      }
    }
    out += ']';
  }
  out += '}';
  int32_t site = c.client->site_id;
  metrics_->IdentityMapInputs(site, "v3", total);
  if (optouts) metrics_->IdentityMapUnmapped(site, "optout", optouts);
  if (invalid) metrics_->IdentityMapUnmapped(site, "invalid", invalid);
  for (int v = 2; v <= 4; ++v) {
    if (versions[v]) metrics_->RawUidVersion(v, versions[v]);
  }
  return Reply::SuccessFrame(std::move(out));
}

Reply Endpoints::IdentityBuckets(const Call& c) {
  const rapidjson::Value* since = Member(c.payload, "since_timestamp");
  if (since == nullptr) return Reply::ClientError("missing parameter since_timestamp");
  int64_t since_ms = 0;
  if (!since->IsString() ||
      !ParseLocalDateTime({since->GetString(), since->GetStringLength()}, &since_ms)) {
    return Reply::ClientError("invalid date, must conform to ISO 8601");
  }
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartArray();
  const store::SaltSet& salts = *c.snap.salts().set;
  for (size_t i = 0; i < salts.size(); i++) {
    const store::SaltEntry e = salts.Entry(i);
    if (e.last_updated_ms < since_ms) continue;
    w.StartObject();
    w.Key("bucket_id");
    std::string id = BucketIdText(c.snap, e.id);
    w.String(id.data(), static_cast<rapidjson::SizeType>(id.size()));
    w.Key("last_updated");
    std::string ts = FormatUtcMillis(e.last_updated_ms);
    w.String(ts.data(), static_cast<rapidjson::SizeType>(ts.size()));
    w.EndObject();
  }
  w.EndArray();
  return Reply::Success(std::string(buf.GetString(), buf.GetSize()));
}

Reply Endpoints::OptOutStatus(const Call& c) {
  const rapidjson::Value* ids = Member(c.payload, "advertising_ids");
  if (ids == nullptr || !ids->IsArray()) {
    return Reply::ClientError("Required Parameter Missing: advertising_ids");
  }
  if (ids->Size() > static_cast<rapidjson::SizeType>(config_.optout_status_max_request_size)) {
    return Reply::ClientError("Request payload is too large");
  }
  for (const auto& e : ids->GetArray()) {
    if (!e.IsString()) return Reply::ClientError(std::string(kMsgIncorrectFormat));
  }
  auto index = optout_->Current();
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  w.Key("opted_out");
  w.StartArray();
  for (const auto& e : ids->GetArray()) {
    std::string_view text(e.GetString(), e.GetStringLength());
    auto raw = Base64Decode(text, Base64Alphabet::kStandard, Base64Mode::kLenient);
    if (!raw) continue;
    auto since = index->OptedOutSince(*raw);
    if (!since) continue;
    w.StartObject();
    w.Key("advertising_id");
    w.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
    w.Key("opted_out_since");
    w.Int64(*since * 1000);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return Reply::Success(std::string(buf.GetString(), buf.GetSize()));
}

}  // namespace uid2::service
