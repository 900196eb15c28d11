// vectors.h: the Gramine v1.9 signer vectors in tests/data/gramine-sign (see its README.md).
#pragma once

#include <string>
#include <vector>

#include "common/file.h"
#include "common/json.h"
#include "manifest/manifest.h"
#include "sgx/enclave_params.h"

namespace uid2::testing {

inline const std::vector<std::string>& VectorNames() {
  static const std::vector<std::string> kNames = {"01-defaults-nondebug", "02-debug-64m-1thread",
                                                  "03-edmm-1g-debug", "04-isv770-16threads"};
  return kNames;
}

inline std::string VectorDir(const std::string& name) {
  return std::string(UID2_SOURCE_DIR) + "/tests/data/gramine-sign/" + name;
}

inline rapidjson::Document VectorJson(const std::string& name) {
  Result<std::string> text = ReadFile(VectorDir(name) + "/expected.json");
  Result<rapidjson::Document> doc = ParseJson(text.ok() ? *text : "{}");
  return doc.ok() ? std::move(doc).value() : rapidjson::Document();
}

}  // namespace uid2::testing
