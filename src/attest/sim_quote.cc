// The simulated quoting enclave: builds a quote with the layouts of quote_v3.cc / quote_v4.cc
// and cert_data.cc, signed by the simulated PKI's keys (spec §6).
#include "attest/quote.h"
#include "attest/sim.h"
#include "crypto/hash.h"
#include "crypto/random.h"

namespace uid2::attest {

namespace {

// QeReport is the simulated QE's report body; report_data binds the attestation key.
ReportBody QeReport(const SimPki& pki, const SimQuoteOptions& o, ByteSpan auth) {
  ReportBody qe;
  qe.cpu_svn = pki.platform.cpu_svn;
  qe.attributes = o.qe_attributes;
  qe.mr_enclave = crypto::Sha256(AsBytes("SIMULATED QE ENCLAVE"));
  bool zero_signer = o.qe_mr_signer == std::array<uint8_t, 32>{};
  qe.mr_signer = zero_signer ? SimQeMrSigner() : o.qe_mr_signer;
  qe.isv_prod_id = o.qe_isv_prod_id;
  qe.isv_svn = pki.platform.qe_isv_svn;
  crypto::Sha256Hasher h;
  h.Update(pki.attestation_key.PublicRaw());
  h.Update(auth);
  crypto::Sha256Digest binding = h.Final();
  if (o.break_qe_binding) binding[0] ^= 0x01;
  std::copy(binding.begin(), binding.end(), qe.report_data.begin());
  return qe;
}

Bytes CertData(const SimPki& pki, uint16_t type) {
  ByteWriter w;
  if (type == static_cast<uint16_t>(CertDataType::kPckChain)) {
    w.PutString(pki.pck.Pem() + pki.pck_ca.Pem() + pki.root.Pem());
    w.PutU8(0);  // QE3 NUL-terminates the chain
  } else if (type == static_cast<uint16_t>(CertDataType::kPckLeaf)) {
    w.PutString(pki.pck.Pem());
  } else {  // PPID-based types: PPID || CPUSVN || PCESVN || PCE-ID
    w.PutBytes(pki.ppid);
    w.PutBytes(pki.platform.cpu_svn);
    w.PutU16LE(pki.platform.pce_svn);
    w.PutBytes(pki.platform.pce_id);
  }
  return w.Take();
}

// QeSection writes the QE section of cert_data.cc.
Result<Bytes> QeSection(const SimPki& pki, const SimQuoteOptions& o) {
  Bytes auth = o.qe_auth_data;
  if (auth == Bytes(32)) {
    for (size_t i = 0; i < 32; i++) auth[i] = static_cast<uint8_t>(i);
  }
  Bytes qe = QeReport(pki, o, auth).Serialize();
  UID2_ASSIGN_OR_RETURN(Bytes qe_sig, pki.pck_key.SignSha256Raw(qe));
  Bytes cert = CertData(pki, o.cert_data_type);
  ByteWriter w;
  w.PutBytes(qe);
  w.PutBytes(qe_sig);
  w.PutU16LE(static_cast<uint16_t>(auth.size()));
  w.PutBytes(auth);
  w.PutU16LE(o.cert_data_type);
  w.PutU32LE(static_cast<uint32_t>(cert.size()));
  w.PutBytes(cert);
  return w.Take();
}

void PutHeader(ByteWriter& w, const SimPki& pki, const SimQuoteOptions& o) {
  w.PutU16LE(o.version);
  w.PutU16LE(kAttKeyTypeEcdsaP256);
  w.PutU32LE(kTeeTypeSgx);
  w.PutU16LE(pki.platform.qe_isv_svn);
  w.PutU16LE(pki.platform.pce_svn);
  w.PutBytes(kIntelQeVendorId);
  std::array<uint8_t, 20> user_data{};
  if (o.intel_user_data) {
    crypto::RandomFill(std::span<uint8_t>(user_data.data(), 16));  // a QE-ID
  } else {
    std::copy(kSimUserData.begin(), kSimUserData.end(), user_data.begin());
  }
  w.PutBytes(user_data);
}

}  // namespace

Result<Bytes> SimulateQuote(const SimPki& pki, const ReportBody& isv) {
  return SimulateQuote(pki, isv, SimQuoteOptions{});
}

Result<Bytes> SimulateQuote(const SimPki& pki, const ReportBody& isv, const SimQuoteOptions& o) {
  if (o.version < 3 || o.version > 5) return Error::Invalid("quote version must be 3, 4 or 5");
  if (o.cert_data_type < 1 || o.cert_data_type > 5) {
    return Error::Invalid("certification data type must be 1..5");
  }
  ByteWriter w;
  PutHeader(w, pki, o);
  if (o.version == 5) {
    w.PutU16LE(1);  // body type: SGX
    w.PutU32LE(kReportBodySize);
  }
  w.PutBytes(isv.Serialize());
  UID2_ASSIGN_OR_RETURN(Bytes isv_sig, pki.attestation_key.SignSha256Raw(w.bytes()));
  UID2_ASSIGN_OR_RETURN(Bytes qe_section, QeSection(pki, o));
  ByteWriter sig;
  sig.PutBytes(isv_sig);
  sig.PutBytes(pki.attestation_key.PublicRaw());
  if (o.version == 3) {
    sig.PutBytes(qe_section);
  } else {
    sig.PutU16LE(static_cast<uint16_t>(CertDataType::kQeReport));
    sig.PutU32LE(static_cast<uint32_t>(qe_section.size()));
    sig.PutBytes(qe_section);
  }
  w.PutU32LE(static_cast<uint32_t>(sig.size()));
  w.PutBytes(sig.bytes());
  return w.Take();
}

}  // namespace uid2::attest
