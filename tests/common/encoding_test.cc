#include "common/encoding.h"

#include <gtest/gtest.h>

namespace uid2 {
namespace {

// RFC 4648 §10 test vectors.
struct Rfc4648Case {
  std::string_view plain, b64;
};
constexpr Rfc4648Case kRfc4648[] = {
    {"", ""},
    {"f", "Zg=="},
    {"fo", "Zm8="},
    {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="},
    {"fooba", "Zm9vYmE="},
    {"foobar", "Zm9vYmFy"},
};

TEST(Base64, Rfc4648VectorsRoundTrip) {
  for (const auto& c : kRfc4648) {
    EXPECT_EQ(Base64Encode(AsBytes(c.plain)), c.b64);
    auto d = Base64Decode(c.b64);
    ASSERT_TRUE(d.has_value()) << c.b64;
    EXPECT_EQ(AsChars(*d), c.plain);
  }
}

TEST(Base64, UrlSafeUnpadded) {
  const uint8_t data[] = {0xfb, 0xff, 0xbf};
  EXPECT_EQ(Base64Encode(data), "+/+/");
  EXPECT_EQ(Base64UrlEncode(data), "-_-_");
  EXPECT_EQ(Base64UrlEncode(AsBytes("fo")), "Zm8");
  EXPECT_EQ(AsChars(*Base64UrlDecode("Zm8")), "fo");
  EXPECT_EQ(Base64Decode("-_-_", Base64Alphabet::kStandard), std::nullopt);
  EXPECT_EQ(Base64UrlDecode("+/+/"), std::nullopt);
}

TEST(Base64, StrictRejectsMalformed) {
  EXPECT_EQ(Base64Decode("Zm8"), std::nullopt);       // standard needs padding
  EXPECT_EQ(Base64Decode("Zm9=="), std::nullopt);     // too much padding
  EXPECT_EQ(Base64Decode("Zm=8"), std::nullopt);      // padding inside
  EXPECT_EQ(Base64Decode("Zm9v!A=="), std::nullopt);  // bad character
  EXPECT_EQ(Base64Decode("Zm9 v"), std::nullopt);     // whitespace
  EXPECT_EQ(Base64Decode("Z"), std::nullopt);         // lone char
  EXPECT_EQ(Base64Decode("Zm9="), std::nullopt);      // non-canonical: trailing bits set
  EXPECT_EQ(Base64Decode("Zh=="), std::nullopt);      // non-canonical
  EXPECT_EQ(Base64UrlDecode("Zm8="), std::nullopt);   // url-safe strict forbids padding
}

TEST(Base64, LenientAcceptsWhatJavaAccepts) {
  EXPECT_EQ(AsChars(*Base64Decode("Zm8", Base64Alphabet::kStandard, Base64Mode::kLenient)), "fo");
  EXPECT_EQ(AsChars(*Base64Decode("Zh==", Base64Alphabet::kStandard, Base64Mode::kLenient)), "f");
  EXPECT_EQ(Base64Decode("Zm9v!A==", Base64Alphabet::kStandard, Base64Mode::kLenient),
            std::nullopt);
  EXPECT_EQ(Base64Decode("Z", Base64Alphabet::kStandard, Base64Mode::kLenient), std::nullopt);
}

TEST(Hex, RoundTripAndRejects) {
  const uint8_t data[] = {0x00, 0x7f, 0xab, 0xff};
  EXPECT_EQ(HexEncode(data), "007fabff");
  EXPECT_EQ(*HexDecode("007FabFF"), Bytes(std::begin(data), std::end(data)));
  EXPECT_EQ(HexDecode("0"), std::nullopt);
  EXPECT_EQ(HexDecode("0g"), std::nullopt);
}

}  // namespace
}  // namespace uid2
