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
    s.mounts = {{"/", MountType::kChroot, "file:/", ""},
                {"/data", MountType::kChroot, "file:/srv/data", ""},
                {"/tmp", MountType::kTmpfs, "", ""}};
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

// The path bound into a protected file is the mount's URI path as written (Gramine's
// normalised URI), relative or absolute, whatever the view path is.
TEST_F(ViewTest, EncryptedMountsBindTheUriPath) {
  RunSpec s = Spec();
  s.mounts.push_back({"/secret", MountType::kEncrypted, "file:srv/enc", "k"});
  s.mounts.push_back({"/sealed", MountType::kEncrypted, "file:/srv/sealed/", "_sgx_mrenclave"});
  auto v = View::Create(s, root_);
  ASSERT_TRUE(v.ok()) << v.error().message();
  Location l = v->Resolve("/secret/a/../b/./c");
  EXPECT_EQ(l.kind, Location::Kind::kEncrypted);
  EXPECT_EQ(l.pf_path, "srv/enc/b/c");
  EXPECT_EQ(l.host, root_ + "/srv/enc/b/c");
  EXPECT_EQ(l.key_name, "k");
  EXPECT_EQ(l.mount_path, "/secret");
  l = v->Resolve("/sealed/x");
  EXPECT_EQ(l.pf_path, "/srv/sealed/x");
  EXPECT_EQ(l.key_name, "_sgx_mrenclave");
  EXPECT_TRUE(v->has_encrypted_mounts());
  EXPECT_EQ(v->Resolve("/data/x").kind, Location::Kind::kHost);
}

}  // namespace
}  // namespace uid2::runtime
