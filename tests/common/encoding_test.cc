#include "common/encoding.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>

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

// The straightforward bit-accumulator decoder the table-driven one replaced: the reference for
// the differential tests below.
std::optional<Bytes> ReferenceDecode(std::string_view text, Base64Alphabet alphabet,
                                     Base64Mode mode) {
  const std::string_view chars =
      alphabet == Base64Alphabet::kStandard
          ? "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
          : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const bool strict = mode == Base64Mode::kStrict;
  size_t padding = 0;
  while (padding < 2 && padding < text.size() && text[text.size() - 1 - padding] == '=') {
    padding++;
  }
  std::string_view body = text.substr(0, text.size() - padding);
  if (padding > 0) {
    if (text.size() % 4 != 0) return std::nullopt;
    if (strict && alphabet == Base64Alphabet::kUrlSafe) return std::nullopt;
  } else if (strict && alphabet == Base64Alphabet::kStandard && text.size() % 4 != 0) {
    return std::nullopt;
  }
  if (body.size() % 4 == 1) return std::nullopt;
  if (padding > 0 && padding != (4 - body.size() % 4) % 4) return std::nullopt;
  Bytes out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : body) {
    size_t v = chars.find(c);
    if (v == std::string_view::npos) return std::nullopt;
    acc = (acc << 6) | uint32_t(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<uint8_t>(acc >> bits));
    }
  }
  if (strict && bits > 0 && (acc & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

TEST(Base64, RoundTripEveryLengthBothAlphabets) {
  std::mt19937 rng(7);
  for (size_t n = 0; n < 200; n++) {
    Bytes data(n);
    for (auto& b : data) b = static_cast<uint8_t>(rng());
    for (auto alphabet : {Base64Alphabet::kStandard, Base64Alphabet::kUrlSafe}) {
      for (bool pad : {true, false}) {
        std::string text = Base64Encode(data, alphabet, pad);
        ASSERT_EQ(text.size(), Base64EncodedSize(n, pad));
        auto back = Base64Decode(text, alphabet, Base64Mode::kLenient);
        ASSERT_TRUE(back.has_value()) << text;
        EXPECT_EQ(*back, data);
        EXPECT_EQ(Base64Decode(text, alphabet, Base64Mode::kStrict),
                  ReferenceDecode(text, alphabet, Base64Mode::kStrict));
      }
    }
  }
}

TEST(Base64, MatchesReferenceOnMutatedText) {
  // Every single-character substitution (including '=', space and bytes >= 0x80) at every
  // position of short texts: the table decoder must accept and reject exactly like the
  // reference, in both modes and alphabets.
  const std::string alphabet_chars =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_= \n\x80\xff!";
  std::mt19937 rng(11);
  for (size_t n = 0; n < 12; n++) {
    Bytes data(n);
    for (auto& b : data) b = static_cast<uint8_t>(rng());
    std::string base = Base64Encode(data);
    for (size_t pos = 0; pos < base.size(); pos++) {
      for (char c : alphabet_chars) {
        std::string text = base;
        text[pos] = c;
        for (auto alphabet : {Base64Alphabet::kStandard, Base64Alphabet::kUrlSafe}) {
          for (auto mode : {Base64Mode::kStrict, Base64Mode::kLenient}) {
            ASSERT_EQ(Base64Decode(text, alphabet, mode), ReferenceDecode(text, alphabet, mode))
                << "text '" << text << "'";
          }
        }
      }
    }
    // Truncations and unpadded forms too.
    for (size_t cut = 0; cut <= base.size(); cut++) {
      std::string text = base.substr(0, cut);
      for (auto mode : {Base64Mode::kStrict, Base64Mode::kLenient}) {
        ASSERT_EQ(Base64Decode(text, Base64Alphabet::kStandard, mode),
                  ReferenceDecode(text, Base64Alphabet::kStandard, mode))
            << text;
      }
    }
  }
}

// DispatchedMatchesScalar checks that Base64DecodeTo (AVX2 blocks where the CPU has AVX2) and
// the scalar decoder agree on `text` in every alphabet and mode: same verdict, same bytes.
void ExpectDispatchedMatchesScalar(std::string_view text) {
  for (auto alphabet : {Base64Alphabet::kStandard, Base64Alphabet::kUrlSafe}) {
    for (auto mode : {Base64Mode::kStrict, Base64Mode::kLenient}) {
      Bytes fast, scalar;
      const bool fast_ok = Base64DecodeTo(text, alphabet, mode, &fast);
      const bool scalar_ok = detail::Base64DecodeToScalar(text, alphabet, mode, &scalar);
      ASSERT_EQ(fast_ok, scalar_ok) << "length " << text.size() << " text '" << text << "'";
      if (fast_ok) {
        ASSERT_EQ(fast, scalar) << "length " << text.size();
      }
    }
  }
}

TEST(Base64, LongTextsEveryLengthModFourMatchScalarAndReference) {
  // Lengths 0..400 cover every length mod 4 (padded, unpadded, a lone final char) and 0..12
  // whole 32-character SIMD blocks followed by every scalar tail.
  std::mt19937 rng(23);
  for (size_t n = 0; n < 300; n++) {
    Bytes data(n);
    for (auto& b : data) b = static_cast<uint8_t>(rng());
    for (bool pad : {true, false}) {
      const std::string text = Base64Encode(data, Base64Alphabet::kStandard, pad);
      auto back = Base64Decode(text, Base64Alphabet::kStandard, Base64Mode::kLenient);
      ASSERT_TRUE(back.has_value()) << text;
      EXPECT_EQ(*back, data);
      ExpectDispatchedMatchesScalar(text);
      for (auto mode : {Base64Mode::kStrict, Base64Mode::kLenient}) {
        ASSERT_EQ(Base64Decode(text, Base64Alphabet::kStandard, mode),
                  ReferenceDecode(text, Base64Alphabet::kStandard, mode))
            << text;
      }
      // Every cut of the text, so each length mod 4 is seen after the SIMD blocks too.
      if (n % 37 == 0) {
        for (size_t cut = 0; cut <= text.size(); cut++) {
          ExpectDispatchedMatchesScalar(std::string_view(text).substr(0, cut));
        }
      }
    }
  }
}

TEST(Base64, EveryByteAtEveryPositionOfALongTextMatchesScalar) {
  // All 256 byte values (whitespace, '=', '-', '_', NUL, >= 0x80 included) substituted at each
  // of 160 positions: five 32-character blocks, so every lane of the SIMD class check is hit.
  std::mt19937 rng(29);
  Bytes data(120);
  for (auto& b : data) b = static_cast<uint8_t>(rng());
  const std::string base = Base64Encode(data);
  ASSERT_EQ(base.size(), 160u);
  for (size_t pos = 0; pos < base.size(); pos++) {
    for (int c = 0; c < 256; c++) {
      std::string text = base;
      text[pos] = static_cast<char>(c);
      ExpectDispatchedMatchesScalar(text);
    }
  }
  // Whitespace is refused everywhere, as in short texts.
  std::string wrapped = base;
  wrapped.insert(76, "\n");
  EXPECT_EQ(Base64Decode(wrapped, Base64Alphabet::kStandard, Base64Mode::kLenient), std::nullopt);
  EXPECT_EQ(*Base64Decode(base), data);
}

TEST(Base64, DecodeToReusesBufferAndEncodeToWritesExactly) {
  Bytes buf(1000, 0xAA);
  ASSERT_TRUE(Base64DecodeTo("Zm9vYmFy", Base64Alphabet::kStandard, Base64Mode::kStrict, &buf));
  EXPECT_EQ(AsChars(buf), "foobar");
  EXPECT_FALSE(Base64DecodeTo("Zm9v!A==", Base64Alphabet::kStandard, Base64Mode::kLenient, &buf));
  char out[16];
  std::memset(out, '#', sizeof out);
  EXPECT_EQ(Base64EncodeTo(AsBytes("fooba"), out), 8u);
  EXPECT_EQ(std::string_view(out, 9), "Zm9vYmE=#");
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
