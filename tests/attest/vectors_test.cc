// The two public vector sets (tests/data/attestation/NOTICE): exact status and advisories at
// their fixed times, and rejection under the wrong root.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "attest/quote.h"
#include "attest/verify.h"
#include "common/encoding.h"
#include "crypto/hash.h"
#include "fixtures.h"

namespace uid2::attest {
namespace {

using testing::DataPath;
using ::testing::HasSubstr;
using testing::ReadData;
using testing::ReadText;

TrustAnchor Intel() {
  Result<TrustAnchor> a = IntelRootAnchor();
  EXPECT_TRUE(a.ok());
  return std::move(a).value();
}

TrustAnchor QvlTestRoot() {
  Result<crypto::Certificate> c =
      crypto::Certificate::FromPem(ReadText("intel-qvl-sample/trustedRootCaCert.pem"));
  EXPECT_TRUE(c.ok());
  Result<TrustAnchor> a = CustomAnchor(*c, "intel-qvl-test-root");
  EXPECT_TRUE(a.ok());
  return std::move(a).value();
}

TEST(IntelRoot, CompiledInRootMatchesPublishedDer) {
  Bytes der = ReadData("intel-sgx-root-ca.der");
  EXPECT_EQ(Bytes(kIntelRootDer, kIntelRootDer + kIntelRootDerSize), der);
  EXPECT_EQ(HexEncode(crypto::Sha256(der)),
            "44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3");
  EXPECT_EQ(Intel().label, "intel-sgx-prod");
}

TEST(VectorA, ParsesAsV3WithType5Chain) {
  Bytes bytes = ReadData("dcap-qvl-sample/sgx_quote");
  ASSERT_EQ(bytes.size(), 4600u);
  Result<Quote> q = Quote::Parse(bytes);
  ASSERT_TRUE(q.ok()) << q.error().message();
  EXPECT_EQ(q->version(), 3);
  EXPECT_EQ(q->parts().cert_data_type, 5);
  EXPECT_EQ(q->parts().qe_auth_data.size(), 32u);
  EXPECT_EQ(HexEncode(q->body().mr_enclave),
            "33d8736db756ed4997e04ba358d27833188f1932ff7b1d156904d3f560452fbb");
  EXPECT_EQ(HexEncode(q->body().mr_signer),
            "815f42f11cf64430c30bab7816ba596a1da0130c3b028b673133a66cf9a3e0e6");
  EXPECT_EQ(q->body().attributes[0], 0x05);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(q->body().report_data.data()), 13),
            "Hello, world!");
}

TEST(VectorA, ConfigurationAndSwHardeningNeededWithIntelRoot) {
  Result<VerificationResult> r =
      VerifyQuote(ReadData("dcap-qvl-sample/sgx_quote"), testing::VectorACollateral(), Intel(),
                  testing::kVectorATime);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->status, TcbStatus::kConfigurationAndSwHardeningNeeded);
  EXPECT_EQ(r->platform_status, TcbStatus::kConfigurationAndSwHardeningNeeded);
  EXPECT_EQ(r->qe_status, TcbStatus::kUpToDate);
  EXPECT_EQ(r->advisories, (std::vector<std::string>{"INTEL-SA-00289", "INTEL-SA-00615"}));
  EXPECT_EQ(r->trust_anchor, "intel-sgx-prod");
  EXPECT_EQ(HexEncode(r->pck.fmspc), "00a067110000");
  EXPECT_EQ(r->pck.pce_svn, 13);
  EXPECT_EQ(r->pck.tcb_components[0], 11);
  EXPECT_EQ(r->pck.tcb_components[4], 255);
  EXPECT_EQ(r->body.isv_prod_id, 0);
}

TEST(VectorA, ExpiredTcbInfoIn2026) {
  Result<VerificationResult> r =
      VerifyQuote(ReadData("dcap-qvl-sample/sgx_quote"), testing::VectorACollateral(), Intel(),
                  1767225600 /* 2026-01-01 */);
  ASSERT_FALSE(r.ok());
  // The PCK CRL (one month) or TCB Info (one month) expires first; both are collateral expiry.
  EXPECT_THAT(r.error().message(), HasSubstr("expired"));
}

TEST(VectorA, RejectedUnderAnotherRoot) {
  Result<VerificationResult> r =
      VerifyQuote(ReadData("dcap-qvl-sample/sgx_quote"), testing::VectorACollateral(),
                  QvlTestRoot(), testing::kVectorATime);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kVerifyFailed);
}

TEST(VectorB, ParsesAsV3WithType1) {
  Result<Quote> q = Quote::Parse(ReadData("intel-qvl-sample/quote.dat"));
  ASSERT_TRUE(q.ok()) << q.error().message();
  EXPECT_EQ(q->version(), 3);
  EXPECT_EQ(q->parts().cert_data_type, 1);
  EXPECT_EQ(q->body().mr_enclave, (std::array<uint8_t, 32>{}));
}

TEST(VectorB, UpToDateUnderItsTestRoot) {
  Result<VerificationResult> r =
      VerifyQuote(ReadData("intel-qvl-sample/quote.dat"), testing::VectorBCollateral(),
                  QvlTestRoot(), testing::kVectorBTime);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->status, TcbStatus::kUpToDate);
  EXPECT_EQ(r->qe_status, TcbStatus::kUpToDate);
  EXPECT_TRUE(r->advisories.empty());
  EXPECT_EQ(HexEncode(r->pck.fmspc), "00707f000000");
  EXPECT_EQ(r->pck.pce_svn, 3);
  EXPECT_EQ(r->trust_anchor, "intel-qvl-test-root");
}

TEST(VectorB, RejectedUnderIntelRootByKeyNotName) {
  Result<VerificationResult> r =
      VerifyQuote(ReadData("intel-qvl-sample/quote.dat"), testing::VectorBCollateral(), Intel(),
                  testing::kVectorBTime);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kVerifyFailed);
  // The first collateral item checked is the root CRL, signed by the test root's key.
  EXPECT_THAT(r.error().message(), HasSubstr("root_ca_crl: signature does not verify"));
}

TEST(VectorB, TdxQuoteIsRefusedClearly) {
  Result<Quote> q = Quote::Parse(ReadData("intel-qvl-sample/tdx/quote.dat"));
  ASSERT_FALSE(q.ok());
  EXPECT_EQ(q.error().code(), ErrorCode::kUnsupported);
  EXPECT_THAT(q.error().message(), HasSubstr("TDX"));
}

}  // namespace
}  // namespace uid2::attest
