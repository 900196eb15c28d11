// cmd_pf_test.cc: `shroud pf` end to end (gen-key, encrypt, decrypt, directories, refusals).
#include <gtest/gtest.h>

#include <filesystem>

#include "../cli/run.h"
#include "pf_test_util.h"

namespace uid2::pf {
namespace {

using testing::Pattern;
using testing::ReadAll;
using testing::TempDir;
using testing::WriteAll;
using uid2::testing::RunCommand;

// Shroud names the built program (RunCommand's PATH does not reach past a leading `cd`).
std::string Shroud() { return uid2::testing::BinDir() + "/shroud"; }

TEST(CmdPf, GenKeyEncryptDecrypt) {
  TempDir dir;
  const std::string d = dir.path();
  auto gen = RunCommand("shroud pf gen-key -w " + d + "/k --json");
  ASSERT_EQ(gen.exit_code, 0) << gen.out;
  EXPECT_EQ(ReadAll(d + "/k").size(), 16u);
  EXPECT_EQ(RunCommand("shroud pf gen-key -w " + d + "/k").exit_code, 1);  // no overwrite

  Bytes plain = Pattern(200000, 9);
  WriteAll(d + "/in.bin", plain);
  auto enc =
      RunCommand("cd " + d + " && " + Shroud() + " pf encrypt -w k -i in.bin -o out.pf --json -q");
  ASSERT_EQ(enc.exit_code, 0) << enc.out;
  EXPECT_NE(enc.out.find("\"bound_path\":\"out.pf\""), std::string::npos) << enc.out;
  EXPECT_NE(enc.out.find("\"size\":200000"), std::string::npos) << enc.out;

  auto dec = RunCommand("cd " + d + " && " + Shroud() +
                        " pf decrypt -w k -i out.pf -o back.bin --verify -q");
  ASSERT_EQ(dec.exit_code, 0) << dec.out;
  EXPECT_TRUE(ReadAll(d + "/back.bin") == plain);

  // Moved on the host: --verify refuses, plain decrypt (no binding check) still works.
  std::filesystem::rename(d + "/out.pf", d + "/moved.pf");
  auto moved =
      RunCommand("cd " + d + " && " + Shroud() + " pf decrypt -w k -i moved.pf -o x --verify");
  EXPECT_EQ(moved.exit_code, 1) << moved.out;
  EXPECT_NE(moved.out.find("bound to path 'out.pf'"), std::string::npos) << moved.out;
  EXPECT_FALSE(std::filesystem::exists(d + "/x"));
  EXPECT_EQ(
      RunCommand("cd " + d + " && " + Shroud() + " pf decrypt -w k -i moved.pf -o x -q").exit_code,
      0);

  // Wrong key, bad key file, missing arguments.
  WriteAll(d + "/k2", Pattern(16, 1));
  EXPECT_EQ(
      RunCommand("cd " + d + " && " + Shroud() + " pf decrypt -w k2 -i moved.pf -o y").exit_code,
      1);
  WriteAll(d + "/short", Pattern(15, 1));
  auto bad = RunCommand("cd " + d + " && " + Shroud() + " pf decrypt -w short -i moved.pf -o y");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.out.find("16 raw bytes"), std::string::npos) << bad.out;
  EXPECT_EQ(RunCommand("shroud pf encrypt -w k -i in.bin").exit_code, 2);
}

TEST(CmdPf, InPlaceAndDirectories) {
  TempDir dir;
  const std::string d = dir.path();
  WriteAll(d + "/k", Pattern(16, 5));
  std::filesystem::create_directories(d + "/plain/sub");
  WriteAll(d + "/plain/a", Pattern(10, 1));
  WriteAll(d + "/plain/sub/b", Pattern(70000, 2));
  auto enc = RunCommand("cd " + d + " && " + Shroud() +
                        " pf encrypt -w k -i plain -o ./enc/../enc -q --json");
  ASSERT_EQ(enc.exit_code, 0) << enc.out;
  EXPECT_NE(enc.out.find("\"bound_path\":\"enc/sub/b\""), std::string::npos) << enc.out;
  auto dec = RunCommand("cd " + d + " && " + Shroud() + " pf decrypt -w k -i enc -o back -V -q");
  ASSERT_EQ(dec.exit_code, 0) << dec.out;
  EXPECT_TRUE(ReadAll(d + "/back/sub/b") == ReadAll(d + "/plain/sub/b"));
  EXPECT_TRUE(ReadAll(d + "/back/a") == ReadAll(d + "/plain/a"));

  // -i f -o f converts in place, as gramine-sgx-pf-crypt allows.
  Bytes plain = ReadAll(d + "/plain/a");
  ASSERT_EQ(RunCommand("cd " + d + " && " + Shroud() + " pf encrypt -w k -i plain/a -o plain/a -q")
                .exit_code,
            0);
  EXPECT_EQ(ReadAll(d + "/plain/a").size(), 4096u);
  ASSERT_EQ(
      RunCommand("cd " + d + " && " + Shroud() + " pf decrypt -w k -i plain/a -o plain/a -V -q")
          .exit_code,
      0);
  EXPECT_TRUE(ReadAll(d + "/plain/a") == plain);
}

}  // namespace
}  // namespace uid2::pf
