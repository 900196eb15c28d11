// snapshot.h: an immutable, indexed view of all core data at one moment.
//
// The StoreManager publishes a std::shared_ptr<const Snapshot>; a request handler takes one
// (StoreManager::Current()) at the start of the request and uses it for the whole request.
// Every lookup here is const, lock-free and allocation-free (except the key-access lists,
// which return a vector the caller serialises).
//
//   auto snap = manager.Current();
//   const ClientKey* client = snap->FindClientByKey(bearer);
//   if (!client || client->disabled || !client->HasAnyRole(kRoleGenerator)) -> 401
//   SaltEntry bucket = snap->SaltBucket(first_level_hash);  // views into the snapshot
//   Result<const KeysetKey*> master = snap->MasterKey(now_s);
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"
#include "operator/store/config.h"
#include "operator/store/records.h"
#include "operator/store/salts.h"

namespace uid2::store {

// Heterogeneous-lookup hash for string keys (find by string_view without allocating).
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
template <typename V>
using StringMap = std::unordered_map<std::string, V, StringHash, std::equal_to<>>;

// ClientIndex: the clients store, indexed for bearer-key authentication.
class ClientIndex {
 public:
  explicit ClientIndex(std::vector<ClientKey> clients);
  // Find returns the client whose key_hash matches SHA-512(key_salt || key), or nullptr.
  // Cost: one SHA-512 plus a hash-map probe per distinct key_id length (clients are indexed by
  // key_id, which is a prefix of the key); clients without key_id are tried one by one.
  // Keys longer than 1024 bytes never match. Disabled clients are returned (callers check).
  const ClientKey* Find(std::string_view key) const;
  const std::vector<ClientKey>& all() const { return clients_; }

 private:
  std::vector<ClientKey> clients_;
  StringMap<std::vector<uint32_t>> by_key_id_;  // key_id -> indexes into clients_
  std::vector<size_t> key_id_lengths_;          // distinct key_id lengths, ascending
  std::vector<uint32_t> without_key_id_;
};

// Salts metadata plus the selected file.
struct SaltsData {
  SaltsMetadata metadata;
  std::shared_ptr<const SaltSet> set;  // never null in a Snapshot
  int64_t selected_effective_ms = 0;
};

// The raw parts, one per store; Snapshot::Build indexes them. Optional stores may be null
// (then their lookups find nothing). Parts are shared between successive snapshots.
struct SnapshotParts {
  std::shared_ptr<const ClientIndex> clients;
  std::shared_ptr<const std::vector<Keyset>> keysets;
  std::shared_ptr<const std::vector<KeysetKey>> keyset_keys;
  std::shared_ptr<const SaltsData> salts;
  std::shared_ptr<const std::vector<Site>> sites;
  std::shared_ptr<const std::vector<ClientSideKeypair>> client_side_keypairs;
  std::shared_ptr<const std::vector<Service>> services;
  std::shared_ptr<const std::vector<ServiceLink>> service_links;
  std::shared_ptr<const RuntimeConfig> runtime_config;
  int64_t versions[kStoreCount] = {};  // metadata "version" of each part (0 = not loaded)
};

// Which key endpoint a key-access list is for (spec §1.1).
enum class KeyEndpoint { kSharing, kBidstream };

// One entry of the "keys" array of /v2/key/sharing or /v2/key/bidstream.
struct AccessibleKey {
  const KeysetKey* key;
  int32_t keyset_site_id;            // site of the key's keyset (for site_data)
  std::optional<int32_t> keyset_id;  // the "keyset_id" to write, if any (sharing only)
};

class Snapshot {
 public:
  // Build indexes the parts. Fails (kInvalid, naming the store) when a required part (clients,
  // keysets, keyset_keys, salts, runtime_config) is missing or two keys share an id. Keys of
  // unknown keysets are kept but never selected; a site with two default keysets is reported
  // by DefaultKeyset/SiteKey, not here (one bad site must not stop the others).
  static Result<std::shared_ptr<const Snapshot>> Build(SnapshotParts parts);

  const SnapshotParts& parts() const { return parts_; }
  int64_t version(StoreId id) const { return parts_.versions[static_cast<int>(id)]; }

  // ---- clients ----
  const ClientKey* FindClientByKey(std::string_view key) const { return parts_.clients->Find(key); }

  // ---- keys (spec §3.3); times are epoch seconds ----
  const KeysetKey* FindKey(int32_t key_id) const;
  const Keyset* FindKeyset(int32_t keyset_id) const;
  // ActiveKey: of the keyset's keys with activates <= now, the latest-activating one whose
  // expires > now; nullptr if none.
  const KeysetKey* ActiveKey(int32_t keyset_id, int64_t now_s) const;
  // MasterKey / RefreshKey: active key of keyset -1 / -2; kNotFound error if none.
  Result<const KeysetKey*> MasterKey(int64_t now_s) const;
  Result<const KeysetKey*> RefreshKey(int64_t now_s) const;
  // DefaultKeyset: the site's enabled+default keyset (for /v2/key/sharing's default_keyset_id);
  // a null pointer if the site has none; kInvalid if it has two or more.
  Result<const Keyset*> DefaultKeyset(int32_t site_id) const;
  // SiteKey: active key of the site's enabled+default keyset; when the site has none (or it
  // has no active key), the active key of keyset 2 (site 2's). Errors: two default keysets
  // for the site (kInvalid), no key at all (kNotFound).
  Result<const KeysetKey*> SiteKey(int32_t site_id, int64_t now_s) const;
  // All keys sorted by id (for /v2/key/latest and metrics).
  const std::vector<const KeysetKey*>& KeysById() const { return keys_by_id_; }

  // AccessibleKeys: spec §1.1. Candidates: all keys except the refresh keyset's, by id. A key
  // is included if its keyset is the master keyset, or the keyset exists, is enabled, and
  // (its site is the caller's | roles has ID_READER and allowed_sites is null | the caller's
  // site is in allowed_sites). For kSharing, keyset_id is set to the key's keyset id for keys
  // of the caller's own site and to 9999999 for master keys; for kBidstream it is never set.
  std::vector<AccessibleKey> AccessibleKeys(int32_t caller_site_id, RoleMask caller_roles,
                                            KeyEndpoint endpoint) const;

  // ---- salts (spec §3.2) ----
  const SaltsData& salts() const { return *parts_.salts; }
  // REQUIRES: first_level_hash.size() >= 3.
  SaltEntry SaltBucket(ByteSpan first_level_hash) const {
    return parts_.salts->set->Bucket(first_level_hash);
  }
  std::string_view first_level_salt() const { return parts_.salts->metadata.first_level; }

  // ---- sites, CSTG keypairs, services ----
  const Site* FindSite(int32_t site_id) const;
  const ClientSideKeypair* FindKeypair(std::string_view subscription_id) const;
  const Service* FindService(int32_t service_id) const;
  const ServiceLink* FindServiceLink(int32_t service_id, std::string_view link_id) const;
  // CheckServiceLink: spec §4.2. True when the client has no service (service_id == 0), or
  // link_id is empty, or the link (client's service_id, link_id) exists, is not disabled and
  // carries `required_role`.
  bool CheckServiceLink(const ClientKey& client, std::string_view link_id,
                        RoleMask required_role) const;

  // ---- runtime config (spec §4.2) ----
  const RuntimeConfig& runtime_config() const { return *parts_.runtime_config; }

 private:
  Snapshot() = default;
  Status Index();

  SnapshotParts parts_;
  std::unordered_map<int32_t, const KeysetKey*> key_by_id_;
  std::unordered_map<int32_t, const Keyset*> keyset_by_id_;
  // keyset id -> its keys sorted by activates ascending
  std::unordered_map<int32_t, std::vector<const KeysetKey*>> keys_by_keyset_;
  // site id -> default keyset, or nullptr when the site has two (ambiguous)
  std::unordered_map<int32_t, const Keyset*> default_keyset_by_site_;
  std::vector<const KeysetKey*> keys_by_id_;
  std::unordered_map<int32_t, const Site*> site_by_id_;
  StringMap<const ClientSideKeypair*> keypair_by_subscription_;
  std::unordered_map<int32_t, const Service*> service_by_id_;
  StringMap<std::vector<const ServiceLink*>> links_by_id_;
};

}  // namespace uid2::store
