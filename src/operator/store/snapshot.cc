#include "operator/store/snapshot.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "crypto/hash.h"

namespace uid2::store {

namespace {
constexpr size_t kMaxKeyLength = 1024;
constexpr size_t kMaxSaltLength = 256;
}  // namespace

// ---- ClientIndex ----

ClientIndex::ClientIndex(std::vector<ClientKey> clients) : clients_(std::move(clients)) {
  for (uint32_t i = 0; i < clients_.size(); i++) {
    const ClientKey& c = clients_[i];
    if (c.key_salt.size() > kMaxSaltLength) continue;  // can never match; see Find
    if (c.key_id.empty()) {
      without_key_id_.push_back(i);
      continue;
    }
    by_key_id_[c.key_id].push_back(i);
    if (std::find(key_id_lengths_.begin(), key_id_lengths_.end(), c.key_id.size()) ==
        key_id_lengths_.end()) {
      key_id_lengths_.push_back(c.key_id.size());
    }
  }
  std::sort(key_id_lengths_.begin(), key_id_lengths_.end());
}

namespace {
// Matches: SHA-512(salt || key) == key_hash. Uses a stack buffer: no allocation.
bool KeyMatches(const ClientKey& c, std::string_view key) {
  std::array<uint8_t, kMaxSaltLength + kMaxKeyLength> buf;
  std::memcpy(buf.data(), c.key_salt.data(), c.key_salt.size());
  std::memcpy(buf.data() + c.key_salt.size(), key.data(), key.size());
  crypto::Sha512Digest d = crypto::Sha512(ByteSpan(buf.data(), c.key_salt.size() + key.size()));
  return ConstantTimeEquals(d, c.key_hash);
}
}  // namespace

const ClientKey* ClientIndex::Find(std::string_view key) const {
  if (key.empty() || key.size() > kMaxKeyLength) return nullptr;
  for (size_t len : key_id_lengths_) {
    if (len > key.size()) break;
    auto it = by_key_id_.find(key.substr(0, len));
    if (it == by_key_id_.end()) continue;
    for (uint32_t i : it->second) {
      if (KeyMatches(clients_[i], key)) return &clients_[i];
    }
  }
  for (uint32_t i : without_key_id_) {
    if (KeyMatches(clients_[i], key)) return &clients_[i];
  }
  return nullptr;
}

// ---- Snapshot ----

Result<std::shared_ptr<const Snapshot>> Snapshot::Build(SnapshotParts parts) {
  std::shared_ptr<Snapshot> snap(new Snapshot());
  snap->parts_ = std::move(parts);
  UID2_RETURN_IF_ERROR(snap->Index());
  return std::shared_ptr<const Snapshot>(std::move(snap));
}

Status Snapshot::Index() {
  const SnapshotParts& p = parts_;
  if (!p.clients) return Error::Invalid("store clients is not loaded");
  if (!p.keysets) return Error::Invalid("store keysets is not loaded");
  if (!p.keyset_keys) return Error::Invalid("store keyset_keys is not loaded");
  if (!p.salts || !p.salts->set) return Error::Invalid("store salts is not loaded");
  if (!p.runtime_config) return Error::Invalid("store runtime_config is not loaded");

  for (const Keyset& ks : *p.keysets) {
    if (!keyset_by_id_.emplace(ks.keyset_id, &ks).second) {
      return Error::Invalid("keysets: duplicate keyset_id " + std::to_string(ks.keyset_id));
    }
    if (!ks.enabled || !ks.is_default) continue;
    auto [it, inserted] = default_keyset_by_site_.emplace(ks.site_id, &ks);
    if (!inserted) it->second = nullptr;  // two default keysets: ambiguous
  }
  for (const KeysetKey& k : *p.keyset_keys) {
    if (!key_by_id_.emplace(k.id, &k).second) {
      return Error::Invalid("keyset_keys: duplicate key id " + std::to_string(k.id));
    }
    keys_by_keyset_[k.keyset_id].push_back(&k);
    keys_by_id_.push_back(&k);
  }
  for (auto& [id, keys] : keys_by_keyset_) {
    std::stable_sort(keys.begin(), keys.end(), [](const KeysetKey* a, const KeysetKey* b) {
      return a->activates < b->activates;
    });
  }
  std::sort(keys_by_id_.begin(), keys_by_id_.end(),
            [](const KeysetKey* a, const KeysetKey* b) { return a->id < b->id; });
  if (p.sites) {
    for (const Site& s : *p.sites) site_by_id_[s.id] = &s;
  }
  if (p.client_side_keypairs) {
    for (const auto& k : *p.client_side_keypairs) keypair_by_subscription_[k.subscription_id] = &k;
  }
  if (p.services) {
    for (const Service& s : *p.services) service_by_id_[s.service_id] = &s;
  }
  if (p.service_links) {
    for (const ServiceLink& l : *p.service_links) links_by_id_[l.link_id].push_back(&l);
  }
  return Ok();
}

const KeysetKey* Snapshot::FindKey(int32_t key_id) const {
  auto it = key_by_id_.find(key_id);
  return it == key_by_id_.end() ? nullptr : it->second;
}

const Keyset* Snapshot::FindKeyset(int32_t keyset_id) const {
  auto it = keyset_by_id_.find(keyset_id);
  return it == keyset_by_id_.end() ? nullptr : it->second;
}

const KeysetKey* Snapshot::ActiveKey(int32_t keyset_id, int64_t now_s) const {
  auto it = keys_by_keyset_.find(keyset_id);
  if (it == keys_by_keyset_.end()) return nullptr;
  const auto& keys = it->second;  // sorted by activates ascending
  for (auto k = keys.rbegin(); k != keys.rend(); ++k) {
    if ((*k)->IsActive(now_s)) return *k;
  }
  return nullptr;
}

Result<const KeysetKey*> Snapshot::MasterKey(int64_t now_s) const {
  const KeysetKey* k = ActiveKey(kMasterKeysetId, now_s);
  if (!k) return Error::NotFound("no active master key (keyset -1)");
  return k;
}

Result<const KeysetKey*> Snapshot::RefreshKey(int64_t now_s) const {
  const KeysetKey* k = ActiveKey(kRefreshKeysetId, now_s);
  if (!k) return Error::NotFound("no active refresh key (keyset -2)");
  return k;
}

Result<const Keyset*> Snapshot::DefaultKeyset(int32_t site_id) const {
  auto it = default_keyset_by_site_.find(site_id);
  if (it == default_keyset_by_site_.end()) return static_cast<const Keyset*>(nullptr);
  if (!it->second) {
    return Error::Invalid("site " + std::to_string(site_id) +
                          " has more than one enabled default keyset");
  }
  return it->second;
}

Result<const KeysetKey*> Snapshot::SiteKey(int32_t site_id, int64_t now_s) const {
  UID2_ASSIGN_OR_RETURN(const Keyset* keyset, DefaultKeyset(site_id));
  if (keyset) {
    if (const KeysetKey* k = ActiveKey(keyset->keyset_id, now_s)) return k;
  }
  if (const KeysetKey* k = ActiveKey(kFallbackPublisherKeysetId, now_s)) return k;
  return Error::NotFound("no active key for site " + std::to_string(site_id) +
                         " nor for the fallback keyset 2");
}

std::vector<AccessibleKey> Snapshot::AccessibleKeys(int32_t caller_site_id, RoleMask caller_roles,
                                                    KeyEndpoint endpoint) const {
  std::vector<AccessibleKey> out;
  const bool sharing = endpoint == KeyEndpoint::kSharing;
  const bool id_reader = (caller_roles & kRoleIdReader) != 0;
  for (const KeysetKey* k : keys_by_id_) {
    if (k->keyset_id == kRefreshKeysetId) continue;
    const Keyset* ks = FindKeyset(k->keyset_id);
    if (k->keyset_id == kMasterKeysetId) {
      out.push_back({k, ks ? ks->site_id : -1,
                     sharing ? std::optional<int32_t>(kMasterKeysetIdForSdks) : std::nullopt});
      continue;
    }
    if (!ks || !ks->enabled) continue;
    const bool own = ks->site_id == caller_site_id;
    const bool accessible =
        own || (id_reader && !ks->allowed_sites.has_value()) || ks->AllowsSite(caller_site_id);
    if (!accessible) continue;
    out.push_back(
        {k, ks->site_id, sharing && own ? std::optional<int32_t>(ks->keyset_id) : std::nullopt});
  }
  return out;
}

const Site* Snapshot::FindSite(int32_t site_id) const {
  auto it = site_by_id_.find(site_id);
  return it == site_by_id_.end() ? nullptr : it->second;
}

const ClientSideKeypair* Snapshot::FindKeypair(std::string_view subscription_id) const {
  auto it = keypair_by_subscription_.find(subscription_id);
  return it == keypair_by_subscription_.end() ? nullptr : it->second;
}

const Service* Snapshot::FindService(int32_t service_id) const {
  auto it = service_by_id_.find(service_id);
  return it == service_by_id_.end() ? nullptr : it->second;
}

const ServiceLink* Snapshot::FindServiceLink(int32_t service_id, std::string_view link_id) const {
  auto it = links_by_id_.find(link_id);
  if (it == links_by_id_.end()) return nullptr;
  for (const ServiceLink* l : it->second) {
    if (l->service_id == service_id) return l;
  }
  return nullptr;
}

bool Snapshot::CheckServiceLink(const ClientKey& client, std::string_view link_id,
                                RoleMask required_role) const {
  if (client.service_id == 0 || link_id.empty()) return true;
  const ServiceLink* l = FindServiceLink(client.service_id, link_id);
  return l && !l->disabled && (l->roles & required_role) != 0;
}

}  // namespace uid2::store
