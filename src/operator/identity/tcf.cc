// TCF v2 TC string decoder. Field names and sizes are those of the IAB Tech Lab specification
// "Consent string and vendor list formats v2"; offsets are bit offsets from the start of the
// segment's decoded bit string (MSB of the first byte = bit 0).
//
// Core segment (always first):
//   | offset | bits | field                  | notes                                         |
//   |      0 |    6 | Version                | must be 2                                     |
//   |      6 |   36 | Created                | deciseconds since the epoch                   |
//   |     42 |   36 | LastUpdated            | deciseconds since the epoch                   |
//   |     78 |   12 | CmpId                  |                                               |
//   |     90 |   12 | CmpVersion             |                                               |
//   |    102 |    6 | ConsentScreen          |                                               |
//   |    108 |   12 | ConsentLanguage        | two 6-bit letters, 'A' = 0 ... 'Z' = 25       |
//   |    120 |   12 | VendorListVersion      |                                               |
//   |    132 |    6 | TcfPolicyVersion       |                                               |
//   |    138 |    1 | IsServiceSpecific      |                                               |
//   |    139 |    1 | UseNonStandardTexts    | (UseNonStandardStacks before v2.2)            |
//   |    140 |   12 | SpecialFeatureOptIns   | first bit = special feature 1                 |
//   |    152 |   24 | PurposesConsent        | first bit = purpose 1                         |
//   |    176 |   24 | PurposesLITransparency | first bit = purpose 1                         |
//   |    200 |    1 | PurposeOneTreatment    |                                               |
//   |    201 |   12 | PublisherCC            | two 6-bit letters                             |
//   |    213 |  var | Vendor Consent Section | vendor section                                |
//   |    var |  var | Vendor LI Section      | vendor section                                |
//   |    var |   12 | NumPubRestrictions     | then that many PubRestrictionEntry            |
//
// Vendor section:
//   MaxVendorId 16 | IsRangeEncoding 1 | IsRangeEncoding = 0: BitField, MaxVendorId bits, first
//   bit = vendor 1; IsRangeEncoding = 1: NumEntries 12, then NumEntries range entries.
// Range entry:
//   IsARange 1 | StartOrOnlyVendorId 16 | EndVendorId 16 (only when IsARange = 1)
// PubRestrictionEntry:
//   PurposeId 6 | RestrictionType 2 | NumEntries 12 | NumEntries range entries
//
// Optional segments start with SegmentType 3:
//   1 Disclosed Vendors: a vendor section.   2 Allowed Vendors: a vendor section.
//   3 Publisher TC: PubPurposesConsent 24 | PubPurposesLITransparency 24 | NumCustomPurposes 6 |
//     CustomPurposesConsent NumCustomPurposes | CustomPurposesLITransparency NumCustomPurposes
#include "operator/identity/tcf.h"

#include <algorithm>

#include "common/encoding.h"
#include "operator/identity/bit_reader.h"

namespace uid2::operator_identity {

namespace {

struct Field {
  const char* name;
  int bits;
};

constexpr Field kVersion{"Version", 6};
constexpr Field kCreated{"Created", 36};
constexpr Field kLastUpdated{"LastUpdated", 36};
constexpr Field kCmpId{"CmpId", 12};
constexpr Field kCmpVersion{"CmpVersion", 12};
constexpr Field kConsentScreen{"ConsentScreen", 6};
constexpr Field kConsentLanguage{"ConsentLanguage", 12};
constexpr Field kVendorListVersion{"VendorListVersion", 12};
constexpr Field kTcfPolicyVersion{"TcfPolicyVersion", 6};
constexpr Field kIsServiceSpecific{"IsServiceSpecific", 1};
constexpr Field kUseNonStandardTexts{"UseNonStandardTexts", 1};
constexpr Field kSpecialFeatureOptIns{"SpecialFeatureOptIns", 12};
constexpr Field kPurposesConsent{"PurposesConsent", 24};
constexpr Field kPurposesLITransparency{"PurposesLITransparency", 24};
constexpr Field kPurposeOneTreatment{"PurposeOneTreatment", 1};
constexpr Field kPublisherCC{"PublisherCC", 12};
constexpr Field kMaxVendorId{"MaxVendorId", 16};
constexpr Field kIsRangeEncoding{"IsRangeEncoding", 1};
constexpr Field kBitField{"BitField", 1};  // per vendor
constexpr Field kNumEntries{"NumEntries", 12};
constexpr Field kIsARange{"IsARange", 1};
constexpr Field kStartOrOnlyVendorId{"StartOrOnlyVendorId", 16};
constexpr Field kEndVendorId{"EndVendorId", 16};
constexpr Field kNumPubRestrictions{"NumPubRestrictions", 12};
constexpr Field kPurposeId{"PurposeId", 6};
constexpr Field kRestrictionType{"RestrictionType", 2};
constexpr Field kSegmentType{"SegmentType", 3};
constexpr Field kPubPurposesConsent{"PubPurposesConsent", 24};
constexpr Field kPubPurposesLITransparency{"PubPurposesLITransparency", 24};
constexpr Field kNumCustomPurposes{"NumCustomPurposes", 6};
constexpr Field kCustomPurposesConsent{"CustomPurposesConsent", 1};  // per custom purpose
constexpr Field kCustomPurposesLITransparency{"CustomPurposesLITransparency", 1};

constexpr int kSupportedVersion = 2;
constexpr int kLetterCount = 26;
constexpr int kRestrictionTypeUndefined = 3;
// SegmentType values of the optional segments (the core segment carries none).
enum SegmentType { kDisclosedVendors = 1, kAllowedVendors = 2, kPublisherTc = 3 };

// FieldReader reads named fields of one segment; errors name the segment and the field.
class FieldReader {
 public:
  FieldReader(ByteSpan bytes, std::string_view segment) : bits_(bytes), segment_(segment) {}

  Status Read(const Field& f, uint64_t* out) {
    if (!bits_.ReadBits(f.bits, out)) return Invalid(f, "truncated");
    return Ok();
  }
  Status ReadInt(const Field& f, int* out) {
    uint64_t v = 0;
    UID2_RETURN_IF_ERROR(Read(f, &v));
    *out = static_cast<int>(v);  // fields are at most 16 bits here
    return Ok();
  }
  Status ReadBool(const Field& f, bool* out) {
    uint64_t v = 0;
    UID2_RETURN_IF_ERROR(Read(f, &v));
    *out = v != 0;
    return Ok();
  }
  // ReadFlags reads `count` one-bit flags (first = id 1) into bit (id - 1) of *out.
  template <typename T>
  Status ReadFlags(const Field& f, int count, T* out) {
    if (bits_.remaining_bits() < static_cast<size_t>(count)) return Invalid(f, "truncated");
    T v = 0;
    for (int id = 1; id <= count; ++id) {
      uint64_t bit = 0;
      bits_.ReadBits(1, &bit);
      v |= static_cast<T>(bit) << (id - 1);
    }
    *out = v;
    return Ok();
  }
  Status ReadLetters(const Field& f, std::string* out) {
    uint64_t v = 0;
    UID2_RETURN_IF_ERROR(Read(f, &v));
    int hi = static_cast<int>(v >> 6), lo = static_cast<int>(v & 0x3f);
    if (hi >= kLetterCount || lo >= kLetterCount) return Invalid(f, "letter outside A-Z");
    *out = {static_cast<char>('A' + hi), static_cast<char>('A' + lo)};
    return Ok();
  }

  void set_segment(std::string_view segment) { segment_ = segment; }

  Error Invalid(const Field& f, std::string_view what) const {
    return Error::Invalid("TC string " + std::string(segment_) + " segment: " + f.name + ": " +
                          std::string(what));
  }

 private:
  BitReader bits_;
  std::string_view segment_;
};

// ReadRangeEntry reads one range entry: [*first, *last], 1 <= first <= last.
Status ReadRangeEntry(FieldReader& r, int* first, int* last) {
  bool is_range = false;
  UID2_RETURN_IF_ERROR(r.ReadBool(kIsARange, &is_range));
  UID2_RETURN_IF_ERROR(r.ReadInt(kStartOrOnlyVendorId, first));
  if (*first == 0) return r.Invalid(kStartOrOnlyVendorId, "vendor id 0");
  *last = *first;
  if (!is_range) return Ok();
  UID2_RETURN_IF_ERROR(r.ReadInt(kEndVendorId, last));
  if (*last < *first) return r.Invalid(kEndVendorId, "less than StartOrOnlyVendorId");
  return Ok();
}

Status ReadVendorSection(FieldReader& r, TcVendorSet* set) {
  int max_vendor_id = 0;
  bool range_encoding = false;
  UID2_RETURN_IF_ERROR(r.ReadInt(kMaxVendorId, &max_vendor_id));
  UID2_RETURN_IF_ERROR(r.ReadBool(kIsRangeEncoding, &range_encoding));
  set->Reset(max_vendor_id);
  if (!range_encoding) {
    for (int id = 1; id <= max_vendor_id; ++id) {
      bool on = false;
      UID2_RETURN_IF_ERROR(r.ReadBool(kBitField, &on));
      if (on) set->AddRange(id, id);
    }
    return Ok();
  }
  int entries = 0;
  UID2_RETURN_IF_ERROR(r.ReadInt(kNumEntries, &entries));
  for (int i = 0; i < entries; ++i) {
    int first = 0, last = 0;
    UID2_RETURN_IF_ERROR(ReadRangeEntry(r, &first, &last));
    if (last > max_vendor_id) {
      return r.Invalid(first > max_vendor_id ? kStartOrOnlyVendorId : kEndVendorId,
                       "vendor id past MaxVendorId");
    }
    set->AddRange(first, last);
  }
  return Ok();
}

Status ReadPublisherRestrictions(FieldReader& r, std::vector<TcPublisherRestriction>* out) {
  int count = 0;
  UID2_RETURN_IF_ERROR(r.ReadInt(kNumPubRestrictions, &count));
  for (int i = 0; i < count; ++i) {
    TcPublisherRestriction pr;
    UID2_RETURN_IF_ERROR(r.ReadInt(kPurposeId, &pr.purpose_id));
    UID2_RETURN_IF_ERROR(r.ReadInt(kRestrictionType, &pr.restriction_type));
    if (pr.restriction_type == kRestrictionTypeUndefined) {
      return r.Invalid(kRestrictionType, "undefined restriction type 3");
    }
    int entries = 0;
    UID2_RETURN_IF_ERROR(r.ReadInt(kNumEntries, &entries));
    for (int e = 0; e < entries; ++e) {
      int first = 0, last = 0;
      UID2_RETURN_IF_ERROR(ReadRangeEntry(r, &first, &last));
      pr.vendor_ranges.emplace_back(first, last);
    }
    out->push_back(std::move(pr));
  }
  return Ok();
}

Status ReadCore(ByteSpan bytes, TcString* tc) {
  FieldReader r(bytes, "core");
  UID2_RETURN_IF_ERROR(r.ReadInt(kVersion, &tc->version));
  if (tc->version != kSupportedVersion) {
    return r.Invalid(kVersion, "unsupported version " + std::to_string(tc->version));
  }
  uint64_t v = 0;
  UID2_RETURN_IF_ERROR(r.Read(kCreated, &v));
  tc->created_ds = static_cast<int64_t>(v);
  UID2_RETURN_IF_ERROR(r.Read(kLastUpdated, &v));
  tc->last_updated_ds = static_cast<int64_t>(v);
  UID2_RETURN_IF_ERROR(r.ReadInt(kCmpId, &tc->cmp_id));
  UID2_RETURN_IF_ERROR(r.ReadInt(kCmpVersion, &tc->cmp_version));
  UID2_RETURN_IF_ERROR(r.ReadInt(kConsentScreen, &tc->consent_screen));
  UID2_RETURN_IF_ERROR(r.ReadLetters(kConsentLanguage, &tc->consent_language));
  UID2_RETURN_IF_ERROR(r.ReadInt(kVendorListVersion, &tc->vendor_list_version));
  UID2_RETURN_IF_ERROR(r.ReadInt(kTcfPolicyVersion, &tc->tcf_policy_version));
  UID2_RETURN_IF_ERROR(r.ReadBool(kIsServiceSpecific, &tc->is_service_specific));
  UID2_RETURN_IF_ERROR(r.ReadBool(kUseNonStandardTexts, &tc->use_non_standard_texts));
  UID2_RETURN_IF_ERROR(
      r.ReadFlags(kSpecialFeatureOptIns, kSpecialFeatureOptIns.bits, &tc->special_feature_opt_ins));
  UID2_RETURN_IF_ERROR(r.ReadFlags(kPurposesConsent, kPurposesConsent.bits, &tc->purposes_consent));
  UID2_RETURN_IF_ERROR(r.ReadFlags(kPurposesLITransparency, kPurposesLITransparency.bits,
                                   &tc->purposes_li_transparency));
  UID2_RETURN_IF_ERROR(r.ReadBool(kPurposeOneTreatment, &tc->purpose_one_treatment));
  UID2_RETURN_IF_ERROR(r.ReadLetters(kPublisherCC, &tc->publisher_cc));
  UID2_RETURN_IF_ERROR(ReadVendorSection(r, &tc->vendor_consents));
  UID2_RETURN_IF_ERROR(ReadVendorSection(r, &tc->vendor_legitimate_interests));
  return ReadPublisherRestrictions(r, &tc->publisher_restrictions);
}

Status ReadPublisherTc(FieldReader& r, TcPublisherTc* p) {
  UID2_RETURN_IF_ERROR(
      r.ReadFlags(kPubPurposesConsent, kPubPurposesConsent.bits, &p->pub_purposes_consent));
  UID2_RETURN_IF_ERROR(r.ReadFlags(kPubPurposesLITransparency, kPubPurposesLITransparency.bits,
                                   &p->pub_purposes_li_transparency));
  UID2_RETURN_IF_ERROR(r.ReadInt(kNumCustomPurposes, &p->num_custom_purposes));
  UID2_RETURN_IF_ERROR(
      r.ReadFlags(kCustomPurposesConsent, p->num_custom_purposes, &p->custom_purposes_consent));
  return r.ReadFlags(kCustomPurposesLITransparency, p->num_custom_purposes,
                     &p->custom_purposes_li_transparency);
}

// ReadOptionalSegment decodes one segment after the core into *tc (each type at most once).
Status ReadOptionalSegment(ByteSpan bytes, TcString* tc) {
  FieldReader r(bytes, "optional");
  int type = 0;
  UID2_RETURN_IF_ERROR(r.ReadInt(kSegmentType, &type));
  if (type == kDisclosedVendors || type == kAllowedVendors) {
    bool disclosed = type == kDisclosedVendors;
    r.set_segment(disclosed ? "DisclosedVendors" : "AllowedVendors");
    std::optional<TcVendorSet>& slot = disclosed ? tc->disclosed_vendors : tc->allowed_vendors;
    if (slot) return r.Invalid(kSegmentType, "segment repeated");
    return ReadVendorSection(r, &slot.emplace());
  }
  if (type == kPublisherTc) {
    r.set_segment("PublisherTC");
    if (tc->publisher_tc) return r.Invalid(kSegmentType, "segment repeated");
    return ReadPublisherTc(r, &tc->publisher_tc.emplace());
  }
  return r.Invalid(kSegmentType, "unknown segment type " + std::to_string(type));
}

Result<Bytes> DecodeSegmentText(std::string_view text, size_t index) {
  std::string where = "TC string segment " + std::to_string(index + 1);
  if (text.empty()) return Error::Invalid(where + " is empty");
  auto bytes = Base64UrlDecode(text, Base64Mode::kLenient);
  if (!bytes) return Error::Invalid(where + " is not valid base64url");
  return std::move(*bytes);
}

}  // namespace

void TcVendorSet::Reset(int max_vendor_id) {
  max_vendor_id_ = max_vendor_id;
  words_.assign((static_cast<size_t>(max_vendor_id) + 63) / 64, 0);
}

void TcVendorSet::AddRange(int first, int last) {
  int bit = first - 1;
  while (bit <= last - 1) {
    int offset = bit % 64;
    int n = std::min(64 - offset, last - bit);
    uint64_t mask = (n == 64 ? ~uint64_t{0} : ((uint64_t{1} << n) - 1)) << offset;
    words_[static_cast<size_t>(bit / 64)] |= mask;
    bit += n;
  }
}

bool TcVendorSet::Contains(int vendor_id) const {
  if (vendor_id < 1 || vendor_id > max_vendor_id_) return false;
  size_t bit = static_cast<size_t>(vendor_id - 1);
  return ((words_[bit / 64] >> (bit % 64)) & 1u) != 0;
}

std::vector<int> TcVendorSet::Ids() const {
  std::vector<int> ids;
  for (int id = 1; id <= max_vendor_id_; ++id) {
    if (Contains(id)) ids.push_back(id);
  }
  return ids;
}

bool TcString::HasConsent(int vendor_id, std::initializer_list<int> purpose_ids) const {
  uint32_t covered = 0;
  if (vendor_consents.Contains(vendor_id)) covered |= purposes_consent;
  if (vendor_legitimate_interests.Contains(vendor_id)) covered |= purposes_li_transparency;
  return std::all_of(purpose_ids.begin(), purpose_ids.end(),
                     [covered](int id) { return Bit(covered, id, 24); });
}

Result<TcString> DecodeTcString(std::string_view text) {
  TcString tc;
  size_t index = 0;
  while (true) {
    size_t dot = text.find('.');
    std::string_view part = text.substr(0, dot);
    UID2_ASSIGN_OR_RETURN(Bytes bytes, DecodeSegmentText(part, index));
    UID2_RETURN_IF_ERROR(index == 0 ? ReadCore(bytes, &tc) : ReadOptionalSegment(bytes, &tc));
    if (dot == std::string_view::npos) break;
    text.remove_prefix(dot + 1);
    ++index;
  }
  return tc;
}

TcfConsent EvaluateEuidConsent(const TcString& tc, int vendor_id) {
  bool purposes =
      tc.HasConsent(vendor_id, {kPurposeStoreAndAccessInformation, kPurposeSelectBasicAds,
                                kPurposeCreatePersonalisedAdsProfile, kPurposeSelectPersonalisedAds,
                                kPurposeMeasureAdPerformance, kPurposeDevelopAndImproveProducts});
  bool geolocation = tc.SpecialFeatureOptIn(kSpecialFeaturePreciseGeolocation);
  return purposes && geolocation ? TcfConsent::kSufficient : TcfConsent::kInsufficient;
}

}  // namespace uid2::operator_identity
