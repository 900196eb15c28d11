// TCF v2 TC string decoder (tcf.h) and the EUID consent rule. Strings are built by a small
// encoder written here from the IAB field table, so every field is checked; public strings are
// checked against values decoded independently with the IAB's own JavaScript library
// (@iabtcf/core 1.5.6, TCString.decode, run outside this repository).
#include "operator/identity/tcf.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/encoding.h"
#include "operator/identity/bit_reader.h"

namespace uid2::operator_identity {
namespace {

// ---- a test-side encoder (MSB-first bits, zero-padded to bytes, base64url) ----

class Bits {
 public:
  void Put(uint64_t v, int n) {
    for (int i = n - 1; i >= 0; --i) bits_.push_back(((v >> i) & 1u) != 0);
  }
  void Flag(bool b) { Put(b ? 1 : 0, 1); }
  void Zeros(int n) {
    for (int i = 0; i < n; ++i) bits_.push_back(false);
  }
  void Flags(uint64_t flags, int count) {
    for (int id = 1; id <= count; ++id) Flag(((flags >> (id - 1)) & 1u) != 0);
  }
  void Letters(const std::string& s) {
    Put(static_cast<uint64_t>(s[0] - 'A'), 6);
    Put(static_cast<uint64_t>(s[1] - 'A'), 6);
  }
  Bytes ToBytes(size_t max_bytes = SIZE_MAX) const {
    Bytes out(std::min((bits_.size() + 7) / 8, max_bytes), 0);
    for (size_t i = 0; i < bits_.size() && i / 8 < out.size(); ++i) {
      if (bits_[i]) out[i / 8] |= static_cast<uint8_t>(0x80 >> (i % 8));
    }
    return out;
  }
  std::string Text() const { return Base64UrlEncode(ToBytes()); }
  size_t size() const { return bits_.size(); }

 private:
  std::vector<bool> bits_;
};

uint32_t FlagsOf(std::initializer_list<int> ids) {
  uint32_t v = 0;
  for (int id : ids) v |= 1u << (id - 1);
  return v;
}

TcVendorSet VendorsOf(int max_vendor_id, std::initializer_list<std::pair<int, int>> ranges) {
  TcVendorSet s;
  s.Reset(max_vendor_id);
  for (auto [a, b] : ranges) s.AddRange(a, b);
  return s;
}

// RangesOf groups ascending ids into maximal [first, last] runs.
std::vector<std::pair<int, int>> RangesOf(const std::vector<int>& ids) {
  std::vector<std::pair<int, int>> out;
  for (int id : ids) {
    if (!out.empty() && out.back().second + 1 == id) {
      out.back().second = id;
    } else {
      out.emplace_back(id, id);
    }
  }
  return out;
}

void PutRangeEntries(Bits& b, const std::vector<std::pair<int, int>>& ranges) {
  b.Put(ranges.size(), 12);  // NumEntries
  for (auto [first, last] : ranges) {
    b.Flag(first != last);  // IsARange
    b.Put(static_cast<uint64_t>(first), 16);
    if (first != last) b.Put(static_cast<uint64_t>(last), 16);
  }
}

void PutVendors(Bits& b, const TcVendorSet& s, bool range) {
  b.Put(static_cast<uint64_t>(s.max_vendor_id()), 16);
  b.Flag(range);
  if (range) return PutRangeEntries(b, RangesOf(s.Ids()));
  for (int id = 1; id <= s.max_vendor_id(); ++id) b.Flag(s.Contains(id));
}

Bits CoreBits(const TcString& t, bool range) {
  Bits b;
  b.Put(static_cast<uint64_t>(t.version), 6);
  b.Put(static_cast<uint64_t>(t.created_ds), 36);
  b.Put(static_cast<uint64_t>(t.last_updated_ds), 36);
  b.Put(static_cast<uint64_t>(t.cmp_id), 12);
  b.Put(static_cast<uint64_t>(t.cmp_version), 12);
  b.Put(static_cast<uint64_t>(t.consent_screen), 6);
  b.Letters(t.consent_language);
  b.Put(static_cast<uint64_t>(t.vendor_list_version), 12);
  b.Put(static_cast<uint64_t>(t.tcf_policy_version), 6);
  b.Flag(t.is_service_specific);
  b.Flag(t.use_non_standard_texts);
  b.Flags(t.special_feature_opt_ins, 12);
  b.Flags(t.purposes_consent, 24);
  b.Flags(t.purposes_li_transparency, 24);
  b.Flag(t.purpose_one_treatment);
  b.Letters(t.publisher_cc);
  PutVendors(b, t.vendor_consents, range);
  PutVendors(b, t.vendor_legitimate_interests, range);
  b.Put(t.publisher_restrictions.size(), 12);
  for (const auto& pr : t.publisher_restrictions) {
    b.Put(static_cast<uint64_t>(pr.purpose_id), 6);
    b.Put(static_cast<uint64_t>(pr.restriction_type), 2);
    PutRangeEntries(b, pr.vendor_ranges);
  }
  return b;
}

std::string VendorSegment(int type, const TcVendorSet& s, bool range) {
  Bits b;
  b.Put(static_cast<uint64_t>(type), 3);
  PutVendors(b, s, range);
  return b.Text();
}

std::string PublisherSegment(const TcPublisherTc& p) {
  Bits b;
  b.Put(3, 3);
  b.Flags(p.pub_purposes_consent, 24);
  b.Flags(p.pub_purposes_li_transparency, 24);
  b.Put(static_cast<uint64_t>(p.num_custom_purposes), 6);
  b.Flags(p.custom_purposes_consent, p.num_custom_purposes);
  b.Flags(p.custom_purposes_li_transparency, p.num_custom_purposes);
  return b.Text();
}

// A core segment with every field set to a distinctive value.
TcString Sample() {
  TcString t;
  t.version = 2;
  t.created_ds = 17000000000;
  t.last_updated_ds = 17000001234;
  t.cmp_id = 4095;
  t.cmp_version = 7;
  t.consent_screen = 63;
  t.consent_language = "EN";
  t.vendor_list_version = 150;
  t.tcf_policy_version = 4;
  t.is_service_specific = true;
  t.use_non_standard_texts = true;
  t.special_feature_opt_ins = FlagsOf({1, 12});
  t.purposes_consent = FlagsOf({1, 2, 3, 4, 7, 10, 24});
  t.purposes_li_transparency = FlagsOf({2, 7, 9});
  t.purpose_one_treatment = true;
  t.publisher_cc = "ZA";
  t.vendor_consents = VendorsOf(300, {{1, 1}, {21, 21}, {100, 120}, {300, 300}});
  t.vendor_legitimate_interests = VendorsOf(21, {{21, 21}});
  t.publisher_restrictions = {{2, 1, {{21, 21}}}, {7, 2, {{30, 40}, {50, 50}}}};
  return t;
}

std::string Encode(const TcString& t, bool range = false) { return CoreBits(t, range).Text(); }

void ExpectSameCore(const TcString& want, const TcString& got) {
  EXPECT_EQ(got.version, want.version);
  EXPECT_EQ(got.created_ds, want.created_ds);
  EXPECT_EQ(got.last_updated_ds, want.last_updated_ds);
  EXPECT_EQ(got.cmp_id, want.cmp_id);
  EXPECT_EQ(got.cmp_version, want.cmp_version);
  EXPECT_EQ(got.consent_screen, want.consent_screen);
  EXPECT_EQ(got.consent_language, want.consent_language);
  EXPECT_EQ(got.vendor_list_version, want.vendor_list_version);
  EXPECT_EQ(got.tcf_policy_version, want.tcf_policy_version);
  EXPECT_EQ(got.is_service_specific, want.is_service_specific);
  EXPECT_EQ(got.use_non_standard_texts, want.use_non_standard_texts);
  EXPECT_EQ(got.special_feature_opt_ins, want.special_feature_opt_ins);
  EXPECT_EQ(got.purposes_consent, want.purposes_consent);
  EXPECT_EQ(got.purposes_li_transparency, want.purposes_li_transparency);
  EXPECT_EQ(got.purpose_one_treatment, want.purpose_one_treatment);
  EXPECT_EQ(got.publisher_cc, want.publisher_cc);
  EXPECT_EQ(got.vendor_consents.max_vendor_id(), want.vendor_consents.max_vendor_id());
  EXPECT_EQ(got.vendor_consents.Ids(), want.vendor_consents.Ids());
  EXPECT_EQ(got.vendor_legitimate_interests.max_vendor_id(),
            want.vendor_legitimate_interests.max_vendor_id());
  EXPECT_EQ(got.vendor_legitimate_interests.Ids(), want.vendor_legitimate_interests.Ids());
  ASSERT_EQ(got.publisher_restrictions.size(), want.publisher_restrictions.size());
  for (size_t i = 0; i < want.publisher_restrictions.size(); ++i) {
    EXPECT_EQ(got.publisher_restrictions[i].purpose_id, want.publisher_restrictions[i].purpose_id);
    EXPECT_EQ(got.publisher_restrictions[i].restriction_type,
              want.publisher_restrictions[i].restriction_type);
    EXPECT_EQ(got.publisher_restrictions[i].vendor_ranges,
              want.publisher_restrictions[i].vendor_ranges);
  }
}

std::string ErrorOf(std::string_view text) {
  auto r = DecodeTcString(text);
  return r.ok() ? "" : r.error().message();
}

// ---- BitReader ----

TEST(TcfBitReader, ReadsMsbFirstAndConsumesNothingOnFailure) {
  const uint8_t data[] = {0xA5, 0x0F};  // 1010 0101 0000 1111
  BitReader r(ByteSpan(data, 2));
  uint64_t v = 99;
  EXPECT_TRUE(r.ReadBits(0, &v));
  EXPECT_EQ(v, 0u);
  ASSERT_TRUE(r.ReadBits(3, &v));
  EXPECT_EQ(v, 0b101u);
  ASSERT_TRUE(r.ReadBits(7, &v));  // crosses the byte boundary: 0 0101 00
  EXPECT_EQ(v, 0b0010100u);
  EXPECT_FALSE(r.ReadBits(7, &v));  // 6 bits left
  EXPECT_FALSE(r.ReadBits(65, &v));
  EXPECT_EQ(r.remaining_bits(), 6u);
  ASSERT_TRUE(r.ReadBits(6, &v));
  EXPECT_EQ(v, 0b001111u);
  bool bit = false;
  EXPECT_FALSE(r.ReadBit(&bit));
}

TEST(TcfBitReader, Reads64Bits) {
  const uint8_t data[] = {0x80, 0, 0, 0, 0, 0, 0, 0x01};
  BitReader r(ByteSpan(data, 8));
  uint64_t v = 0;
  ASSERT_TRUE(r.ReadBits(64, &v));
  EXPECT_EQ(v, 0x8000000000000001ull);
}

// ---- negative cases ----

TEST(TcfDecode, RejectsEmptyAndBadBase64Url) {
  EXPECT_NE(ErrorOf("").find("empty"), std::string::npos);
  EXPECT_NE(ErrorOf("C").find("base64url"), std::string::npos);  // a lone final character
  std::string good = Encode(Sample());
  std::string plus = good, slash = good, space = good + " ";
  plus[5] = '+';
  slash[5] = '/';
  for (const std::string& s :
       {plus, slash, space, std::string("CP1R2o AP1R27"), std::string("C\0AA", 4)}) {
    EXPECT_NE(ErrorOf(s).find("not valid base64url"), std::string::npos) << s;
  }
}

TEST(TcfDecode, RejectsVersionsOtherThan2) {
  for (int version : {0, 1, 3, 63}) {
    TcString t = Sample();
    t.version = version;
    EXPECT_NE(ErrorOf(Encode(t)).find("Version: unsupported version"), std::string::npos)
        << version;
  }
}

TEST(TcfDecode, RejectsEveryTruncation) {
  for (bool range : {false, true}) {
    Bits b = CoreBits(Sample(), range);
    size_t full = (b.size() + 7) / 8;
    ASSERT_TRUE(DecodeTcString(Base64UrlEncode(b.ToBytes())).ok());
    for (size_t n = 0; n < full; ++n) {
      std::string text = Base64UrlEncode(b.ToBytes(n));
      auto r = DecodeTcString(text);
      EXPECT_FALSE(r.ok()) << "bytes " << n << " range " << range;
    }
  }
}

TEST(TcfDecode, RejectsBadVendorRanges) {
  // A core segment with zero fields, then a hand-made vendor consent section of one entry.
  auto with_range = [](int max_vendor_id, bool is_range, int first, int last) {
    Bits b;
    b.Put(2, 6);
    b.Zeros(36 + 36 + 12 + 12 + 6);
    b.Letters("EN");
    b.Zeros(12 + 6 + 1 + 1 + 12 + 24 + 24 + 1);
    b.Letters("FR");
    b.Put(static_cast<uint64_t>(max_vendor_id), 16);
    b.Flag(true);  // IsRangeEncoding
    b.Put(1, 12);  // NumEntries
    b.Flag(is_range);
    b.Put(static_cast<uint64_t>(first), 16);
    if (is_range) b.Put(static_cast<uint64_t>(last), 16);
    b.Zeros(16 + 1 + 12);  // empty LI section (bitfield, MaxVendorId 0), no restrictions
    return ErrorOf(b.Text());
  };
  EXPECT_EQ(with_range(100, true, 10, 100), "");  // the well-formed baseline
  EXPECT_EQ(with_range(100, false, 100, 0), "");
  EXPECT_NE(with_range(100, true, 10, 101).find("EndVendorId: vendor id past MaxVendorId"),
            std::string::npos);
  EXPECT_NE(with_range(100, false, 101, 0).find("StartOrOnlyVendorId: vendor id past MaxVendorId"),
            std::string::npos);
  EXPECT_NE(with_range(100, true, 50, 49).find("less than StartOrOnlyVendorId"), std::string::npos);
  EXPECT_NE(with_range(100, false, 0, 0).find("vendor id 0"), std::string::npos);
  EXPECT_NE(with_range(0, false, 1, 0).find("past MaxVendorId"), std::string::npos);
}

TEST(TcfDecode, RejectsBadLettersAndRestrictionType) {
  TcString t = Sample();
  t.consent_language = std::string{'A', static_cast<char>('A' + 26)};
  EXPECT_NE(ErrorOf(Encode(t)).find("ConsentLanguage: letter outside A-Z"), std::string::npos);
  t = Sample();
  t.publisher_cc = std::string{static_cast<char>('A' + 63), 'A'};
  EXPECT_NE(ErrorOf(Encode(t)).find("PublisherCC"), std::string::npos);
  t = Sample();
  t.publisher_restrictions[1].restriction_type = 3;
  EXPECT_NE(ErrorOf(Encode(t)).find("RestrictionType: undefined"), std::string::npos);
  t = Sample();
  t.publisher_restrictions[0].vendor_ranges = {{5, 4}};
  EXPECT_NE(ErrorOf(Encode(t)).find("less than StartOrOnlyVendorId"), std::string::npos);
}

TEST(TcfDecode, RejectsBadSegments) {
  std::string core = Encode(Sample());
  std::string disclosed = VendorSegment(1, VendorsOf(10, {{2, 3}}), false);
  EXPECT_TRUE(DecodeTcString(core + "." + disclosed).ok());
  EXPECT_NE(ErrorOf(core + ".").find("segment 2 is empty"), std::string::npos);
  EXPECT_NE(ErrorOf("." + core).find("segment 1 is empty"), std::string::npos);
  EXPECT_NE(ErrorOf(core + ".." + disclosed).find("segment 2 is empty"), std::string::npos);
  EXPECT_NE(ErrorOf(core + "." + disclosed + "." + disclosed).find("segment repeated"),
            std::string::npos);
  for (int type : {0, 4, 7}) {
    std::string seg = VendorSegment(type, VendorsOf(10, {{2, 3}}), false);
    EXPECT_NE(ErrorOf(core + "." + seg).find("unknown segment type " + std::to_string(type)),
              std::string::npos);
  }
  // Truncated optional segments: a bitfield shorter than MaxVendorId, custom purposes cut off.
  Bits short_vendors;
  short_vendors.Put(2, 3);
  short_vendors.Put(1000, 16);
  short_vendors.Flag(false);
  short_vendors.Put(0xff, 8);
  EXPECT_NE(ErrorOf(core + "." + short_vendors.Text()).find("AllowedVendors segment: BitField"),
            std::string::npos);
  Bits short_pub;
  short_pub.Put(3, 3);
  short_pub.Zeros(48);
  short_pub.Put(40, 6);  // NumCustomPurposes 40, then only a few bits
  EXPECT_NE(ErrorOf(core + "." + short_pub.Text()).find("PublisherTC segment: CustomPurposes"),
            std::string::npos);
  EXPECT_NE(ErrorOf(core + ".AA").find("SegmentType"), std::string::npos);  // 1 byte: type 0
}

// ---- decoding ----

TEST(TcfDecode, DecodesEveryCoreFieldInBothVendorEncodings) {
  TcString want = Sample();
  std::string bitfield = Encode(want, false), ranges = Encode(want, true);
  EXPECT_NE(bitfield, ranges);
  for (const std::string& text : {bitfield, ranges}) {
    auto got = DecodeTcString(text);
    ASSERT_TRUE(got.ok()) << got.error().message();
    ExpectSameCore(want, *got);
    EXPECT_FALSE(got->disclosed_vendors || got->allowed_vendors || got->publisher_tc);
  }
}

TEST(TcfDecode, DecodesOptionalSegmentsInAnyOrder) {
  TcString want = Sample();
  TcPublisherTc pub;
  pub.pub_purposes_consent = FlagsOf({1, 24});
  pub.pub_purposes_li_transparency = FlagsOf({3});
  pub.num_custom_purposes = 3;
  pub.custom_purposes_consent = FlagsOf({1, 3});
  pub.custom_purposes_li_transparency = FlagsOf({2});
  std::string text = Encode(want) + "." + PublisherSegment(pub) + "." +
                     VendorSegment(1, VendorsOf(400, {{21, 22}, {400, 400}}), true) + "." +
                     VendorSegment(2, VendorsOf(5, {{5, 5}}), false);
  auto got = DecodeTcString(text);
  ASSERT_TRUE(got.ok()) << got.error().message();
  ExpectSameCore(want, *got);
  ASSERT_TRUE(got->disclosed_vendors && got->allowed_vendors && got->publisher_tc);
  EXPECT_EQ(got->disclosed_vendors->Ids(), (std::vector<int>{21, 22, 400}));
  EXPECT_EQ(got->allowed_vendors->Ids(), (std::vector<int>{5}));
  EXPECT_EQ(got->publisher_tc->pub_purposes_consent, pub.pub_purposes_consent);
  EXPECT_EQ(got->publisher_tc->pub_purposes_li_transparency, pub.pub_purposes_li_transparency);
  EXPECT_EQ(got->publisher_tc->num_custom_purposes, 3);
  EXPECT_EQ(got->publisher_tc->custom_purposes_consent, pub.custom_purposes_consent);
  EXPECT_EQ(got->publisher_tc->custom_purposes_li_transparency,
            pub.custom_purposes_li_transparency);
}

TEST(TcfDecode, AcceptsBase64PaddingLikeJavasDecoder) {
  Bits b = CoreBits(Sample(), false);
  Bytes bytes = b.ToBytes();
  bytes.push_back(0);  // make the length not a multiple of 3, so padding is possible
  if (bytes.size() % 3 == 0) bytes.push_back(0);
  std::string padded = Base64Encode(bytes, Base64Alphabet::kUrlSafe, true);
  ASSERT_EQ(padded.back(), '=');
  auto got = DecodeTcString(padded);
  ASSERT_TRUE(got.ok()) << got.error().message();
  ExpectSameCore(Sample(), *got);
}

TEST(TcfDecode, ManyFullRangesCoverEveryVendor) {
  // 4095 ranges covering 1..65535 (the largest range section a string can carry).
  Bits b;
  b.Put(2, 6);
  b.Zeros(36 + 36 + 12 + 12 + 6);
  b.Letters("EN");
  b.Zeros(12 + 6 + 1 + 1 + 12 + 24 + 24 + 1);
  b.Letters("FR");
  b.Put(65535, 16);
  b.Flag(true);
  b.Put(4095, 12);
  for (int i = 0; i < 4095; ++i) {
    b.Flag(true);
    b.Put(1, 16);
    b.Put(65535, 16);
  }
  b.Zeros(16 + 1 + 12);
  auto got = DecodeTcString(b.Text());
  ASSERT_TRUE(got.ok()) << got.error().message();
  EXPECT_TRUE(got->vendor_consents.Contains(1));
  EXPECT_TRUE(got->vendor_consents.Contains(65535));
  EXPECT_FALSE(got->vendor_consents.Contains(0));
  EXPECT_FALSE(got->vendor_consents.Contains(65536));
}

// Public strings; expected values from @iabtcf/core 1.5.6 TCString.decode.
TEST(TcfDecode, PublicExampleWithPublisherSegment) {
  // The example of the GDPR::IAB::TCFv2 Perl module's documentation.
  auto got = DecodeTcString(
      "CLcVDxRMWfGmWAVAHCENAXCkAKDAADnAABRgA5mdfCKZuYJez-NQm0TBMYA4oCAAGQYIAAAAAAEAIAEgAA."
      "argAC0gAAAAAAAAAAAA");
  ASSERT_TRUE(got.ok()) << got.error().message();
  EXPECT_EQ(got->version, 2);
  EXPECT_EQ(got->created_ds, 12286442577);  // 1228644257700 ms
  EXPECT_EQ(got->last_updated_ds, 13262154134);
  EXPECT_EQ(got->cmp_id, 21);
  EXPECT_EQ(got->cmp_version, 7);
  EXPECT_EQ(got->consent_screen, 2);
  EXPECT_EQ(got->consent_language, "EN");
  EXPECT_EQ(got->vendor_list_version, 23);
  EXPECT_EQ(got->tcf_policy_version, 2);
  EXPECT_TRUE(got->is_service_specific);
  EXPECT_FALSE(got->use_non_standard_texts);
  EXPECT_EQ(got->special_feature_opt_ins, FlagsOf({2}));
  EXPECT_EQ(got->purposes_consent, FlagsOf({1, 3, 9, 10}));
  EXPECT_EQ(got->purposes_li_transparency, FlagsOf({3, 4, 5, 8, 9, 10}));
  EXPECT_FALSE(got->purpose_one_treatment);
  EXPECT_EQ(got->publisher_cc, "KM");
  EXPECT_EQ(got->vendor_consents.max_vendor_id(), 115);
  EXPECT_EQ(got->vendor_consents.Ids(),
            (std::vector<int>{2,  3,  6,  7,  8,  10, 12, 13, 14,  15,  16,  21,  25,  27,
                              30, 31, 34, 35, 37, 38, 39, 42, 43,  49,  52,  54,  55,  56,
                              57, 59, 60, 63, 64, 65, 66, 67, 68,  69,  73,  74,  76,  78,
                              83, 86, 87, 89, 90, 92, 96, 99, 100, 106, 109, 110, 114, 115}));
  EXPECT_EQ(got->vendor_legitimate_interests.max_vendor_id(), 113);
  EXPECT_EQ(got->vendor_legitimate_interests.Ids(),
            (std::vector<int>{1, 9, 26, 27, 30, 36, 37, 43, 86, 97, 110, 113}));
  EXPECT_TRUE(got->publisher_restrictions.empty());
  ASSERT_TRUE(got->publisher_tc);
  EXPECT_EQ(got->publisher_tc->pub_purposes_consent, FlagsOf({2, 4, 6, 8, 9, 10}));
  EXPECT_EQ(got->publisher_tc->pub_purposes_li_transparency, FlagsOf({2, 4, 5, 7, 10}));
  EXPECT_EQ(got->publisher_tc->num_custom_purposes, 0);
  EXPECT_FALSE(got->disclosed_vendors || got->allowed_vendors);
}

TEST(TcfDecode, PublicExampleWithRangeEncodedVendors) {
  // The example of the icookforms crate's documentation.
  auto got =
      DecodeTcString("COxSKBCOxSKCCBcABCENAgCMAPzAAEPAAAqIDaQBQAMgAgABqAR0A2gDaQAwAMgAgANoAAA");
  ASSERT_TRUE(got.ok()) << got.error().message();
  EXPECT_EQ(got->created_ds, 15859228738);
  EXPECT_EQ(got->last_updated_ds, 15859228802);
  EXPECT_EQ(got->cmp_id, 92);
  EXPECT_EQ(got->cmp_version, 1);
  EXPECT_EQ(got->consent_screen, 2);
  EXPECT_EQ(got->consent_language, "EN");
  EXPECT_EQ(got->vendor_list_version, 32);
  EXPECT_EQ(got->tcf_policy_version, 2);
  EXPECT_FALSE(got->is_service_specific);
  EXPECT_EQ(got->special_feature_opt_ins, FlagsOf({1, 2}));
  EXPECT_EQ(got->purposes_consent, FlagsOf({1, 2, 3, 4, 5, 6, 9, 10}));
  EXPECT_EQ(got->purposes_li_transparency, FlagsOf({2, 7, 8, 9, 10}));
  EXPECT_EQ(got->publisher_cc, "FR");
  EXPECT_EQ(got->vendor_consents.max_vendor_id(), 436);
  EXPECT_EQ(got->vendor_consents.Ids(), (std::vector<int>{25, 32, 53, 285, 436}));
  EXPECT_EQ(got->vendor_legitimate_interests.Ids(), (std::vector<int>{25, 32, 436}));
}

TEST(TcfDecode, StringEncodedByTheIabLibrary) {
  // Encoded with @iabtcf/core 1.5.6 (SegmentEncoder): range-encoded vendor consents 1-600 and
  // 2000, LI 5/7/9, two publisher restrictions, Disclosed Vendors and Publisher TC segments.
  auto got = DecodeTcString(
      "CP1R2oAP1R27SEsACBFRCWEgAIAAAAAAAAYgPoQAoAAgSwB9AACQVACCQAQAKjgAMAHgAfAA."
      "IDIQAoAKgAsAZAAA.cAAAIAAAAAAA");
  ASSERT_TRUE(got.ok()) << got.error().message();
  EXPECT_EQ(got->created_ds, 17000000000);
  EXPECT_EQ(got->last_updated_ds, 17000001234);
  EXPECT_EQ(got->cmp_id, 300);
  EXPECT_EQ(got->cmp_version, 2);
  EXPECT_EQ(got->consent_language, "FR");
  EXPECT_EQ(got->publisher_cc, "DE");
  EXPECT_EQ(got->vendor_list_version, 150);
  EXPECT_EQ(got->tcf_policy_version, 4);
  EXPECT_EQ(got->purposes_consent, FlagsOf({1}));
  EXPECT_EQ(got->vendor_consents.max_vendor_id(), 2000);
  std::vector<int> vendors;
  for (int id = 1; id <= 600; ++id) vendors.push_back(id);
  vendors.push_back(2000);
  EXPECT_EQ(got->vendor_consents.Ids(), vendors);
  EXPECT_EQ(got->vendor_legitimate_interests.Ids(), (std::vector<int>{5, 7, 9}));
  ASSERT_EQ(got->publisher_restrictions.size(), 2u);
  EXPECT_EQ(got->publisher_restrictions[0].purpose_id, 2);
  EXPECT_EQ(got->publisher_restrictions[0].restriction_type, 1);
  EXPECT_EQ(got->publisher_restrictions[0].vendor_ranges,
            (std::vector<std::pair<int, int>>{{21, 21}}));
  EXPECT_EQ(got->publisher_restrictions[1].purpose_id, 7);
  EXPECT_EQ(got->publisher_restrictions[1].restriction_type, 0);
  EXPECT_EQ(got->publisher_restrictions[1].vendor_ranges,
            (std::vector<std::pair<int, int>>{{30, 31}}));
  ASSERT_TRUE(got->disclosed_vendors && got->publisher_tc);
  EXPECT_EQ(got->disclosed_vendors->Ids(), (std::vector<int>{21, 22, 400}));
  EXPECT_EQ(got->publisher_tc->pub_purposes_consent, FlagsOf({1, 24}));
}

// ---- the EUID consent rule ----

TcString EuidBase() {
  TcString t = Sample();
  t.special_feature_opt_ins = FlagsOf({kSpecialFeaturePreciseGeolocation});
  t.purposes_consent = FlagsOf({1, 2, 3, 4, 7, 10});
  t.purposes_li_transparency = 0;
  t.vendor_consents = VendorsOf(21, {{21, 21}});
  t.vendor_legitimate_interests = VendorsOf(0, {});
  return t;
}

TEST(TcfEuidConsent, EachRequiredPurposeAndGeolocationAreNeeded) {
  EXPECT_EQ(EvaluateEuidConsent(EuidBase(), 21), TcfConsent::kSufficient);
  for (int purpose : {1, 2, 3, 4, 7, 10}) {
    TcString t = EuidBase();
    t.purposes_consent &= ~(1u << (purpose - 1));
    EXPECT_EQ(EvaluateEuidConsent(t, 21), TcfConsent::kInsufficient) << purpose;
  }
  TcString t = EuidBase();
  t.special_feature_opt_ins = FlagsOf({kSpecialFeatureActivelyScanDevice});
  EXPECT_EQ(EvaluateEuidConsent(t, 21), TcfConsent::kInsufficient);
  // Purposes not in the rule do not matter.
  t = EuidBase();
  t.purposes_consent |= FlagsOf({5, 6, 8, 9});
  EXPECT_EQ(EvaluateEuidConsent(t, 21), TcfConsent::kSufficient);
}

TEST(TcfEuidConsent, VendorMustBeListed) {
  EXPECT_EQ(EvaluateEuidConsent(EuidBase(), 22), TcfConsent::kInsufficient);
  EXPECT_EQ(EvaluateEuidConsent(EuidBase(), 0), TcfConsent::kInsufficient);
  TcString t = EuidBase();
  t.vendor_consents = VendorsOf(22, {{22, 22}});
  EXPECT_EQ(EvaluateEuidConsent(t, 21), TcfConsent::kInsufficient);
  EXPECT_EQ(EvaluateEuidConsent(t, 22), TcfConsent::kSufficient);
}

TEST(TcfEuidConsent, LegitimateInterestCoversPurposesForLiVendors) {
  TcString t = EuidBase();
  t.purposes_consent = FlagsOf({1, 3, 4});
  t.purposes_li_transparency = FlagsOf({2, 7, 10});
  EXPECT_EQ(EvaluateEuidConsent(t, 21), TcfConsent::kInsufficient);  // vendor has no LI
  t.vendor_legitimate_interests = VendorsOf(21, {{21, 21}});
  EXPECT_EQ(EvaluateEuidConsent(t, 21), TcfConsent::kSufficient);
  // LI alone cannot supply purposes that have consent only.
  t.vendor_consents = VendorsOf(0, {});
  EXPECT_EQ(EvaluateEuidConsent(t, 21), TcfConsent::kInsufficient);
}

TEST(TcfEuidConsent, StringsEncodedByTheIabLibrary) {
  // @iabtcf/core 1.5.6: vendor 21 with purposes 1,2,3,4,7,10 and special feature 1; then the
  // same without purpose 7; with special feature 2 instead of 1; consent 1,3,4 + LI 2,7,10.
  auto ok = DecodeTcString("CP1R2oAP1R27SEsACBFRCWEoAPJAAAAAAAYgAKgAACAAAAAA");
  auto no7 = DecodeTcString("CP1R2oAP1R27SEsACBFRCWEoAPBAAAAAAAYgAKgAACAAAAAA");
  auto nogeo = DecodeTcString("CP1R2oAP1R27SEsACBFRCWEkAPJAAAAAAAYgAKgAACAAAAAA");
  auto li = DecodeTcString("CP1R2oAP1R27SEsACBFRCWEoALAAAEJAAAYgAKgAACACoAAAgAAA");
  ASSERT_TRUE(ok.ok() && no7.ok() && nogeo.ok() && li.ok());
  EXPECT_EQ(EvaluateEuidConsent(*ok, 21), TcfConsent::kSufficient);
  EXPECT_EQ(EvaluateEuidConsent(*ok, 22), TcfConsent::kInsufficient);
  EXPECT_EQ(EvaluateEuidConsent(*no7, 21), TcfConsent::kInsufficient);
  EXPECT_EQ(EvaluateEuidConsent(*nogeo, 21), TcfConsent::kInsufficient);
  EXPECT_EQ(EvaluateEuidConsent(*li, 21), TcfConsent::kSufficient);
}

}  // namespace
}  // namespace uid2::operator_identity
