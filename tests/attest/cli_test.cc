// `shroud quote ...` end to end: sim-pki init, sim, verify (production refuses the simulated
// root; --sim-root accepts and labels it), policies, the shared vectors, show, MAA request.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <cstdlib>
#include <string>

#include "../cli/run.h"
#include "common/file.h"

namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using uid2::testing::RunCommand;

const std::string kData = "tests/data/attestation/";
const std::string kEnclave(64, '1');

class QuoteCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char tmpl[] = "/tmp/attest-cli-XXXXXX";
    dir_ = mkdtemp(tmpl);
    auto r = RunCommand("shroud quote sim-pki init " + dir_ + "/pki");
    ASSERT_EQ(r.exit_code, 0) << r.out;
  }
  static void TearDownTestSuite() { std::system(("rm -rf " + dir_).c_str()); }

  // Sim writes a quote (and its collateral) with extra `flags`; returns the quote path.
  static std::string Sim(const std::string& name, const std::string& flags = "") {
    std::string out = dir_ + "/" + name;
    auto r = RunCommand("shroud quote sim --pki " + dir_ + "/pki --mrenclave " + kEnclave +
                        " --mrsigner " + std::string(64, '2') +
                        " --isvprodid 770 --isvsvn 2 --report-data abcd -o " + out + " " + flags);
    EXPECT_EQ(r.exit_code, 0) << r.out;
    return out;
  }
  static std::string Verify(const std::string& quote, const std::string& flags) {
    return "shroud quote verify " + quote + " --collateral " + quote + ".collateral.json " + flags;
  }
  static std::string WritePolicy(const std::string& name, const std::string& text) {
    std::string path = dir_ + "/" + name;
    EXPECT_TRUE(uid2::WriteFileAtomic(path, text).ok());
    return path;
  }

  static std::string dir_;
};
std::string QuoteCli::dir_;

// `sim-pki init a/b/pki` creates the missing parents (as mkdir -p); the PKI directory itself is
// private.
TEST_F(QuoteCli, SimPkiInitCreatesParents) {
  std::string pki = dir_ + "/a/b/pki";
  auto r = RunCommand("shroud quote sim-pki init " + pki);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  struct stat st {};
  ASSERT_EQ(::stat((pki + "/root.pem").c_str(), &st), 0);
  ASSERT_EQ(::stat(pki.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  // The new PKI works.
  r = RunCommand("shroud quote sim --pki " + pki + " --mrenclave " + kEnclave + " --mrsigner " +
                 std::string(64, '2') + " --report-data ab -o " + dir_ + "/nested.quote");
  EXPECT_EQ(r.exit_code, 0) << r.out;
}

TEST_F(QuoteCli, SimulatedQuoteIsRefusedInProductionMode) {
  std::string q = Sim("prod.bin");
  auto r = RunCommand(Verify(q, ""));
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_THAT(r.out, HasSubstr("verification failed: root_ca_crl"));
}

TEST_F(QuoteCli, SimRootAcceptsAndLabelsSimulation) {
  std::string q = Sim("ok.bin");
  auto r = RunCommand(Verify(q, "--sim-root " + dir_ + "/pki"));
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("status:        UpToDate"));
  EXPECT_THAT(r.out, HasSubstr("trust anchor:  simulation"));
  EXPECT_THAT(r.out, HasSubstr("WARNING: verified under the SIMULATED root"));
  r = RunCommand(Verify(q, "--sim-root " + dir_ + "/pki --json"));
  EXPECT_THAT(r.out, HasSubstr("\"ok\":true"));
  EXPECT_THAT(r.out, HasSubstr("\"trust_anchor\":\"simulation\""));
}

TEST_F(QuoteCli, PolicyIsASeparateStep) {
  std::string q = Sim("policy.bin");
  std::string allow =
      WritePolicy("allow.toml", "mrenclave = [\"" + kEnclave +
                                    "\"]\nallow_simulation = true\nreport_data = \"abcd\"\n");
  std::string deny = WritePolicy("deny.toml", "mrenclave = [\"" + kEnclave + "\"]\n");
  auto r = RunCommand(Verify(q, "--sim-root " + dir_ + "/pki --policy " + allow));
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("policy:        ok"));
  r = RunCommand(Verify(q, "--sim-root " + dir_ + "/pki --policy " + deny));
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_THAT(r.out, HasSubstr("verification:  ok"));
  EXPECT_THAT(r.out, HasSubstr("policy: result is from the SIMULATED root"));
  // The policy can name the simulated root itself.
  std::string by_key = WritePolicy(
      "bykey.json", "{\"mrenclave\":[\"" + kEnclave +
                        "\"],\"allow_simulation\":true,\"sim_root\":\"" + dir_ + "/pki\"}");
  r = RunCommand(Verify(q, "--policy " + by_key));
  EXPECT_EQ(r.exit_code, 0) << r.out;
}

TEST_F(QuoteCli, StatusAndFailureKnobs) {
  std::string q = Sim("ood.bin", "--tcb-status OutOfDate --advisory INTEL-SA-00999");
  auto r = RunCommand(Verify(q, "--sim-root " + dir_ + "/pki --json"));
  EXPECT_EQ(r.exit_code, 0) << r.out;  // no policy: only Revoked fails
  EXPECT_THAT(r.out, HasSubstr("\"status\":\"OutOfDate\""));
  EXPECT_THAT(r.out, HasSubstr("INTEL-SA-00999"));
  std::string p =
      WritePolicy("strict.toml", "mrenclave = [\"" + kEnclave + "\"]\nallow_simulation = true\n");
  r = RunCommand(Verify(q, "--sim-root " + dir_ + "/pki --policy " + p));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("TCB status OutOfDate is not accepted"));
  q = Sim("expired.bin", "--expire tcb-info");
  r = RunCommand(Verify(q, "--sim-root " + dir_ + "/pki"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("tcb_info: TCB Info expired"));
  q = Sim("revoked.bin", "--revoke pck");
  r = RunCommand(Verify(q, "--sim-root " + dir_ + "/pki"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("pck_chain: PCK certificate is revoked"));
}

TEST_F(QuoteCli, SimFromSigstruct) {
  std::string out = dir_ + "/sig.bin";
  auto r = RunCommand("shroud quote sim --pki " + dir_ + "/pki --sig " + kData +
                      "sigstruct-isv770.sig --report-data 00 -o " + out);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  r = RunCommand("shroud quote show " + out + " --json");
  EXPECT_THAT(
      r.out,
      HasSubstr(
          "\"mr_enclave\":\"969dbbc496aa210efce0937cdc78f6bc4585851d3b95e15286b7f1b1f514d2e9\""));
  EXPECT_THAT(r.out, HasSubstr("\"isv_prod_id\":770"));
  EXPECT_THAT(r.out, HasSubstr("\"debug\":true"));
  EXPECT_THAT(r.out, HasSubstr("\"simulation_markers\":true"));
}

TEST_F(QuoteCli, VectorAVerifiesAtItsTime) {
  std::string q = kData + "dcap-qvl-sample/sgx_quote";
  std::string c = kData + "dcap-qvl-sample/sgx_quote_collateral.json";
  auto r = RunCommand("shroud quote verify " + q + " --collateral " + c + " --now 1750400000");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("ConfigurationAndSWHardeningNeeded"));
  EXPECT_THAT(r.out, HasSubstr("INTEL-SA-00289, INTEL-SA-00615"));
  EXPECT_THAT(r.out, HasSubstr("intel-sgx-prod"));
  EXPECT_THAT(r.out, Not(HasSubstr("WARNING")));
  r = RunCommand("shroud quote verify " + q + " --collateral " + c + " --now 1790000000");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("expired"));
}

TEST_F(QuoteCli, ShowAndMaaRequest) {
  std::string q = kData + "dcap-qvl-sample/sgx_quote";
  auto r = RunCommand("shroud quote show " + q);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("33d8736db756ed4997e04ba358d27833188f1932ff7b1d156904d3f560452fbb"));
  r = RunCommand("shroud quote maa-request " + q + " --runtime-data 0102");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("\"runtimeData\":{\"data\":\"AQI\",\"dataType\":\"Binary\"}"));
  r = RunCommand("shroud quote show " + kData + "intel-qvl-sample/tdx/quote.dat");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("TDX"));
}

}  // namespace
