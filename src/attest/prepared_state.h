// prepared_state.h: the internals of PreparedCollateral (shared by collateral_verify.cc and
// verify.cc only).
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "attest/verify.h"
#include "crypto/ec.h"
#include "crypto/x509.h"

namespace uid2::attest {

// Window is a validity period that VerifyQuote re-checks at its own `now`.
struct Window {
  std::string_view check;  // kCheck* name
  std::string what;        // "TCB Info", "PCK CRL", certificate subject, ...
  time_t from = 0;
  time_t until = 0;
};

// VerifiedPck is a PCK chain that passed every chain check under this collateral: the leaf was
// issued and signed by the prepared (already verified) PCK CA and is not on the PCK CRL. Only
// the leaf's validity window depends on `now`; VerifyQuote re-checks it on every use.
struct VerifiedPck {
  crypto::Certificate leaf;
  crypto::EcKeyP256 key;
  PckExtension extension;
};

// PckCache maps the exact PEM chain bytes of a quote to its VerifiedPck, and raw attestation
// keys to OpenSSL keys (OpenSSL 3 spends ~0.5 ms parsing three certificates). Bounded; cleared
// when full. Thread-safe.
class PckCache {
 public:
  std::shared_ptr<const VerifiedPck> FindChain(const std::string& pem) const;
  void AddChain(const std::string& pem, std::shared_ptr<const VerifiedPck> v) const;
  std::shared_ptr<const crypto::EcKeyP256> FindKey(ByteSpan raw) const;
  void AddKey(ByteSpan raw, std::shared_ptr<const crypto::EcKeyP256> key) const;

 private:
  static constexpr size_t kMaxEntries = 1024;
  mutable std::mutex mu_;
  mutable std::unordered_map<std::string, std::shared_ptr<const VerifiedPck>> chains_;
  mutable std::unordered_map<std::string, std::shared_ptr<const crypto::EcKeyP256>> keys_;
};

struct PreparedCollateral::State {
  PckCache cache;
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
