// sim.h: the simulated quoting PKI and quoting enclave (spec: sgx-attestation.md §6).
//
// A simulated quote has the same bytes, signatures and collateral formats as a real DCAP quote;
// only the trust anchor differs. Every certificate says O=SIMULATION ONLY - NOT INTEL, the quote
// header's user_data is "SIMULATED-QUOTE", the FMSPC starts with "SIM" and the QE's mr_signer is
// SHA-256("SIMULATED QE"). A simulated quote never verifies under Intel's root.
//
//   UID2_ASSIGN_OR_RETURN(SimPki pki, LoadSimPki("/path/to/sim-pki"));
//   ReportBody body;  // mr_enclave, mr_signer, isv_prod_id, isv_svn, attributes, report_data
//   UID2_ASSIGN_OR_RETURN(Bytes quote, SimulateQuote(pki, body));
//
// The PKI directory (written by CreateSimPki + SaveSimPki, or `shroud quote sim-pki init DIR`):
//   root.pem root.key.pem             "SIMULATED SGX Root CA"
//   pck-ca.pem pck-ca.key.pem         "SIMULATED SGX PCK Processor CA" (signs PCK leaf, PCK CRL)
//   pck.pem pck.key.pem               "SIMULATED SGX PCK Certificate" with the SGX extension
//   tcb-signer.pem tcb-signer.key.pem "SIMULATED SGX TCB Signing" (signs TCB Info, QE Identity)
//   attestation-key.pem               the simulated QE's attestation key (P-256)
//   sim-pki.json                      the platform parameters (PPID, FMSPC, TCB, QE SVN)
// Private keys in it are test material: never ship them in a production artefact.
#pragma once

#include <array>
#include <ctime>
#include <string>
#include <vector>

#include "attest/collateral.h"
#include "attest/report_body.h"
#include "attest/tcb.h"
#include "common/bytes.h"
#include "common/status.h"
#include "crypto/ec.h"
#include "crypto/x509.h"

namespace uid2::attest {

// In-band markers of simulated material.
constexpr std::string_view kSimUserData = "SIMULATED-QUOTE";  // quote header user_data
constexpr std::string_view kSimOrganization = "SIMULATION ONLY - NOT INTEL";
constexpr std::array<uint8_t, 6> kSimFmspc = {0x53, 0x49, 0x4D, 0x00, 0x00, 0x00};  // "SIM"
constexpr std::string_view kSimQeSignerSeed = "SIMULATED QE";  // mr_signer = SHA-256(seed)

// The simulated platform: what the PCK leaf's SGX extension says and what the QE reports.
struct SimPlatform {
  std::array<uint8_t, 16> tcb_components = {5, 5, 2, 2, 3, 1, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0};
  uint16_t pce_svn = 11;
  std::array<uint8_t, 16> cpu_svn = {5, 5, 2, 2, 3, 1, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0};
  std::array<uint8_t, 2> pce_id = {0, 0};
  std::array<uint8_t, 6> fmspc = kSimFmspc;
  uint16_t qe_isv_svn = 8;  // the simulated QE's isv_svn
};

struct SimPkiOptions {
  SimPlatform platform;
  time_t not_before = 0;  // 0: now - 1 day
  time_t not_after = 0;   // 0: not_before + 20 years
};

// SimPki owns every key and certificate of a simulated PKI.
struct SimPki {
  crypto::EcKeyP256 root_key, pck_ca_key, pck_key, tcb_signer_key, attestation_key;
  crypto::Certificate root, pck_ca, pck, tcb_signer;
  SimPlatform platform;
  std::array<uint8_t, 16> ppid{};
};

// CreateSimPki makes fresh keys and certificates (kInternal if OpenSSL fails).
Result<SimPki> CreateSimPki(const SimPkiOptions& options = {});
// SaveSimPki writes the directory listed above (created if missing; keys with mode 0600).
Status SaveSimPki(const SimPki& pki, const std::string& dir);
// LoadSimPki reads it back; errors name the file at fault.
Result<SimPki> LoadSimPki(const std::string& dir);
// ReissuePck returns a copy of `pki` with a new PCK leaf for `platform` (same keys and CAs),
// valid from `not_before` to `not_after` (0: as the current leaf), e.g. a leaf that expires
// while the CAs and the collateral are still valid.
Result<SimPki> ReissuePck(const SimPki& pki, const SimPlatform& platform, time_t not_before = 0,
                          time_t not_after = 0);

// Knobs for building deliberately wrong quotes (tests of the verifier). Defaults are correct.
struct SimQuoteOptions {
  uint16_t version = 3;                    // 3 (what the verifier expects); 4 and 5 for parsers
  Bytes qe_auth_data = Bytes(32);          // filled with 00..1f when left as 32 zero bytes
  bool break_qe_binding = false;           // QE report_data != SHA-256(key || auth data)
  uint16_t cert_data_type = 5;             // 5 = PEM chain (leaf, PCK CA, root, NUL)
  std::array<uint8_t, 32> qe_mr_signer{};  // all zero: SHA-256(kSimQeSignerSeed)
  uint16_t qe_isv_prod_id = 1;
  std::array<uint8_t, 16> qe_attributes = {0x15, 0, 0, 0, 0, 0, 0, 0, 0x07};
  bool intel_user_data = false;  // true: put a QE-ID in user_data, no marker
};

// SimulateQuote returns a v3 quote over `isv` signed by the simulated QE.
Result<Bytes> SimulateQuote(const SimPki& pki, const ReportBody& isv);
Result<Bytes> SimulateQuote(const SimPki& pki, const ReportBody& isv,
                            const SimQuoteOptions& options);

// SimCollateralOptions shape the signed collateral; defaults give UpToDate at `now`.
struct SimCollateralOptions {
  time_t now = 0;                    // 0: the wall clock (issueDate = now - 1 h)
  time_t validity = 30 * 24 * 3600;  // TCB Info / QE Identity / CRL lifetime after issue
  // Status of the TCB level equal to the platform's TCB; levels above it are UpToDate,
  // below it OutOfDate. With no_matching_level every level is above the platform.
  TcbStatus tcb_status = TcbStatus::kUpToDate;
  std::vector<std::string> tcb_advisories;
  bool no_matching_level = false;
  int tcb_info_version = 3;                    // 3 or 2
  TcbStatus qe_status = TcbStatus::kUpToDate;  // status of the QE's own level
  std::vector<std::string> qe_advisories;
  bool qe_below_all_levels = false;  // every QE level above the QE's isv_svn
  // Overrides of the signed documents (zero/empty = the platform's value).
  std::string tcb_info_fmspc, tcb_info_pce_id;
  std::string qe_identity_mrsigner;
  int qe_identity_isvprodid = -1;
  std::string qe_identity_attributes, qe_identity_attributes_mask;
  // Time shifts to expire things: each document's [issue, next] window is moved so that it
  // ended one hour before `now`.
  bool expire_tcb_info = false, expire_qe_identity = false;
  bool expire_root_crl = false, expire_pck_crl = false;
  bool revoke_pck = false, revoke_pck_ca = false;
  bool include_pck_chain = false;  // also put pck_certificate_chain in the bundle
};

// SimulateCollateral signs a collateral bundle (spec §4 format) for `pki`.
Result<CollateralBundle> SimulateCollateral(const SimPki& pki, const SimCollateralOptions& options);

// SimQeMrSigner is SHA-256("SIMULATED QE").
std::array<uint8_t, 32> SimQeMrSigner();

}  // namespace uid2::attest
