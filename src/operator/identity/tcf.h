// tcf.h: the IAB Europe Transparency & Consent Framework v2 "TC string" (IAB Tech Lab,
// "Consent string and vendor list formats v2"), decoded in full, and the EUID consent rule of
// /v2/token/generate.
//
// A TC string is '.'-separated segments, each base64url (RFC 4648 §5, padding optional) of an
// MSB-first bit string: the core segment first, then optional Disclosed Vendors, Allowed
// Vendors and Publisher TC segments (each once, any order). The field table is in tcf.cc.
//
//   auto tc = DecodeTcString(text);
//   if (!tc.ok()) return Reply::ClientError("User consent is invalid");
//   if (EvaluateEuidConsent(*tc, config.tcf_vendor_id) == TcfConsent::kInsufficient) ...
//
// Decoding is strict: any truncated field, a version other than 2, bad base64url, an empty or
// unknown/duplicate segment, a vendor id of 0, a range with End < Start or past MaxVendorId, a
// language letter outside A-Z or RestrictionType 3 fails with kInvalid naming the field. Bits
// after the last field of a segment (byte padding) are ignored.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace uid2::operator_identity {

// Purpose ids of the TCF v2 policy (IAB Europe), as used by the EUID consent rule.
inline constexpr int kPurposeStoreAndAccessInformation = 1;
inline constexpr int kPurposeSelectBasicAds = 2;
inline constexpr int kPurposeCreatePersonalisedAdsProfile = 3;
inline constexpr int kPurposeSelectPersonalisedAds = 4;
inline constexpr int kPurposeMeasureAdPerformance = 7;
inline constexpr int kPurposeDevelopAndImproveProducts = 10;
// Special feature ids.
inline constexpr int kSpecialFeaturePreciseGeolocation = 1;
inline constexpr int kSpecialFeatureActivelyScanDevice = 2;

// TcVendorSet: vendor ids 1..max_vendor_id, from a bitfield or a range encoding.
class TcVendorSet {
 public:
  int max_vendor_id() const { return max_vendor_id_; }
  bool Contains(int vendor_id) const;
  std::vector<int> Ids() const;  // ascending

  // Used by the decoder. REQUIRES 1 <= first <= last <= max_vendor_id.
  void Reset(int max_vendor_id);
  void AddRange(int first, int last);

 private:
  int max_vendor_id_ = 0;
  std::vector<uint64_t> words_;  // bit (id - 1)
};

// Publisher restriction: vendors (ranges, not bounded by a MaxVendorId) and the rule for them.
struct TcPublisherRestriction {
  int purpose_id = 0;
  int restriction_type = 0;  // 0 not allowed, 1 require consent, 2 require legitimate interest
  std::vector<std::pair<int, int>> vendor_ranges;  // [first, last] inclusive
};

// Publisher TC segment (SegmentType 3).
struct TcPublisherTc {
  uint32_t pub_purposes_consent = 0;          // bit (id - 1), ids 1..24
  uint32_t pub_purposes_li_transparency = 0;  // bit (id - 1)
  int num_custom_purposes = 0;
  uint64_t custom_purposes_consent = 0;          // bit (id - 1), ids 1..num_custom_purposes
  uint64_t custom_purposes_li_transparency = 0;  // bit (id - 1)
};

struct TcString {
  // Core segment.
  int version = 0;
  int64_t created_ds = 0;  // deciseconds since the Unix epoch
  int64_t last_updated_ds = 0;
  int cmp_id = 0;
  int cmp_version = 0;
  int consent_screen = 0;
  std::string consent_language;  // two letters, e.g. "EN"
  int vendor_list_version = 0;
  int tcf_policy_version = 0;
  bool is_service_specific = false;
  bool use_non_standard_texts = false;   // "UseNonStandardStacks" before TCF v2.2
  uint32_t special_feature_opt_ins = 0;  // bit (id - 1), ids 1..12
  uint32_t purposes_consent = 0;         // bit (id - 1), ids 1..24
  uint32_t purposes_li_transparency = 0;
  bool purpose_one_treatment = false;
  std::string publisher_cc;  // two letters
  TcVendorSet vendor_consents;
  TcVendorSet vendor_legitimate_interests;
  std::vector<TcPublisherRestriction> publisher_restrictions;
  // Optional segments.
  std::optional<TcVendorSet> disclosed_vendors;
  std::optional<TcVendorSet> allowed_vendors;
  std::optional<TcPublisherTc> publisher_tc;

  bool PurposeConsent(int id) const { return Bit(purposes_consent, id, 24); }
  bool PurposeLegitimateInterest(int id) const { return Bit(purposes_li_transparency, id, 24); }
  bool SpecialFeatureOptIn(int id) const { return Bit(special_feature_opt_ins, id, 12); }

  // HasConsent: every purpose in `purpose_ids` is covered for `vendor_id`, either by consent
  // (the vendor has consent and the purpose has consent) or by legitimate interest (the vendor
  // has legitimate interest and the purpose's LI transparency bit is set).
  bool HasConsent(int vendor_id, std::initializer_list<int> purpose_ids) const;

 private:
  static bool Bit(uint32_t bits, int id, int count) {
    return id >= 1 && id <= count && ((bits >> (id - 1)) & 1u) != 0;
  }
};

// DecodeTcString decodes a whole TC string. Fails (kInvalid) as described at the top.
Result<TcString> DecodeTcString(std::string_view text);

enum class TcfConsent { kSufficient, kInsufficient };

// EvaluateEuidConsent is the rule of the reference operator for EUID token generation: purposes
// 1, 2, 3, 4, 7 and 10 covered for `vendor_id` (HasConsent) and the precise-geolocation special
// feature opted in.
TcfConsent EvaluateEuidConsent(const TcString& tc, int vendor_id);

}  // namespace uid2::operator_identity
