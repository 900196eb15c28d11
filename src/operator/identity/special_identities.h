// special_identities.h: the test identities with fixed opt-out behaviour (spec §3.6), matched
// by identity type and identity bytes (so the raw value and its hash both match):
//
//   | identity                                     | behaviour                       |
//   | optout@example.com, +00000000000             | always opted out                |
//   | refresh-optout@example.com, +00000000002     | opted out on refresh only       |
//   | validate@example.com, +12345678901           | never opted out                 |
//
// And two first-level hash rules: all zeros counts as opted out; all 0xFF as never opted out.
#pragma once

#include "operator/identity/normalize.h"
#include "operator/identity/types.h"

namespace uid2::operator_identity {

enum class SpecialIdentity {
  kNone,
  kAlwaysOptedOut,   // optout@example.com / +00000000000
  kRefreshOptedOut,  // refresh-optout@example.com / +00000000002
  kNeverOptedOut,    // validate@example.com / +12345678901
};

// ClassifySpecialIdentity compares `identity` with SHA-256 of the special value of `type`.
SpecialIdentity ClassifySpecialIdentity(IdentityType type, const IdentityBytes& identity);

// FirstLevelHashOptOutRule: the fixed answer for the two special first-level hashes.
enum class FirstLevelRule { kNone, kOptedOut /* all 0x00 */, kNeverOptedOut /* all 0xFF */ };
FirstLevelRule ClassifyFirstLevelHash(const Sha256Value& first_level);

// The validate identities (what /v2/token/validate compares the token's UID against).
IdentityBytes ValidateIdentityBytes(IdentityType type);

}  // namespace uid2::operator_identity
