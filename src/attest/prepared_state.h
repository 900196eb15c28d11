// prepared_state.h: the internals of PreparedCollateral (shared by collateral_verify.cc and
// verify.cc only).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "attest/verify.h"
#include "crypto/x509.h"

namespace uid2::attest {

// Window is a validity period that VerifyQuote re-checks at its own `now`.
struct Window {
  std::string_view check;  // kCheck* name
  std::string what;        // "TCB Info", "PCK CRL", certificate subject, ...
  time_t from = 0;
  time_t until = 0;
};

struct PreparedCollateral::State {
  std::optional<TrustAnchor> anchor;  // always set after Prepare
  std::optional<crypto::Crl> root_crl;
  std::optional<crypto::Crl> pck_crl;
  std::optional<crypto::Certificate> pck_ca;  // verified to the anchor at Prepare time
  Bytes pck_ca_der;
  TcbInfo tcb_info;
  QeIdentity qe_identity;
  std::vector<Window> windows;
  std::string pck_certificate_chain;  // from the bundle, for quotes without a type-5 chain
};

// CommonName returns the certificate's subject CN ("" when absent).
std::string CommonName(const crypto::Certificate& cert);

// CheckWindows fails with the first window that does not contain `now`.
Status CheckWindows(const std::vector<Window>& windows, time_t now);

}  // namespace uid2::attest
