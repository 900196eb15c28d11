// quote_check.h: verifies an `azure-sgx` attestation document (a raw DCAP quote, spec §4.6) and
// its binding to the operator's public key, with src/attest.
//
// Trust: Intel's SGX root (compiled into src/attest) with a collateral bundle from a file
// (`--collateral`), or, with `--sim-pki DIR`, that simulated PKI's root and collateral signed
// on the spot by the PKI's own keys (renewed daily). Never both: a simulated quote is refused
// under the Intel root and a real one under the simulated root (src/attest's markers).
//
// Checks, in order; the first failure is the reason (kVerifyFailed, no secrets):
//   1. the quote parses and verifies (Intel QVL order; reason starts with the check's name)
//   2. report_data == SHA-256(public_key DER) || 32 zero bytes       ("binding: ...")
//   3. the allowlist (MRENCLAVE / MRSIGNER, ISVPRODID, ISVSVN, debug, TCB status)
#pragma once

#include <ctime>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "attest/collateral.h"
#include "attest/policy.h"
#include "attest/sim.h"
#include "attest/trust.h"
#include "common/bytes.h"
#include "common/status.h"
#include "corelocal/allowlist.h"

namespace uid2::corelocal {

struct QuoteCheckOptions {
  std::string sim_pki_dir;      // non-empty: trust this simulated PKI instead of Intel's root
  std::string collateral_file;  // Intel root: the collateral bundle (spec §4 JSON)
};

class QuoteChecker {
 public:
  // Create loads the anchor and the collateral; errors name the file at fault.
  static Result<std::unique_ptr<QuoteChecker>> Create(const QuoteCheckOptions& options, time_t now);

  // Check runs steps 1-3 and returns the attested enclave.
  Result<attest::AttestedEnclave> Check(ByteSpan quote, ByteSpan public_key_der,
                                        const Allowlist& allowlist, time_t now);

  bool simulation() const { return sim_.has_value(); }
  const std::string& anchor_label() const { return anchor_->label; }

 private:
  QuoteChecker() = default;
  Result<attest::CollateralBundle> Collateral(time_t now);

  std::optional<attest::TrustAnchor> anchor_;
  std::optional<attest::SimPki> sim_;
  std::optional<attest::CollateralBundle> collateral_;
  time_t collateral_made_ = 0;
  std::mutex mu_;
};

// BindingReportData is SHA-256(public_key_der) || 32 zero bytes.
std::array<uint8_t, 64> BindingReportData(ByteSpan public_key_der);

}  // namespace uid2::corelocal
