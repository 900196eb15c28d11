// deploy/azure/build.sh end to end: builds the operator's package twice with a fixed key and
// checks the outputs, the printed identity and reproducibility. (Starting the operator from
// the bundle is left to the runtime's tests and scripts/start.sh.)
#include <gtest/gtest.h>

#include <filesystem>

#include "../cli/run.h"
#include "common/file.h"
#include "oci/image.h"

namespace {

namespace fs = std::filesystem;
using uid2::testing::BinDir;
using uid2::testing::RunCommand;

std::string Field(const std::string& out, const std::string& key) {
  size_t p = out.find(key + "=");
  if (p == std::string::npos) return "";
  size_t e = out.find('\n', p);
  return out.substr(p + key.size() + 1, e - p - key.size() - 1);
}

TEST(AzurePackageTest, BuildsReproduciblyAndPrintsIdentity) {
  const std::string key = "tests/data/gramine-sign/01-defaults-nondebug/key.pem";
  const std::string out = "deploy/azure/build";
  std::string mrenclave, digest;
  for (int i = 0; i < 2; i++) {
    auto r = RunCommand("BIN_DIR=" + BinDir() + " deploy/azure/build.sh local --key " + key);
    ASSERT_EQ(r.exit_code, 0) << r.out;
    EXPECT_NE(r.out.find("STAND-IN GRAMINE ENGINE"), std::string::npos);
    EXPECT_EQ(Field(r.out, "PRODID"), "770");
    EXPECT_EQ(Field(r.out, "SVN"), "2");
    EXPECT_EQ(Field(r.out, "MRENCLAVE").size(), 64u);
    EXPECT_EQ(Field(r.out, "MRSIGNER").size(), 64u);
    if (i == 1) {
      EXPECT_EQ(Field(r.out, "MRENCLAVE"), mrenclave);
    }
    mrenclave = Field(r.out, "MRENCLAVE");
    auto d = uid2::oci::DigestFile(out + "/uid2-operator-azure-sgx.tar.gz");
    ASSERT_TRUE(d.ok());
    if (i == 1) {
      EXPECT_EQ(*d, digest);
    }
    digest = *d;
  }
  // The image is a docker-archive carrying the identity as labels; the bundle is a tar whose
  // top directory is uid2-operator/ with the signed enclave files.
  auto img = uid2::oci::ReadImage(out + "/uid2-operator-azure-sgx.tar.gz");
  ASSERT_TRUE(img.ok()) << img.error().message();
  auto rc = uid2::oci::ParseRuntimeConfig(img->config_json);
  EXPECT_EQ(rc->labels["com.shroud.mrenclave"], mrenclave);
  EXPECT_EQ(rc->labels["com.shroud.isvprodid"], "770");
  auto r = RunCommand("tar tzf " + out + "/uid2-operator/uid2-operator.tar.gz");
  ASSERT_EQ(r.exit_code, 0);
  for (const char* f :
       {"uid2-operator/usr/bin/uid2-operator", "uid2-operator/app/conf/local-config.json",
        "uid2-operator/gramine/app_files/entrypoint.sig",
        "uid2-operator/gramine/app_files/entrypoint.manifest.sgx",
        "uid2-operator/etc/ssl/certs/ca-certificates.crt"}) {
    EXPECT_NE(r.out.find(f), std::string::npos) << f;
  }
  EXPECT_EQ(r.out.find(".pem"), std::string::npos);  // no key material in the bundle
  // optout_data_dir (run/optout in the local profile) is an encrypted mount sealed to MRENCLAVE.
  r = RunCommand("tar xzOf " + out +
                 "/uid2-operator/uid2-operator.tar.gz "
                 "uid2-operator/gramine/app_files/entrypoint.manifest.sgx");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("path = \"/app/run/optout\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("type = \"encrypted\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("key_name = \"_sgx_mrenclave\""), std::string::npos) << r.out;
  auto yaml = uid2::ReadFile(out + "/uid2-operator-aks.yml");
  ASSERT_TRUE(yaml.ok());
  EXPECT_NE(yaml->find("secretKeyRef"), std::string::npos);
  EXPECT_NE(yaml->find("kubernetes.azure.com/sgx_epc_mem_in_MiB: 512"), std::string::npos);
  // Pod deletion drains the operator: the enclave takes the SIGTERM (Gramine drops it
  // otherwise), the operator drains for DRAIN_SECONDS (10, its trusted argv), and Kubernetes
  // waits that long plus 10 s of margin before SIGKILL.
  EXPECT_NE(yaml->find("terminationGracePeriodSeconds: 20\n"), std::string::npos) << *yaml;
  auto sgx = RunCommand("tar xzf " + out +
                        "/uid2-operator/uid2-operator.tar.gz -O "
                        "uid2-operator/gramine/app_files/entrypoint.manifest.sgx");
  ASSERT_EQ(sgx.exit_code, 0) << sgx.out;
  EXPECT_NE(sgx.out.find("enable_sigterm_injection = true"), std::string::npos) << sgx.out;
  auto argv = RunCommand("tar xzf " + out +
                         "/uid2-operator/uid2-operator.tar.gz -O "
                         "uid2-operator/gramine/app_files/trusted_argv | tr '\\0' ' '");
  EXPECT_NE(argv.out.find("--drain-seconds 10 "), std::string::npos) << argv.out;
}

}  // namespace
