// The uid2-core-local program: --help, startup errors naming the file, add-operator/allow, and a
// served instance stopped by SIGTERM.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <string>

#include "common/encoding.h"
#include "common/file.h"
#include "crypto/rsa.h"
#include "sgx/sigstruct.h"

namespace {

struct ExecResult {
  int status = -1;
  std::string out;
};

ExecResult Exec(const std::string& args) {
  std::string cmd = std::string(UID2_BIN_DIR) + "/uid2-core-local " + args + " 2>&1";
  ExecResult r;
  FILE* p = popen(cmd.c_str(), "r");
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  int st = pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

class CoreLocalCli : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::TempDir() + "corelocal-cli-" + std::to_string(getpid());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

TEST_F(CoreLocalCli, HelpTeaches) {
  ExecResult r = Exec("--help");
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("Examples:"), std::string::npos);
  EXPECT_NE(r.out.find("add-operator"), std::string::npos);
  EXPECT_NE(r.out.find("--sim-pki"), std::string::npos);
}

TEST_F(CoreLocalCli, AddOperatorPrintsTheKeyOnceAndStoresItsHash) {
  ExecResult r = Exec("add-operator --operators " + dir_ +
                      "/ops.json --name demo --site-id 999 "
                      "--operator-type public --json");
  ASSERT_EQ(r.status, 0) << r.out;
  size_t at = r.out.find("UID2-O-L-999-");
  ASSERT_NE(at, std::string::npos) << r.out;
  std::string key = r.out.substr(at, r.out.find('"', at) - at);
  auto file = uid2::ReadFile(dir_ + "/ops.json");
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(file->find(key), std::string::npos) << "plaintext key stored";
  EXPECT_NE(file->find("\"key_hash\""), std::string::npos);
  ExecResult again = Exec("add-operator --operators " + dir_ + "/ops.json --name demo --site-id 1");
  EXPECT_EQ(again.status, 1);
  EXPECT_NE(again.out.find("exists"), std::string::npos) << again.out;
}

TEST_F(CoreLocalCli, StartupErrorsNameTheFileAndField) {
  ASSERT_TRUE(uid2::WriteFileAtomic(dir_ + "/ops.json", R"([{"name":"x"}])").ok());
  ExecResult r = Exec("--data " + std::string(UID2_SOURCE_DIR) + "/data/uid2/core --operators " +
                      dir_ + "/ops.json --allow-mrenclave " + std::string(64, 'a') +
                      " --core-port 0 --optout-port 0");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find(dir_ + "/ops.json"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("key_hash"), std::string::npos) << r.out;
  ASSERT_EQ(Exec("add-operator --operators " + dir_ + "/ok.json --name a --site-id 1").status, 0);
  ASSERT_TRUE(
      uid2::WriteFileAtomic(dir_ + "/allow.json", R"({"enclaves":[{"mr_enclave":"00"}]})").ok());
  r = Exec("--data " + std::string(UID2_SOURCE_DIR) + "/data/uid2/core --operators " + dir_ +
           "/ok.json --allowlist " + dir_ + "/allow.json --core-port 0 --optout-port 0");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("allow.json"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("mr_enclave"), std::string::npos) << r.out;
  r = Exec("--data " + dir_ + "/missing --operators " + dir_ + "/ok.json --allow-mrenclave " +
           std::string(64, 'a') + " --core-port 0 --optout-port 0");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("missing"), std::string::npos) << r.out;
}

TEST_F(CoreLocalCli, AllowWritesEntries) {
  ExecResult r =
      Exec("allow --allowlist " + dir_ + "/allow.json --mrenclave " + std::string(64, 'b'));
  ASSERT_EQ(r.status, 0) << r.out;
  auto text = uid2::ReadFile(dir_ + "/allow.json");
  ASSERT_TRUE(text.ok());
  EXPECT_NE(text->find(std::string(64, 'b')), std::string::npos);
  EXPECT_EQ(Exec("allow --allowlist " + dir_ + "/allow.json --mrenclave zz").status, 1);
  EXPECT_EQ(Exec("allow --allowlist " + dir_ + "/allow.json").status, 1);
}

TEST_F(CoreLocalCli, AllowReadsMrenclaveFromABundleSigstruct) {
  auto key = uid2::crypto::RsaKey::Generate(3072, 3);
  ASSERT_TRUE(key.ok());
  uid2::sgx::EnclaveParams params;
  params.isv_prod_id = 770;
  uid2::sgx::Measurement mr;
  mr.fill(0x3C);
  auto date = uid2::sgx::ParseSigstructDate("2026-01-01");
  auto sig = uid2::sgx::SignSigstruct(uid2::sgx::BuildUnsignedSigstruct(params, mr, *date), *key);
  ASSERT_TRUE(sig.ok());
  std::filesystem::create_directories(dir_ + "/bundle/gramine/app_files");
  ASSERT_TRUE(uid2::WriteFileAtomic(dir_ + "/bundle/gramine/app_files/entrypoint.sig", *sig).ok());
  ExecResult r = Exec("allow --allowlist " + dir_ + "/allow.json --sig " + dir_ + "/bundle --json");
  ASSERT_EQ(r.status, 0) << r.out;
  auto text = uid2::ReadFile(dir_ + "/allow.json");
  ASSERT_TRUE(text.ok());
  EXPECT_NE(text->find(uid2::HexEncode(mr)), std::string::npos) << *text;
  // By signer: MRSIGNER and ISVPRODID instead.
  ASSERT_EQ(Exec("allow --allowlist " + dir_ + "/signer.json --sig " + dir_ +
                 "/bundle/gramine/app_files/entrypoint.sig --by-signer")
                .status,
            0);
  auto signer = uid2::ReadFile(dir_ + "/signer.json");
  ASSERT_TRUE(signer.ok());
  EXPECT_NE(signer->find("\"isvprodid\":770"), std::string::npos) << *signer;
  EXPECT_EQ(signer->find(uid2::HexEncode(mr)), std::string::npos);
  // Not a SIGSTRUCT.
  ASSERT_TRUE(uid2::WriteFileAtomic(dir_ + "/bad.sig", "nope").ok());
  EXPECT_EQ(Exec("allow --allowlist " + dir_ + "/x.json --sig " + dir_ + "/bad.sig").status, 1);
}

TEST_F(CoreLocalCli, ServesAndStopsOnSigterm) {
  ASSERT_EQ(Exec("add-operator --operators " + dir_ + "/ops.json --name a --site-id 1").status, 0);
  std::string out = dir_ + "/out.txt";
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    FILE* f = freopen(out.c_str(), "w", stdout);
    (void)f;
    std::string bin = std::string(UID2_BIN_DIR) + "/uid2-core-local";
    std::string data = std::string(UID2_SOURCE_DIR) + "/data/uid2/core";
    std::string ops = dir_ + "/ops.json", optout = dir_ + "/optout";
    std::string mr(64, 'c');
    execl(bin.c_str(), bin.c_str(), "--data", data.c_str(), "--operators", ops.c_str(),
          "--allow-mrenclave", mr.c_str(), "--optout-dir", optout.c_str(), "--core-port", "0",
          "--optout-port", "0", "--json", "--quiet", static_cast<char*>(nullptr));
    _exit(127);
  }
  std::string text;
  for (int i = 0; i < 100 && text.find("core_url") == std::string::npos; i++) {
    usleep(50 * 1000);
    auto t = uid2::ReadFile(out);
    if (t.ok()) text = *t;
  }
  EXPECT_NE(text.find("\"trust_anchor\":\"intel-sgx-prod\""), std::string::npos) << text;
  kill(pid, SIGTERM);
  int st = 0;
  waitpid(pid, &st, 0);
  ASSERT_TRUE(WIFEXITED(st));
  EXPECT_EQ(WEXITSTATUS(st), 0);
}

}  // namespace
