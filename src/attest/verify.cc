// VerifyQuote: the per-quote checks of Intel QVL's order (§2.2), after PreparedCollateral:
//   3. PCK chain: exactly 3 certificates, root = the pinned anchor's key, leaf "SGX PCK
//      Certificate", CA verified (the prepared one when byte-identical), leaf signed by it,
//      within validity, not on the PCK CRL (whose issuer must be the leaf's issuer).
//   4. TCB Info's fmspc / pceId equal the PCK extension's.
//   6. QE report signature by the PCK leaf key over the 384 QE report bytes.
//   7. QE binding: SHA-256(attestation key || auth data) == qe_report.report_data[0..32).
//   8. QE identity match: miscselect and attributes byte-wise under their masks, mr_signer,
//      isv_prod_id; QE TCB level = first level with isvsvn <= the QE's isv_svn.
//   9. ISV signature by the attestation key over the signed bytes.
//  10. Platform TCB level: first level (in served order) with every component >= and
//      PCESVN >= (from the PCK extension, never from cpu_svn or the header).
//  11. Convergence with the QE status; advisories = union.
// Finally the in-band simulation markers must agree with the anchor's kind (§6).
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <set>

#include "attest/prepared_state.h"
#include "attest/sim.h"
#include "common/encoding.h"
#include "common/json.h"
#include "crypto/ec.h"
#include "crypto/hash.h"

namespace uid2::attest {

namespace {

Error Fail(std::string_view check, const std::string& message) {
  return Error::VerifyFailed(std::string(check) + ": " + message);
}

Result<std::vector<crypto::Certificate>> LoadPckChain(const Quote& quote,
                                                      const PreparedCollateral::State& st) {
  std::string pem = quote.PckChainPem();
  if (pem.empty()) pem = st.pck_certificate_chain;
  if (pem.empty()) {
    return Fail(kCheckPckChain, "quote has certification data type " +
                                    std::to_string(quote.parts().cert_data_type) + " (" +
                                    std::string(CertDataTypeName(quote.parts().cert_data_type)) +
                                    ") and the collateral has no pck_certificate_chain");
  }
  Result<std::vector<crypto::Certificate>> chain = crypto::Certificate::ChainFromPem(pem);
  if (!chain.ok()) return Fail(kCheckPckChain, chain.error().message());
  if (chain->size() != 3) {
    return Fail(kCheckPckChain,
                "expected 3 certificates (leaf, CA, root), got " + std::to_string(chain->size()));
  }
  return chain;
}

// CheckPckValidity fails when `now` is outside the PCK leaf's validity window.
Status CheckPckValidity(const crypto::Certificate& leaf, time_t now) {
  if (now >= leaf.NotBefore() && now <= leaf.NotAfter()) return Ok();
  return Fail(kCheckPckChain, "PCK certificate valid " + FormatIsoTime(leaf.NotBefore()) + " .. " +
                                  FormatIsoTime(leaf.NotAfter()) + ", not at " +
                                  FormatIsoTime(now));
}

// VerifyLeafUnderPreparedCa checks a leaf issued by the already-verified PCK CA.
Status VerifyLeafUnderPreparedCa(const crypto::Certificate& leaf,
                                 const PreparedCollateral::State& st, time_t now) {
  X509* ca = st.pck_ca->get();
  if (X509_check_issued(ca, leaf.get()) != X509_V_OK) {
    return Fail(kCheckPckChain,
                "PCK certificate was not issued by '" + st.pck_ca->SubjectName() + "'");
  }
  if (X509_verify(leaf.get(), X509_get0_pubkey(ca)) != 1) {
    return Fail(kCheckPckChain, "PCK certificate signature does not verify");
  }
  UID2_RETURN_IF_ERROR(CheckPckValidity(leaf, now));
  X509_REVOKED* revoked = nullptr;
  if (X509_CRL_get0_by_cert(st.pck_crl->get(), &revoked, leaf.get()) == 1) {
    return Fail(kCheckPckChain, "PCK certificate is revoked (PCK CRL)");
  }
  return Ok();
}

Result<std::shared_ptr<const VerifiedPck>> VerifyPckChain(const Quote& quote,
                                                          const PreparedCollateral::State& st,
                                                          time_t now) {
  std::string pem = quote.PckChainPem();
  std::shared_ptr<const VerifiedPck> cached = pem.empty() ? nullptr : st.cache.FindChain(pem);
  if (cached) {
    UID2_RETURN_IF_ERROR(CheckPckValidity(cached->leaf, now));
    return cached;
  }
  UID2_ASSIGN_OR_RETURN(std::vector<crypto::Certificate> chain, LoadPckChain(quote, st));
  const crypto::Certificate& leaf = chain[0];
  const crypto::Certificate& ca = chain[1];
  if (chain[2].PublicKeySpkiDer() != st.anchor->spki) {
    return Fail(kCheckPckChain,
                "the chain's root key is not the pinned root '" + st.anchor->label + "'");
  }
  if (CommonName(leaf).find("SGX PCK Certificate") == std::string::npos) {
    return Fail(kCheckPckChain, "leaf '" + leaf.SubjectName() + "' is not an SGX PCK Certificate");
  }
  if (CommonName(ca).find("CA") == std::string::npos) {
    return Fail(kCheckPckChain, "intermediate '" + ca.SubjectName() + "' is not a CA");
  }
  if (st.pck_crl->IssuerName() != leaf.IssuerName()) {
    return Fail(kCheckPckCrl, "issued by '" + st.pck_crl->IssuerName() +
                                  "' but the PCK certificate's issuer is '" + leaf.IssuerName() +
                                  "'");
  }
  bool prepared_ca = ca.Der() == st.pck_ca_der;
  if (prepared_ca) {
    UID2_RETURN_IF_ERROR(VerifyLeafUnderPreparedCa(leaf, st, now));
  } else {
    crypto::ChainCheck cc;
    cc.leaf = &leaf;
    cc.intermediates = {&ca};
    cc.trusted_root = &st.anchor->root;
    cc.crls = {&*st.root_crl, &*st.pck_crl};
    cc.require_crls = true;
    cc.now = now;
    Status s = crypto::VerifyChain(cc);
    if (!s.ok()) return Fail(kCheckPckChain, s.error().message());
  }
  Result<PckExtension> ext = PckExtensionFromCertificate(leaf);
  if (!ext.ok()) return Fail(kCheckPckExtension, ext.error().message());
  Result<crypto::EcKeyP256> key = crypto::EcKeyP256::FromPublicSpkiDer(leaf.PublicKeySpkiDer());
  if (!key.ok()) return Fail(kCheckQeReportSignature, "PCK key: " + key.error().message());
  auto verified =
      std::make_shared<const VerifiedPck>(VerifiedPck{leaf.Clone(), std::move(key).value(), *ext});
  // Only chains through the prepared CA are cached: their every other check is fixed by the
  // (immutable) collateral.
  if (prepared_ca && !pem.empty()) st.cache.AddChain(pem, verified);
  return verified;
}

Status CheckQe(const Quote& quote, const QeIdentity& id, TcbStatus* status,
               std::vector<std::string>* advisories) {
  const ReportBody& qe = quote.parts().qe_report;
  Bytes misc(4);
  StoreU32LE(misc, 0, qe.misc_select);
  for (size_t i = 0; i < 4; i++) {
    if ((misc[i] & id.miscselect_mask[i]) != (id.miscselect[i] & id.miscselect_mask[i])) {
      return Fail(kCheckQeIdentityMatch, "QE miscselect " + HexEncode(misc) + " does not match " +
                                             HexEncode(id.miscselect) + " under mask");
    }
  }
  for (size_t i = 0; i < 16; i++) {
    if ((qe.attributes[i] & id.attributes_mask[i]) != (id.attributes[i] & id.attributes_mask[i])) {
      return Fail(kCheckQeIdentityMatch, "QE attributes " + HexEncode(qe.attributes) +
                                             " do not match " + HexEncode(id.attributes) +
                                             " under mask " + HexEncode(id.attributes_mask));
    }
  }
  if (qe.mr_signer != id.mr_signer) {
    return Fail(kCheckQeIdentityMatch,
                "QE mr_signer " + HexEncode(qe.mr_signer) + " is not " + HexEncode(id.mr_signer));
  }
  if (qe.isv_prod_id != id.isv_prod_id) {
    return Fail(kCheckQeIdentityMatch, "QE isv_prod_id " + std::to_string(qe.isv_prod_id) +
                                           " is not " + std::to_string(id.isv_prod_id));
  }
  std::vector<const QeTcbLevel*> levels;
  for (const auto& l : id.levels) levels.push_back(&l);
  std::stable_sort(levels.begin(), levels.end(), [](const QeTcbLevel* a, const QeTcbLevel* b) {
    return a->isv_svn > b->isv_svn;
  });
  for (const QeTcbLevel* l : levels) {
    if (l->isv_svn <= qe.isv_svn) {
      *status = l->status;
      advisories->insert(advisories->end(), l->advisories.begin(), l->advisories.end());
      return Ok();
    }
  }
  return Fail(kCheckQeIdentityMatch, "QE isv_svn " + std::to_string(qe.isv_svn) +
                                         " is below every QE Identity TCB level (not supported)");
}

Status CheckSignatures(const Quote& quote, const crypto::EcKeyP256& pck_key) {
  const QuoteParts& p = quote.parts();
  if (!pck_key.VerifySha256Raw(p.qe_report_bytes, p.qe_report_signature).ok()) {
    return Fail(kCheckQeReportSignature, "QE report signature does not verify under the PCK key");
  }
  crypto::Sha256Hasher h;
  h.Update(p.attestation_key);
  h.Update(p.qe_auth_data);
  crypto::Sha256Digest binding = h.Final();
  if (!std::equal(binding.begin(), binding.end(), p.qe_report.report_data.begin())) {
    return Fail(kCheckQeBinding, "QE report_data[0..32) != SHA-256(attestation key || auth data)");
  }
  return Ok();
}

Status CheckIsvSignature(const Quote& quote, const PckCache& cache) {
  const QuoteParts& p = quote.parts();
  std::shared_ptr<const crypto::EcKeyP256> ak = cache.FindKey(p.attestation_key);
  if (!ak) {
    Result<crypto::EcKeyP256> key = crypto::EcKeyP256::FromPublicRaw(p.attestation_key);
    if (!key.ok()) return Fail(kCheckIsvSignature, "attestation key: " + key.error().message());
    ak = std::make_shared<const crypto::EcKeyP256>(std::move(key).value());
    cache.AddKey(p.attestation_key, ak);
  }
  if (!ak->VerifySha256Raw(p.signed_bytes, p.isv_signature).ok()) {
    return Fail(kCheckIsvSignature,
                "ISV report signature does not verify under the attestation key");
  }
  return Ok();
}

Result<const TcbLevel*> MatchTcbLevel(const TcbInfo& info, const PckExtension& pck) {
  for (const TcbLevel& level : info.levels) {
    bool ok = level.pce_svn <= pck.pce_svn;
    for (size_t i = 0; ok && i < 16; i++) ok = level.components[i] <= pck.tcb_components[i];
    if (ok) return &level;
  }
  return Fail(kCheckTcbLevel, "no TCB level matches the PCK certificate's TCB (components " +
                                  HexEncode(pck.tcb_components) + ", PCESVN " +
                                  std::to_string(pck.pce_svn) + "): TCB not supported");
}

Status CheckMarkers(const Quote& quote, const TrustAnchor& anchor) {
  bool marked = HasSimulationMarkers(quote);
  if (anchor.kind != AnchorKind::kSimulation && marked) {
    return Fail(kCheckSimulationMarker,
                "quote carries simulation markers but the anchor is '" + anchor.label + "'");
  }
  if (anchor.kind == AnchorKind::kSimulation && !marked) {
    return Fail(kCheckSimulationMarker,
                "simulation anchor used for a quote without simulation markers");
  }
  return Ok();
}

}  // namespace

std::shared_ptr<const VerifiedPck> PckCache::FindChain(const std::string& pem) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = chains_.find(pem);
  return it == chains_.end() ? nullptr : it->second;
}

void PckCache::AddChain(const std::string& pem, std::shared_ptr<const VerifiedPck> v) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (chains_.size() >= kMaxEntries) chains_.clear();
  chains_.emplace(pem, std::move(v));
}

std::shared_ptr<const crypto::EcKeyP256> PckCache::FindKey(ByteSpan raw) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = keys_.find(std::string(AsChars(raw)));
  return it == keys_.end() ? nullptr : it->second;
}

void PckCache::AddKey(ByteSpan raw, std::shared_ptr<const crypto::EcKeyP256> key) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (keys_.size() >= kMaxEntries) keys_.clear();
  keys_.emplace(std::string(AsChars(raw)), std::move(key));
}

bool HasSimulationMarkers(const Quote& quote) {
  const auto& ud = quote.header().user_data;
  bool user_data = std::equal(kSimUserData.begin(), kSimUserData.end(), ud.begin());
  return user_data || quote.parts().qe_report.mr_signer == SimQeMrSigner();
}

Result<VerificationResult> VerifyQuote(const Quote& quote, const PreparedCollateral& collateral,
                                       time_t now) {
  const PreparedCollateral::State& st = collateral.state();
  UID2_RETURN_IF_ERROR(CheckWindows(st.windows, now));
  UID2_ASSIGN_OR_RETURN(std::shared_ptr<const VerifiedPck> pck, VerifyPckChain(quote, st, now));
  VerificationResult r;
  r.pck = pck->extension;
  if (st.tcb_info.fmspc != r.pck.fmspc) {
    return Fail(kCheckTcbInfo, "FMSPC " + HexEncode(st.tcb_info.fmspc) +
                                   " does not match the PCK certificate's " +
                                   HexEncode(r.pck.fmspc));
  }
  if (st.tcb_info.pce_id != r.pck.pce_id) {
    return Fail(kCheckTcbInfo, "PCE-ID " + HexEncode(st.tcb_info.pce_id) +
                                   " does not match the PCK certificate's " +
                                   HexEncode(r.pck.pce_id));
  }
  UID2_RETURN_IF_ERROR(CheckSignatures(quote, pck->key));
  std::vector<std::string> advisories;
  UID2_RETURN_IF_ERROR(CheckQe(quote, st.qe_identity, &r.qe_status, &advisories));
  UID2_RETURN_IF_ERROR(CheckIsvSignature(quote, st.cache));
  UID2_ASSIGN_OR_RETURN(const TcbLevel* level, MatchTcbLevel(st.tcb_info, r.pck));
  UID2_RETURN_IF_ERROR(CheckMarkers(quote, *st.anchor));
  r.platform_status = level->status;
  r.tcb_date = level->tcb_date;
  advisories.insert(advisories.end(), level->advisories.begin(), level->advisories.end());
  std::set<std::string> unique(advisories.begin(), advisories.end());
  r.advisories.assign(unique.begin(), unique.end());
  r.status = ConvergeTcbStatus(r.platform_status, r.qe_status);
  r.header = quote.header();
  r.body = quote.body();
  r.anchor_kind = st.anchor->kind;
  r.trust_anchor = st.anchor->label;
  return r;
}

Result<VerificationResult> VerifyQuote(ByteSpan bytes, const CollateralBundle& bundle,
                                       const TrustAnchor& anchor, time_t now) {
  UID2_ASSIGN_OR_RETURN(Quote quote, Quote::Parse(bytes));
  UID2_ASSIGN_OR_RETURN(PreparedCollateral c, PreparedCollateral::Prepare(bundle, anchor, now));
  return VerifyQuote(quote, c, now);
}

std::string VerificationResultToJson(const VerificationResult& r) {
  std::string adv = "[";
  for (size_t i = 0; i < r.advisories.size(); i++)
    adv += (i ? "," : "") + JsonQuote(r.advisories[i]);
  adv += "]";
  const ReportBody& b = r.body;
  return std::string("{\"status\":") + JsonQuote(TcbStatusName(r.status)) +
         ",\"platform_status\":" + JsonQuote(TcbStatusName(r.platform_status)) +
         ",\"qe_status\":" + JsonQuote(TcbStatusName(r.qe_status)) + ",\"advisories\":" + adv +
         ",\"tcb_date\":" + JsonQuote(r.tcb_date) +
         ",\"trust_anchor\":" + JsonQuote(r.trust_anchor) +
         ",\"fmspc\":" + JsonQuote(HexEncode(r.pck.fmspc)) +
         ",\"pce_id\":" + JsonQuote(HexEncode(r.pck.pce_id)) +
         ",\"mr_enclave\":" + JsonQuote(HexEncode(b.mr_enclave)) +
         ",\"mr_signer\":" + JsonQuote(HexEncode(b.mr_signer)) +
         ",\"isv_prod_id\":" + std::to_string(b.isv_prod_id) +
         ",\"isv_svn\":" + std::to_string(b.isv_svn) +
         ",\"attributes\":" + JsonQuote(HexEncode(b.attributes)) +
         ",\"debug\":" + (b.debug() ? "true" : "false") +
         ",\"report_data\":" + JsonQuote(HexEncode(b.report_data)) + "}";
}

}  // namespace uid2::attest
