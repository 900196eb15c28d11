#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "common/json.h"
#include "common/log.h"
#include "common/progress.h"

namespace uid2 {
namespace {

TEST(Log, RedactedNeverPrintsTheValue) {
  std::string human = log::FormatLine(log::Format::kHuman, log::Level::kInfo, "token_generated",
                                      {{"site_id", 123}, {"email", log::Redacted{}}});
  EXPECT_EQ(human, "info token_generated site_id=123 email=[redacted]");
  std::string json = log::FormatLine(log::Format::kJson, log::Level::kWarn, "x",
                                     {{"k", "a \"q\""}, {"ok", true}, {"key", log::Redacted{}}});
  EXPECT_EQ(json, R"({"level":"warn","event":"x","k":"a \"q\"","ok":true,"key":"[redacted]"})");
  ASSERT_TRUE(ParseJson(json).ok());
}

TEST(Json, QuoteEscapesControlsButNotSlash) {
  EXPECT_EQ(JsonQuote("a/b\n\x01"), "\"a/b\\n\\u0001\"");
  auto bad = ParseJson("{\"a\":}");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("byte 5"), std::string::npos) << bad.error().message();
}

std::string Capture(bool tty, bool quiet) {
  char* buf = nullptr;
  size_t len = 0;
  std::FILE* f = open_memstream(&buf, &len);
  {
    Progress p("hashing", 1000, Progress::Unit::kItems, quiet, f, tty);
    p.Advance(400);
    p.Advance(600);
  }
  std::fclose(f);
  std::string out(buf, len);
  free(buf);
  return out;
}

TEST(Progress, PlainTtyAndQuiet) {
  EXPECT_EQ(Capture(false, false), "hashing: 100% (1000 of 1000), done\n");
  std::string tty = Capture(true, false);
  EXPECT_NE(tty.find("\rhashing ["), std::string::npos);
  EXPECT_NE(tty.find("100%"), std::string::npos);
  EXPECT_EQ(Capture(false, true), "");
}

}  // namespace
}  // namespace uid2
