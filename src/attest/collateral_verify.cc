// PreparedCollateral::Prepare: the quote-independent checks of Intel QVL's order (§2.2):
//   2. CRLs: the root CA CRL signed by the pinned root; the PCK CRL signed by the PCK CA, whose
//      chain leads to the pinned root and is not on the root CRL; thisUpdate <= now <= nextUpdate.
//   4. TCB Info: the TCB signing chain ("SGX TCB Signing" <- root, root CRL applied) and
//      ECDSA-SHA256 over the raw tcbInfo bytes; issueDate <= now <= nextUpdate; id "SGX"/v2.
//   5. QE Identity: the same, id "QE", version 2.
#include <openssl/x509.h>

#include "attest/prepared_state.h"
#include "crypto/ec.h"

namespace uid2::attest {

namespace {

Error Fail(std::string_view check, const std::string& message) {
  return Error::VerifyFailed(std::string(check) + ": " + message);
}

Error Fail(std::string_view check, const Error& cause) {
  return Error(cause.code(), std::string(check) + ": " + cause.message());
}

Status CheckTime(std::string_view check, std::string_view what, time_t from, time_t until,
                 time_t now) {
  if (now < from) {
    return Fail(check, std::string(what) + " not valid before " + FormatIsoTime(from) + " (now " +
                           FormatIsoTime(now) + ")");
  }
  if (until != 0 && now > until) {
    return Fail(check, std::string(what) + " expired at " + FormatIsoTime(until) + " (now " +
                           FormatIsoTime(now) + ")");
  }
  return Ok();
}

// LoadCrl parses a DER CRL and checks its issuer, signature and time window.
Result<crypto::Crl> LoadCrl(std::string_view check, ByteSpan der, const crypto::Certificate& issuer,
                            time_t now, std::vector<Window>* windows) {
  Result<crypto::Crl> crl = crypto::Crl::FromDer(der);
  if (!crl.ok()) return Fail(check, crl.error());
  if (crl->IssuerName() != issuer.SubjectName()) {
    return Fail(check,
                "issued by '" + crl->IssuerName() + "', expected '" + issuer.SubjectName() + "'");
  }
  if (X509_CRL_verify(crl->get(), X509_get0_pubkey(issuer.get())) != 1) {
    return Fail(check, "signature does not verify under '" + issuer.SubjectName() + "'");
  }
  if (crl->NextUpdate() == 0) return Fail(check, "CRL has no nextUpdate");
  UID2_RETURN_IF_ERROR(CheckTime(check, "CRL", crl->ThisUpdate(), crl->NextUpdate(), now));
  windows->push_back({check, "CRL", crl->ThisUpdate(), crl->NextUpdate()});
  return crl;
}

// LoadIssuerChain reads `[cert, root]` (root optional), requires the root to be the anchor,
// `phrase` in the first certificate's subject, and a valid chain to the anchor at `now`.
Result<crypto::Certificate> LoadIssuerChain(std::string_view check, const std::string& pem,
                                            std::string_view phrase, const TrustAnchor& anchor,
                                            const crypto::Crl& root_crl, time_t now,
                                            std::vector<Window>* windows) {
  Result<std::vector<crypto::Certificate>> chain = crypto::Certificate::ChainFromPem(pem);
  if (!chain.ok()) return Fail(check, chain.error().message() + " (issuer chain)");
  if (chain->empty() || chain->size() > 2) {
    return Fail(check,
                "issuer chain must hold 1 or 2 certificates, has " + std::to_string(chain->size()));
  }
  if (chain->size() == 2 && (*chain)[1].PublicKeySpkiDer() != anchor.spki) {
    return Fail(check, "issuer chain's root is not the pinned root '" + anchor.label + "'");
  }
  crypto::Certificate& cert = (*chain)[0];
  if (CommonName(cert).find(phrase) == std::string::npos) {
    return Fail(check, "issuer '" + cert.SubjectName() + "' lacks '" + std::string(phrase) + "'");
  }
  crypto::ChainCheck cc;
  cc.leaf = &cert;
  cc.trusted_root = &anchor.root;
  cc.crls = {&root_crl};
  cc.require_crls = true;
  cc.now = now;
  Status s = crypto::VerifyChain(cc);
  if (!s.ok()) return Fail(check, s.error());
  windows->push_back({check, cert.SubjectName(), cert.NotBefore(), cert.NotAfter()});
  return std::move(cert);
}

Status VerifyJsonSignature(std::string_view check, const crypto::Certificate& signer,
                           std::string_view body, ByteSpan signature) {
  Result<crypto::EcKeyP256> key = crypto::EcKeyP256::FromPublicSpkiDer(signer.PublicKeySpkiDer());
  if (!key.ok()) return Fail(check, key.error());
  if (signature.size() != 64) return Fail(check, "signature must be 64 bytes (r||s)");
  Status s = key->VerifySha256Raw(AsBytes(body), signature);
  if (!s.ok()) return Fail(check, "signature over the raw JSON does not verify");
  return Ok();
}

}  // namespace

std::string CommonName(const crypto::Certificate& cert) {
  X509_NAME* name = X509_get_subject_name(cert.get());
  int i = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (i < 0) return "";
  const ASN1_STRING* s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                     static_cast<size_t>(ASN1_STRING_length(s)));
}

Status CheckWindows(const std::vector<Window>& windows, time_t now) {
  for (const Window& w : windows)
    UID2_RETURN_IF_ERROR(CheckTime(w.check, w.what, w.from, w.until, now));
  return Ok();
}

Result<PreparedCollateral> PreparedCollateral::Prepare(const CollateralBundle& b,
                                                       const TrustAnchor& anchor, time_t now) {
  auto st = std::make_unique<State>();
  st->anchor.emplace(anchor.Clone());
  st->pck_certificate_chain = b.pck_certificate_chain;
  auto* w = &st->windows;
  w->push_back(
      {kCheckPckChain, "root " + anchor.label, anchor.root.NotBefore(), anchor.root.NotAfter()});
  UID2_ASSIGN_OR_RETURN(crypto::Crl root_crl,
                        LoadCrl(kCheckRootCrl, b.root_ca_crl, anchor.root, now, w));
  UID2_ASSIGN_OR_RETURN(
      crypto::Certificate pck_ca,
      LoadIssuerChain(kCheckPckCrl, b.pck_crl_issuer_chain, "CA", anchor, root_crl, now, w));
  UID2_ASSIGN_OR_RETURN(crypto::Crl pck_crl, LoadCrl(kCheckPckCrl, b.pck_crl, pck_ca, now, w));

  UID2_ASSIGN_OR_RETURN(crypto::Certificate tcb_signer,
                        LoadIssuerChain(kCheckTcbInfo, b.tcb_info_issuer_chain, "SGX TCB Signing",
                                        anchor, root_crl, now, w));
  UID2_RETURN_IF_ERROR(
      VerifyJsonSignature(kCheckTcbInfo, tcb_signer, b.tcb_info, b.tcb_info_signature));
  Result<TcbInfo> tcb = ParseTcbInfo(b.tcb_info);
  if (!tcb.ok()) return Fail(kCheckTcbInfo, tcb.error());
  if (tcb->version == 3 && tcb->id != "SGX") {
    return Fail(kCheckTcbInfo, "id '" + tcb->id + "' is not SGX");
  }
  UID2_RETURN_IF_ERROR(
      CheckTime(kCheckTcbInfo, "TCB Info", tcb->issue_date, tcb->next_update, now));
  w->push_back({kCheckTcbInfo, "TCB Info", tcb->issue_date, tcb->next_update});

  UID2_ASSIGN_OR_RETURN(crypto::Certificate qe_signer,
                        LoadIssuerChain(kCheckQeIdentity, b.qe_identity_issuer_chain,
                                        "SGX TCB Signing", anchor, root_crl, now, w));
  UID2_RETURN_IF_ERROR(
      VerifyJsonSignature(kCheckQeIdentity, qe_signer, b.qe_identity, b.qe_identity_signature));
  Result<QeIdentity> qe = ParseQeIdentity(b.qe_identity);
  if (!qe.ok()) return Fail(kCheckQeIdentity, qe.error());
  if (qe->id != "QE" || qe->version != 2) {
    return Fail(kCheckQeIdentity, "id '" + qe->id + "' version " + std::to_string(qe->version) +
                                      " is not QE version 2");
  }
  UID2_RETURN_IF_ERROR(
      CheckTime(kCheckQeIdentity, "QE Identity", qe->issue_date, qe->next_update, now));
  w->push_back({kCheckQeIdentity, "QE Identity", qe->issue_date, qe->next_update});

  st->pck_ca_der = pck_ca.Der();
  st->root_crl.emplace(std::move(root_crl));
  st->pck_crl.emplace(std::move(pck_crl));
  st->pck_ca.emplace(std::move(pck_ca));
  st->tcb_info = std::move(tcb).value();
  st->qe_identity = std::move(qe).value();
  return PreparedCollateral(std::move(st));
}

PreparedCollateral::PreparedCollateral(std::unique_ptr<State> s) : state_(std::move(s)) {}
PreparedCollateral::PreparedCollateral(PreparedCollateral&&) noexcept = default;
PreparedCollateral& PreparedCollateral::operator=(PreparedCollateral&&) noexcept = default;
PreparedCollateral::~PreparedCollateral() = default;
const TcbInfo& PreparedCollateral::tcb_info() const { return state_->tcb_info; }
const QeIdentity& PreparedCollateral::qe_identity() const { return state_->qe_identity; }
const TrustAnchor& PreparedCollateral::anchor() const { return *state_->anchor; }

}  // namespace uid2::attest
