// The simulator's test matrix (spec §6): every TCB status and every failure, each with its
// exact expected result. Failures are named by the check that reports them (verify.h).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cctype>
#include <cstdlib>

#include "attest/quote.h"
#include "common/file.h"
#include "fixtures.h"
#include "sim_fixture.h"

namespace uid2::attest {
namespace {

using ::testing::HasSubstr;
using testing::SimBundle;
using testing::SimQuote;
using ::testing::StartsWith;
using testing::VerifySim;

// ExpectFailure checks that verification fails in `check` with `detail` in the message.
void ExpectFailure(const Result<VerificationResult>& r, std::string_view check,
                   std::string_view detail) {
  ASSERT_FALSE(r.ok()) << "verified with status " << TcbStatusName(r->status);
  EXPECT_THAT(r.error().message(), StartsWith(std::string(check) + ": "));
  EXPECT_THAT(r.error().message(), HasSubstr(std::string(detail)));
}

TEST(SimMatrix, DefaultIsUpToDateUnderTheSimulatedRoot) {
  Bytes quote = SimQuote();
  Result<Quote> q = Quote::Parse(quote);
  ASSERT_TRUE(q.ok()) << q.error().message();
  EXPECT_EQ(q->version(), 3);
  EXPECT_EQ(q->parts().cert_data_type, 5);
  EXPECT_TRUE(HasSimulationMarkers(*q));
  Result<VerificationResult> r = VerifySim(quote, SimBundle());
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->status, TcbStatus::kUpToDate);
  EXPECT_EQ(r->trust_anchor, "simulation");
  EXPECT_EQ(r->anchor_kind, AnchorKind::kSimulation);
  EXPECT_EQ(r->body.isv_prod_id, 770);
  EXPECT_EQ(r->pck.fmspc, kSimFmspc);
}

class EachStatus : public ::testing::TestWithParam<TcbStatus> {};

TEST_P(EachStatus, PlatformLevelStatusIsReported) {
  SimCollateralOptions o;
  o.tcb_status = GetParam();
  o.tcb_advisories = {"INTEL-SA-01234", "INTEL-SA-00001"};
  Result<VerificationResult> r = VerifySim(SimQuote(), SimBundle(o));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->status, GetParam());
  EXPECT_EQ(r->platform_status, GetParam());
  EXPECT_EQ(r->advisories, (std::vector<std::string>{"INTEL-SA-00001", "INTEL-SA-01234"}));
}

TEST_P(EachStatus, TcbInfoV2GivesTheSameStatus) {
  SimCollateralOptions o;
  o.tcb_status = GetParam();
  o.tcb_info_version = 2;
  Result<VerificationResult> r = VerifySim(SimQuote(), SimBundle(o));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->status, GetParam());
}

INSTANTIATE_TEST_SUITE_P(Statuses, EachStatus,
                         ::testing::Values(TcbStatus::kUpToDate, TcbStatus::kSwHardeningNeeded,
                                           TcbStatus::kConfigurationNeeded,
                                           TcbStatus::kConfigurationAndSwHardeningNeeded,
                                           TcbStatus::kOutOfDate,
                                           TcbStatus::kOutOfDateConfigurationNeeded,
                                           TcbStatus::kRevoked),
                         [](const auto& info) { return std::string(TcbStatusName(info.param)); });

struct Convergence {
  TcbStatus platform, qe, expected;
};

class QeConvergence : public ::testing::TestWithParam<Convergence> {};

TEST_P(QeConvergence, FollowsIntelQvl) {
  SimCollateralOptions o;
  o.tcb_status = GetParam().platform;
  o.qe_status = GetParam().qe;
  o.qe_advisories = {"INTEL-SA-00777"};
  Result<VerificationResult> r = VerifySim(SimQuote(), SimBundle(o));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->qe_status, GetParam().qe);
  EXPECT_EQ(r->status, GetParam().expected);
  EXPECT_THAT(r->advisories, ::testing::Contains("INTEL-SA-00777"));
}

INSTANTIATE_TEST_SUITE_P(
    Table, QeConvergence,
    ::testing::Values(
        Convergence{TcbStatus::kUpToDate, TcbStatus::kOutOfDate, TcbStatus::kOutOfDate},
        Convergence{TcbStatus::kSwHardeningNeeded, TcbStatus::kOutOfDate, TcbStatus::kOutOfDate},
        Convergence{TcbStatus::kConfigurationNeeded, TcbStatus::kOutOfDate,
                    TcbStatus::kOutOfDateConfigurationNeeded},
        Convergence{TcbStatus::kConfigurationAndSwHardeningNeeded, TcbStatus::kOutOfDate,
                    TcbStatus::kOutOfDateConfigurationNeeded},
        Convergence{TcbStatus::kUpToDate, TcbStatus::kRevoked, TcbStatus::kRevoked},
        Convergence{TcbStatus::kConfigurationNeeded, TcbStatus::kUpToDate,
                    TcbStatus::kConfigurationNeeded}));

TEST(SimMatrix, NoMatchingTcbLevel) {
  SimCollateralOptions o;
  o.no_matching_level = true;
  ExpectFailure(VerifySim(SimQuote(), SimBundle(o)), kCheckTcbLevel, "TCB not supported");
}

TEST(SimMatrix, QeBelowEveryQeIdentityLevel) {
  SimCollateralOptions o;
  o.qe_below_all_levels = true;
  ExpectFailure(VerifySim(SimQuote(), SimBundle(o)), kCheckQeIdentityMatch,
                "below every QE Identity TCB level");
}

TEST(SimMatrix, RevokedPckCertificate) {
  SimCollateralOptions o;
  o.revoke_pck = true;
  ExpectFailure(VerifySim(SimQuote(), SimBundle(o)), kCheckPckChain, "revoked");
}

TEST(SimMatrix, RevokedPckIntermediate) {
  SimCollateralOptions o;
  o.revoke_pck_ca = true;
  ExpectFailure(VerifySim(SimQuote(), SimBundle(o)), kCheckPckCrl, "revoked");
}

TEST(SimMatrix, ExpiredTcbInfo) {
  SimCollateralOptions o;
  o.expire_tcb_info = true;
  ExpectFailure(VerifySim(SimQuote(), SimBundle(o)), kCheckTcbInfo, "TCB Info expired");
}

TEST(SimMatrix, ExpiredQeIdentity) {
  SimCollateralOptions o;
  o.expire_qe_identity = true;
  ExpectFailure(VerifySim(SimQuote(), SimBundle(o)), kCheckQeIdentity, "QE Identity expired");
}

TEST(SimMatrix, ExpiredRootCrl) {
  SimCollateralOptions o;
  o.expire_root_crl = true;
  ExpectFailure(VerifySim(SimQuote(), SimBundle(o)), kCheckRootCrl, "CRL expired");
}

TEST(SimMatrix, ExpiredPckCrl) {
  SimCollateralOptions o;
  o.expire_pck_crl = true;
  ExpectFailure(VerifySim(SimQuote(), SimBundle(o)), kCheckPckCrl, "CRL expired");
}

TEST(SimMatrix, CollateralNotYetValid) {
  ExpectFailure(VerifySim(SimQuote(), SimBundle(), testing::kSimNow - 7200), kCheckRootCrl,
                "not valid before");
}

TEST(SimMatrix, PreparedCollateralExpiresAtVerifyTime) {
  Result<PreparedCollateral> c =
      PreparedCollateral::Prepare(SimBundle(), testing::SimAnchor(), testing::kSimNow);
  ASSERT_TRUE(c.ok()) << c.error().message();
  Result<Quote> q = Quote::Parse(SimQuote());
  ASSERT_TRUE(q.ok());
  EXPECT_TRUE(VerifyQuote(*q, *c, testing::kSimNow).ok());
  ExpectFailure(VerifyQuote(*q, *c, testing::kSimNow + 31LL * 86400), kCheckRootCrl, "expired");
}

// The PCK leaf's own validity window, checked while every collateral window is open.
TEST(SimMatrix, PckLeafOutsideItsValidityWhileTheCollateralIsValid) {
  // At kAfterShortPck the collateral and the shared (10-year) leaf are valid.
  ASSERT_TRUE(VerifySim(SimQuote(), SimBundle(), testing::kAfterShortPck).ok());
  Bytes quote = SimQuote({}, testing::AppBody(), testing::ShortPck());
  ASSERT_TRUE(VerifySim(quote, SimBundle()).ok());
  Result<VerificationResult> r = VerifySim(quote, SimBundle(), testing::kAfterShortPck);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kVerifyFailed);
  EXPECT_EQ(r.error().message(),
            "pck_chain: PCK certificate valid 2025-10-08T08:53:20Z .. 2025-10-10T08:53:20Z, not "
            "at 2025-10-11T08:53:20Z");
  // Not yet valid: a leaf issued for tomorrow.
  SimPki future = testing::PckValidOnly(testing::kSimNow + 86400, testing::kSimNow + 10 * 86400);
  r = VerifySim(SimQuote({}, testing::AppBody(), future), SimBundle());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(),
            "pck_chain: PCK certificate valid 2025-10-10T08:53:20Z .. 2025-10-19T08:53:20Z, not "
            "at 2025-10-09T08:53:20Z");
}

TEST(SimMatrix, FmspcMismatch) {
  SimCollateralOptions o;
  o.tcb_info_fmspc = "00A067110000";
  ExpectFailure(VerifySim(SimQuote(), SimBundle(o)), kCheckTcbInfo, "FMSPC");
}

TEST(SimMatrix, PceIdMismatch) {
  SimCollateralOptions o;
  o.tcb_info_pce_id = "0100";
  ExpectFailure(VerifySim(SimQuote(), SimBundle(o)), kCheckTcbInfo, "PCE-ID");
}

TEST(SimMatrix, WrongQeMrSignerInIdentity) {
  SimCollateralOptions o;
  o.qe_identity_mrsigner = std::string(64, 'A');
  ExpectFailure(VerifySim(SimQuote(), SimBundle(o)), kCheckQeIdentityMatch, "mr_signer");
}

TEST(SimMatrix, WrongQeProdIdInQuote) {
  SimQuoteOptions q;
  q.qe_isv_prod_id = 2;
  ExpectFailure(VerifySim(SimQuote(q), SimBundle()), kCheckQeIdentityMatch, "isv_prod_id");
}

TEST(SimMatrix, WrongQeAttributes) {
  SimQuoteOptions q;
  q.qe_attributes[0] = 0x17;  // DEBUG set: inside the mask
  ExpectFailure(VerifySim(SimQuote(q), SimBundle()), kCheckQeIdentityMatch, "attributes");
  // A bit outside the mask (MODE64BIT, mask FB) does not matter.
  q.qe_attributes[0] = 0x11;
  EXPECT_TRUE(VerifySim(SimQuote(q), SimBundle()).ok());
}

TEST(SimMatrix, AuthDataHashMismatch) {
  SimQuoteOptions q;
  q.break_qe_binding = true;
  ExpectFailure(VerifySim(SimQuote(q), SimBundle()), kCheckQeBinding, "SHA-256");
}

// Offsets inside a v3 quote (quote_v3.cc): signature data starts at 436.
constexpr size_t kSig = 436;

struct Flip {
  const char* region;
  size_t offset;
  std::string_view check;
};

class FlippedByte : public ::testing::TestWithParam<Flip> {};

TEST_P(FlippedByte, FailsInTheCheckThatCoversIt) {
  Bytes quote = SimQuote();
  quote[GetParam().offset] ^= 0x01;
  Result<VerificationResult> r = VerifySim(quote, SimBundle());
  ASSERT_FALSE(r.ok()) << GetParam().region;
  EXPECT_THAT(r.error().message(), StartsWith(std::string(GetParam().check) + ": "))
      << GetParam().region;
}

INSTANTIATE_TEST_SUITE_P(
    Regions, FlippedByte,
    ::testing::Values(Flip{"header qe_svn", 8, kCheckIsvSignature},
                      Flip{"header user_data", 40, kCheckIsvSignature},
                      Flip{"body mr_enclave", 48 + 64, kCheckIsvSignature},
                      Flip{"body report_data", 48 + 320, kCheckIsvSignature},
                      Flip{"ISV signature", kSig + 10, kCheckIsvSignature},
                      Flip{"attestation key", kSig + 64 + 5, kCheckQeBinding},
                      Flip{"QE report", kSig + 128 + 100, kCheckQeReportSignature},
                      Flip{"QE report signature", kSig + 512 + 3, kCheckQeReportSignature},
                      Flip{"QE auth data", kSig + 578 + 1, kCheckQeBinding}),
    [](const auto& info) {
      std::string n = info.param.region;
      for (char& c : n) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
      return n;
    });

TEST(SimMatrix, FlippedPckLeafSignature) {
  Bytes quote = SimQuote();
  // The leaf's PEM ends before the second "-----BEGIN"; flip a base64 char just before its end.
  std::string text(quote.begin(), quote.end());
  size_t end_leaf = text.find("-----END CERTIFICATE-----");
  ASSERT_NE(end_leaf, std::string::npos);
  size_t at = end_leaf - 10;
  quote[at] = quote[at] == 'A' ? 'B' : 'A';
  Result<VerificationResult> r = VerifySim(quote, SimBundle());
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message(), StartsWith("pck_chain: "));
}

TEST(SimMatrix, FlippedByteInTcbInfo) {
  CollateralBundle b = SimBundle();
  size_t at = b.tcb_info.find("\"tcbEvaluationDataNumber\":17");
  ASSERT_NE(at, std::string::npos);
  b.tcb_info[at + 26] = '8';
  ExpectFailure(VerifySim(SimQuote(), b), kCheckTcbInfo, "signature");
  b = SimBundle();
  b.tcb_info_signature[5] ^= 1;
  ExpectFailure(VerifySim(SimQuote(), b), kCheckTcbInfo, "signature");
}

TEST(SimMatrix, FlippedByteInQeIdentity) {
  CollateralBundle b = SimBundle();
  size_t at = b.qe_identity.find("\"isvprodid\":1");
  ASSERT_NE(at, std::string::npos);
  b.qe_identity[at + 12] = '2';
  ExpectFailure(VerifySim(SimQuote(), b), kCheckQeIdentity, "signature");
  b = SimBundle();
  b.qe_identity_signature[40] ^= 1;
  ExpectFailure(VerifySim(SimQuote(), b), kCheckQeIdentity, "signature");
}

TEST(SimMatrix, FlippedByteInCrls) {
  CollateralBundle b = SimBundle();
  b.root_ca_crl[b.root_ca_crl.size() - 3] ^= 1;  // inside the signature
  ExpectFailure(VerifySim(SimQuote(), b), kCheckRootCrl, "");
  b = SimBundle();
  b.pck_crl[b.pck_crl.size() - 3] ^= 1;
  ExpectFailure(VerifySim(SimQuote(), b), kCheckPckCrl, "");
}

TEST(SimMatrix, DebugEnclaveVerifiesAndIsFlagged) {
  Result<VerificationResult> r =
      VerifySim(SimQuote({}, testing::AppBody(/*debug=*/true)), SimBundle());
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_TRUE(r->body.debug());
  EXPECT_EQ(r->status, TcbStatus::kUpToDate);  // debug is a policy decision (policy_test.cc)
}

TEST(SimMatrix, CertTypeOtherThan5NeedsACollateralChain) {
  SimQuoteOptions q;
  q.cert_data_type = 1;
  ExpectFailure(VerifySim(SimQuote(q), SimBundle()), kCheckPckChain, "certification data type 1");
  SimCollateralOptions o;
  o.include_pck_chain = true;
  Result<VerificationResult> r = VerifySim(SimQuote(q), SimBundle(o));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->status, TcbStatus::kUpToDate);
}

TEST(SimMatrix, V4AndV5LayoutsParseAndVerify) {
  for (uint16_t v : {4, 5}) {
    SimQuoteOptions q;
    q.version = v;
    Bytes quote = SimQuote(q);
    Result<Quote> parsed = Quote::Parse(quote);
    ASSERT_TRUE(parsed.ok()) << parsed.error().message();
    EXPECT_EQ(parsed->version(), v);
    EXPECT_EQ(parsed->body().mr_enclave, testing::AppBody().mr_enclave);
    EXPECT_EQ(parsed->parts().cert_data_type, 5);
    Result<VerificationResult> r = VerifySim(quote, SimBundle());
    ASSERT_TRUE(r.ok()) << r.error().message();
  }
}

TEST(SimMatrix, PlatformBelowTheLevelGetsOutOfDate) {
  SimPlatform p = testing::SharedPki().platform;
  p.pce_svn -= 1;  // one below: matches the generated OutOfDate level
  Result<SimPki> older = ReissuePck(testing::SharedPki(), p);
  ASSERT_TRUE(older.ok()) << older.error().message();
  // Levels are generated for the shared PKI's platform, not this one.
  Result<VerificationResult> r = VerifySim(SimQuote({}, testing::AppBody(), *older), SimBundle());
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->status, TcbStatus::kOutOfDate);
  EXPECT_EQ(r->advisories, (std::vector<std::string>{"INTEL-SA-00000"}));
}

// --- trust anchor separation ---------------------------------------------------------------

TEST(SimVsProduction, SimulatedQuoteNeverVerifiesUnderIntelRoot) {
  Result<TrustAnchor> intel = IntelRootAnchor();
  ASSERT_TRUE(intel.ok());
  // With its own collateral: the root CRL is not Intel's.
  Result<VerificationResult> r = VerifyQuote(SimQuote(), SimBundle(), *intel, testing::kSimNow);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kVerifyFailed);
  // With Intel's real collateral (vector A) at its time: the chain's root is not Intel's.
  SimPkiOptions po;
  po.not_before = testing::kVectorATime - 86400;
  Result<SimPki> pki = CreateSimPki(po);
  ASSERT_TRUE(pki.ok());
  r = VerifyQuote(SimQuote({}, testing::AppBody(), *pki), testing::VectorACollateral(), *intel,
                  testing::kVectorATime);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message(), StartsWith("pck_chain: "));
  EXPECT_THAT(r.error().message(), HasSubstr("not the pinned root 'intel-sgx-prod'"));
}

TEST(SimVsProduction, SimulationAnchorRequiresMarkersInTheQuote) {
  SimQuoteOptions q;
  q.intel_user_data = true;
  q.qe_mr_signer.fill(0x8C);
  SimCollateralOptions o;
  for (int i = 0; i < 32; i++) o.qe_identity_mrsigner += "8C";
  ExpectFailure(VerifySim(SimQuote(q), SimBundle(o)), kCheckSimulationMarker,
                "without simulation markers");
}

TEST(SimVsProduction, AnchorsRefuseTheWrongKindOfRoot) {
  Result<TrustAnchor> intel = IntelRootAnchor();
  ASSERT_TRUE(intel.ok());
  EXPECT_FALSE(CustomAnchor(intel->root, "mine").ok());
  EXPECT_FALSE(CustomAnchor(testing::SharedPki().root, "mine").ok());
  char dir[] = "/tmp/attest-anchor-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  ASSERT_TRUE(WriteFileAtomic(std::string(dir) + "/root.pem", intel->root.Pem()).ok());
  Result<TrustAnchor> sim = SimulationAnchor(dir);
  ASSERT_FALSE(sim.ok());
  EXPECT_THAT(sim.error().message(), HasSubstr("not a simulated root"));
  std::system(("rm -rf " + std::string(dir)).c_str());
}

TEST(SimPkiFiles, SaveAndLoadRoundTrip) {
  char dir[] = "/tmp/attest-pki-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  ASSERT_TRUE(SaveSimPki(testing::SharedPki(), dir).ok());
  Result<SimPki> loaded = LoadSimPki(dir);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message();
  EXPECT_EQ(loaded->pck.Der(), testing::SharedPki().pck.Der());
  EXPECT_EQ(loaded->platform.pce_svn, testing::SharedPki().platform.pce_svn);
  EXPECT_EQ(loaded->ppid, testing::SharedPki().ppid);
  Result<TrustAnchor> anchor = SimulationAnchor(dir);
  ASSERT_TRUE(anchor.ok()) << anchor.error().message();
  Result<Bytes> quote = SimulateQuote(*loaded, testing::AppBody());
  ASSERT_TRUE(quote.ok());
  EXPECT_TRUE(VerifyQuote(*quote, SimBundle(), *anchor, testing::kSimNow).ok());
  std::system(("rm -rf " + std::string(dir)).c_str());
}

}  // namespace
}  // namespace uid2::attest

namespace uid2::attest {
namespace {

// The prepared collateral caches verified PCK chains and attestation keys; a cache hit must not
// skip any per-quote check.
TEST(PreparedCache, EveryPerQuoteCheckStillRunsOnACacheHit) {
  Result<PreparedCollateral> c =
      PreparedCollateral::Prepare(testing::SimBundle(), testing::SimAnchor(), testing::kSimNow);
  ASSERT_TRUE(c.ok()) << c.error().message();
  Bytes good = testing::SimQuote();
  for (int i = 0; i < 2; i++) {
    Result<Quote> q = Quote::Parse(good);
    ASSERT_TRUE(q.ok());
    Result<VerificationResult> r = VerifyQuote(*q, *c, testing::kSimNow);
    ASSERT_TRUE(r.ok()) << r.error().message();
  }
  struct Case {
    size_t offset;
    std::string_view check;
  } cases[] = {{436 + 10, kCheckIsvSignature},
               {48 + 64, kCheckIsvSignature},
               {436 + 128 + 100, kCheckQeReportSignature},
               {436 + 64 + 5, kCheckQeBinding},
               {436 + 578 + 1, kCheckQeBinding}};
  for (const Case& k : cases) {
    Bytes bad = good;
    bad[k.offset] ^= 1;
    Result<Quote> q = Quote::Parse(bad);
    ASSERT_TRUE(q.ok());
    Result<VerificationResult> r = VerifyQuote(*q, *c, testing::kSimNow);
    ASSERT_FALSE(r.ok()) << k.offset;
    EXPECT_THAT(r.error().message(), ::testing::StartsWith(std::string(k.check) + ": "));
  }
  // The cached leaf's validity window is re-checked on a hit: at kAfterShortPck every
  // collateral window is open (the shared leaf verifies) but the short leaf, cached at
  // kSimNow, has expired.
  Result<Quote> q = Quote::Parse(good);
  ASSERT_TRUE(VerifyQuote(*q, *c, testing::kAfterShortPck).ok());
  Result<Quote> short_q = Quote::Parse(SimQuote({}, testing::AppBody(), testing::ShortPck()));
  ASSERT_TRUE(short_q.ok());
  ASSERT_TRUE(VerifyQuote(*short_q, *c, testing::kSimNow).ok());  // verified, then cached
  Result<VerificationResult> late = VerifyQuote(*short_q, *c, testing::kAfterShortPck);
  ASSERT_FALSE(late.ok()) << "verified with status " << TcbStatusName(late->status);
  EXPECT_EQ(late.error().code(), ErrorCode::kVerifyFailed);
  EXPECT_EQ(late.error().message(),
            "pck_chain: PCK certificate valid 2025-10-08T08:53:20Z .. 2025-10-10T08:53:20Z, not "
            "at 2025-10-11T08:53:20Z");
}

}  // namespace
}  // namespace uid2::attest
