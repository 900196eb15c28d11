// Policy files and decisions: each rule has a test that fails when the rule is removed.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "attest/policy.h"
#include "common/encoding.h"
#include "sim_fixture.h"

namespace uid2::attest {
namespace {

using ::testing::HasSubstr;

const std::string kEnclave(64, '1');  // matches AppBody().mr_enclave (0x11 bytes)
const std::string kSigner(64, '2');

AttestedEnclave Good() {
  AttestedEnclave e;
  e.mr_enclave.fill(0x11);
  e.mr_signer.fill(0x22);
  e.isv_prod_id = 770;
  e.isv_svn = 2;
  e.report_data = std::array<uint8_t, 64>{};
  (*e.report_data)[0] = 0xAB;
  e.tcb_status = TcbStatus::kUpToDate;
  e.trust_anchor = "intel-sgx-prod";
  e.anchor_kind = AnchorKind::kIntelProduction;
  return e;
}

Policy Parse(const std::string& text) {
  Result<Policy> p = ParsePolicy(text);
  EXPECT_TRUE(p.ok()) << (p.ok() ? "" : p.error().message());
  return p.ok() ? *p : Policy{};
}

void ExpectDenied(const Policy& p, const AttestedEnclave& e, std::string_view why) {
  Status s = CheckPolicy(p, e);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kVerifyFailed);
  EXPECT_THAT(s.error().message(), HasSubstr("policy: "));
  EXPECT_THAT(s.error().message(), HasSubstr(std::string(why)));
}

TEST(Policy, TomlAndJsonReadTheSameKeys) {
  Policy t = Parse("mrenclave = [\"" + kEnclave + "\"]\nmrsigner = \"" + kSigner +
                   "\"\nisvprodid = 770\nmin_isvsvn = 2\nallow_debug = true\n"
                   "accepted_tcb_statuses = [\"UpToDate\", \"SWHardeningNeeded\"]\n"
                   "report_data = \"ab\"\n");
  Policy j = Parse("{\"mrenclave\":[\"" + kEnclave + "\"],\"mrsigner\":\"" + kSigner +
                   "\",\"isvprodid\":770,\"min_isvsvn\":2,\"allow_debug\":true,"
                   "\"accepted_tcb_statuses\":[\"UpToDate\",\"SWHardeningNeeded\"],"
                   "\"report_data\":\"ab\"}");
  for (const Policy& p : {t, j}) {
    EXPECT_EQ(p.mrenclaves.size(), 1u);
    EXPECT_EQ(*p.isv_prod_id, 770);
    EXPECT_EQ(p.min_isv_svn, 2);
    EXPECT_TRUE(p.allow_debug);
    EXPECT_EQ(p.accepted_statuses.size(), 2u);
    EXPECT_EQ(*p.report_data, Bytes{0xAB});
    EXPECT_TRUE(CheckPolicy(p, Good()).ok());
  }
}

TEST(Policy, ParseErrorsNameTheKey) {
  EXPECT_THAT(ParsePolicy("allow_debug = true\n").error().message(), HasSubstr("names no enclave"));
  EXPECT_THAT(ParsePolicy("mrenclave = [\"12\"]\n").error().message(), HasSubstr("mrenclave"));
  EXPECT_THAT(ParsePolicy("mrsigner = \"" + kSigner + "\"\n").error().message(),
              HasSubstr("isvprodid"));
  EXPECT_THAT(
      ParsePolicy("mrenclave = [\"" + kEnclave + "\"]\naccepted_tcb_statuses = [\"Fine\"]\n")
          .error()
          .message(),
      HasSubstr("Fine"));
  EXPECT_THAT(ParsePolicy("mrenclave = [").error().message(), HasSubstr("TOML line 1"));
}

TEST(Policy, MrEnclaveAllowlist) {
  Policy p = Parse("mrenclave = [\"" + std::string(64, '3') + "\", \"" + kEnclave + "\"]\n");
  EXPECT_TRUE(CheckPolicy(p, Good()).ok());
  AttestedEnclave e = Good();
  e.mr_enclave[5] = 0;
  ExpectDenied(p, e, "not in the allowlist");
}

TEST(Policy, SignerProductAndMinimumSvn) {
  Policy p = Parse("mrsigner = \"" + kSigner + "\"\nisvprodid = 770\nmin_isvsvn = 2\n");
  EXPECT_TRUE(CheckPolicy(p, Good()).ok());
  AttestedEnclave e = Good();
  e.mr_signer[0] = 0;
  ExpectDenied(p, e, "mr_signer");
  e = Good();
  e.isv_prod_id = 771;
  ExpectDenied(p, e, "isv_prod_id 771");
  e = Good();
  e.isv_svn = 1;
  ExpectDenied(p, e, "below the minimum 2");
}

TEST(Policy, DebugRejectedUnlessAllowed) {
  AttestedEnclave e = Good();
  e.debug = true;
  ExpectDenied(Parse("mrenclave = [\"" + kEnclave + "\"]\n"), e, "DEBUG");
  EXPECT_TRUE(
      CheckPolicy(Parse("mrenclave = [\"" + kEnclave + "\"]\nallow_debug = true\n"), e).ok());
}

TEST(Policy, TcbStatuses) {
  Policy p = Parse("mrenclave = [\"" + kEnclave + "\"]\n");
  AttestedEnclave e = Good();
  e.tcb_status = TcbStatus::kSwHardeningNeeded;
  ExpectDenied(p, e, "SWHardeningNeeded is not accepted");
  p = Parse("mrenclave = [\"" + kEnclave +
            "\"]\naccepted_tcb_statuses = [\"Revoked\", \"SWHardeningNeeded\"]\n");
  EXPECT_TRUE(CheckPolicy(p, e).ok());
  e.tcb_status = TcbStatus::kRevoked;
  ExpectDenied(p, e, "Revoked is never accepted");
}

TEST(Policy, ReportDataIsZeroPadded) {
  Policy p = Parse("mrenclave = [\"" + kEnclave + "\"]\nreport_data = \"ab\"\n");
  EXPECT_TRUE(CheckPolicy(p, Good()).ok());
  AttestedEnclave e = Good();
  (*e.report_data)[63] = 1;
  ExpectDenied(p, e, "expected binding");
}

TEST(Policy, SimulationOnlyWhenAllowed) {
  AttestedEnclave e = Good();
  e.trust_anchor = "simulation";
  e.anchor_kind = AnchorKind::kSimulation;
  ExpectDenied(Parse("mrenclave = [\"" + kEnclave + "\"]\n"), e, "SIMULATED root");
  EXPECT_TRUE(
      CheckPolicy(Parse("mrenclave = [\"" + kEnclave + "\"]\nallow_simulation = true\n"), e).ok());
  e = Good();
  e.trust_anchor = "custom-root:1234";
  e.anchor_kind = AnchorKind::kCustom;
  ExpectDenied(Parse("mrenclave = [\"" + kEnclave + "\"]\n"), e, "trust anchor 'custom-root:1234'");
}

TEST(Policy, EndToEndWithASimulatedQuote) {
  Result<VerificationResult> r =
      testing::VerifySim(testing::SimQuote({}, testing::AppBody(true)), testing::SimBundle());
  ASSERT_TRUE(r.ok()) << r.error().message();
  std::string rd = HexEncode(testing::AppBody().report_data).substr(0, 64);
  Policy p = Parse("mrenclave = [\"" + kEnclave + "\"]\nallow_simulation = true\nreport_data = \"" +
                   rd + "\"\n");
  ExpectDenied(p, FromVerification(*r), "DEBUG");
  p.allow_debug = true;
  EXPECT_TRUE(CheckPolicy(p, FromVerification(*r)).ok());
}

}  // namespace
}  // namespace uid2::attest
