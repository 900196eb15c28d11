// json.h: small JSON helpers shared by every component. Parsing and writing use RapidJSON
// (Debian's rapidjson-dev); these helpers give its results error context.
#pragma once

#include <rapidjson/document.h>

#include <string>
#include <string_view>

#include "common/status.h"

namespace uid2 {

// JsonQuote returns `s` as a JSON string literal (with quotes). '/' is not escaped.
std::string JsonQuote(std::string_view s);

// ParseJson parses `text` into a document; the error names the byte offset and the reason.
Result<rapidjson::Document> ParseJson(std::string_view text);

// JsonToString writes compact JSON (no spaces, '/' unescaped) or, with `pretty`, indented.
std::string JsonToString(const rapidjson::Value& v, bool pretty = false);

}  // namespace uid2
