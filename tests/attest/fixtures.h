// fixtures.h: test data for the attestation tests (tests/data/attestation, see its NOTICE).
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "attest/collateral.h"
#include "common/bytes.h"
#include "common/file.h"

namespace uid2::attest::testing {

inline std::string DataPath(const std::string& rel) {
  return std::string(UID2_SOURCE_DIR) + "/tests/data/attestation/" + rel;
}

inline Bytes ReadData(const std::string& rel) {
  Result<Bytes> b = ReadFileBytes(DataPath(rel));
  EXPECT_TRUE(b.ok()) << rel;
  return b.ok() ? *b : Bytes{};
}

inline std::string ReadText(const std::string& rel) {
  Result<std::string> s = ReadFile(DataPath(rel));
  EXPECT_TRUE(s.ok()) << rel;
  return s.ok() ? *s : std::string{};
}

// Vector A: Phala-Network/dcap-qvl sample (real Intel root).
constexpr time_t kVectorATime = 1750400000;
// Vector B: Intel QVL sample data (test root with Intel's subject).
constexpr time_t kVectorBTime = 1735689600;

inline CollateralBundle VectorACollateral() {
  Result<CollateralBundle> b =
      ParseCollateralJson(ReadText("dcap-qvl-sample/sgx_quote_collateral.json"));
  EXPECT_TRUE(b.ok()) << (b.ok() ? "" : b.error().message());
  return b.ok() ? *b : CollateralBundle{};
}

// VectorBCollateral converts Intel's separate sample files into the bundle format (§4).
inline CollateralBundle VectorBCollateral() {
  const std::string dir = "intel-qvl-sample/";
  CollateralBundle b;
  b.pck_crl_issuer_chain = ReadText(dir + "pckSignChain.pem");
  b.root_ca_crl = ReadData(dir + "rootCaCrl.der");
  b.pck_crl = ReadData(dir + "intermediateCaCrl.der");
  b.tcb_info_issuer_chain = ReadText(dir + "tcbSignChain.pem");
  Result<SignedJson> tcb = ExtractSignedJson(ReadText(dir + "tcbInfo.json"), "tcbInfo");
  EXPECT_TRUE(tcb.ok());
  if (tcb.ok()) {
    b.tcb_info = tcb->body;
    b.tcb_info_signature = tcb->signature;
  }
  b.qe_identity_issuer_chain = b.tcb_info_issuer_chain;
  Result<SignedJson> qe = ExtractSignedJson(ReadText(dir + "qeIdentity.json"), "enclaveIdentity");
  EXPECT_TRUE(qe.ok());
  if (qe.ok()) {
    b.qe_identity = qe->body;
    b.qe_identity_signature = qe->signature;
  }
  b.pck_certificate_chain = ReadText(dir + "pckCert.pem") + ReadText(dir + "pckSignChain.pem");
  return b;
}

}  // namespace uid2::attest::testing
