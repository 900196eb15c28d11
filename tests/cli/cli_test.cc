#include <gtest/gtest.h>

#include "common/json.h"
#include "run.h"

namespace uid2 {
namespace {

using testing::RunCommand;

TEST(Shroud, HelpListsCommandsAndExitCodes) {
  auto r = RunCommand("shroud --help");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("version"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Exit codes"), std::string::npos) << r.out;
}

TEST(Shroud, SubcommandHelpHasExamples) {
  auto r = RunCommand("shroud version --help");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("Examples:"), std::string::npos) << r.out;
}

TEST(Shroud, VersionHumanAndJson) {
  auto r = RunCommand("shroud --version");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find(UID2_VERSION), std::string::npos);
  auto j = RunCommand("shroud version --json");
  EXPECT_EQ(j.exit_code, 0);
  auto doc = ParseJson(j.out);
  ASSERT_TRUE(doc.ok()) << j.out;
  EXPECT_STREQ((*doc)["shroud"].GetString(), UID2_VERSION);
}

TEST(Shroud, UsageErrorsExitTwo) {
  EXPECT_EQ(RunCommand("shroud --no-such-flag").exit_code, 2);
  EXPECT_EQ(RunCommand("shroud no-such-command").exit_code, 2);
  EXPECT_EQ(RunCommand("shroud").exit_code, 2);
}

TEST(Operator, HelpAndVersion) {
  auto r = RunCommand("uid2-operator --help");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("UID2"), std::string::npos);
  EXPECT_EQ(RunCommand("uid2-operator --version").exit_code, 0);
}

}  // namespace
}  // namespace uid2
