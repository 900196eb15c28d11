// records.h: the core data records (spec §4.2), as parsed from the core stores' JSON.
// Plain values; the Snapshot (snapshot.h) owns them and indexes them.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"

namespace uid2::store {

// Roles as a bitmask. Unknown role names in the data are ignored (spec §4.2).
enum Role : uint32_t {
  kRoleGenerator = 1u << 0,
  kRoleMapper = 1u << 1,
  kRoleIdReader = 1u << 2,
  kRoleSharer = 1u << 3,
  kRoleOptout = 1u << 4,
  kRoleOptoutChecker = 1u << 5,
  kRoleClientKeyIssuer = 1u << 6,
  kRoleOperator = 1u << 7,
  kRoleAdministrator = 1u << 8,
};
using RoleMask = uint32_t;

// ParseRole maps "GENERATOR", "MAPPER", ... (exact upper case) to its bit; 0 when unknown.
RoleMask ParseRole(std::string_view name);
// RoleNames renders a mask as "GENERATOR,MAPPER" (for logs and tests).
std::string RoleNames(RoleMask mask);

// A client API key (clients store, key "client_keys").
struct ClientKey {
  std::string key_id;   // public key prefix, e.g. "UID2-C-L-999-fCXrM" ("" if absent)
  Bytes key_hash;       // b64-decoded key_hash: SHA-512(key_salt || utf8(key)), 64 bytes
  Bytes key_salt;       // b64-decoded key_salt
  Bytes secret;         // b64-decoded secret: the 32-byte envelope key (spec §2.1)
  std::string name;     // operator-visible name; may be logged
  std::string contact;  // contact; may be personal data, never log
  int64_t created = 0;  // epoch s
  RoleMask roles = 0;
  int32_t site_id = 0;
  bool disabled = false;
  int32_t service_id = 0;  // 0 = none

  bool HasAnyRole(RoleMask wanted) const { return (roles & wanted) != 0; }
};

struct Keyset {
  int32_t keyset_id = 0;
  int32_t site_id = 0;
  std::string name;
  std::optional<std::vector<int32_t>> allowed_sites;  // nullopt = JSON null
  int64_t created = 0;
  bool enabled = false;
  bool is_default = false;  // JSON "default"

  bool AllowsSite(int32_t site_id) const;
};

inline constexpr int32_t kMasterKeysetId = -1;
inline constexpr int32_t kRefreshKeysetId = -2;
inline constexpr int32_t kFallbackPublisherKeysetId = 2;  // site 2's keyset (spec §3.3)
inline constexpr int32_t kFallbackPublisherSiteId = 2;
inline constexpr int32_t kMasterKeysetIdForSdks = 9999999;  // spec §1.1

// An encryption key (keyset_keys store). Times are epoch seconds.
struct KeysetKey {
  int32_t id = 0;
  int32_t keyset_id = 0;
  int64_t created = 0;
  int64_t activates = 0;
  int64_t expires = 0;
  Bytes secret;            // b64-decoded, 32 bytes
  std::string secret_b64;  // as in the data (the key endpoints return it unchanged)

  bool IsActive(int64_t now_s) const { return activates <= now_s && now_s < expires; }
};

struct Site {
  int32_t id = 0;
  std::string name;
  bool enabled = false;
  std::vector<std::string> domain_names;  // sorted
  std::vector<std::string> app_names;     // sorted
};

// CSTG keypair (client_side_keypairs store). The key strings keep their prefixes.
struct ClientSideKeypair {
  std::string subscription_id;
  std::string public_key;   // "UID2-X-L-" + b64 SPKI
  std::string private_key;  // "UID2-Y-L-" + b64 PKCS#8 (a secret: never log)
  int32_t site_id = 0;
  int64_t created = 0;
  bool disabled = false;

  // Decoded DER (prefix of 9 characters removed, b64 decoded). Empty if it did not decode.
  Bytes public_key_der;
  Bytes private_key_der;
};

struct Service {
  int32_t service_id = 0;
  int32_t site_id = 0;
  std::string name;
  RoleMask roles = 0;
};

struct ServiceLink {
  std::string link_id;
  int32_t service_id = 0;
  int32_t site_id = 0;
  std::string name;
  RoleMask roles = 0;  // absent in the data = 0
  bool disabled = false;
};

}  // namespace uid2::store
