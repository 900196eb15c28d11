// input.manifest -> .manifest.sgx for the four Gramine v1.9 vectors: byte-identical output.
#include <gtest/gtest.h>

#include "../sgx/vectors.h"
#include "common/file.h"
#include "manifest/manifest.h"

namespace uid2::manifest {
namespace {

ExpandOptions Opts(const std::string& dir) {
  ExpandOptions o;
  o.base_dir = dir;
  return o;
}

class ManifestVectorTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ManifestVectorTest, ByteIdenticalManifestSgx) {
  std::string dir = testing::VectorDir(GetParam());
  Result<std::string> out = PrepareManifestSgx(dir + "/input.manifest", Opts(dir));
  ASSERT_TRUE(out.ok()) << out.error().message();
  std::string expected = ReadFile(dir + "/app.manifest.sgx").value();
  EXPECT_EQ(*out, expected);
}

TEST_P(ManifestVectorTest, EqualAsToml) {
  std::string dir = testing::VectorDir(GetParam());
  Manifest ours =
      ParseManifest(PrepareManifestSgx(dir + "/input.manifest", Opts(dir)).value()).value();
  Manifest theirs = LoadManifest(dir + "/app.manifest.sgx").value();
  EXPECT_TRUE(ours.root.Equals(theirs.root, /*ordered=*/false));
}

TEST_P(ManifestVectorTest, RewritingAManifestSgxIsIdentity) {
  std::string dir = testing::VectorDir(GetParam());
  std::string text = ReadFile(dir + "/app.manifest.sgx").value();
  Manifest m = ParseManifest(text).value();
  EXPECT_EQ(WriteManifestSgx(m), text);
  ASSERT_TRUE(ApplyGramineDefaults(&m).ok());
  ASSERT_TRUE(ExpandAndHash(&m, Opts(dir)).ok());
  EXPECT_EQ(WriteManifestSgx(m), text);
}

INSTANTIATE_TEST_SUITE_P(Gramine19, ManifestVectorTest, ::testing::ValuesIn(testing::VectorNames()),
                         [](const auto& info) { return "v" + info.param.substr(0, 2); });

}  // namespace
}  // namespace uid2::manifest
