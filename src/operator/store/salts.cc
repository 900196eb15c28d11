#include "operator/store/salts.h"

#include <charconv>

#include "common/json.h"
#include "operator/store/json_fields.h"

namespace uid2::store {

namespace {

constexpr std::string_view kFieldNames[kSaltLineFields] = {
    "id",     "lastUpdated", "salt",      "refreshFrom", "prevSalt",   "curKeyId",
    "curKey", "curKeySalt",  "prevKeyId", "prevKey",     "prevKeySalt"};

// The value is not shown: a misaligned line could put a salt or key in any field.
Error BadField(int field, std::string_view what, std::string_view value) {
  return Error::Invalid("field " + std::string(kFieldNames[field]) + ": " + std::string(what) +
                        " (value of " + std::to_string(value.size()) + " characters)");
}

Status ParseInt(int field, std::string_view text, int64_t* out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    return BadField(field, "not an integer", text);
  }
  return Ok();
}

// Key material: fields [first, first+2] all null, or id + key + salt all present.
Status ParseKey(const std::string_view* f, int first, SaltKey* out) {
  bool any = !f[first].empty() || !f[first + 1].empty() || !f[first + 2].empty();
  if (!any) return Ok();
  for (int i = first; i < first + 3; i++) {
    if (f[i].empty()) return BadField(i, "missing while the other key fields are set", f[i]);
  }
  int64_t id;
  UID2_RETURN_IF_ERROR(ParseInt(first, f[first], &id));
  if (id < 0 || id > 0xFFFFFF) return BadField(first, "key id out of 3-byte range", f[first]);
  if (f[first + 1].size() != kSaltKeyLength) {
    return BadField(first + 1, "key must be 32 characters", f[first + 1]);
  }
  out->id = static_cast<int32_t>(id);
  out->key = f[first + 1];
  out->salt = f[first + 2];
  return Ok();
}

}  // namespace

Status ParseSaltLine(std::string_view line, SaltEntry* out) {
  std::string_view f[kSaltLineFields];
  size_t start = 0;
  for (int i = 0; i < kSaltLineFields; i++) {
    size_t comma = line.find(',', start);
    bool last = i == kSaltLineFields - 1;
    if (last != (comma == std::string_view::npos)) {
      return Error::Invalid("expected " + std::to_string(kSaltLineFields) +
                            " comma-separated fields");
    }
    f[i] = line.substr(start, last ? std::string_view::npos : comma - start);
    start = comma + 1;
  }
  SaltEntry e;
  UID2_RETURN_IF_ERROR(ParseInt(0, f[0], &e.id));
  UID2_RETURN_IF_ERROR(ParseInt(1, f[1], &e.last_updated_ms));
  UID2_RETURN_IF_ERROR(ParseInt(3, f[3], &e.refresh_from_ms));
  e.salt = f[2];
  e.previous_salt = f[4];
  UID2_RETURN_IF_ERROR(ParseKey(f, 5, &e.current_key));
  UID2_RETURN_IF_ERROR(ParseKey(f, 8, &e.previous_key));
  if (e.salt.empty() && !e.current_key.present()) {
    return Error::Invalid("bucket has neither a salt nor key material");
  }
  *out = e;
  return Ok();
}

size_t SaltBucketIndex(ByteSpan h, size_t bucket_count) {
  size_t v = (size_t{h[0]} << 12) | (size_t{h[1]} << 4) | (h[2] & 0x0F);
  return bucket_count == kFullSaltBucketCount ? v : v % bucket_count;
}

Result<std::shared_ptr<const SaltSet>> SaltSet::Parse(std::string text) {
  std::shared_ptr<SaltSet> set(new SaltSet());
  set->text_ = std::move(text);
  std::string_view all = set->text_;
  size_t lines = 0;
  for (char c : all) lines += c == '\n';
  set->entries_.reserve(lines + 1);
  size_t pos = 0;
  size_t line_no = 0;
  while (pos < all.size()) {
    size_t nl = all.find('\n', pos);
    std::string_view line = all.substr(pos, nl == std::string_view::npos ? nl : nl - pos);
    pos = nl == std::string_view::npos ? all.size() : nl + 1;
    line_no++;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() && pos >= all.size()) break;
    SaltEntry e;
    Status st = ParseSaltLine(line, &e);
    if (!st.ok()) return std::move(st).error().Context("line " + std::to_string(line_no));
    set->entries_.push_back(e);
  }
  if (set->entries_.empty()) return Error::Invalid("salt file has no entries");
  return std::shared_ptr<const SaltSet>(std::move(set));
}

const SaltFileRef& SaltsMetadata::SelectFile(int64_t now_ms) const {
  const SaltFileRef* chosen = &files.back();
  for (const auto& f : files) {
    if (f.effective_ms <= now_ms && now_ms < f.expires_ms) chosen = &f;
  }
  return *chosen;
}

Result<SaltsMetadata> ParseSaltsMetadata(std::string_view json) {
  UID2_ASSIGN_OR_RETURN(rapidjson::Document doc, ParseJson(json));
  if (!doc.IsObject()) return Error::Invalid("salts metadata: expected a JSON object");
  SaltsMetadata m;
  JsonFields f(doc, "field");
  UID2_RETURN_IF_ERROR(f.ReqInt64("version", &m.version));
  UID2_RETURN_IF_ERROR(f.Int64InRange("generated", INT64_MIN, INT64_MAX, &m.generated));
  UID2_RETURN_IF_ERROR(f.ReqString("first_level", &m.first_level));
  UID2_RETURN_IF_ERROR(f.ReqString("id_prefix", &m.id_prefix));
  UID2_RETURN_IF_ERROR(f.ReqString("id_secret", &m.id_secret));
  const rapidjson::Value* salts = f.Find("salts");
  if (!salts || !salts->IsArray() || salts->Empty()) {
    return Error::Invalid("field 'salts': expected a non-empty array");
  }
  for (rapidjson::SizeType i = 0; i < salts->Size(); i++) {
    const auto& e = (*salts)[i];
    if (!e.IsObject())
      return Error::Invalid("salts[" + std::to_string(i) + "]: expected an object");
    JsonFields ef(e, "field");
    SaltFileRef ref;
    Status st = ef.ReqInt64("effective", &ref.effective_ms);
    if (st.ok()) st = ef.ReqInt64("expires", &ref.expires_ms);
    if (st.ok()) st = ef.ReqString("location", &ref.location);
    if (st.ok()) st = ef.Int64InRange("size", 0, INT64_MAX, &ref.size);
    if (!st.ok()) return std::move(st).error().Context("salts[" + std::to_string(i) + "]");
    m.files.push_back(std::move(ref));
  }
  return m;
}

}  // namespace uid2::store
