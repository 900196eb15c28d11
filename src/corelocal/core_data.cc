#include "corelocal/core_data.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <sys/stat.h>

#include <filesystem>

#include "common/encoding.h"
#include "common/file.h"
#include "common/json.h"
#include "crypto/cipher.h"

namespace uid2::corelocal {
namespace {

constexpr std::string_view kClasspathPrefix = "/com.uid2.core/test/";
constexpr std::string_view kKeysStore = "cloud_encryption_keys";

Result<int64_t> Int(const rapidjson::Value& o, const char* key) {
  if (!o.HasMember(key) || !o[key].IsInt64()) {
    return Error::Invalid(std::string("field '") + key + "': expected an integer");
  }
  return o[key].GetInt64();
}

Status RewriteLocations(rapidjson::Value* v, rapidjson::Document::AllocatorType& alloc,
                        const std::function<std::string(const std::string&)>& sign) {
  if (v->IsObject()) {
    // By index: comparing RapidJSON's mutable member iterators is ambiguous in C++20 (clang).
    for (rapidjson::SizeType i = 0; i < v->MemberCount(); i++) {
      auto& m = *(v->MemberBegin() + i);
      if (std::string_view(m.name.GetString()) == "location" && m.value.IsString()) {
        UID2_ASSIGN_OR_RETURN(std::string path, MapLocation(m.value.GetString()));
        m.value.SetString(sign(path), alloc);
      } else {
        UID2_RETURN_IF_ERROR(RewriteLocations(&m.value, alloc, sign));
      }
    }
  } else if (v->IsArray()) {
    for (auto& e : v->GetArray()) UID2_RETURN_IF_ERROR(RewriteLocations(&e, alloc, sign));
  }
  return Ok();
}

}  // namespace

Result<std::vector<CloudEncryptionKey>> ParseCloudEncryptionKeys(std::string_view json) {
  UID2_ASSIGN_OR_RETURN(rapidjson::Document doc, ParseJson(json));
  if (!doc.IsArray()) return Error::Invalid("expected a JSON array of keys");
  std::vector<CloudEncryptionKey> out;
  for (rapidjson::SizeType i = 0; i < doc.Size(); i++) {
    const auto& o = doc[i];
    std::string where = "key [" + std::to_string(i) + "]";
    if (!o.IsObject()) return Error::Invalid("expected an object").Context(where);
    CloudEncryptionKey k;
    auto id = Int(o, "id");
    auto site = Int(o, "siteId");
    auto activates = Int(o, "activates");
    auto created = Int(o, "created");
    for (auto* r : {&id, &site, &activates, &created}) {
      if (!r->ok()) return Error(r->error()).Context(where);
    }
    k.id = *id;
    k.site_id = static_cast<int32_t>(*site);
    k.activates = *activates;
    k.created = *created;
    if (!o.HasMember("secret") || !o["secret"].IsString()) {
      return Error::Invalid("field 'secret': expected a string").Context(where);
    }
    k.secret_b64 = o["secret"].GetString();
    auto secret = Base64Decode(k.secret_b64, Base64Alphabet::kStandard, Base64Mode::kLenient);
    if (!secret || secret->size() != crypto::kAes256KeySize) {
      return Error::Invalid("field 'secret': expected base64 of 32 bytes").Context(where);
    }
    k.secret = std::move(*secret);
    out.push_back(std::move(k));
  }
  return out;
}

Result<std::string> MapLocation(std::string_view location) {
  std::string_view rel = location;
  if (rel.rfind(kClasspathPrefix, 0) == 0) {
    rel.remove_prefix(kClasspathPrefix.size());
  } else if (!rel.empty() && rel[0] == '/') {
    return Error::Invalid("location '" + std::string(location) + "' is absolute and not under " +
                          std::string(kClasspathPrefix));
  }
  if (rel.empty()) return Error::Invalid("empty location");
  size_t start = 0;
  while (start <= rel.size()) {
    size_t slash = rel.find('/', start);
    std::string_view part =
        rel.substr(start, slash == std::string_view::npos ? rel.npos : slash - start);
    if (part.empty() || part == "." || part == "..") {
      return Error::Invalid("location '" + std::string(location) +
                            "' has an empty, '.' or '..' part");
    }
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return std::string(rel);
}

Result<std::string> EncryptContent(const CloudEncryptionKey& key, std::string_view content) {
  UID2_ASSIGN_OR_RETURN(Bytes sealed, crypto::AesGcmSeal(key.secret, AsBytes(content)));
  return "{\"key_id\":" + std::to_string(key.id) +
         ",\"encrypted_payload\":" + JsonQuote(Base64Encode(sealed)) + "}";
}

Result<CoreData> CoreData::Load(const std::string& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    return Error::NotFound("--data " + dir + ": not a directory");
  }
  CoreData d;
  d.dir_ = dir;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    std::string meta = entry.path().string() + "/metadata.json";
    if (!std::filesystem::is_regular_file(meta, ec)) continue;
    UID2_ASSIGN_OR_RETURN(std::string text, ReadFile(meta));
    auto doc = ParseJson(text);
    if (!doc.ok()) return std::move(doc).error().Context(meta);
    if (!doc->IsObject()) return Error::Invalid("expected an object").Context(meta);
  }
  std::string keys_meta = dir + "/" + std::string(kKeysStore) + "/metadata.json";
  if (std::filesystem::is_regular_file(keys_meta, ec)) {
    UID2_ASSIGN_OR_RETURN(std::string text, ReadFile(keys_meta));
    UID2_ASSIGN_OR_RETURN(rapidjson::Document doc, ParseJson(text));
    const char* key = "cloud_encryption_keys";
    if (!doc.IsObject() || !doc.HasMember(key) || !doc[key].IsObject() ||
        !doc[key].HasMember("location") || !doc[key]["location"].IsString()) {
      return Error::Invalid("expected {\"cloud_encryption_keys\": {\"location\": ...}}")
          .Context(keys_meta);
    }
    auto rel = MapLocation(doc[key]["location"].GetString());
    if (!rel.ok()) return std::move(rel).error().Context(keys_meta);
    std::string path = dir + "/" + *rel;
    UID2_ASSIGN_OR_RETURN(std::string keys_text, ReadFile(path));
    auto keys = ParseCloudEncryptionKeys(keys_text);
    if (!keys.ok()) return std::move(keys).error().Context(path);
    d.keys_ = std::move(*keys);
  }
  return d;
}

Result<std::string> CoreData::Metadata(
    const std::string& store, const std::function<std::string(const std::string&)>& sign) const {
  std::string path = dir_ + "/" + store + "/metadata.json";
  UID2_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  auto doc = ParseJson(text);
  if (!doc.ok()) return std::move(doc).error().Context(path);
  Status st = RewriteLocations(&*doc, doc->GetAllocator(), sign);
  if (!st.ok()) return std::move(st).error().Context(path);
  return JsonToString(*doc);
}

Result<std::string> CoreData::File(const std::string& relative_path) const {
  UID2_ASSIGN_OR_RETURN(std::string rel, MapLocation(relative_path));
  std::string path = dir_ + "/" + rel;
  struct stat st;
  if (stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return Error::NotFound(rel + ": no such file in the data directory");
  }
  return ReadFile(path);
}

std::vector<CloudEncryptionKey> CoreData::KeysForSite(int32_t site_id) const {
  std::vector<CloudEncryptionKey> out;
  for (const auto& k : keys_) {
    if (k.site_id == site_id) out.push_back(k);
  }
  return out;
}

const CloudEncryptionKey* CoreData::NewestActiveKey(int32_t site_id, time_t now) const {
  const CloudEncryptionKey* best = nullptr;
  for (const auto& k : keys_) {
    if (k.site_id != site_id || k.activates > now) continue;
    if (best == nullptr || k.activates > best->activates ||
        (k.activates == best->activates && k.id > best->id)) {
      best = &k;
    }
  }
  return best;
}

const CloudEncryptionKey* CoreData::KeyById(int64_t id) const {
  for (const auto& k : keys_) {
    if (k.id == id) return &k;
  }
  return nullptr;
}

std::string CoreData::KeysJson(int32_t site_id) const {
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  w.StartObject();
  w.Key("cloud_encryption_keys");
  w.StartArray();
  for (const auto& k : keys_) {
    if (k.site_id != site_id) continue;
    w.StartObject();
    w.Key("id");
    w.Int64(k.id);
    w.Key("siteId");
    w.Int(k.site_id);
    w.Key("activates");
    w.Int64(k.activates);
    w.Key("created");
    w.Int64(k.created);
    w.Key("secret");
    w.String(k.secret_b64);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return sb.GetString();
}

}  // namespace uid2::corelocal
