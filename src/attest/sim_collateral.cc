// Signed collateral for the simulated PKI: TCB Info (v3 or v2) and QE Identity v2 as compact
// JSON in PCS's key order, signed over their exact bytes, plus the two CRLs (spec §4, §6).
#include "attest/sim.h"
#include "attest/sim_x509.h"
#include "common/encoding.h"
#include "common/json.h"

namespace uid2::attest {

namespace {

struct Span {
  time_t issue, next;
};

Span Window(const SimCollateralOptions& o, time_t now, bool expired) {
  if (expired) return {now - o.validity - 3600, now - 3600};
  return {now - 3600, now - 3600 + o.validity};
}

std::string StringArray(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); i++) out += (i ? "," : "") + JsonQuote(items[i]);
  return out + "]";
}

std::string TcbJson(const std::array<uint8_t, 16>& comps, uint16_t pcesvn, int version) {
  std::string out = "{";
  if (version == 2) {
    for (int i = 0; i < 16; i++) {
      char key[32];
      std::snprintf(key, sizeof key, "\"sgxtcbcomp%02dsvn\":", i + 1);
      out += key + std::to_string(comps[i]) + ",";
    }
  } else {
    out += "\"sgxtcbcomponents\":[";
    for (int i = 0; i < 16; i++)
      out += (i ? ",{\"svn\":" : "{\"svn\":") + std::to_string(comps[i]) + "}";
    out += "],";
  }
  return out + "\"pcesvn\":" + std::to_string(pcesvn) + "}";
}

std::string LevelJson(const std::array<uint8_t, 16>& comps, uint16_t pcesvn, int version,
                      TcbStatus status, const std::vector<std::string>& advisories) {
  std::string out =
      "{\"tcb\":" + TcbJson(comps, pcesvn, version) +
      ",\"tcbDate\":\"2024-01-01T00:00:00Z\",\"tcbStatus\":" + JsonQuote(TcbStatusName(status));
  if (!advisories.empty()) out += ",\"advisoryIDs\":" + StringArray(advisories);
  return out + "}";
}

std::string TcbLevels(const SimPlatform& p, const SimCollateralOptions& o) {
  std::array<uint8_t, 16> above = p.tcb_components;
  for (auto& c : above) c = static_cast<uint8_t>(c < 255 ? c + 1 : 255);
  const int v = o.tcb_info_version;
  std::vector<std::string> levels;
  if (o.no_matching_level || o.tcb_status != TcbStatus::kUpToDate) {
    levels.push_back(
        LevelJson(above, static_cast<uint16_t>(p.pce_svn + 1), v, TcbStatus::kUpToDate, {}));
  }
  if (o.no_matching_level) {
    levels.push_back(LevelJson(p.tcb_components, static_cast<uint16_t>(p.pce_svn + 1), v,
                               TcbStatus::kOutOfDate, {}));
  } else {
    levels.push_back(LevelJson(p.tcb_components, p.pce_svn, v, o.tcb_status, o.tcb_advisories));
    if (p.pce_svn > 0) {
      levels.push_back(LevelJson(p.tcb_components, static_cast<uint16_t>(p.pce_svn - 1), v,
                                 TcbStatus::kOutOfDate, {"INTEL-SA-00000"}));
    }
  }
  std::string out = "[";
  for (size_t i = 0; i < levels.size(); i++) out += (i ? "," : "") + levels[i];
  return out + "]";
}

std::string TcbInfoJson(const SimPki& pki, const SimCollateralOptions& o, Span w) {
  std::string fmspc = o.tcb_info_fmspc.empty() ? HexEncode(pki.platform.fmspc) : o.tcb_info_fmspc;
  std::string pce = o.tcb_info_pce_id.empty() ? HexEncode(pki.platform.pce_id) : o.tcb_info_pce_id;
  std::string out = "{";
  if (o.tcb_info_version == 3) out += "\"id\":\"SGX\",";
  return out + "\"version\":" + std::to_string(o.tcb_info_version) +
         ",\"issueDate\":" + JsonQuote(FormatIsoTime(w.issue)) +
         ",\"nextUpdate\":" + JsonQuote(FormatIsoTime(w.next)) + ",\"fmspc\":" + JsonQuote(fmspc) +
         ",\"pceId\":" + JsonQuote(pce) + ",\"tcbType\":0,\"tcbEvaluationDataNumber\":17" +
         ",\"tcbLevels\":" + TcbLevels(pki.platform, o) + "}";
}

std::string QeLevel(uint16_t svn, TcbStatus status, const std::vector<std::string>& advisories) {
  std::string out =
      "{\"tcb\":{\"isvsvn\":" + std::to_string(svn) +
      "},\"tcbDate\":\"2024-01-01T00:00:00Z\",\"tcbStatus\":" + JsonQuote(TcbStatusName(status));
  if (!advisories.empty()) out += ",\"advisoryIDs\":" + StringArray(advisories);
  return out + "}";
}

std::string QeIdentityJson(const SimPki& pki, const SimCollateralOptions& o, Span w) {
  uint16_t svn = pki.platform.qe_isv_svn;
  std::string levels;
  if (o.qe_below_all_levels) {
    levels = QeLevel(static_cast<uint16_t>(svn + 1), TcbStatus::kUpToDate, {});
  } else {
    if (o.qe_status != TcbStatus::kUpToDate) {
      levels = QeLevel(static_cast<uint16_t>(svn + 1), TcbStatus::kUpToDate, {}) + ",";
    }
    levels += QeLevel(svn, o.qe_status, o.qe_advisories);
  }
  auto pick = [](const std::string& v, std::string_view dflt) {
    return JsonQuote(v.empty() ? std::string(dflt) : v);
  };
  int prod = o.qe_identity_isvprodid >= 0 ? o.qe_identity_isvprodid : 1;
  return "{\"id\":\"QE\",\"version\":2,\"issueDate\":" + JsonQuote(FormatIsoTime(w.issue)) +
         ",\"nextUpdate\":" + JsonQuote(FormatIsoTime(w.next)) +
         ",\"tcbEvaluationDataNumber\":17,\"miscselect\":\"00000000\","
         "\"miscselectMask\":\"FFFFFFFF\",\"attributes\":" +
         pick(o.qe_identity_attributes, "11000000000000000000000000000000") +
         ",\"attributesMask\":" +
         pick(o.qe_identity_attributes_mask, "FBFFFFFFFFFFFFFF0000000000000000") +
         ",\"mrsigner\":" + pick(o.qe_identity_mrsigner, HexEncode(SimQeMrSigner())) +
         ",\"isvprodid\":" + std::to_string(prod) + ",\"tcbLevels\":[" + levels + "]}";
}

}  // namespace

Result<CollateralBundle> SimulateCollateral(const SimPki& pki, const SimCollateralOptions& o) {
  if (o.tcb_info_version != 2 && o.tcb_info_version != 3) {
    return Error::Invalid("TCB Info version must be 2 or 3");
  }
  time_t now = o.now ? o.now : time(nullptr);
  CollateralBundle b;
  std::string root_pem = pki.root.Pem();
  b.pck_crl_issuer_chain = pki.pck_ca.Pem() + root_pem;
  b.tcb_info_issuer_chain = pki.tcb_signer.Pem() + root_pem;
  b.qe_identity_issuer_chain = b.tcb_info_issuer_chain;
  if (o.include_pck_chain) b.pck_certificate_chain = pki.pck.Pem() + pki.pck_ca.Pem() + root_pem;

  Span root_crl = Window(o, now, o.expire_root_crl);
  std::vector<Bytes> root_revoked;
  if (o.revoke_pck_ca) root_revoked.push_back(pki.pck_ca.SerialNumber());
  UID2_ASSIGN_OR_RETURN(crypto::Crl rcrl, sim::IssueCrl(pki.root, pki.root_key, root_crl.issue,
                                                        root_crl.next, root_revoked));
  b.root_ca_crl = sim::CrlDer(rcrl);
  Span pck_crl = Window(o, now, o.expire_pck_crl);
  std::vector<Bytes> pck_revoked;
  if (o.revoke_pck) pck_revoked.push_back(pki.pck.SerialNumber());
  UID2_ASSIGN_OR_RETURN(crypto::Crl pcrl, sim::IssueCrl(pki.pck_ca, pki.pck_ca_key, pck_crl.issue,
                                                        pck_crl.next, pck_revoked));
  b.pck_crl = sim::CrlDer(pcrl);

  b.tcb_info = TcbInfoJson(pki, o, Window(o, now, o.expire_tcb_info));
  UID2_ASSIGN_OR_RETURN(b.tcb_info_signature,
                        pki.tcb_signer_key.SignSha256Raw(AsBytes(b.tcb_info)));
  b.qe_identity = QeIdentityJson(pki, o, Window(o, now, o.expire_qe_identity));
  UID2_ASSIGN_OR_RETURN(b.qe_identity_signature,
                        pki.tcb_signer_key.SignSha256Raw(AsBytes(b.qe_identity)));
  return b;
}

}  // namespace uid2::attest
