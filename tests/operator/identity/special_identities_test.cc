// Special identities (spec §3.6), raw and hashed, and the two first-level hash rules.
#include "operator/identity/special_identities.h"

#include <gtest/gtest.h>

#include "common/encoding.h"

namespace uid2::operator_identity {
namespace {

SpecialIdentity Classify(InputKind kind, std::string_view value) {
  auto id = ResolveIdentity(kind, value);
  EXPECT_TRUE(id.has_value()) << value;
  return ClassifySpecialIdentity(TypeOfInput(kind), id.value_or(IdentityBytes{}));
}

TEST(SpecialIdentities, Table) {
  EXPECT_EQ(Classify(InputKind::kEmail, "optout@example.com"), SpecialIdentity::kAlwaysOptedOut);
  EXPECT_EQ(Classify(InputKind::kEmail, " OptOut@Example.com "), SpecialIdentity::kAlwaysOptedOut);
  EXPECT_EQ(Classify(InputKind::kPhone, "+00000000000"), SpecialIdentity::kAlwaysOptedOut);
  EXPECT_EQ(Classify(InputKind::kEmail, "refresh-optout@example.com"),
            SpecialIdentity::kRefreshOptedOut);
  EXPECT_EQ(Classify(InputKind::kPhone, "+00000000002"), SpecialIdentity::kRefreshOptedOut);
  EXPECT_EQ(Classify(InputKind::kEmail, "validate@example.com"), SpecialIdentity::kNeverOptedOut);
  EXPECT_EQ(Classify(InputKind::kPhone, "+12345678901"), SpecialIdentity::kNeverOptedOut);
  EXPECT_EQ(Classify(InputKind::kEmail, "someone@example.com"), SpecialIdentity::kNone);
  EXPECT_EQ(Classify(InputKind::kPhone, "+00000000001"), SpecialIdentity::kNone);
}

TEST(SpecialIdentities, HashedFormsMatchAndTypeMatters) {
  std::string email_hash = Base64Encode(HashIdentity("optout@example.com").span());
  EXPECT_EQ(Classify(InputKind::kEmailHash, email_hash), SpecialIdentity::kAlwaysOptedOut);
  // The same bytes submitted as a phone hash are not the special email.
  EXPECT_EQ(Classify(InputKind::kPhoneHash, email_hash), SpecialIdentity::kNone);
  std::string phone_hex = HexEncode(HashIdentity("+00000000002").span());
  EXPECT_EQ(Classify(InputKind::kPhoneHash, phone_hex), SpecialIdentity::kRefreshOptedOut);
}

TEST(SpecialIdentities, FirstLevelRules) {
  Sha256Value zero{};
  Sha256Value ones;
  ones.fill(0xFF);
  Sha256Value other{};
  other[31] = 1;
  EXPECT_EQ(ClassifyFirstLevelHash(zero), FirstLevelRule::kOptedOut);
  EXPECT_EQ(ClassifyFirstLevelHash(ones), FirstLevelRule::kNeverOptedOut);
  EXPECT_EQ(ClassifyFirstLevelHash(other), FirstLevelRule::kNone);
  ones[0] = 0xFE;
  EXPECT_EQ(ClassifyFirstLevelHash(ones), FirstLevelRule::kNone);
}

TEST(SpecialIdentities, ValidateBytes) {
  EXPECT_EQ(ValidateIdentityBytes(IdentityType::kEmail), HashIdentity("validate@example.com"));
  EXPECT_EQ(ValidateIdentityBytes(IdentityType::kPhone), HashIdentity("+12345678901"));
}

}  // namespace
}  // namespace uid2::operator_identity
