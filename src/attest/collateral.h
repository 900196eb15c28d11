// collateral.h: the collateral bundle, one JSON object per quote (spec: sgx-attestation.md §4),
// the format of dcap-qvl's sample/sgx_quote_collateral.json:
//
//   pck_crl_issuer_chain      PEM: PCK Processor (or Platform) CA, root
//   root_ca_crl, pck_crl      DER CRLs, as a hex string or an array of byte values
//   tcb_info_issuer_chain     PEM: TCB Signing, root
//   tcb_info                  the raw inner tcbInfo JSON text, exactly as served
//   tcb_info_signature        hex r||s (64 bytes)
//   qe_identity_issuer_chain, qe_identity, qe_identity_signature   likewise
//   pck_certificate_chain     optional PEM: PCK leaf, CA, root (quotes without a type-5 chain)
//
// Unknown keys are ignored (dcap-qvl adds none today; PCS may add some).
#pragma once

#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/status.h"

namespace uid2::attest {

struct CollateralBundle {
  std::string pck_crl_issuer_chain;
  Bytes root_ca_crl;
  Bytes pck_crl;
  std::string tcb_info_issuer_chain;
  std::string tcb_info;
  Bytes tcb_info_signature;
  std::string qe_identity_issuer_chain;
  std::string qe_identity;
  Bytes qe_identity_signature;
  std::string pck_certificate_chain;  // empty when absent
};

// ParseCollateralJson reads a bundle; every required key must be present with the right type.
// The error names the key at fault.
Result<CollateralBundle> ParseCollateralJson(std::string_view json);
// CollateralToJson writes a bundle (CRLs as hex strings), readable by ParseCollateralJson.
std::string CollateralToJson(const CollateralBundle& bundle);

// ExtractSignedJson splits a PCS response `{"<key>":{...},"signature":"hex"}` into the raw
// inner object's bytes (cut out of `json`, never re-serialised) and the signature bytes.
// Used to turn Intel's separate tcbInfo.json / qeIdentity.json files into a bundle.
struct SignedJson {
  std::string body;
  Bytes signature;
};
Result<SignedJson> ExtractSignedJson(std::string_view json, std::string_view key);

}  // namespace uid2::attest
