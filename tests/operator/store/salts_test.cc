#include "operator/store/salts.h"

#include <gtest/gtest.h>

#include <string>

#include "common/encoding.h"
#include "common/spare_buffer.h"
#include "test_util.h"

namespace uid2::store {
namespace {

TEST(SaltLineTest, ParsesAllElevenFields) {
  SaltEntry e;
  std::string line =
      "1000002,1798588800001,,1806364800000,,2100002,key12345key12345key12345key12340,"
      "salt1234salt1234salt1234salt1230,2000002,key12345key12345key12345key12345,"
      "salt1234salt1234salt1234salt1234";
  ASSERT_TRUE(ParseSaltLine(line, &e).ok());
  EXPECT_EQ(e.id, 1000002);
  EXPECT_EQ(e.last_updated_ms, 1798588800001);
  EXPECT_TRUE(e.salt.empty());
  EXPECT_EQ(e.refresh_from_ms, 1806364800000);
  EXPECT_TRUE(e.previous_salt.empty());
  EXPECT_EQ(e.current_key.id, 2100002);
  EXPECT_EQ(e.current_key.key, "key12345key12345key12345key12340");
  EXPECT_EQ(e.current_key.salt, "salt1234salt1234salt1234salt1230");
  EXPECT_TRUE(e.previous_key.present());
  EXPECT_EQ(e.previous_key.id, 2000002);
}

TEST(SaltLineTest, SaltOnlyLineHasNoKeys) {
  SaltEntry e;
  ASSERT_TRUE(ParseSaltLine("1000001,1786924800001,vgv1BwiNRCW7F3VcNXHlZh+7oHJ4G4gCshbGcVOLnst=,"
                            "1812844800000,,,,,,,",
                            &e)
                  .ok());
  EXPECT_EQ(e.salt, "vgv1BwiNRCW7F3VcNXHlZh+7oHJ4G4gCshbGcVOLnst=");
  EXPECT_FALSE(e.current_key.present());
  EXPECT_FALSE(e.previous_key.present());
}

TEST(SaltLineTest, RefusesMalformedLines) {
  SaltEntry e;
  const char* bad[] = {
      "",                                                        // no fields
      "1,2,salt,3,,,,,,",                                        // 10 fields
      "1,2,salt,3,,,,,,,,",                                      // 12 fields
      "x,2,salt,3,,,,,,,",                                       // id not a number
      "1,,salt,3,,,,,,,",                                        // lastUpdated missing
      "1,2,salt,3x,,,,,,,",                                      // refreshFrom not a number
      "1,2,,3,,,,,,,",                                           // neither salt nor key
      "1,2,,3,,7,key12345key12345key12345key12345,,,,",          // key without its salt
      "1,2,,3,,16777216,key12345key12345key12345key12345,s,,,",  // key id > 24 bits
      "1,2,,3,,7,shortkey,s,,,",                                 // key not 32 chars
  };
  for (const char* line : bad) EXPECT_FALSE(ParseSaltLine(line, &e).ok()) << line;
}

TEST(SaltLineTest, ErrorsDoNotShowValues) {
  SaltEntry e;
  Status st = ParseSaltLine("1,2,,3,,secretsecret,k,s,,,", &e);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message().find("secretsecret"), std::string::npos);
  EXPECT_NE(st.error().message().find("curKeyId"), std::string::npos);
}

TEST(SaltBucketIndexTest, LowNibbleOfByteTwo) {
  uint8_t h[3] = {0x12, 0x34, 0xAB};
  // 0x12<<12 | 0x34<<4 | 0xB = 0x12340 | 0xB
  EXPECT_EQ(SaltBucketIndex(h, kFullSaltBucketCount), 0x1234Bu);
  EXPECT_EQ(SaltBucketIndex(h, 5), 0x1234Bu % 5);
  uint8_t high_nibble_only[3] = {0, 0, 0xF0};
  EXPECT_EQ(SaltBucketIndex(high_nibble_only, kFullSaltBucketCount), 0u);
}

TEST(SaltBucketIndexTest, SpecTableIndexes) {
  // spec §3.2 table: first-level hash -> idx with N = 5.
  struct {
    const char* first_level_b64;
    size_t idx;
  } cases[] = {
      {"RNzyiMMy106hy8MpBOsHBe+ZZkQR8IbUAG/IC2OrNr4=", 0},
      {"sNucuuqRSevxEAlg4mdhE+VFd+d/XOb6N/kYA5QS/zE=", 2},
      {"urve3oGxLtO2WGhlQFKMzqhXOdYqSB53Rrgqpp9CFjY=", 2},
  };
  for (const auto& c : cases) {
    auto h = Base64Decode(c.first_level_b64);
    ASSERT_TRUE(h.has_value());
    EXPECT_EQ(SaltBucketIndex(*h, 5), c.idx) << c.first_level_b64;
  }
}

TEST(SaltSetTest, ParsesBundledFile) {
  std::string text = testing::ReadText("data/uid2/core/salts/salts.txt.1745907348982");
  auto set = SaltSet::Parse(text);
  ASSERT_TRUE(set.ok()) << set.error().message();
  ASSERT_EQ((*set)->size(), 5u);
  for (size_t i = 0; i < 5; i++) EXPECT_EQ((*set)->Entry(i).id, int64_t(1000000 + i));
  EXPECT_EQ((*set)->Entry(0).salt, "vgv1BwiNRCW7F3VcNXHlZh+7oHJ4G4gCshbGcVOLnss=");
  EXPECT_EQ((*set)->Entry(4).previous_salt, "vgv1BwiNRCW7F3VcNXHlZh+7oHJ4G4gCshbGcVOLnsw=");
  EXPECT_EQ((*set)->Entry(4).current_key.id, 2000004);
}

TEST(SaltSetTest, BadLineNamesTheLine) {
  auto set = SaltSet::Parse("1,2,s,3,,,,,,,\n2,2,s,x,,,,,,,\n");
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(set.error().message().rfind("line 2: ", 0), 0u) << set.error().message();
  EXPECT_FALSE(SaltSet::Parse("").ok());
  EXPECT_TRUE(SaltSet::Parse("1,2,s,3,,,,,,,\r\n").ok());
}

// The one-pass parser across its 16-byte blocks: long lines, CRLF, a last line without '\n',
// key material, and every refusal reported with ParseSaltLine's message and the right line.
TEST(SaltSetTest, OnePassParserMatchesTheLineParser) {
  const std::string k32 = "key12345key12345key12345key12340";
  const std::string salt = "vgv1BwiNRCW7F3VcNXHlZh+7oHJ4G4gCshbGcVOLnss=";
  std::string text;
  for (int i = 0; i < 40; i++) {
    std::string line = std::to_string(1000 + i) + ",1806364800001,";
    if (i % 3 == 0) {
      line += "," + std::to_string(1814140800000 + i) + "," + salt + ",7," + k32 + ",ks,8," + k32 +
              ",ps";
    } else {
      line += salt + "," + std::to_string(1814140800000 + i) + ",,,,,,,";
    }
    text += line + (i % 2 ? "\r\n" : "\n");
  }
  text += "2000,1,s,2,,,,,,,";  // no final '\n'
  auto set = SaltSet::Parse(text);
  ASSERT_TRUE(set.ok()) << set.error().message();
  ASSERT_EQ((*set)->size(), 41u);
  for (int i = 0; i < 40; i++) {
    const SaltEntry e = (*set)->Entry(i);
    EXPECT_EQ(e.id, 1000 + i);
    EXPECT_EQ(e.refresh_from_ms, 1814140800000 + i);
    EXPECT_EQ(e.current_key.present(), i % 3 == 0);
    if (i % 3 == 0) {
      EXPECT_EQ(e.current_key.key, k32);
      EXPECT_EQ(e.previous_key.id, 8);
      EXPECT_EQ(e.previous_key.salt, "ps");  // not "ps\r"
      EXPECT_EQ(e.previous_salt, salt);
    } else {
      EXPECT_EQ(e.salt, salt);
    }
  }
  EXPECT_EQ((*set)->Entry(40).salt, "s");

  const std::string good = "1,2,s,3,,,,,,,\n";
  struct Case {
    std::string bad_line;
  } cases[] = {{"1,2,s,3,,,,,,"},
               {"1,2,s,3,,,,,,,,"},
               {"1,2,s,-,,,,,,,"},
               {"1,2,,3,,,,,,,"},
               {"1,2,s,3,,1,k,,,,"},
               {"1,2,s,3,,16777216," + k32 + ",s,,,"},
               {"1,2,s,3,,1,short,s,,,"},
               {"99999999999999999999,2,s,3,,,,,,,"},
               {""}};
  for (const Case& c : cases) {
    SaltEntry e;
    Status want = ParseSaltLine(c.bad_line, &e);
    ASSERT_FALSE(want.ok()) << c.bad_line;
    auto got = SaltSet::Parse(good + good + c.bad_line + "\n" + good);
    ASSERT_FALSE(got.ok()) << c.bad_line;
    EXPECT_EQ(got.error().message(), "line 3: " + want.error().message()) << c.bad_line;
  }
  // Large ids and negative timestamps parse as before (from_chars beyond the digit fast path).
  auto wide = SaltSet::Parse("123456789012345678,-5,s,9223372036854775807,,,,,,,");
  ASSERT_TRUE(wide.ok()) << wide.error().message();
  EXPECT_EQ((*wide)->Entry(0).id, 123456789012345678);
  EXPECT_EQ((*wide)->Entry(0).last_updated_ms, -5);
  EXPECT_EQ((*wide)->Entry(0).refresh_from_ms, 9223372036854775807);
}

TEST(SaltSetTest, AFreedLargeSetLeavesItsTextForTheNextOne) {
  // 2^17 lines of 160 characters: a 20 MB text, large enough to be kept (common/spare_buffer.h).
  const std::string line =
      "1000,1700000000000," + std::string(120, 's') + ",1800000000000,,,,,,,\n";
  std::string text;
  for (int i = 0; i < (1 << 17); i++) text += line;
  const size_t size = text.size();
  auto set = SaltSet::Parse(std::move(text));
  ASSERT_TRUE(set.ok()) << set.error().message();
  const char* storage =
      (*set)->Entry(0).salt.data() - std::string_view("1000,1700000000000,").size();
  set = Error::Invalid("dropped");  // the last reference: the text becomes the spare
  std::string next = SpareBuffer<std::string>::Take(size);
  EXPECT_EQ(next.data(), storage);
  EXPECT_TRUE(next.empty());
}

TEST(SaltsMetadataTest, SelectsLastEffectiveFile) {
  auto m = ParseSaltsMetadata(testing::ReadText("data/uid2/core/salts/metadata.json"));
  ASSERT_TRUE(m.ok()) << m.error().message();
  EXPECT_EQ(m->first_level, "fOGY/aRE44peL23i+cE9MkJrzmEeNZZziNZBfq7qqk8=");
  EXPECT_EQ(m->id_prefix, "b");
  EXPECT_EQ(m->id_secret, "HF6Qz42HBbVHINxhh191dB09BCuTWyBkNtrNicO4ZCw=");
  ASSERT_EQ(m->files.size(), 2u);
  EXPECT_EQ(m->SelectFile(testing::kTestNowMs).effective_ms, 1745907348982);
  EXPECT_EQ(m->SelectFile(1700000000000).effective_ms, 1670796729291);
  // Before every file: none matches, the last one is used.
  EXPECT_EQ(m->SelectFile(1000).effective_ms, 1745907348982);
}

TEST(SaltsMetadataTest, ExpiredMetadataFallsBackToLast) {
  auto m = ParseSaltsMetadata(testing::ReadText("data/uid2/core/salts/metadataExpired.json"));
  ASSERT_TRUE(m.ok()) << m.error().message();
  EXPECT_EQ(m->SelectFile(testing::kTestNowMs).location,
            "/com.uid2.core/test/salts/salts.txt.1670796729291");
}

TEST(SaltsMetadataTest, RefusesMissingFields) {
  EXPECT_FALSE(ParseSaltsMetadata(R"({"version":1})").ok());
  EXPECT_FALSE(ParseSaltsMetadata(
                   R"({"version":1,"first_level":"a","id_prefix":"b","id_secret":"c","salts":[]})")
                   .ok());
  EXPECT_FALSE(ParseSaltsMetadata(R"({"version":1,"first_level":"a","id_prefix":"b",
      "id_secret":"c","salts":[{"effective":"x","expires":1,"location":"l"}]})")
                   .ok());
}

}  // namespace
}  // namespace uid2::store
