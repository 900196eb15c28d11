// View: mount mapping, symlink canonicalisation and the trusted/allowed/denied rule.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "runtime/view.h"

namespace uid2::runtime {
namespace {

namespace fs = std::filesystem;

class ViewTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/shroud-view-test-XXXXXX";
    root_ = mkdtemp(tmpl);
    fs::create_directories(root_ + "/usr/lib");
    fs::create_directories(root_ + "/srv/data");
    fs::create_directories(root_ + "/out");
    fs::create_symlink("usr/lib", root_ + "/lib");
    std::ofstream(root_ + "/usr/lib/libc.so") << "x";
  }
  void TearDown() override { fs::remove_all(root_); }
  RunSpec Spec() {
    RunSpec s;
    s.mounts = {{"/", MountType::kChroot, "file:/"},
                {"/data", MountType::kChroot, "file:/srv/data"},
                {"/tmp", MountType::kTmpfs, ""}};
    s.trusted_files = {{"file:/lib/libc.so", {}}};
    s.allowed_files = {"file:/out", "file:/srv/data/log.txt"};
    return s;
  }
  std::string root_;
};

TEST_F(ViewTest, UndeclaredFilesAreDenied) {
  auto v = View::Create(Spec(), root_);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->Classify("/etc/passwd", nullptr), Access::kDenied);
  EXPECT_EQ(v->Classify("/srv/data/other.txt", nullptr), Access::kDenied);
  EXPECT_EQ(v->Classify("/outside", nullptr), Access::kDenied);  // not under /out/
}

TEST_F(ViewTest, TrustedEntriesMatchThroughSymlinks) {
  auto v = View::Create(Spec(), root_);
  ASSERT_TRUE(v.ok());
  const crypto::Sha256Digest* sha = nullptr;
  EXPECT_EQ(v->Classify("/usr/lib/libc.so", &sha), Access::kTrusted);
  EXPECT_NE(sha, nullptr);
  EXPECT_EQ(v->Classify("/out/x/y", nullptr), Access::kAllowed);
  EXPECT_EQ(v->Classify("/srv/data/log.txt", nullptr), Access::kAllowed);
}

TEST_F(ViewTest, ResolvesMountsAndSyntheticDirectories) {
  auto v = View::Create(Spec(), root_);
  ASSERT_TRUE(v.ok());
  Location l = v->Resolve("/data/log.txt");
  EXPECT_EQ(l.kind, Location::Kind::kHost);
  EXPECT_EQ(l.bundle_path, "/srv/data/log.txt");
  EXPECT_EQ(v->Resolve("/tmp").kind, Location::Kind::kSynthetic);
  EXPECT_EQ(v->Resolve("/tmp/x").kind, Location::Kind::kNone);
  EXPECT_EQ(v->Resolve("/dev/attestation/report").kind, Location::Kind::kAttestation);
  EXPECT_EQ(v->Resolve("/dev/sda").kind, Location::Kind::kNone);
  EXPECT_EQ(v->Resolve("/../../etc/passwd").bundle_path, "/etc/passwd");
  EXPECT_EQ(v->CanonicalBundlePath("/lib/../lib/libc.so"), "/usr/lib/libc.so");
}

}  // namespace
}  // namespace uid2::runtime
