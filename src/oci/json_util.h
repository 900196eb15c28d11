// json_util.h: lenient field getters for image JSON (private to src/oci). A missing or mistyped
// field reads as empty; callers check what they require.
#pragma once

#include <rapidjson/document.h>

#include <string>
#include <vector>

namespace uid2::oci {

std::string StringField(const rapidjson::Value& obj, const char* key);
std::vector<std::string> StringArray(const rapidjson::Value& obj, const char* key);
// AnnotationRef returns annotations["org.opencontainers.image.ref.name"] of a descriptor.
std::string AnnotationRef(const rapidjson::Value& descriptor);
// PlatformIsLinuxAmd64 is true when the descriptor has no platform or linux/amd64.
bool PlatformIsLinuxAmd64(const rapidjson::Value& descriptor);

}  // namespace uid2::oci
