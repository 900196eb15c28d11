// Hashids: the spec's bucket ids for the local test salts (§3.2) and the public examples of the
// Hashids description.
#include "operator/identity/hashids.h"

#include <gtest/gtest.h>

#include "test_keys.h"

namespace uid2::operator_identity {
namespace {

TEST(Hashids, SpecBucketIdsForLocalSalts) {
  auto salts = testing::LoadLocalSalts("salts.txt.1745907348982");
  ASSERT_TRUE(salts.has_value());
  Hashids h(salts->id_secret, 9);
  const char* expected[] = {"bKaoveQoPR", "b1aZVGl7aB", "bv3WM92zaA", "bl5yy6kr58", "be58Mjz13q"};
  for (int i = 0; i < 5; i++) {
    EXPECT_EQ(salts->id_prefix + h.Encode(1000000 + i), expected[i]) << 1000000 + i;
  }
}

TEST(Hashids, PublicExamples) {
  // The examples of the Hashids documentation ("this is my salt").
  EXPECT_EQ(Hashids("this is my salt").Encode(12345), "NkK9");
  EXPECT_EQ(Hashids("this is my salt", 8).Encode(1), "gB0NV05e");
  EXPECT_EQ(Hashids("").Encode(0).size(), 2u);  // lottery char + one digit
}

TEST(Hashids, MinimumLengthAndRoundTrip) {
  Hashids h("HF6Qz42HBbVHINxhh191dB09BCuTWyBkNtrNicO4ZCw=", 9);
  for (int64_t n : {int64_t{0}, int64_t{1}, int64_t{99}, int64_t{100}, int64_t{1000000},
                    int64_t{2000001}, int64_t{1} << 40, int64_t{9007199254740992}}) {
    std::string s = h.Encode(n);
    EXPECT_GE(s.size(), 9u) << n;
    EXPECT_EQ(h.Decode(s), n) << s;
  }
  EXPECT_EQ(h.Encode(-1), "");
  EXPECT_EQ(h.Decode(""), -1);
  EXPECT_EQ(h.Decode("not-a-hash"), -1);
  EXPECT_EQ(Hashids("other salt", 9).Decode(h.Encode(1000000)), -1);
}

TEST(Hashids, ShuffleIsAPermutationAndSaltDependent) {
  std::string a = "abcdefghijklmnop";
  std::string b = a;
  HashidsConsistentShuffle(&a, "salt one");
  HashidsConsistentShuffle(&b, "salt two");
  EXPECT_NE(a, b);
  std::string sa = a, sb = b;
  std::sort(sa.begin(), sa.end());
  std::sort(sb.begin(), sb.end());
  EXPECT_EQ(sa, "abcdefghijklmnop");
  EXPECT_EQ(sb, sa);
  std::string c = "abc";
  HashidsConsistentShuffle(&c, "");
  EXPECT_EQ(c, "abc");
}

}  // namespace
}  // namespace uid2::operator_identity
