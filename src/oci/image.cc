// image.cc: config parsing and rewriting, applying layers, adding layers (see image.h).
#include "oci/image.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <sys/stat.h>

#include <ctime>

#include "common/encoding.h"
#include "common/json.h"
#include "crypto/hash.h"
#include "oci/json_util.h"

namespace uid2::oci {
namespace {

using rapidjson::Value;

Value StringList(const std::vector<std::string>& items, rapidjson::Document::AllocatorType& al) {
  Value arr(rapidjson::kArrayType);
  for (const std::string& s : items) arr.PushBack(Value(s.c_str(), al), al);
  return arr;
}

void SetMember(Value& obj, const char* key, Value v, rapidjson::Document::AllocatorType& al) {
  if (obj.HasMember(key)) {
    obj[key] = std::move(v);
  } else {
    obj.AddMember(Value(key, al), std::move(v), al);
  }
}

}  // namespace

Result<std::string> DigestFile(const std::string& path) {
  UID2_ASSIGN_OR_RETURN(crypto::Sha256Digest d, crypto::Sha256File(path));
  return "sha256:" + HexEncode(d);
}

std::string FormatTime(int64_t epoch) {
  time_t t = time_t(epoch);
  struct tm tm {};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

Result<RuntimeConfig> ParseRuntimeConfig(const std::string& config_json) {
  auto doc = ParseJson(config_json);
  if (!doc.ok()) return std::move(doc).error().Context("image config");
  if (!doc->IsObject()) return Error::Invalid("image config is not a JSON object");
  RuntimeConfig rc;
  const Value& top = *doc;
  auto it = top.FindMember("config");
  if (it == top.MemberEnd() || !it->value.IsObject()) return rc;
  const Value& c = it->value;
  rc.entrypoint = StringArray(c, "Entrypoint");
  rc.cmd = StringArray(c, "Cmd");
  rc.env = StringArray(c, "Env");
  rc.working_dir = StringField(c, "WorkingDir");
  rc.user = StringField(c, "User");
  auto labels = c.FindMember("Labels");
  if (labels != c.MemberEnd() && labels->value.IsObject()) {
    for (const auto& m : labels->value.GetObject()) {
      if (m.value.IsString()) rc.labels[m.name.GetString()] = m.value.GetString();
    }
  }
  return rc;
}

Status ApplyImage(const Image& image, const std::string& root_dir, const Limits& limits,
                  Budget* budget) {
  UID2_ASSIGN_OR_RETURN(SafeRoot root, SafeRoot::Open(root_dir));
  for (size_t i = 0; i < image.layers.size(); i++) {
    std::string name = std::to_string(i + 1) + " (" + image.layers[i].diff_id + ")";
    UID2_RETURN_IF_ERROR(ApplyLayerFile(image.layers[i].path, name, root, limits, budget));
  }
  return Ok();
}

Status AddLayer(Image* image, const std::string& tar_path, std::string created_by) {
  Layer layer;
  layer.path = tar_path;
  UID2_ASSIGN_OR_RETURN(layer.diff_id, DigestFile(tar_path));
  struct stat st {};
  if (::stat(tar_path.c_str(), &st) == 0) layer.size = uint64_t(st.st_size);
  layer.created_by = created_by.empty() ? "shroud" : std::move(created_by);
  image->layers.push_back(std::move(layer));
  return Ok();
}

Status UpdateConfig(Image* image, const RuntimeConfig& rc, int64_t created_epoch) {
  UID2_ASSIGN_OR_RETURN(rapidjson::Document doc, ParseJson(image->config_json));
  if (!doc.IsObject()) return Error::Invalid("image config is not a JSON object");
  auto& al = doc.GetAllocator();
  std::string created = FormatTime(created_epoch);
  SetMember(doc, "created", Value(created.c_str(), al), al);
  if (!doc.HasMember("architecture")) SetMember(doc, "architecture", Value("amd64"), al);
  if (!doc.HasMember("os")) SetMember(doc, "os", Value("linux"), al);
  if (!doc.HasMember("config") || !doc["config"].IsObject()) {
    SetMember(doc, "config", Value(rapidjson::kObjectType), al);
  }
  Value& c = doc["config"];
  auto set_list = [&](const char* key, const std::vector<std::string>& v) {
    if (v.empty()) {
      c.RemoveMember(key);
    } else {
      SetMember(c, key, StringList(v, al), al);
    }
  };
  set_list("Entrypoint", rc.entrypoint);
  set_list("Cmd", rc.cmd);
  set_list("Env", rc.env);
  SetMember(c, "WorkingDir", Value(rc.working_dir.c_str(), al), al);
  SetMember(c, "User", Value(rc.user.c_str(), al), al);
  Value labels(rapidjson::kObjectType);
  for (const auto& [k, v] : rc.labels)
    labels.AddMember(Value(k.c_str(), al), Value(v.c_str(), al), al);
  SetMember(c, "Labels", std::move(labels), al);

  Value rootfs(rapidjson::kObjectType);
  rootfs.AddMember("type", "layers", al);
  Value ids(rapidjson::kArrayType);
  for (const Layer& l : image->layers) ids.PushBack(Value(l.diff_id.c_str(), al), al);
  rootfs.AddMember("diff_ids", std::move(ids), al);
  SetMember(doc, "rootfs", std::move(rootfs), al);

  if (!doc.HasMember("history") || !doc["history"].IsArray()) {
    SetMember(doc, "history", Value(rapidjson::kArrayType), al);
  }
  for (Layer& l : image->layers) {
    if (l.created_by.empty()) continue;
    Value h(rapidjson::kObjectType);
    h.AddMember("created", Value(created.c_str(), al), al);
    h.AddMember("created_by", Value(l.created_by.c_str(), al), al);
    doc["history"].PushBack(std::move(h), al);
    l.created_by.clear();  // recorded once
  }
  image->config_json = JsonToString(doc);
  return Ok();
}

}  // namespace uid2::oci
