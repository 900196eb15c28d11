// Tests of the bundled local dataset (data/uid2/core) through StoreManager and Snapshot.
#include "operator/store/snapshot.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "common/encoding.h"
#include "crypto/hash.h"
#include "operator/store/store_manager.h"
#include "test_util.h"

namespace uid2::store {
namespace {

using testing::kTestNowMs;
constexpr int64_t kNowS = kTestNowMs / 1000;

// The reference operator loads sites and client-side keypairs only for CSTG, and services and
// service links only with validate_service_links (Main.createStoreVerticles); a private
// operator's core refuses it the CSTG stores.
TEST(StoreSelectionTest, OptionalStoresLoadOnlyWhenTheirFeatureIsOn) {
  OperatorConfig config = testing::LocalConfigFor("data/uid2/core");
  config.client_side_token_generate = false;
  config.validate_service_links = false;
  auto off = StoreManager::Create(config, [] { return kTestNowMs; });
  ASSERT_TRUE(off.ok()) << off.error().message();
  EXPECT_EQ((*off)->Current()->FindSite(123), nullptr);
  EXPECT_EQ((*off)->Current()->FindKeypair("4WvryDGbR5"), nullptr);
  EXPECT_EQ((*off)->Current()->FindService(2), nullptr);
  config.client_side_token_generate = true;
  config.validate_service_links = true;
  auto on = StoreManager::Create(config, [] { return kTestNowMs; });
  ASSERT_TRUE(on.ok()) << on.error().message();
  EXPECT_NE((*on)->Current()->FindSite(123), nullptr);
  EXPECT_NE((*on)->Current()->FindKeypair("4WvryDGbR5"), nullptr);
  EXPECT_NE((*on)->Current()->FindService(2), nullptr);
}

class DatasetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    OperatorConfig config = testing::LocalConfigFor("data/uid2/core");
    config.validate_service_links = true;  // services and links load only then
    auto m = StoreManager::Create(config, [] { return kTestNowMs; });
    ASSERT_TRUE(m.ok()) << m.error().message();
    manager_ = std::move(*m);
    snap_ = manager_->Current();
  }
  std::unique_ptr<StoreManager> manager_;
  std::shared_ptr<const Snapshot> snap_;
};

TEST_F(DatasetTest, ClientsAuthenticateByPlaintextKey) {
  struct {
    const char* key;
    int32_t site;
    RoleMask roles;
    int32_t service_id;
  } cases[] = {
      {"UID2-C-L-999-fCXrMM.fsR3mDqAXELtWWMS+xG1s7RdgRTMqdOH2qaAo=", 999,
       kRoleMapper | kRoleGenerator | kRoleIdReader | kRoleSharer | kRoleOptoutChecker |
           kRoleOptout,
       0},
      {"LOCALbGlvbnVuZGVybGluZXdpbmRzY2FyZWRzb2Z0ZGVzZXI=", 999,
       kRoleMapper | kRoleGenerator | kRoleIdReader | kRoleSharer | kRoleOptout, 0},
      {"UID2-C-L-123-t32pCM.5NCX1E94UgOd2f8zhsKmxzCoyhXohHYSSWR8U=", 123, kRoleIdReader, 0},
      {"UID2-C-L-124-H8VwqX.l2G4TCuUWYAqdqkeG/UqtFoPEoXirKn4kHWxc=", 124, kRoleGenerator, 0},
      {"UID2-C-L-125-E5w9L8.T5og45yFqQeoj4ubh9IVqXcaSVwk7A5XyG958=", 125, kRoleMapper | kRoleSharer,
       0},
      {"UID2-C-L-126-GMP9tD.jn2o3vmXzn7vmKRlTT6BEUrPUaPJuQmDBdq38=", 126, kRoleMapper, 0},
      {"UID2-C-L-127-aHVydH.JlZnVzZWRmYXN0ZW5lbXliYWdpZGVudGl0eWU=", 127, kRoleOptout, 0},
      {"UID2-C-L-126-Tv40pS./TtagASU9S0tIqDyBSh283pla4mDyHBZvw+OQ=", 126, kRoleMapper, 2},
  };
  for (const auto& c : cases) {
    const ClientKey* client = snap_->FindClientByKey(c.key);
    ASSERT_NE(client, nullptr) << c.key;
    EXPECT_EQ(client->site_id, c.site) << c.key;
    EXPECT_EQ(client->roles, c.roles) << c.key << " " << RoleNames(client->roles);
    EXPECT_EQ(client->service_id, c.service_id) << c.key;
    EXPECT_FALSE(client->disabled);
    EXPECT_EQ(client->secret.size(), 32u);
  }
  const ClientKey* c999 =
      snap_->FindClientByKey("UID2-C-L-999-fCXrMM.fsR3mDqAXELtWWMS+xG1s7RdgRTMqdOH2qaAo=");
  ASSERT_NE(c999, nullptr);
  EXPECT_EQ(Base64Encode(c999->secret), "DzBzbjTJcYL0swDtFs2krRNu+g1Eokm2tBU4dEuD0Wk=");
  EXPECT_TRUE(c999->HasAnyRole(kRoleGenerator));
  EXPECT_FALSE(snap_->FindClientByKey("UID2-C-L-123-t32pCM.5NCX1E94UgOd2f8zhsKmxzCoyhXohHYSSWR8U=")
                   ->HasAnyRole(kRoleGenerator));
}

TEST_F(DatasetTest, WrongKeysDoNotAuthenticate) {
  // Right key_id prefix, wrong rest; one changed character; empty; a key of only the key_id.
  EXPECT_EQ(snap_->FindClientByKey("UID2-C-L-999-fCXrMM.fsR3mDqAXELtWWMS+xG1s7RdgRTMqdOH2qaAX="),
            nullptr);
  EXPECT_EQ(snap_->FindClientByKey("UID2-C-L-999-fCXrM"), nullptr);
  EXPECT_EQ(snap_->FindClientByKey(""), nullptr);
  EXPECT_EQ(snap_->FindClientByKey("nonsense"), nullptr);
  EXPECT_EQ(snap_->FindClientByKey(std::string(5000, 'U')), nullptr);
}

TEST_F(DatasetTest, MasterRefreshAndSiteKeys) {
  auto master = snap_->MasterKey(kNowS);
  ASSERT_TRUE(master.ok());
  EXPECT_EQ((*master)->id, 101);
  auto refresh = snap_->RefreshKey(kNowS);
  ASSERT_TRUE(refresh.ok());
  EXPECT_EQ((*refresh)->id, 102);
  struct {
    int32_t site;
    int32_t key;
  } sites[] = {
      {123, 104},  // default keyset 501
      {124, 103},  // no keyset: fallback to keyset 2
      {2, 103},    // site 2 itself
      {6, 7},      // default 601 (602 is not default)
      {5, 103},    // 503 is disabled and not default: fallback
      {127, 103},  // keyset 901's only key (11) expired in 2024: fallback
  };
  for (const auto& s : sites) {
    auto k = snap_->SiteKey(s.site, kNowS);
    ASSERT_TRUE(k.ok()) << s.site;
    EXPECT_EQ((*k)->id, s.key) << "site " << s.site;
  }
  // Before key 101 activated (1687635529) there is no master key.
  EXPECT_FALSE(snap_->MasterKey(1687635528).ok());
  // Key 11 was active in 2024.
  auto k127 = snap_->SiteKey(127, 1714000000);
  ASSERT_TRUE(k127.ok());
  EXPECT_EQ((*k127)->id, 11);
}

TEST_F(DatasetTest, FindKeyAndKeysets) {
  ASSERT_NE(snap_->FindKey(103), nullptr);
  EXPECT_EQ(snap_->FindKey(103)->keyset_id, 2);
  EXPECT_EQ(snap_->FindKey(103)->secret_b64, "c2yMYeezHfDvZ6haknCFaj0t+eAEJp/C/uh+fUAm1fo=");
  EXPECT_EQ(snap_->FindKey(999), nullptr);
  ASSERT_NE(snap_->FindKeyset(-1), nullptr);
  EXPECT_FALSE(snap_->FindKeyset(-1)->allowed_sites.has_value());
  EXPECT_TRUE(snap_->FindKeyset(901)->AllowsSite(123));
  EXPECT_EQ(snap_->KeysById().size(), 11u);
}

std::vector<int32_t> Ids(const std::vector<AccessibleKey>& keys) {
  std::vector<int32_t> ids;
  for (const auto& k : keys) ids.push_back(k.key->id);
  return ids;
}

TEST_F(DatasetTest, KeyAccessForDsp123) {
  auto keys = snap_->AccessibleKeys(123, kRoleIdReader, KeyEndpoint::kSharing);
  EXPECT_EQ(Ids(keys), (std::vector<int32_t>{5, 11, 101, 104}));
  for (const auto& k : keys) {
    switch (k.key->id) {
      case 5:
        EXPECT_EQ(k.keyset_id, 502);
        break;  // own site
      case 104:
        EXPECT_EQ(k.keyset_id, 501);
        break;  // own site
      case 101:
        EXPECT_EQ(k.keyset_id, 9999999);
        break;  // master
      case 11:
        EXPECT_FALSE(k.keyset_id.has_value());
        break;  // allowed, not own
    }
  }
  auto bid = snap_->AccessibleKeys(123, kRoleIdReader, KeyEndpoint::kBidstream);
  EXPECT_EQ(Ids(bid), (std::vector<int32_t>{5, 11, 101, 104}));
  for (const auto& k : bid) EXPECT_FALSE(k.keyset_id.has_value());
}

TEST_F(DatasetTest, KeyAccessForSite2Sharer) {
  auto keys = snap_->AccessibleKeys(2, kRoleSharer, KeyEndpoint::kSharing);
  // 6 (keyset 503 disabled), 11 (allowed [123]) and 102 (refresh) are excluded.
  EXPECT_EQ(Ids(keys), (std::vector<int32_t>{5, 7, 8, 9, 10, 101, 103, 104}));
  for (const auto& k : keys) {
    if (k.key->id == 103) {
      EXPECT_EQ(k.keyset_id, 2);
    } else if (k.key->id == 101) {
      EXPECT_EQ(k.keyset_id, 9999999);
    } else {
      EXPECT_FALSE(k.keyset_id.has_value()) << k.key->id;
    }
  }
}

TEST_F(DatasetTest, KeyAccessOtherSitesSeeMasterOnly) {
  for (int32_t site : {999, 125, 124}) {
    EXPECT_EQ(Ids(snap_->AccessibleKeys(site, kRoleSharer | kRoleIdReader, KeyEndpoint::kSharing)),
              (std::vector<int32_t>{101}))
        << site;
  }
}

TEST_F(DatasetTest, SaltsAndBuckets) {
  const SaltsData& salts = snap_->salts();
  EXPECT_EQ(salts.set->size(), 5u);
  EXPECT_EQ(salts.selected_effective_ms, 1745907348982);
  EXPECT_EQ(snap_->first_level_salt(), "fOGY/aRE44peL23i+cE9MkJrzmEeNZZziNZBfq7qqk8=");
  auto h0 = Base64Decode("RNzyiMMy106hy8MpBOsHBe+ZZkQR8IbUAG/IC2OrNr4=");
  auto h2 = Base64Decode("sNucuuqRSevxEAlg4mdhE+VFd+d/XOb6N/kYA5QS/zE=");
  ASSERT_TRUE(h0 && h2);
  EXPECT_EQ(snap_->SaltBucket(*h0).id, 1000000);
  EXPECT_EQ(snap_->SaltBucket(*h0).salt, "vgv1BwiNRCW7F3VcNXHlZh+7oHJ4G4gCshbGcVOLnss=");
  EXPECT_EQ(snap_->SaltBucket(*h2).id, 1000002);
  EXPECT_TRUE(snap_->SaltBucket(*h2).salt.empty());
  EXPECT_EQ(snap_->SaltBucket(*h2).current_key.id, 2100002);
}

TEST_F(DatasetTest, RuntimeConfigFromStore) {
  const RuntimeConfig& rc = snap_->runtime_config();
  EXPECT_EQ(rc.identity_token_expires_after_seconds, 3600);
  EXPECT_EQ(rc.refresh_token_expires_after_seconds, 86400);
  EXPECT_EQ(rc.refresh_identity_token_after_seconds, 900);
  EXPECT_EQ(rc.sharing_token_expiry_seconds, 2592000);
  EXPECT_EQ(rc.identity_environment, IdentityEnvironment::kTest);
  EXPECT_FALSE(rc.max_bidstream_lifetime_seconds.has_value());
}

TEST_F(DatasetTest, SitesKeypairsServices) {
  const Site* s = snap_->FindSite(123);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->domain_names, (std::vector<std::string>{"localhost", "uidapi.com"}));
  EXPECT_EQ(s->app_names.size(), 4u);
  EXPECT_TRUE(std::is_sorted(s->app_names.begin(), s->app_names.end()));
  ASSERT_NE(snap_->FindSite(124), nullptr);
  EXPECT_TRUE(snap_->FindSite(124)->domain_names.empty());
  EXPECT_EQ(snap_->FindSite(4242), nullptr);

  const ClientSideKeypair* kp = snap_->FindKeypair("4WvryDGbR5");
  ASSERT_NE(kp, nullptr);
  EXPECT_EQ(kp->site_id, 123);
  EXPECT_FALSE(kp->disabled);
  EXPECT_EQ(kp->public_key_der.size(), 91u);  // P-256 SPKI DER
  EXPECT_FALSE(kp->private_key_der.empty());
  EXPECT_EQ(snap_->FindKeypair("nope"), nullptr);

  ASSERT_NE(snap_->FindService(2), nullptr);
  EXPECT_EQ(snap_->FindService(2)->roles, kRoleMapper);
  const ServiceLink* link = snap_->FindServiceLink(2, "testId2");
  ASSERT_NE(link, nullptr);
  EXPECT_EQ(link->site_id, 123);
  EXPECT_EQ(snap_->FindServiceLink(1, "testId2"), nullptr);
}

TEST_F(DatasetTest, ServiceLinkCheck) {
  const ClientKey* venice =
      snap_->FindClientByKey("UID2-C-L-126-Tv40pS./TtagASU9S0tIqDyBSh283pla4mDyHBZvw+OQ=");
  ASSERT_NE(venice, nullptr);
  EXPECT_TRUE(snap_->CheckServiceLink(*venice, "", kRoleMapper));  // no link_id
  EXPECT_FALSE(snap_->CheckServiceLink(*venice, "unknown", kRoleMapper));
  // testId2 exists for service 2 but carries no roles in the bundled data.
  EXPECT_FALSE(snap_->CheckServiceLink(*venice, "testId2", kRoleMapper));
  const ClientKey* c126 =
      snap_->FindClientByKey("UID2-C-L-126-GMP9tD.jn2o3vmXzn7vmKRlTT6BEUrPUaPJuQmDBdq38=");
  EXPECT_TRUE(snap_->CheckServiceLink(*c126, "unknown", kRoleMapper));  // no service
}

ClientKey MakeClient(std::string key_id, std::string_view key, int32_t site) {
  ClientKey c;
  c.key_id = std::move(key_id);
  c.key_salt = Bytes(32, 7);
  Bytes input = c.key_salt;
  input.insert(input.end(), key.begin(), key.end());
  auto d = crypto::Sha512(input);
  c.key_hash.assign(d.begin(), d.end());
  c.site_id = site;
  return c;
}

TEST(ClientIndexTest, KeyIdPrefixAndClientsWithoutKeyId) {
  ClientIndex index({MakeClient("AAAA", "AAAA-secret-1", 1), MakeClient("", "no-key-id-2", 2),
                     MakeClient("AAAA", "AAAA-secret-3", 3),
                     MakeClient("BBBBBB", "BBBBBB-secret-4", 4)});
  ASSERT_NE(index.Find("AAAA-secret-1"), nullptr);
  EXPECT_EQ(index.Find("AAAA-secret-1")->site_id, 1);
  EXPECT_EQ(index.Find("AAAA-secret-3")->site_id, 3);  // two clients share a key_id
  EXPECT_EQ(index.Find("BBBBBB-secret-4")->site_id, 4);
  EXPECT_EQ(index.Find("no-key-id-2")->site_id, 2);  // linear path
  EXPECT_EQ(index.Find("AAAA-secret-2"), nullptr);
  EXPECT_EQ(index.Find("CCCC-secret-1"), nullptr);
  // The hash is checked, not just the key_id.
  EXPECT_EQ(index.Find("AAAA"), nullptr);
}

// Snapshots built from hand-made parts, for rules the dataset does not exercise.
SnapshotParts MinimalParts() {
  SnapshotParts p;
  p.clients = std::make_shared<const ClientIndex>(std::vector<ClientKey>{});
  auto set = SaltSet::Parse("1,2,salt,3,,,,,,,\n");
  auto salts = std::make_shared<SaltsData>();
  salts->set = *set;
  p.salts = salts;
  p.runtime_config = std::make_shared<const RuntimeConfig>();
  p.keyset_keys = std::make_shared<const std::vector<KeysetKey>>(std::vector<KeysetKey>{
      {1, 10, 0, 100, 1000, Bytes(32), ""},
      {2, 10, 0, 200, 1000, Bytes(32), ""},
      {3, 10, 0, 300, 250, Bytes(32), ""},  // expired before it activated
  });
  return p;
}

TEST(SnapshotRulesTest, TwoDefaultKeysetsIsAnError) {
  SnapshotParts p = MinimalParts();
  p.keysets = std::make_shared<const std::vector<Keyset>>(std::vector<Keyset>{
      {10, 5, "a", std::nullopt, 0, true, true},
      {11, 5, "b", std::nullopt, 0, true, true},
  });
  auto snap = Snapshot::Build(p);
  ASSERT_TRUE(snap.ok()) << snap.error().message();
  auto k = (*snap)->SiteKey(5, 500);
  ASSERT_FALSE(k.ok());
  EXPECT_NE(k.error().message().find("more than one"), std::string::npos);
}

TEST(SnapshotRulesTest, ActiveIsLatestActivatedUnexpired) {
  SnapshotParts p = MinimalParts();
  p.keysets = std::make_shared<const std::vector<Keyset>>(
      std::vector<Keyset>{{10, 5, "a", std::nullopt, 0, true, true}});
  auto snap = Snapshot::Build(p);
  ASSERT_TRUE(snap.ok());
  EXPECT_EQ((*snap)->ActiveKey(10, 50), nullptr);  // nothing activated yet
  EXPECT_EQ((*snap)->ActiveKey(10, 150)->id, 1);
  EXPECT_EQ((*snap)->ActiveKey(10, 240)->id, 2);
  EXPECT_EQ((*snap)->ActiveKey(10, 400)->id, 2);     // 3 activated but is expired
  EXPECT_EQ((*snap)->ActiveKey(10, 1000), nullptr);  // all expired
}

TEST(SnapshotRulesTest, MissingRequiredPartsAndDuplicatesRefused) {
  SnapshotParts p = MinimalParts();
  EXPECT_FALSE(Snapshot::Build(p).ok());  // no keysets
  p.keysets = std::make_shared<const std::vector<Keyset>>();
  EXPECT_TRUE(Snapshot::Build(p).ok());
  p.keyset_keys = std::make_shared<const std::vector<KeysetKey>>(std::vector<KeysetKey>{
      {1, 10, 0, 100, 1000, Bytes(32), ""}, {1, 11, 0, 100, 1000, Bytes(32), ""}});
  auto dup = Snapshot::Build(p);
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.error().message().find("duplicate key id 1"), std::string::npos);
}

TEST(SnapshotRulesTest, IdReaderSeesKeysetsWithNullAllowedSites) {
  SnapshotParts p = MinimalParts();
  p.keysets = std::make_shared<const std::vector<Keyset>>(
      std::vector<Keyset>{{10, 5, "open", std::nullopt, 0, true, false}});
  auto snap = Snapshot::Build(p);
  ASSERT_TRUE(snap.ok());
  EXPECT_EQ((*snap)->AccessibleKeys(7, kRoleIdReader, KeyEndpoint::kBidstream).size(), 3u);
  EXPECT_EQ((*snap)->AccessibleKeys(7, kRoleSharer, KeyEndpoint::kSharing).size(), 0u);
}

}  // namespace
}  // namespace uid2::store
