// sim_x509.h: issuing the simulated PKI's certificates and CRLs with OpenSSL 3 (internal to
// uid2_attest; the crypto library only reads X.509).
#pragma once

#include <ctime>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"
#include "crypto/ec.h"
#include "crypto/x509.h"

namespace uid2::attest::sim {

struct CertSpec {
  std::string common_name;  // O is always "SIMULATION ONLY - NOT INTEL"
  time_t not_before = 0;
  time_t not_after = 0;
  bool ca = false;
  int path_length = -1;          // CA only; -1 = unlimited
  Bytes sgx_extension;           // DER value of 1.2.840.113741.1.13.1, empty for none
  std::string subject_alt_name;  // e.g. "DNS:localhost,IP:127.0.0.1" (TLS tests); "" = none
};

// IssueCertificate signs a certificate for `subject_key` with `issuer_key` (ECDSA-SHA256);
// `issuer` null means self-signed. The serial number is 16 random bytes.
Result<crypto::Certificate> IssueCertificate(const CertSpec& spec,
                                             const crypto::EcKeyP256& subject_key,
                                             const crypto::Certificate* issuer,
                                             const crypto::EcKeyP256& issuer_key);

// IssueCrl signs a v2 CRL listing `revoked_serials` (big-endian magnitudes).
Result<crypto::Crl> IssueCrl(const crypto::Certificate& issuer, const crypto::EcKeyP256& key,
                             time_t this_update, time_t next_update,
                             const std::vector<Bytes>& revoked_serials);

// CrlDer returns the DER of `crl`.
Bytes CrlDer(const crypto::Crl& crl);

}  // namespace uid2::attest::sim
