// operators.h: the operators file, modelled on uid2-core's operators.json. Keys are never
// stored: each entry holds key_hash = base64(SHA-512(key_salt || key)) (uid2-shared's KeyHasher;
// a 32-byte hash is read as SHA-256 of the same input) and key_salt = base64(32 random bytes).
//
//   [{"key_hash": "...", "key_salt": "...", "name": "local-operator", "contact": "dev@local",
//     "protocol": "azure-sgx", "created": 1765000000, "disabled": false,
//     "roles": ["OPERATOR"], "site_id": 999, "operator_type": "PUBLIC", "key_id":
//     "UID2-O-L-999-abc"}]
//
// protocol: "azure-sgx" (a raw DCAP quote, spec §4.6) is the only one core-local verifies.
#pragma once

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"

namespace uid2::corelocal {

enum class OperatorType { kPublic, kPrivate };

struct OperatorEntry {
  Bytes key_hash;  // 64 bytes (SHA-512) or 32 (SHA-256)
  Bytes key_salt;
  std::string name;
  std::string contact;
  std::string protocol = "azure-sgx";
  int64_t created = 0;
  bool disabled = false;
  std::vector<std::string> roles = {"OPERATOR"};
  int32_t site_id = 0;
  OperatorType operator_type = OperatorType::kPrivate;
  std::string key_id;  // a non-secret prefix of the key, for logs

  bool HasRole(std::string_view role) const;
};

std::string_view OperatorTypeName(OperatorType t);  // "PUBLIC" / "PRIVATE"

// ParseOperators reads the JSON array; the error names the entry index and the field.
Result<std::vector<OperatorEntry>> ParseOperators(std::string_view json);
Result<std::vector<OperatorEntry>> LoadOperators(const std::string& path);
std::string OperatorsToJson(const std::vector<OperatorEntry>& entries);

// HashKey computes SHA-512(salt || key) as uid2-shared's KeyHasher does.
Bytes HashKey(std::string_view key, ByteSpan salt);

// Authenticate returns the entry whose hash matches `key` (constant-time compare per entry), or
// nullptr. Disabled entries are returned too: the caller refuses them.
const OperatorEntry* Authenticate(const std::vector<OperatorEntry>& entries, std::string_view key);

// NewOperator makes a fresh key "UID2-O-L-<site>-<base64url of 32 random bytes>" and its entry.
struct NewOperatorKey {
  std::string key;  // the plaintext: shown once, never stored
  OperatorEntry entry;
};
NewOperatorKey MakeOperatorKey(std::string name, int32_t site_id, OperatorType type,
                               std::string protocol, time_t now);

}  // namespace uid2::corelocal
