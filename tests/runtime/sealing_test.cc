// Sealing keys under shroud run (sealing.h): bound to the policy's measurement and the other
// identity fields, to the host secret; the secret file's creation and trust rules.
#include "runtime/sealing.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "runtime/run_spec.h"

namespace uid2::runtime {
namespace {

EnclaveIdentity Id() {
  EnclaveIdentity id;
  id.mr_enclave.fill(0x11);
  id.mr_signer.fill(0x22);
  id.isv_prod_id = 770;
  id.isv_svn = 2;
  id.flags = 0x4;
  return id;
}

TEST(SealingTest, KeysBindThePolicyMeasurementIdentityAndSecret) {
  Bytes secret(32, 7);
  const EnclaveIdentity base = Id();
  Bytes enc = DeriveSealKey(secret, kSealKeyMrEnclave, base);
  Bytes sig = DeriveSealKey(secret, kSealKeyMrSigner, base);
  ASSERT_EQ(enc.size(), 16u);
  EXPECT_NE(enc, sig);
  EXPECT_EQ(enc, DeriveSealKey(secret, kSealKeyMrEnclave, base));  // deterministic

  EnclaveIdentity other = base;
  other.mr_enclave[31] ^= 1;  // another enclave of the same signer
  EXPECT_NE(DeriveSealKey(secret, kSealKeyMrEnclave, other), enc);
  EXPECT_EQ(DeriveSealKey(secret, kSealKeyMrSigner, other), sig);
  other = base;
  other.mr_signer[0] ^= 1;  // another signer, same measurement
  EXPECT_EQ(DeriveSealKey(secret, kSealKeyMrEnclave, other), enc);
  EXPECT_NE(DeriveSealKey(secret, kSealKeyMrSigner, other), sig);
  for (int field = 0; field < 4; field++) {
    other = base;
    if (field == 0) other.isv_prod_id++;
    if (field == 1) other.isv_svn++;
    if (field == 2) other.flags |= 0x2;  // DEBUG
    if (field == 3) other.misc_select = 1;
    EXPECT_NE(DeriveSealKey(secret, kSealKeyMrEnclave, other), enc) << field;
    EXPECT_NE(DeriveSealKey(secret, kSealKeyMrSigner, other), sig) << field;
  }
  Bytes other_host(32, 8);
  EXPECT_NE(DeriveSealKey(other_host, kSealKeyMrEnclave, base), enc);
}

class SealingSecretTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/shroud-seal-test-XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

TEST_F(SealingSecretTest, RefusesSecretsOthersCouldReadOrForge) {
  std::string path = dir_ + "/s";
  std::ofstream(path) << std::string(32, 'x');
  chmod(path.c_str(), 0640);
  auto r = LoadOrCreateSealingSecret(path);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("group or others"), std::string::npos);
  chmod(path.c_str(), 0600);
  ASSERT_TRUE(LoadOrCreateSealingSecret(path).ok());
  ASSERT_EQ(chown(path.c_str(), geteuid() + 1, static_cast<gid_t>(-1)), 0);
  r = LoadOrCreateSealingSecret(path);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("owned by uid"), std::string::npos);
  ASSERT_EQ(chown(path.c_str(), geteuid(), static_cast<gid_t>(-1)), 0);
  ASSERT_EQ(truncate(path.c_str(), 31), 0);
  r = LoadOrCreateSealingSecret(path);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("expected 32"), std::string::npos);
  std::string link = dir_ + "/link";
  ASSERT_EQ(symlink(path.c_str(), link.c_str()), 0);
  EXPECT_FALSE(LoadOrCreateSealingSecret(link).ok());  // never followed
}

TEST_F(SealingSecretTest, CreatesAPrivateRandomSecretOnce) {
  std::string path = dir_ + "/lib/shroud/sealing-secret";
  std::filesystem::create_directories(dir_ + "/lib");
  auto a = LoadOrCreateSealingSecret(path);
  ASSERT_TRUE(a.ok()) << a.error().message();
  EXPECT_EQ(a->size(), kSealingSecretSize);
  struct stat st;
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(stat((dir_ + "/lib/shroud").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  auto b = LoadOrCreateSealingSecret(path);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*a, *b);
  auto c = LoadOrCreateSealingSecret(dir_ + "/other");
  ASSERT_TRUE(c.ok());
  EXPECT_NE(*a, *c);
}

}  // namespace
}  // namespace uid2::runtime
