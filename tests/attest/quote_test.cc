// Parser tests: every length field, truncation at every size, trailing bytes, versions and
// types; the report body, the PCK extension, times and the collateral JSON.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "attest/collateral.h"
#include "attest/pck_extension.h"
#include "attest/quote.h"
#include "attest/tcb.h"
#include "common/encoding.h"
#include "fixtures.h"
#include "sim_fixture.h"

namespace uid2::attest {
namespace {

using ::testing::HasSubstr;

constexpr size_t kSig = 436;

TEST(Quote, EveryTruncationIsRejected) {
  Bytes q = testing::SimQuote();
  for (size_t n = 0; n < q.size(); n++) {
    Result<Quote> r = Quote::Parse(ByteSpan(q.data(), n));
    ASSERT_FALSE(r.ok()) << "prefix of " << n << " bytes parsed";
    EXPECT_NE(r.error().code(), ErrorCode::kInternal);
  }
  EXPECT_TRUE(Quote::Parse(q).ok());
}

TEST(Quote, TrailingByteIsRejected) {
  Bytes q = testing::SimQuote();
  q.push_back(0);
  Result<Quote> r = Quote::Parse(q);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message(), HasSubstr("signature_data_len"));
}

TEST(Quote, SignatureDataLenMustMatch) {
  for (int delta : {-1, 1, 1000000}) {
    Bytes q = testing::SimQuote();
    uint32_t len = LoadU32LE(q, 432);
    StoreU32LE(q, 432, static_cast<uint32_t>(len + delta));
    Result<Quote> r = Quote::Parse(q);
    ASSERT_FALSE(r.ok()) << delta;
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalid);
  }
}

TEST(Quote, OversizedAuthDataSize) {
  Bytes q = testing::SimQuote();
  StoreU16LE(q, kSig + 576, 0xFFFF);
  Result<Quote> r = Quote::Parse(q);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message(), HasSubstr("QE auth data size 65535"));
}

TEST(Quote, OversizedAndUndersizedCertificationDataSize) {
  Bytes q = testing::SimQuote();
  size_t at = kSig + 578 + 32 + 2;
  uint32_t m = LoadU32LE(q, at);
  StoreU32LE(q, at, m + 1);
  Result<Quote> r = Quote::Parse(q);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message(), HasSubstr("exceeds"));
  StoreU32LE(q, at, m - 1);
  r = Quote::Parse(q);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message(), HasSubstr("trailing bytes"));
  StoreU32LE(q, at, 0x7FFFFFFF);
  r = Quote::Parse(q);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message(), HasSubstr("1 MiB cap"));
}

TEST(Quote, CertificationDataTypeOutOfRange) {
  Bytes q = testing::SimQuote();
  for (uint16_t type : {0, 6, 7, 0xFFFF}) {
    StoreU16LE(q, kSig + 578 + 32, type);
    EXPECT_FALSE(Quote::Parse(q).ok()) << type;
  }
}

TEST(Quote, HeaderChecks) {
  Bytes q = testing::SimQuote();
  Bytes bad = q;
  StoreU16LE(bad, 0, 2);
  EXPECT_EQ(Quote::Parse(bad).error().code(), ErrorCode::kUnsupported);
  bad = q;
  StoreU16LE(bad, 2, 3);  // P-384
  EXPECT_EQ(Quote::Parse(bad).error().code(), ErrorCode::kUnsupported);
  bad = q;
  StoreU32LE(bad, 4, 1);  // v3 reserved
  EXPECT_EQ(Quote::Parse(bad).error().code(), ErrorCode::kInvalid);
}

TEST(Quote, TdxV4AndV5AreRefusedWithAClearMessage) {
  SimQuoteOptions o;
  o.version = 5;
  Bytes q = testing::SimQuote(o);
  Bytes tdx = q;
  StoreU32LE(tdx, 4, kTeeTypeTdx);
  Result<Quote> r = Quote::Parse(tdx);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message(), HasSubstr("TDX"));
  Bytes td_body = q;
  StoreU16LE(td_body, 48, 2);
  r = Quote::Parse(td_body);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message(), HasSubstr("TD report body"));
  Bytes bad_size = q;
  StoreU32LE(bad_size, 50, 383);
  EXPECT_FALSE(Quote::Parse(bad_size).ok());
}

TEST(Quote, V4RequiresType6Outside) {
  SimQuoteOptions o;
  o.version = 4;
  Bytes q = testing::SimQuote(o);
  StoreU16LE(q, kSig + 128, 5);
  Result<Quote> r = Quote::Parse(q);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message(), HasSubstr("require 6"));
}

TEST(Quote, V4AndV5EveryTruncationIsRejected) {
  for (uint16_t v : {4, 5}) {
    SimQuoteOptions o;
    o.version = v;
    Bytes q = testing::SimQuote(o);
    for (size_t n = 0; n < q.size(); n += 7) EXPECT_FALSE(Quote::Parse(ByteSpan(q.data(), n)).ok());
  }
}

TEST(Quote, CertificationDataTypes1To5Parse) {
  for (uint16_t t : {1, 2, 3, 4, 5}) {
    SimQuoteOptions o;
    o.cert_data_type = t;
    Result<Quote> r = Quote::Parse(testing::SimQuote(o));
    ASSERT_TRUE(r.ok()) << t << ": " << r.error().message();
    EXPECT_EQ(r->parts().cert_data_type, t);
  }
}

TEST(ReportBody, RoundTripsEveryByte) {
  Bytes raw(kReportBodySize);
  for (size_t i = 0; i < raw.size(); i++) raw[i] = static_cast<uint8_t>(i * 7 + 3);
  Result<ReportBody> b = ReportBody::Parse(raw);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->Serialize(), raw);
  EXPECT_EQ(b->isv_prod_id, LoadU16LE(raw, 256));
  EXPECT_EQ(b->isv_svn, LoadU16LE(raw, 258));
  EXPECT_EQ(b->report_data[0], raw[320]);
  EXPECT_EQ(b->mr_signer[0], raw[128]);
  EXPECT_FALSE(ReportBody::Parse(ByteSpan(raw.data(), 383)).ok());
}

TEST(PckExtension, IntelSampleCertificate) {
  Result<Quote> q = Quote::Parse(testing::ReadData("dcap-qvl-sample/sgx_quote"));
  ASSERT_TRUE(q.ok());
  Result<std::vector<crypto::Certificate>> chain =
      crypto::Certificate::ChainFromPem(q->PckChainPem());
  ASSERT_TRUE(chain.ok());
  Result<PckExtension> ext = PckExtensionFromCertificate((*chain)[0]);
  ASSERT_TRUE(ext.ok()) << ext.error().message();
  EXPECT_EQ(ext->tcb_components,
            (std::array<uint8_t, 16>{11, 11, 2, 2, 255, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(ext->pce_svn, 13);
  EXPECT_EQ(HexEncode(ext->pce_id), "0000");
  EXPECT_EQ(HexEncode(ext->fmspc), "00a067110000");
  EXPECT_EQ(ext->sgx_type, 0);
}

TEST(PckExtension, RoundTripAndEveryTruncation) {
  PckExtension e;
  e.ppid.fill(9);
  e.tcb_components = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 255};
  e.pce_svn = 300;
  e.cpu_svn.fill(4);
  e.pce_id = {0, 1};
  e.fmspc = kSimFmspc;
  e.sgx_type = 1;
  Bytes der = EncodePckExtension(e);
  Result<PckExtension> back = ParsePckExtension(der);
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(back->tcb_components, e.tcb_components);
  EXPECT_EQ(back->pce_svn, 300);
  EXPECT_EQ(back->fmspc, e.fmspc);
  EXPECT_EQ(back->sgx_type, 1);
  for (size_t n = 0; n < der.size(); n++)
    EXPECT_FALSE(ParsePckExtension(ByteSpan(der.data(), n)).ok());
  der.push_back(0);
  EXPECT_FALSE(ParsePckExtension(der).ok());
}

TEST(Tcb, IsoTimes) {
  EXPECT_EQ(*ParseIsoTime("2025-06-19T10:56:11Z"), 1750330571);
  EXPECT_EQ(FormatIsoTime(1750330571), "2025-06-19T10:56:11Z");
  for (const char* bad : {"2025-06-19 10:56:11Z", "2025-06-19T10:56:11", "2025-13-19T10:56:11Z",
                          "+025-06-19T10:56:11Z", ""}) {
    EXPECT_FALSE(ParseIsoTime(bad).ok()) << bad;
  }
}

TEST(Tcb, StatusNamesRoundTrip) {
  for (const char* n :
       {"UpToDate", "SWHardeningNeeded", "ConfigurationNeeded", "ConfigurationAndSWHardeningNeeded",
        "OutOfDate", "OutOfDateConfigurationNeeded", "Revoked"}) {
    Result<TcbStatus> s = ParseTcbStatus(n);
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(TcbStatusName(*s), n);
  }
  EXPECT_FALSE(ParseTcbStatus("TDRelaunchAdvised").ok());
}

TEST(Collateral, VectorBundleRoundTrips) {
  CollateralBundle a = testing::VectorACollateral();
  Result<CollateralBundle> b = ParseCollateralJson(CollateralToJson(a));
  ASSERT_TRUE(b.ok()) << b.error().message();
  EXPECT_EQ(b->tcb_info, a.tcb_info);
  EXPECT_EQ(b->root_ca_crl, a.root_ca_crl);
  EXPECT_EQ(b->qe_identity_signature, a.qe_identity_signature);
}

TEST(Collateral, MissingKeyIsNamed) {
  Result<CollateralBundle> b = ParseCollateralJson("{\"pck_crl_issuer_chain\":\"x\"}");
  ASSERT_FALSE(b.ok());
  EXPECT_THAT(b.error().message(), HasSubstr("root_ca_crl"));
  b = ParseCollateralJson("[1]");
  EXPECT_FALSE(b.ok());
}

TEST(Collateral, ByteArraysAreAccepted) {
  std::string json = CollateralToJson(testing::VectorACollateral());
  size_t at = json.find("\"pck_crl\":\"");
  size_t end = json.find('"', at + 11);
  Bytes crl = testing::VectorACollateral().pck_crl;
  std::string arr = "[";
  for (size_t i = 0; i < crl.size(); i++) arr += (i ? "," : "") + std::to_string(crl[i]);
  json.replace(at + 10, end - at - 9, arr + "]");
  Result<CollateralBundle> b = ParseCollateralJson(json);
  ASSERT_TRUE(b.ok()) << b.error().message();
  EXPECT_EQ(b->pck_crl, crl);
}

TEST(Collateral, ExtractSignedJsonCutsTheRawObject) {
  std::string text = R"({"tcbInfo": {"a":"}{\"","b":[1,{"c":2}]} ,"signature":"0a0b"})";
  Result<SignedJson> s = ExtractSignedJson(text, "tcbInfo");
  ASSERT_TRUE(s.ok()) << s.error().message();
  EXPECT_EQ(s->body, R"({"a":"}{\"","b":[1,{"c":2}]})");
  EXPECT_EQ(s->signature, (Bytes{0x0a, 0x0b}));
  EXPECT_FALSE(ExtractSignedJson(text, "enclaveIdentity").ok());
}

}  // namespace
}  // namespace uid2::attest
