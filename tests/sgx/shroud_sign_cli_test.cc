// shroud keygen / sign / measure / sigstruct-view / manifest check, run as a user would.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>

#include "../cli/run.h"
#include "common/encoding.h"
#include "common/file.h"
#include "common/json.h"
#include "vectors.h"

namespace uid2 {
namespace {

using testing::RunCommand;

// A private copy of a vector folder (tests may modify files in it).
std::string CopyVector(const std::string& name) {
  std::string dir =
      ::testing::TempDir() + "/shroud-sign-" + name + "-" + std::to_string(::getpid());
  RunCommand("rm -rf " + dir + " && cp -r " + testing::VectorDir(name) + " " + dir +
             " && chmod -R u+w " + dir);
  return dir;
}

class SignCliTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { dir_ = CopyVector(GetParam()); }
  void TearDown() override { RunCommand("rm -rf " + dir_); }
  testing::RunResult In(const std::string& cmd) {
    return RunCommand("cd " + dir_ + " && export PATH=" + testing::BinDir() + ":$PATH && " + cmd);
  }
  std::string dir_;
};

TEST_P(SignCliTest, SignManifestSgxAsGivenIsBitExact) {
  auto r =
      In("shroud sign --sgx-manifest app.manifest.sgx -k key.pem --libpal libpal.so "
         "--date 2026-01-15 -s out.sig");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(ReadFileBytes(dir_ + "/out.sig").value(),
            ReadFileBytes(dir_ + "/expected.sig").value());
}

TEST_P(SignCliTest, SignInputManifestWritesIdenticalManifestSgxAndSig) {
  auto r =
      In("shroud sign -m input.manifest -k key.pem --libpal libpal.so --date 2026-01-15 "
         "-o out.manifest.sgx -s out.sig");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(ReadFile(dir_ + "/out.manifest.sgx").value(),
            ReadFile(dir_ + "/app.manifest.sgx").value());
  EXPECT_EQ(ReadFileBytes(dir_ + "/out.sig").value(),
            ReadFileBytes(dir_ + "/expected.sig").value());
  // Reproducible: a second run gives the same bytes.
  ASSERT_EQ(In("shroud sign -m input.manifest -k key.pem --libpal libpal.so --date 2026-01-15 "
               "-o again.manifest.sgx -s again.sig")
                .exit_code,
            0);
  EXPECT_EQ(ReadFileBytes(dir_ + "/again.sig").value(), ReadFileBytes(dir_ + "/out.sig").value());
}

TEST_P(SignCliTest, MeasureJson) {
  auto json = testing::VectorJson(GetParam());
  for (const char* input : {"-m input.manifest", "--sgx-manifest app.manifest.sgx"}) {
    auto r = In(std::string("shroud measure ") + input + " --libpal libpal.so --json");
    ASSERT_EQ(r.exit_code, 0) << r.out;
    auto doc = ParseJson(r.out).value();
    EXPECT_EQ(std::string(doc["mr_enclave"].GetString()), json["mrenclave"].GetString());
  }
}

TEST_P(SignCliTest, SigstructViewMatchesExpectedJson) {
  auto json = testing::VectorJson(GetParam());
  auto r = In("shroud sigstruct-view expected.sig --json");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  auto doc = ParseJson(r.out).value();
  EXPECT_EQ(std::string(doc["mr_enclave"].GetString()), json["mrenclave"].GetString());
  EXPECT_EQ(std::string(doc["mr_signer"].GetString()), json["mrsigner"].GetString());
  EXPECT_EQ(doc["isv_prod_id"].GetUint(), json["isvprodid"].GetUint());
  EXPECT_EQ(doc["isv_svn"].GetUint(), json["isvsvn"].GetUint());
  EXPECT_EQ(doc["debug"].GetBool(), json["debug"].GetBool());
  EXPECT_EQ(std::string(doc["date"].GetString()), json["date"].GetString());
  for (const char* k :
       {"attributes_flags", "attributes_xfrm", "attributes_flags_mask", "attributes_xfrm_mask"}) {
    EXPECT_EQ(std::string(doc[k].GetString()), json[k].GetString()) << k;
  }
  EXPECT_EQ(std::string(doc["misc_select"].GetString()), json["miscselect"].GetString());
  EXPECT_EQ(std::string(doc["misc_mask"].GetString()), json["miscmask"].GetString());
  EXPECT_TRUE(doc["signature_valid"].GetBool());
  auto toml = In("shroud sigstruct-view expected.sig --toml");
  EXPECT_NE(toml.out.find(std::string("mr_enclave = \"") + json["mrenclave"].GetString() + "\""),
            std::string::npos);
}

TEST_P(SignCliTest, TwoStepHsmSigning) {
  auto r =
      In("shroud sign --sgx-manifest app.manifest.sgx --libpal libpal.so --date 2026-01-15 "
         "--export-signing-data tbs.bin");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(ReadFileBytes(dir_ + "/tbs.bin")->size(), 256u);
  // The "HSM": OpenSSL signing the exported bytes with the key, outside shroud.
  ASSERT_EQ(In("openssl dgst -sha256 -sign key.pem -out tbs.sig tbs.bin && "
               "openssl pkey -in key.pem -pubout -out pub.pem")
                .exit_code,
            0);
  r =
      In("shroud sign --sgx-manifest app.manifest.sgx --libpal libpal.so --date 2026-01-15 "
         "--signature tbs.sig --public-key pub.pem -s out.sig");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(ReadFileBytes(dir_ + "/out.sig").value(),
            ReadFileBytes(dir_ + "/expected.sig").value());
  // A signature over other data (another date) is refused before anything is written.
  r =
      In("shroud sign --sgx-manifest app.manifest.sgx --libpal libpal.so --date 2026-01-16 "
         "--signature tbs.sig --public-key pub.pem -s bad.sig");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("does not verify"), std::string::npos) << r.out;
  struct stat st;
  EXPECT_NE(::stat((dir_ + "/bad.sig").c_str(), &st), 0);
}

INSTANTIATE_TEST_SUITE_P(Gramine19, SignCliTest, ::testing::ValuesIn(testing::VectorNames()),
                         [](const auto& info) { return "v" + info.param.substr(0, 2); });

class SignCliNegativeTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = CopyVector("01-defaults-nondebug"); }
  void TearDown() override { RunCommand("rm -rf " + dir_); }
  testing::RunResult In(const std::string& cmd) {
    return RunCommand("cd " + dir_ + " && export PATH=" + testing::BinDir() + ":$PATH && " + cmd);
  }
  std::string dir_;
};

TEST_F(SignCliNegativeTest, ExponentOtherThan3Refused) {
  ASSERT_EQ(In("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072 "
               "-pkeyopt rsa_keygen_pubexp:65537 -out e65537.pem 2>/dev/null")
                .exit_code,
            0);
  auto r = In("shroud sign -m input.manifest -k e65537.pem --libpal libpal.so");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("exponent 65537"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("e65537.pem"), std::string::npos) << r.out;
}

TEST_F(SignCliNegativeTest, MissingLibpal) {
  auto r = In("shroud sign -m input.manifest -k key.pem --libpal nope/libpal.so");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("nope/libpal.so"), std::string::npos) << r.out;
}

TEST_F(SignCliNegativeTest, MalformedLibpal) {
  ASSERT_EQ(In("head -c 100 libpal.so > short.so").exit_code, 0);
  auto r = In("shroud measure --sgx-manifest app.manifest.sgx --libpal short.so");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("short.so: ELF: program headers"), std::string::npos) << r.out;
}

TEST_F(SignCliNegativeTest, ChangedTrustedFileChangesHashAndMrenclave) {
  ASSERT_EQ(In("echo changed >> hello.txt").exit_code, 0);
  auto r =
      In("shroud sign -m input.manifest -k key.pem --libpal libpal.so --date 2026-01-15 "
         "-o out.manifest.sgx -s out.sig --json");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  std::string out = ReadFile(dir_ + "/out.manifest.sgx").value();
  EXPECT_NE(out, ReadFile(dir_ + "/app.manifest.sgx").value());
  EXPECT_EQ(out.find("5948c132e003f6d2d02924da955f7b818e8d3f06bd2f765fe1a10c44d938956e"),
            std::string::npos);
  EXPECT_EQ(r.out.find(testing::VectorJson("01-defaults-nondebug")["mrenclave"].GetString()),
            std::string::npos);
}

TEST_F(SignCliNegativeTest, MissingTrustedFileNamesUriAndPath) {
  ASSERT_EQ(In("rm motd.txt").exit_code, 0);
  auto r = In("shroud sign -m input.manifest -k key.pem --libpal libpal.so");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("file:motd.txt"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("No such file"), std::string::npos) << r.out;
}

TEST_F(SignCliNegativeTest, BadTomlReportsLineAndColumn) {
  ASSERT_EQ(In("printf 'libos.entrypoint = \"/a\"\\nsgx.debug = tru\\n' > bad.manifest").exit_code,
            0);
  auto r = In("shroud sign -m bad.manifest -k key.pem --libpal libpal.so");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("bad.manifest:2:"), std::string::npos) << r.out;
  r = In("shroud manifest check bad.manifest");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("bad.manifest:2:"), std::string::npos) << r.out;
}

TEST_F(SignCliNegativeTest, ManifestCheckFindings) {
  ASSERT_TRUE(
      WriteFileAtomic(dir_ + "/lint.manifest",
                      "libos.entrypoint = \"/app\"\n"
                      "loader.argv = [\"/app\"]\n"
                      "loader.insecure__use_cmdline_argv = true\n"
                      "sgx.enclave_sise = \"256M\"\n"
                      "sgx.enclave_size = \"100M\"\n"
                      "sgx.thread_num = 8\n"
                      "fs.mounts = [{ type = \"encrypted\", path = \"/s\", uri = \"file:s\","
                      " key_name = \"_sgx_bogus\" }]\n"
                      "sgx.trusted_files = [\"file:missing.txt\", \"file:hello.txt\"]\n")
          .ok());
  auto r = In("shroud manifest check lint.manifest");
  EXPECT_EQ(r.exit_code, 1);
  for (const char* want :
       {"sgx.enclave_sise = \"256M\": unknown key; fix: did you mean sgx.enclave_size?",
        "sgx.enclave_size = \"100M\": not a power of two; fix: use a power of two such as \"128M\"",
        "loader.argv = [\"/app\"]: set together with loader.insecure__use_cmdline_argv",
        "sgx.thread_num = 8", "rename it to sgx.max_threads = 8",
        "fs.mounts[0].key_name = \"_sgx_bogus\": unknown special key",
        "sgx.trusted_files[0] = \"file:missing.txt\": file missing.txt does not exist"}) {
    EXPECT_NE(r.out.find(want), std::string::npos) << want << "\n" << r.out;
  }
  EXPECT_EQ(r.out.find("file:hello.txt"), std::string::npos) << r.out;
  r = In("shroud manifest check lint.manifest --json");
  auto doc = ParseJson(r.out).value();
  EXPECT_FALSE(doc["ok"].GetBool());
  EXPECT_GE(doc["findings"].Size(), 6u);
  EXPECT_EQ(In("shroud manifest check input.manifest").exit_code, 0);
}

TEST_F(SignCliNegativeTest, KeygenMode0600AndNoOverwrite) {
  auto r = In("shroud keygen -o new.pem --json");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  struct stat st;
  ASSERT_EQ(::stat((dir_ + "/new.pem").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto doc = ParseJson(r.out).value();
  std::string mr_signer = doc["mr_signer"].GetString();
  std::string before = ReadFile(dir_ + "/new.pem").value();
  r = In("shroud keygen -o new.pem");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("--force"), std::string::npos);
  EXPECT_EQ(ReadFile(dir_ + "/new.pem").value(), before);
  // The new key signs, and its MRSIGNER is what keygen printed.
  r = In(
      "shroud sign --sgx-manifest app.manifest.sgx -k new.pem --libpal libpal.so -s n.sig --json");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find(mr_signer), std::string::npos);
  EXPECT_EQ(In("shroud keygen -o new.pem --force").exit_code, 0);
  EXPECT_NE(ReadFile(dir_ + "/new.pem").value(), before);
}

}  // namespace
}  // namespace uid2
