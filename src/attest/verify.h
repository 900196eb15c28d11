// verify.h: DCAP quote verification at an explicit time, in Intel QVL's order
// (spec: sgx-attestation.md §2.2). Policy (which enclave, which statuses are acceptable) is a
// separate step: see policy.h.
//
//   UID2_ASSIGN_OR_RETURN(TrustAnchor intel, IntelRootAnchor());
//   UID2_ASSIGN_OR_RETURN(PreparedCollateral c, PreparedCollateral::Prepare(bundle, intel, now));
//   UID2_ASSIGN_OR_RETURN(Quote q, Quote::Parse(bytes));
//   UID2_ASSIGN_OR_RETURN(VerificationResult r, VerifyQuote(q, c, now));
//   // r.status, r.advisories, r.body, r.trust_anchor
//
// A verification failure is kVerifyFailed (or kInvalid for malformed input) whose message
// starts with the name of the failing check, one of the kCheck* constants, then ": " and the
// details: "tcb_info: expired at 2025-07-19T10:56:11Z (now 2026-...)".
// A Revoked TCB is a status, not a failure (Intel's behaviour); policy rejects it.
#pragma once

#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include "attest/collateral.h"
#include "attest/pck_extension.h"
#include "attest/quote.h"
#include "attest/tcb.h"
#include "attest/trust.h"
#include "common/status.h"

namespace uid2::attest {

constexpr std::string_view kCheckRootCrl = "root_ca_crl";
constexpr std::string_view kCheckPckCrl = "pck_crl";
constexpr std::string_view kCheckPckChain = "pck_chain";
constexpr std::string_view kCheckPckExtension = "pck_extension";
constexpr std::string_view kCheckTcbInfo = "tcb_info";
constexpr std::string_view kCheckQeIdentity = "qe_identity";
constexpr std::string_view kCheckQeReportSignature = "qe_report_signature";
constexpr std::string_view kCheckQeBinding = "qe_binding";
constexpr std::string_view kCheckQeIdentityMatch = "qe_identity_match";
constexpr std::string_view kCheckIsvSignature = "isv_signature";
constexpr std::string_view kCheckTcbLevel = "tcb_level";
constexpr std::string_view kCheckSimulationMarker = "simulation_marker";

struct VerificationResult {
  TcbStatus status = TcbStatus::kUpToDate;  // converged (platform + QE)
  TcbStatus platform_status = TcbStatus::kUpToDate;
  TcbStatus qe_status = TcbStatus::kUpToDate;
  std::vector<std::string> advisories;  // union of platform and QE advisories, sorted
  std::string tcb_date;                 // of the matched platform level
  QuoteHeader header;
  ReportBody body;   // the ISV enclave's report body
  PckExtension pck;  // the platform, from the PCK certificate
  AnchorKind anchor_kind = AnchorKind::kCustom;
  std::string trust_anchor;  // "intel-sgx-prod", "simulation" or a custom label
};

// PreparedCollateral is a collateral bundle whose quote-independent parts are verified once:
// the root CRL under the anchor, the PCK CA and its CRL, the TCB signing chain and the
// signatures of TCB Info and QE Identity. VerifyQuote re-checks every time window at its own
// `now`. Immutable after Prepare; safe to share between threads.
class PreparedCollateral {
 public:
  static Result<PreparedCollateral> Prepare(const CollateralBundle& bundle,
                                            const TrustAnchor& anchor, time_t now);
  PreparedCollateral(PreparedCollateral&&) noexcept;
  PreparedCollateral& operator=(PreparedCollateral&&) noexcept;
  ~PreparedCollateral();

  const TcbInfo& tcb_info() const;
  const QeIdentity& qe_identity() const;
  const TrustAnchor& anchor() const;

  struct State;
  const State& state() const { return *state_; }

 private:
  explicit PreparedCollateral(std::unique_ptr<State> s);
  std::unique_ptr<State> state_;
};

// VerifyQuote runs the per-quote checks (steps 3, 6-11 of §2.2 plus the time windows).
Result<VerificationResult> VerifyQuote(const Quote& quote, const PreparedCollateral& collateral,
                                       time_t now);
// VerifyQuote (convenience): parse, prepare and verify in one call.
Result<VerificationResult> VerifyQuote(ByteSpan quote, const CollateralBundle& bundle,
                                       const TrustAnchor& anchor, time_t now);

// ResultToJson renders a result (hex for byte fields).
std::string VerificationResultToJson(const VerificationResult& r);

// HasSimulationMarkers is true when the quote carries any in-band simulation marker (§6):
// user_data "SIMULATED-QUOTE", the simulated QE's mr_signer.
bool HasSimulationMarkers(const Quote& quote);

}  // namespace uid2::attest
