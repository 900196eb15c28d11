#include "oci/json_util.h"

namespace uid2::oci {

std::string StringField(const rapidjson::Value& obj, const char* key) {
  if (!obj.IsObject()) return "";
  auto it = obj.FindMember(key);
  if (it == obj.MemberEnd() || !it->value.IsString()) return "";
  return {it->value.GetString(), it->value.GetStringLength()};
}

std::vector<std::string> StringArray(const rapidjson::Value& obj, const char* key) {
  std::vector<std::string> out;
  if (!obj.IsObject()) return out;
  auto it = obj.FindMember(key);
  if (it == obj.MemberEnd() || !it->value.IsArray()) return out;
  for (const auto& v : it->value.GetArray()) {
    if (v.IsString()) out.emplace_back(v.GetString(), v.GetStringLength());
  }
  return out;
}

std::string AnnotationRef(const rapidjson::Value& descriptor) {
  if (!descriptor.IsObject()) return "";
  auto it = descriptor.FindMember("annotations");
  if (it == descriptor.MemberEnd()) return "";
  return StringField(it->value, "org.opencontainers.image.ref.name");
}

bool PlatformIsLinuxAmd64(const rapidjson::Value& descriptor) {
  if (!descriptor.IsObject()) return false;
  auto it = descriptor.FindMember("platform");
  if (it == descriptor.MemberEnd()) return true;
  return StringField(it->value, "os") == "linux" &&
         StringField(it->value, "architecture") == "amd64";
}

}  // namespace uid2::oci
