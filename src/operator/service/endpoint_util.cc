// Helpers shared by the endpoint files: replies, identity inputs, key conversion, raw UID
// mapping, bucket ids and dates.
#include <cstdio>
#include <ctime>

#include "common/json.h"
#include "operator/service/endpoints.h"

namespace uid2::service {

namespace oi = operator_identity;

Reply Reply::Success(std::string body_json) {
  Reply r;
  r.body_json = std::move(body_json);
  return r;
}
Reply Reply::StatusOnly(std::string status) {
  Reply r;
  r.kind = Kind::kStatusOnly;
  r.status = std::move(status);
  return r;
}
Reply Reply::ClientError(std::string message) {
  return Error(400, "client_error", std::move(message));
}
Reply Reply::Error(unsigned http, std::string status, std::string message) {
  Reply r;
  r.kind = Kind::kError;
  r.http_status = http;
  r.status = std::move(status);
  r.message = std::move(message);
  return r;
}
Reply Reply::Unauthorized() {
  Reply r = Error(401, "unauthorized", "");
  return r;
}
Reply Reply::Unknown(std::string message) { return Error(500, "unknown", std::move(message)); }

namespace {
constexpr std::string_view kSuccessPrefix = R"({"status":"success","body":)";
}  // namespace

std::string Reply::StartSuccessFrame(size_t reserve) {
  std::string frame;
  oi::ResponseFrameStart(&frame, kSuccessPrefix.size() + reserve + 1);
  frame.append(kSuccessPrefix);
  return frame;
}

Reply Reply::SuccessFrame(std::string frame) {
  frame += '}';
  Reply r;
  r.frame = std::move(frame);
  return r;
}

std::string Reply::TakeFrame() {
  if (!frame.empty()) return std::move(frame);
  std::string json = Json();
  std::string out;
  oi::ResponseFrameStart(&out, json.size());
  out.append(json);
  return out;
}

std::string Reply::Json() const {
  if (!frame.empty()) return frame.substr(oi::kResponseFrameHeader);
  std::string out = "{\"status\":" + JsonQuote(status);
  if (kind == Kind::kSuccess) {
    out += ",\"body\":";
    out += body_json;
  } else if (kind == Kind::kError && !message.empty()) {
    out += ",\"message\":" + JsonQuote(message);
  }
  out += '}';
  return out;
}

Result<IdentityInput> ParseSingleIdentity(const rapidjson::Value* payload, bool phone_support) {
  static constexpr oi::InputKind kKinds[] = {oi::InputKind::kEmail, oi::InputKind::kEmailHash,
                                             oi::InputKind::kPhone, oi::InputKind::kPhoneHash};
  if (payload == nullptr || !payload->IsObject()) {
    return Error::Invalid(std::string(kMsgExactlyOneIdentity));
  }
  const rapidjson::Value* found = nullptr;
  oi::InputKind kind = oi::InputKind::kEmail;
  int count = 0;
  for (oi::InputKind k : kKinds) {
    std::string_view name = oi::InputFieldName(k);
    auto it = payload->FindMember(rapidjson::StringRef(name.data(), name.size()));
    if (it == payload->MemberEnd() || it->value.IsNull()) continue;
    ++count;
    found = &it->value;
    kind = k;
  }
  if (count != 1) return Error::Invalid(std::string(kMsgExactlyOneIdentity));
  if (!found->IsString()) return Error::Invalid(std::string(kMsgIncorrectFormat));
  if (!phone_support && oi::TypeOfInput(kind) == oi::IdentityType::kPhone) {
    return Error::Invalid(std::string(kMsgInvalidIdentifier));
  }
  std::string scratch;
  auto bytes = oi::ResolveIdentity(kind, {found->GetString(), found->GetStringLength()}, &scratch);
  if (!bytes) return Error::Invalid(std::string(kMsgInvalidIdentifier));
  return IdentityInput{kind, *bytes, {found->GetString(), found->GetStringLength()}};
}

oi::TokenKey TokenKeyOf(const store::KeysetKey& key) {
  oi::TokenKey t;
  t.id = key.id;
  std::copy_n(key.secret.begin(), std::min(key.secret.size(), t.secret.size()), t.secret.begin());
  return t;
}

oi::KeyLookup KeyLookupFor(const store::Snapshot& snap) {
  return [&snap](int32_t id) -> std::optional<oi::TokenKey> {
    const store::KeysetKey* k = snap.FindKey(id);
    if (k == nullptr || k->secret.size() != oi::kKeySize) return std::nullopt;
    return TokenKeyOf(*k);
  };
}

oi::IdentityEnvironment EnvOf(const store::Snapshot& snap) {
  switch (snap.runtime_config().identity_environment) {
    case store::IdentityEnvironment::kProd:
      return oi::IdentityEnvironment::kProd;
    case store::IdentityEnvironment::kInteg:
      return oi::IdentityEnvironment::kInteg;
    default:
      return oi::IdentityEnvironment::kTest;
  }
}

namespace {

constexpr int64_t kPreviousUidWindowMs = 90LL * 24 * 3600 * 1000;

Result<oi::RawUid> Derive(const oi::Sha256Value& first_level, std::string_view salt,
                          const store::SaltKey& key, const store::Snapshot& snap,
                          oi::IdentityScope scope, oi::IdentityType type, bool identity_v3,
                          int* version) {
  if (!salt.empty()) {
    *version = identity_v3 ? 3 : 2;
    return identity_v3 ? oi::RawUidV3(first_level, salt, scope, type)
                       : oi::RawUidV2AsRawUid(first_level, salt);
  }
  if (key.present()) {
    *version = 4;
    return oi::RawUidV4(first_level, oi::SaltKey{key.id, key.key, key.salt}, EnvOf(snap), scope,
                        type);
  }
  return Error::Invalid("salt bucket has neither salt nor key");
}

}  // namespace

Result<Mapped> MapFirstLevel(const store::Snapshot& snap, const oi::Sha256Value& first_level,
                             oi::IdentityScope scope, oi::IdentityType type, bool identity_v3,
                             bool want_previous, int64_t now_ms) {
  Mapped m;
  m.bucket = snap.SaltBucket(first_level);
  const store::SaltEntry& b = m.bucket;
  UID2_ASSIGN_OR_RETURN(m.current, Derive(first_level, b.salt, b.current_key, snap, scope, type,
                                          identity_v3, &m.version));
  if (want_previous && now_ms - b.last_updated_ms < kPreviousUidWindowMs) {
    int ignored = 0;
    if (b.previous_key.present()) {
      auto prev = Derive(first_level, {}, b.previous_key, snap, scope, type, identity_v3, &ignored);
      if (prev.ok()) m.previous = *prev;
    } else if (!b.previous_salt.empty()) {
      auto prev =
          Derive(first_level, b.previous_salt, {}, snap, scope, type, identity_v3, &ignored);
      if (prev.ok()) m.previous = *prev;
    }
  }
  return m;
}

std::string BucketIdText(const store::Snapshot& snap, int64_t bucket_id) {
  // One Hashids per thread, rebuilt when the salts metadata (prefix/secret) changes.
  thread_local std::string cached_secret;
  thread_local std::unique_ptr<oi::Hashids> hashids;
  const store::SaltsMetadata& md = snap.salts().metadata;
  if (!hashids || cached_secret != md.id_secret) {
    hashids = std::make_unique<oi::Hashids>(md.id_secret, 9);
    cached_secret = md.id_secret;
  }
  return md.id_prefix + hashids->Encode(bucket_id < 0 ? 0 : bucket_id);
}

std::string FormatUtcMillis(int64_t ms) {
  time_t secs = static_cast<time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
  int millis = static_cast<int>(ms - static_cast<int64_t>(secs) * 1000);
  struct tm tm {};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03d", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
  return buf;
}

namespace {
bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}
}  // namespace

bool ParseLocalDateTime(std::string_view s, int64_t* ms) {
  int y, mo, d, h, mi, sec = 0, frac_ms = 0;
  if (!Digits(s, 0, 4, &y) || s.size() < 16 || s[4] != '-' || !Digits(s, 5, 2, &mo) ||
      s[7] != '-' || !Digits(s, 8, 2, &d) || s[10] != 'T' || !Digits(s, 11, 2, &h) ||
      s[13] != ':' || !Digits(s, 14, 2, &mi)) {
    return false;
  }
  size_t pos = 16;
  if (pos < s.size()) {
    if (s[pos] != ':' || !Digits(s, pos + 1, 2, &sec)) return false;
    pos += 3;
    if (pos < s.size()) {
      if (s[pos] != '.' || pos + 1 == s.size() || s.size() - pos - 1 > 9) return false;
      int scale = 100;
      for (size_t i = pos + 1; i < s.size(); ++i) {
        if (s[i] < '0' || s[i] > '9') return false;
        frac_ms += (s[i] - '0') * scale;
        scale /= 10;
      }
    }
  }
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (mo < 1 || mo > 12 || d < 1 || d > kDays[mo - 1] || h > 23 || mi > 59 || sec > 59) {
    return false;
  }
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (mo == 2 && d == 29 && !leap) return false;
  struct tm tm {};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  *ms = static_cast<int64_t>(timegm(&tm)) * 1000 + frac_ms;
  return true;
}

}  // namespace uid2::service
