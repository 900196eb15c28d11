// sim_fixture.h: one simulated PKI per test binary and helpers to build and verify quotes at a
// fixed time.
#pragma once

#include <gtest/gtest.h>

#include "attest/sim.h"
#include "attest/verify.h"
#include "crypto/hash.h"

namespace uid2::attest::testing {

constexpr time_t kSimNow = 1760000000;  // 2025-10-09T08:53:20Z

inline const SimPki& SharedPki() {
  static SimPki* pki = [] {
    SimPkiOptions o;
    o.not_before = kSimNow - 86400;
    o.not_after = kSimNow + 10LL * 365 * 86400;
    Result<SimPki> p = CreateSimPki(o);
    if (!p.ok()) {
      ADD_FAILURE() << p.error().message();
      std::abort();
    }
    return new SimPki(std::move(p).value());
  }();
  return *pki;
}

// A PCK leaf of the shared PKI (same keys and CAs) valid only from `not_before` to `not_after`,
// narrower than every collateral window (30 days from kSimNow - 1 h) and CA (10 years).
inline SimPki PckValidOnly(time_t not_before, time_t not_after) {
  Result<SimPki> p = ReissuePck(SharedPki(), SharedPki().platform, not_before, not_after);
  if (!p.ok()) {
    ADD_FAILURE() << p.error().message();
    std::abort();
  }
  return std::move(p).value();
}

// ShortPck is valid one day either side of kSimNow: at kSimNow + 2 days (kAfterShortPck) the
// collateral is valid and this leaf has expired.
constexpr time_t kAfterShortPck = kSimNow + 2 * 86400;
inline const SimPki& ShortPck() {
  static SimPki* pki = new SimPki(PckValidOnly(kSimNow - 86400, kSimNow + 86400));
  return *pki;
}

inline ReportBody AppBody(bool debug = false) {
  ReportBody b;
  b.mr_enclave.fill(0x11);
  b.mr_signer.fill(0x22);
  b.isv_prod_id = 770;
  b.isv_svn = 2;
  b.attributes[0] = debug ? 0x07 : 0x05;
  b.attributes[8] = 0x07;
  crypto::Sha256Digest d = crypto::Sha256(AsBytes("operator public key"));
  std::copy(d.begin(), d.end(), b.report_data.begin());
  return b;
}

inline TrustAnchor SimAnchor() {
  Result<TrustAnchor> a =
      MakeAnchor(SharedPki().root, AnchorKind::kSimulation, std::string(kSimulationAnchorLabel));
  EXPECT_TRUE(a.ok());
  return std::move(a).value();
}

inline Bytes SimQuote(const SimQuoteOptions& o = {}, const ReportBody& body = AppBody(),
                      const SimPki& pki = SharedPki()) {
  Result<Bytes> q = SimulateQuote(pki, body, o);
  EXPECT_TRUE(q.ok()) << (q.ok() ? "" : q.error().message());
  return q.ok() ? *q : Bytes{};
}

inline CollateralBundle SimBundle(SimCollateralOptions o = {}, const SimPki& pki = SharedPki()) {
  if (o.now == 0) o.now = kSimNow;
  Result<CollateralBundle> b = SimulateCollateral(pki, o);
  EXPECT_TRUE(b.ok()) << (b.ok() ? "" : b.error().message());
  return b.ok() ? *b : CollateralBundle{};
}

inline Result<VerificationResult> VerifySim(ByteSpan quote, const CollateralBundle& bundle,
                                            time_t now = kSimNow) {
  return VerifyQuote(quote, bundle, SimAnchor(), now);
}

}  // namespace uid2::attest::testing
