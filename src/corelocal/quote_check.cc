#include "corelocal/quote_check.h"

#include <algorithm>

#include "attest/verify.h"
#include "common/file.h"
#include "crypto/hash.h"

namespace uid2::corelocal {
namespace {

constexpr time_t kSimCollateralRenew = 24 * 3600;  // validity is 30 days

}  // namespace

std::array<uint8_t, 64> BindingReportData(ByteSpan public_key_der) {
  std::array<uint8_t, 64> out{};
  auto digest = crypto::Sha256(public_key_der);
  std::copy(digest.begin(), digest.end(), out.begin());
  return out;
}

Result<std::unique_ptr<QuoteChecker>> QuoteChecker::Create(const QuoteCheckOptions& options,
                                                           time_t now) {
  std::unique_ptr<QuoteChecker> c(new QuoteChecker());
  if (!options.sim_pki_dir.empty()) {
    if (!options.collateral_file.empty()) {
      return Error::Invalid(
          "--collateral is for the Intel root; with --sim-pki the simulated "
          "PKI signs its own collateral");
    }
    auto anchor = attest::SimulationAnchor(options.sim_pki_dir);
    if (!anchor.ok()) return std::move(anchor).error().Context("--sim-pki");
    c->anchor_.emplace(std::move(*anchor));
    auto pki = attest::LoadSimPki(options.sim_pki_dir);
    if (!pki.ok()) return std::move(pki).error().Context("--sim-pki");
    c->sim_ = std::move(*pki);
    UID2_ASSIGN_OR_RETURN(attest::CollateralBundle bundle, c->Collateral(now));
    (void)bundle;
    return c;
  }
  UID2_ASSIGN_OR_RETURN(attest::TrustAnchor intel, attest::IntelRootAnchor());
  c->anchor_.emplace(std::move(intel));
  if (!options.collateral_file.empty()) {
    UID2_ASSIGN_OR_RETURN(std::string text, ReadFile(options.collateral_file));
    auto bundle = attest::ParseCollateralJson(text);
    if (!bundle.ok()) return std::move(bundle).error().Context(options.collateral_file);
    c->collateral_ = std::move(*bundle);
  }
  return c;
}

Result<attest::CollateralBundle> QuoteChecker::Collateral(time_t now) {
  std::lock_guard lock(mu_);
  if (sim_ && (!collateral_ || now - collateral_made_ > kSimCollateralRenew)) {
    attest::SimCollateralOptions o;
    o.now = now;
    UID2_ASSIGN_OR_RETURN(collateral_, attest::SimulateCollateral(*sim_, o));
    collateral_made_ = now;
  }
  if (!collateral_) {
    return Error::VerifyFailed(
        "collateral: no collateral for the Intel root (start with --collateral FILE, or "
        "--sim-pki DIR for simulated quotes)");
  }
  return *collateral_;
}

Result<attest::AttestedEnclave> QuoteChecker::Check(ByteSpan quote, ByteSpan public_key_der,
                                                    const Allowlist& allowlist, time_t now) {
  UID2_ASSIGN_OR_RETURN(attest::CollateralBundle bundle, Collateral(now));
  auto result = attest::VerifyQuote(quote, bundle, *anchor_, now);
  if (!result.ok()) {
    return Error::VerifyFailed("quote: " + result.error().message());
  }
  attest::AttestedEnclave enclave = attest::FromVerification(*result);
  std::array<uint8_t, 64> expected = BindingReportData(public_key_der);
  if (!enclave.report_data || *enclave.report_data != expected) {
    return Error::VerifyFailed(
        "binding: the quote's report data is not SHA-256(public_key) || 32 zero bytes (a quote "
        "made for another key)");
  }
  UID2_RETURN_IF_ERROR(CheckAllowlist(allowlist, enclave, simulation()));
  return enclave;
}

}  // namespace uid2::corelocal
