// pck_extension.h: the SGX extension of a PCK certificate (OID 1.2.840.113741.1.13.1), a
// SEQUENCE of (OID, value) pairs (spec: sgx-attestation.md §1.4):
//   .1 PPID OCTET STRING(16)  .2 TCB SEQUENCE  .3 PCE-ID OCTET STRING(2)
//   .4 FMSPC OCTET STRING(6)  .5 SGX type ENUMERATED  .6/.7 Platform-CA only (ignored)
// TCB: .2.1 .. .2.16 INTEGER component SVNs, .2.17 INTEGER PCESVN, .2.18 OCTET STRING(16) CPUSVN.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "common/bytes.h"
#include "common/status.h"
#include "crypto/x509.h"

namespace uid2::attest {

constexpr std::string_view kSgxExtensionOid = "1.2.840.113741.1.13.1";

struct PckExtension {
  std::array<uint8_t, 16> ppid{};
  std::array<uint8_t, 16> tcb_components{};
  uint16_t pce_svn = 0;
  std::array<uint8_t, 16> cpu_svn{};
  std::array<uint8_t, 2> pce_id{};
  std::array<uint8_t, 6> fmspc{};
  int sgx_type = 0;  // 0 Standard, 1 Scalable, 2 Scalable with integrity
};

// ParsePckExtension reads the extension's value (the DER SEQUENCE). Every required field must
// be present exactly once with its exact size; kInvalid names the field.
Result<PckExtension> ParsePckExtension(ByteSpan der);
// PckExtensionFromCertificate finds the extension in `cert` and parses it.
Result<PckExtension> PckExtensionFromCertificate(const crypto::Certificate& cert);

// EncodePckExtension writes the extension value (used by the simulated PKI).
Bytes EncodePckExtension(const PckExtension& ext);

}  // namespace uid2::attest
