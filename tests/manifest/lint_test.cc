// `shroud manifest check` (LintManifest) on encrypted mounts: accepted, and still validated.
#include <gtest/gtest.h>

#include "manifest/lint.h"

namespace uid2::manifest {
namespace {

std::vector<Finding> Lint(const std::string& text) {
  Result<Manifest> m = ParseManifest("libos.entrypoint = \"/app\"\n" + text);
  EXPECT_TRUE(m.ok()) << m.error().message();
  LintOptions o;
  o.check_files = false;
  return LintManifest(*m, o);
}

std::string All(const std::vector<Finding>& findings) {
  std::string s;
  for (const Finding& f : findings) s += FormatFinding(f, "m") + "\n";
  return s;
}

int Errors(const std::vector<Finding>& findings) {
  int n = 0;
  for (const Finding& f : findings) n += f.severity == Severity::kError;
  return n;
}

TEST(LintTest, RefusesBadEncryptedMounts) {
  struct Case {
    const char* toml;
    const char* want;
  } cases[] = {
      {"fs.mounts = [{ type = \"encrypted\", path = \"/e\", uri = \"file:e\", key_name = "
       "\"_sgx_other\" }]",
       "unknown special key"},
      {"fs.mounts = [{ type = \"encrypted\", path = \"/e\", uri = \"file:e\", key_name = \"\" }]",
       "empty key name"},
      {"fs.mounts = [{ type = \"encrypted\", path = \"/e\", uri = \"dev:e\" }]",
       "an encrypted mount needs a file: URI"},
      {"fs.mounts = [{ type = \"encrypted\", path = \"/e\" }]", "has no uri"},
      {"fs.mounts = [{ type = \"chroot\", path = \"/e\", uri = \"file:e\", key_name = \"k\" }]",
       "only encrypted mounts have a key"},
      {"fs.insecure__keys.k = \"0011\"", "not 32 hex digits"},
  };
  for (const Case& c : cases) {
    std::vector<Finding> f = Lint(std::string(c.toml) + "\n");
    EXPECT_GE(Errors(f), 1) << c.toml << "\n" << All(f);
    EXPECT_NE(All(f).find(c.want), std::string::npos) << c.toml << "\n" << All(f);
  }
}

TEST(LintTest, AcceptsEncryptedMountsWithKnownKeys) {
  std::vector<Finding> f = Lint(
      "fs.mounts = [{ type = \"encrypted\", path = \"/s\", uri = \"file:s\","
      " key_name = \"_sgx_mrenclave\" },\n"
      "  { type = \"encrypted\", path = \"/t\", uri = \"file:t\", key_name = \"_sgx_mrsigner\" "
      "}]\n");
  EXPECT_TRUE(f.empty()) << All(f);
  // A key in the manifest works, with a warning that it is not secret.
  f = Lint(
      "fs.mounts = [{ type = \"encrypted\", path = \"/e\", uri = \"file:e\" }]\n"
      "fs.insecure__keys.default = \"00112233445566778899aabbccddeeff\"\n");
  EXPECT_EQ(Errors(f), 0) << All(f);
  EXPECT_NE(All(f).find("not secret"), std::string::npos) << All(f);
  // A key provisioned at run time: a warning saying how.
  f = Lint(
      "fs.mounts = [{ type = \"encrypted\", path = \"/e\", uri = \"file:e\", key_name = \"k\" "
      "}]\n");
  EXPECT_EQ(Errors(f), 0) << All(f);
  EXPECT_NE(All(f).find("/dev/attestation/keys/k"), std::string::npos) << All(f);
}

}  // namespace
}  // namespace uid2::manifest
