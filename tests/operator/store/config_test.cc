#include "operator/store/config.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <concepts>
#include <ostream>
#include <string>

#include "common/file.h"
#include "test_util.h"

namespace uid2::store {
namespace {

using testing::TempDir;
using testing::WriteText;

TEST(OperatorConfigTest, LocalProfileLoads) {
  auto c = LoadOperatorConfigProfile("local");
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_EQ(c->source_file, "conf/local-config.json");
  EXPECT_EQ(c->port, 8080);
  EXPECT_EQ(c->prometheus_port, 9091);
  EXPECT_TRUE(c->enable_v2_encryption);
  EXPECT_EQ(c->core_data_dir, "data/uid2/core");
  EXPECT_FALSE(c->core_attest_url.has_value());
  EXPECT_EQ(c->store(StoreId::kSalts).metadata_path, "/com.uid2.core/test/salts/metadata.json");
  EXPECT_EQ(c->store(StoreId::kClients).refresh_ms, 10000);
  EXPECT_EQ(c->identity_scope, IdentityScope::kUid2);
  EXPECT_TRUE(c->client_side_token_generate);
  EXPECT_EQ(c->optout_data_dir, "run/optout");
  EXPECT_TRUE(c->unknown_keys.empty()) << c->unknown_keys.front();
}

TEST(OperatorConfigTest, IntegAndProdProfilesLoad) {
  for (const char* profile : {"integ", "prod", "local-core"}) {
    auto c = LoadOperatorConfigProfile(profile);
    ASSERT_TRUE(c.ok()) << profile << ": " << c.error().message();
    EXPECT_TRUE(c->core_attest_url.has_value()) << profile;
    EXPECT_TRUE(c->unknown_keys.empty()) << profile;
  }
  auto prod = LoadOperatorConfigProfile("prod");
  ASSERT_TRUE(prod.ok());
  EXPECT_EQ(prod->runtime.identity_environment, IdentityEnvironment::kProd);
}

TEST(OperatorConfigTest, ReferenceConfigKeysAreAccepted) {
  // The reference operator's local config (copied in data/uid2/conf) parses; unknown keys are
  // listed, not fatal.
  auto c = LoadOperatorConfigFile("data/uid2/conf/local-config.json");
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_FALSE(c->enable_v2_encryption);
  EXPECT_TRUE(c->storage_mock);
}

TEST(OperatorConfigTest, MissingProfileNamesTheFile) {
  auto c = LoadOperatorConfigProfile("nonexistent");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(c.error().message().find("conf/nonexistent-config.json"), std::string::npos)
      << c.error().message();
}

TEST(OperatorConfigTest, BadProfileNameRefused) {
  auto c = LoadOperatorConfigProfile("../etc/passwd");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code(), ErrorCode::kInvalid);
}

TEST(OperatorConfigTest, WrongTypeNamesFileKeyAndValue) {
  TempDir dir;
  std::string path = dir.path() + "/bad-config.json";
  WriteText(path, R"({"port": "abc"})");
  auto c = LoadOperatorConfigFile(path);
  ASSERT_FALSE(c.ok());
  const std::string& m = c.error().message();
  EXPECT_NE(m.find(path), std::string::npos) << m;
  EXPECT_NE(m.find("'port'"), std::string::npos) << m;
  EXPECT_NE(m.find("\"abc\""), std::string::npos) << m;
}

TEST(OperatorConfigTest, OutOfRangeAndBadEnumsRefused) {
  for (const char* json : {R"({"prometheus_port": 70000})", R"({"identity_scope": "xyz"})",
                           R"({"enable_v2_encryption": "yes"})", R"({"operator_type": "other"})",
                           R"({"identity_environment": "staging"})", R"([1, 2])", R"({"port": )",
                           R"({"clients_refresh_ms": 5})", R"({"optout_data_dir": ""})"}) {
    auto c = ParseOperatorConfig(json, "x.json");
    EXPECT_FALSE(c.ok()) << json;
    if (!c.ok()) {
      EXPECT_EQ(c.error().message().rfind("x.json: ", 0), 0u) << c.error().message();
    }
  }
}

TEST(OperatorConfigTest, RequiredStoresAndLifetimeOrder) {
  auto no_salts = ParseOperatorConfig(
      R"({"clients_metadata_path":"c","keysets_metadata_path":"k","keyset_keys_metadata_path":"kk",
          "runtime_config_metadata_path":"r"})",
      "x.json");
  ASSERT_FALSE(no_salts.ok());
  EXPECT_NE(no_salts.error().message().find("salts_metadata_path"), std::string::npos);

  auto bad_order = ParseOperatorConfig(
      R"({"clients_metadata_path":"c","keysets_metadata_path":"k","keyset_keys_metadata_path":"kk",
          "salts_metadata_path":"s","enable_remote_config":false,
          "identity_token_expires_after_seconds":100000,
          "refresh_token_expires_after_seconds":86400})",
      "x.json");
  ASSERT_FALSE(bad_order.ok());
  EXPECT_NE(bad_order.error().message().find("identity_token_expires_after_seconds"),
            std::string::npos)
      << bad_order.error().message();
}

TEST(OperatorConfigTest, TokensComeFromEnvironment) {
  ::setenv("core_api_token", "core-secret-value", 1);
  ::setenv("optout_api_token", "optout-secret-value", 1);
  auto c = LoadOperatorConfigProfile("local");
  ::unsetenv("core_api_token");
  ::unsetenv("optout_api_token");
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_EQ(c->core_api_token.Reveal(), "core-secret-value");
  EXPECT_EQ(c->optout_api_token.Reveal(), "optout-secret-value");
}

TEST(OperatorConfigTest, PortOffsetFromEnvironment) {
  ::setenv("port_offset", "100", 1);
  auto c = LoadOperatorConfigProfile("local");
  ::setenv("port_offset", "abc", 1);
  auto bad = LoadOperatorConfigProfile("local");
  ::unsetenv("port_offset");
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_EQ(c->HttpPort(), 8180);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("port_offset"), std::string::npos);
}

// Secret has no way to be formatted: no operator<<, no conversion to a string.
template <typename T>
concept Streamable = requires(std::ostream& os, const T& t) {
  os << t;
};
static_assert(!Streamable<Secret>);
static_assert(!std::convertible_to<Secret, std::string>);
static_assert(!std::convertible_to<Secret, std::string_view>);

TEST(RuntimeConfigTest, OrderEnforced) {
  RuntimeConfig rc;
  EXPECT_TRUE(ValidateRuntimeConfig(rc).ok());
  rc.refresh_identity_token_after_seconds = rc.identity_token_expires_after_seconds + 1;
  EXPECT_FALSE(ValidateRuntimeConfig(rc).ok());
  rc = RuntimeConfig{};
  rc.identity_token_expires_after_seconds = rc.refresh_token_expires_after_seconds + 1;
  EXPECT_FALSE(ValidateRuntimeConfig(rc).ok());
  rc = RuntimeConfig{};
  EXPECT_EQ(rc.BidstreamLifetimeSeconds(), 3610);
  EXPECT_EQ(rc.SharingLifetimeSeconds(), 2592010);
  rc.max_bidstream_lifetime_seconds = 100;
  EXPECT_EQ(rc.BidstreamLifetimeSeconds(), 110);
}

TEST(OperatorConfigTest, EncryptedAttestedModeNeedsCloudKeys) {
  auto text = ReadFile("conf/local-core-config.json");
  ASSERT_TRUE(text.ok());
  ASSERT_TRUE(ParseOperatorConfig(*text, "local-core").ok());
  std::string without = *text;
  size_t at = without.find("\"cloud_encryption_keys_metadata_path\"");
  ASSERT_NE(at, std::string::npos);
  without.replace(at, std::string("\"cloud_encryption_keys_metadata_path\"").size(),
                  "\"x_unused\"");
  auto c = ParseOperatorConfig(without, "local-core");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message().find("cloud_encryption_keys_metadata_path"), std::string::npos);
}

TEST(OperatorConfigTest, AttestUrlMustBeHttp) {
  auto text = ReadFile("conf/local-core-config.json");
  ASSERT_TRUE(text.ok());
  std::string bad = *text;
  size_t at = bad.find("http://127.0.0.1:8088/attest");
  ASSERT_NE(at, std::string::npos);
  bad.replace(at, 4, "file");
  auto c = ParseOperatorConfig(bad, "local-core");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message().find("core_attest_url"), std::string::npos);
}

}  // namespace
}  // namespace uid2::store
