// x509.h: certificates, CRLs and chain verification at a pinned time (OpenSSL 3).
#pragma once

#include <ctime>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"
#include "crypto/openssl_ptr.h"

namespace uid2::crypto {

// Certificate and Crl own one reference to an X509 / X509_CRL (move-only; Clone() takes another
// reference, cheaply). Names are RFC 2253 strings ("CN=...,O=...,C=US"); times are Unix seconds.
// Parsers return kInvalid for malformed input (DER parsers also for trailing bytes).
class Certificate {
 public:
  static Result<Certificate> FromDer(ByteSpan der);
  static Result<Certificate> FromPem(std::string_view pem);
  // ChainFromPem reads every certificate in a PEM bundle, in order.
  static Result<std::vector<Certificate>> ChainFromPem(std::string_view pem);

  Bytes Der() const;
  std::string Pem() const;
  std::string SubjectName() const;  // RFC 2253 one-line form
  std::string IssuerName() const;
  Bytes SerialNumber() const;  // big-endian magnitude
  time_t NotBefore() const;
  time_t NotAfter() const;
  Bytes PublicKeySpkiDer() const;
  // FindExtension returns the DER contents (the OCTET STRING's value) of the extension with
  // `oid` (dotted text, e.g. "1.2.840.113741.1.13.1"), or kNotFound. kInvalid when `oid` is not
  // a dotted OID or the certificate carries the extension more than once.
  Result<Bytes> FindExtension(std::string_view oid) const;

  X509* get() const { return x509_.get(); }
  Certificate Clone() const;

 private:
  explicit Certificate(X509Ptr x) : x509_(std::move(x)) {}
  X509Ptr x509_;
};

class Crl {
 public:
  static Result<Crl> FromDer(ByteSpan der);
  static Result<Crl> FromPem(std::string_view pem);
  std::string IssuerName() const;
  time_t ThisUpdate() const;
  time_t NextUpdate() const;  // 0 when absent
  X509_CRL* get() const { return crl_.get(); }
  Crl Clone() const;

 private:
  explicit Crl(X509CrlPtr c) : crl_(std::move(c)) {}
  X509CrlPtr crl_;
};

// ChainCheck borrows every certificate and CRL: they must outlive the VerifyChain call.
// Trust: only `trusted_root` (an X509_STORE with nothing else; never the system store, no
// partial chains; its self-signature is checked). Intermediates are untrusted chain material.
// CRLs: when `crls` is non-empty or `require_crls` is set, every certificate of the chain (the
// pinned root too, against its own CRL) is checked against its issuer's CRL (X509_V_FLAG_CRL_CHECK
// | X509_V_FLAG_CRL_CHECK_ALL): revoked certificates, CRLs past nextUpdate, CRLs not yet valid and
// CRLs with a bad signature fail. Without `require_crls`, a certificate whose issuer has no CRL in
// `crls` is accepted.
struct ChainCheck {
  const Certificate* leaf = nullptr;
  std::vector<const Certificate*> intermediates;
  const Certificate* trusted_root = nullptr;  // the pinned anchor
  std::vector<const Crl*> crls;               // checked for every certificate that has one
  bool require_crls = false;                  // a missing CRL for any issuer is an error
  time_t now = 0;                             // verification time (never the wall clock)
};

// VerifyChain builds and verifies leaf -> intermediates -> trusted_root at `now`, with CRL
// checks. kVerifyFailed names the certificate (subject) and the reason (expired, revoked,
// bad signature, CRL expired, ...), e.g. "certificate 'CN=Test Leaf' (chain depth 0): certificate
// revoked (X509_V_ERR 23)". kInvalid when leaf, trusted_root or now is missing.
Status VerifyChain(const ChainCheck& check);

}  // namespace uid2::crypto
