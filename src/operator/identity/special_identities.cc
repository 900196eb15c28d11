// special_identities.cc: the fixed test identities (spec §3.6).
#include "operator/identity/special_identities.h"

#include <algorithm>

namespace uid2::operator_identity {
namespace {

struct Special {
  IdentityType type;
  std::string_view value;
  SpecialIdentity kind;
};
constexpr Special kSpecials[] = {
    {IdentityType::kEmail, "optout@example.com", SpecialIdentity::kAlwaysOptedOut},
    {IdentityType::kPhone, "+00000000000", SpecialIdentity::kAlwaysOptedOut},
    {IdentityType::kEmail, "refresh-optout@example.com", SpecialIdentity::kRefreshOptedOut},
    {IdentityType::kPhone, "+00000000002", SpecialIdentity::kRefreshOptedOut},
    {IdentityType::kEmail, "validate@example.com", SpecialIdentity::kNeverOptedOut},
    {IdentityType::kPhone, "+12345678901", SpecialIdentity::kNeverOptedOut},
};
constexpr size_t kSpecialCount = std::size(kSpecials);

const std::array<IdentityBytes, kSpecialCount>& SpecialHashes() {
  static const std::array<IdentityBytes, kSpecialCount> hashes = [] {
    std::array<IdentityBytes, kSpecialCount> h;
    for (size_t i = 0; i < kSpecialCount; i++) h[i] = HashIdentity(kSpecials[i].value);
    return h;
  }();
  return hashes;
}

}  // namespace

SpecialIdentity ClassifySpecialIdentity(IdentityType type, const IdentityBytes& identity) {
  const auto& hashes = SpecialHashes();
  for (size_t i = 0; i < kSpecialCount; i++) {
    if (kSpecials[i].type == type && hashes[i] == identity) return kSpecials[i].kind;
  }
  return SpecialIdentity::kNone;
}

FirstLevelRule ClassifyFirstLevelHash(const Sha256Value& first_level) {
  auto all = [&](uint8_t b) {
    return std::all_of(first_level.begin(), first_level.end(), [b](uint8_t x) { return x == b; });
  };
  if (all(0x00)) return FirstLevelRule::kOptedOut;
  if (all(0xFF)) return FirstLevelRule::kNeverOptedOut;
  return FirstLevelRule::kNone;
}

IdentityBytes ValidateIdentityBytes(IdentityType type) {
  return HashIdentity(type == IdentityType::kEmail ? "validate@example.com" : "+12345678901");
}

}  // namespace uid2::operator_identity
