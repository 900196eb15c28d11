#include "operator/store/salts.h"

#include <charconv>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "common/json.h"
#include "common/prefault.h"
#include "common/spare_buffer.h"
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

// The fast path of SaltSet::Parse: the same checks as ParseSaltLine/ParseKey, answering only
// yes or no (no error text, no Status).
bool FastInt(std::string_view text, int64_t* out) {
  if (!text.empty() && text.size() <= 18) {  // 18 digits cannot overflow int64
    int64_t v = 0;
    size_t i = 0;
    for (; i < text.size() && static_cast<unsigned char>(text[i] - '0') <= 9; i++) {
      v = v * 10 + (text[i] - '0');
    }
    if (i == text.size()) {
      *out = v;
      return true;
    }
  }
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return !text.empty() && ec == std::errc() && end == text.data() + text.size();
}

bool FastKey(const std::string_view* f, int first, SaltKey* out) {
  if (f[first].empty() && f[first + 1].empty() && f[first + 2].empty()) return true;
  if (f[first].empty() || f[first + 1].empty() || f[first + 2].empty()) return false;
  int64_t id;
  if (!FastInt(f[first], &id) || id < 0 || id > 0xFFFFFF) return false;
  if (f[first + 1].size() != kSaltKeyLength) return false;
  out->id = static_cast<int32_t>(id);
  out->key = f[first + 1];
  out->salt = f[first + 2];
  return true;
}

bool FastParseFields(const std::string_view* f, SaltEntry* e) {
  if (!FastInt(f[0], &e->id) || !FastInt(f[1], &e->last_updated_ms) ||
      !FastInt(f[3], &e->refresh_from_ms)) {
    return false;
  }
  e->salt = f[2];
  e->previous_salt = f[4];
  if (!FastKey(f, 5, &e->current_key) || !FastKey(f, 8, &e->previous_key)) return false;
  return !e->salt.empty() || e->current_key.present();
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

SaltSet::~SaltSet() {
  SpareBuffer<std::string>::Give(std::move(text_));
  SpareBuffer<Table>::Give(std::move(entries_));
}

SaltSet::PackedEntry SaltSet::Pack(const SaltEntry& e) const {
  const char* base = text_.data();
  auto key = [&](const SaltKey& k) {
    PackedKey p;
    if (k.present()) {
      p.id = k.id;
      p.key = static_cast<uint32_t>(k.key.data() - base);
      p.salt_size = static_cast<uint32_t>(k.salt.size());
    }
    return p;
  };
  PackedEntry p;
  p.id = e.id;
  p.last_updated_ms = e.last_updated_ms;
  p.refresh_from_ms = e.refresh_from_ms;
  p.salt = static_cast<uint32_t>(e.salt.data() - base);
  p.salt_size = static_cast<uint32_t>(e.salt.size());
  p.previous_salt = static_cast<uint32_t>(e.previous_salt.data() - base);
  p.previous_salt_size = static_cast<uint32_t>(e.previous_salt.size());
  p.current_key = key(e.current_key);
  p.previous_key = key(e.previous_key);
  return p;
}

SaltEntry SaltSet::Entry(size_t i) const {
  const PackedEntry& p = entries_[i];
  const char* base = text_.data();
  auto key = [&](const PackedKey& k) {
    SaltKey out;
    if (k.id >= 0) {
      out.id = k.id;
      out.key = std::string_view(base + k.key, kSaltKeyLength);
      out.salt = std::string_view(base + k.key + kSaltKeyLength + 1, k.salt_size);
    }
    return out;
  };
  SaltEntry e;
  e.id = p.id;
  e.last_updated_ms = p.last_updated_ms;
  e.refresh_from_ms = p.refresh_from_ms;
  e.salt = std::string_view(base + p.salt, p.salt_size);
  e.previous_salt = std::string_view(base + p.previous_salt, p.previous_salt_size);
  e.current_key = key(p.current_key);
  e.previous_key = key(p.previous_key);
  return e;
}

Result<std::shared_ptr<const SaltSet>> SaltSet::Parse(std::string text) {
  if (text.size() > UINT32_MAX) {  // (offsets are 32-bit; a download is at most 2 GiB)
    return Error::Invalid("salt file of " + std::to_string(text.size()) +
                          " bytes: larger than 4 GiB");
  }
  std::shared_ptr<SaltSet> set(new SaltSet());
  set->text_ = std::move(text);
  const char* const begin = set->text_.data();
  const char* const end = begin + set->text_.size();
  size_t lines = 1;
  for (const char* p = begin; (p = static_cast<const char*>(std::memchr(p, '\n', end - p))); p++) {
    lines++;
  }
  set->entries_ = SpareBuffer<Table>::Take(lines);  // the previous set's table when it is free
  if (set->entries_.capacity() < lines) {
    set->entries_.reserve(lines);
    PrefaultPages(set->entries_.data(), set->entries_.capacity() * sizeof(PackedEntry));
  }

  // One pass over the text, visiting only the separators (',' and '\n'): fields are views
  // into the text. A line the fast path refuses is parsed again by ParseSaltLine for the error.
  size_t line_no = 0;
  const char* start = begin;  // the current line
  const char* field = begin;  // the current field
  int commas = 0;
  std::string_view f[kSaltLineFields];
  Status bad;
  // EndLine: the line [start, stop) is complete; `last` when nothing follows it.
  auto add_line = [&](const char* line_end) {
    if (commas == kSaltLineFields - 1 && field <= line_end) {
      f[kSaltLineFields - 1] = std::string_view(field, line_end - field);
      SaltEntry e;
      if (FastParseFields(f, &e)) {
        set->entries_.push_back(set->Pack(e));
        return true;
      }
    }
    SaltEntry slow;
    Status st = ParseSaltLine(std::string_view(start, line_end - start), &slow);
    if (!st.ok()) {
      bad = std::move(st).error().Context("line " + std::to_string(line_no));
      return false;
    }
    set->entries_.push_back(set->Pack(slow));
    return true;
  };
  auto end_line = [&](const char* stop, bool last) {
    line_no++;
    const char* line_end = stop;
    if (line_end > start && line_end[-1] == '\r') line_end--;
    bool ok = (line_end == start && last) || add_line(line_end);  // a final empty line is ignored
    start = field = stop == end ? end : stop + 1;
    commas = 0;
    return ok;
  };
  auto separator = [&](const char* p) {
    if (*p == ',') {
      if (commas < kSaltLineFields - 1) f[commas] = std::string_view(field, p - field);
      commas++;
      field = p + 1;
      return true;
    }
    return end_line(p, p + 1 == end);
  };

  const char* p = begin;
#if defined(__SSE2__)
  const __m128i comma = _mm_set1_epi8(','), newline = _mm_set1_epi8('\n');
  for (; end - p >= 16; p += 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    unsigned mask = static_cast<unsigned>(
        _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, comma), _mm_cmpeq_epi8(v, newline))));
    for (; mask != 0; mask &= mask - 1) {
      if (!separator(p + __builtin_ctz(mask))) return std::move(bad).error();
    }
  }
#endif
  for (; p < end; p++) {
    if ((*p == ',' || *p == '\n') && !separator(p)) return std::move(bad).error();
  }
  if (start < end && !end_line(end, true)) return std::move(bad).error();
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
