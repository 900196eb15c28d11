// schema.h: the manifest keys Gramine v1.9 knows (manifest-syntax.rst), with their types.
#pragma once

#include <string_view>
#include <vector>

namespace uid2::manifest {

enum class KeyType { kString, kInteger, kBoolean, kSize, kStringArray, kTable, kArray, kAny };

struct KeySpec {
  std::string_view key;  // dotted; "*" matches any one key segment
  KeyType type;
};

// KnownKeys lists every leaf key (and the free-form tables whose children are user-named).
const std::vector<KeySpec>& KnownKeys();

// FindKeySpec returns the spec matching a dotted key, or nullptr.
const KeySpec* FindKeySpec(std::string_view dotted);

// ClosestKnownKey returns the known key with the smallest edit distance to `dotted`.
std::string_view ClosestKnownKey(std::string_view dotted);

}  // namespace uid2::manifest
