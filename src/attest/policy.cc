// Policy files (TOML via toml++ turned into JSON, or JSON) and their evaluation.
#include "attest/policy.h"

#include <toml++/toml.h>
#include <algorithm>
#include <sstream>

#include "attest/json_fields.h"
#include "common/encoding.h"
#include "common/file.h"
#include "common/json.h"

namespace uid2::attest {

namespace {

Result<std::string> TomlToJson(std::string_view text) {
  try {  // toml++ reports errors by exception; this is the boundary
    toml::table table = toml::parse(text);
    std::ostringstream out;
    out << toml::json_formatter{table};
    return out.str();
  } catch (const toml::parse_error& e) {
    return Error::Invalid("TOML line " + std::to_string(e.source().begin.line) + ": " +
                          std::string(e.description()));
  }
}

Result<std::vector<std::string>> Strings(const rapidjson::Value& doc, std::string_view key) {
  std::vector<std::string> out;
  auto it = doc.FindMember(rapidjson::StringRef(key.data(), key.size()));
  if (it == doc.MemberEnd()) return out;
  if (!it->value.IsArray())
    return Error::Invalid("key '" + std::string(key) + "' must be an array");
  for (const auto& v : it->value.GetArray()) {
    if (!v.IsString()) return Error::Invalid("key '" + std::string(key) + "' must hold strings");
    out.emplace_back(v.GetString(), v.GetStringLength());
  }
  return out;
}

Result<bool> Bool(const rapidjson::Value& doc, std::string_view key, bool dflt) {
  auto it = doc.FindMember(rapidjson::StringRef(key.data(), key.size()));
  if (it == doc.MemberEnd()) return dflt;
  if (!it->value.IsBool())
    return Error::Invalid("key '" + std::string(key) + "' must be true or false");
  return it->value.GetBool();
}

Result<Bytes> HexValue(const rapidjson::Value& doc, std::string_view key, size_t max) {
  UID2_ASSIGN_OR_RETURN(std::string text, json::String(doc, key));
  std::optional<Bytes> b = HexDecode(text);
  if (!b || b->size() > max) {
    return Error::Invalid("key '" + std::string(key) + "' must be hex of at most " +
                          std::to_string(max) + " bytes");
  }
  return *b;
}

Status ReadIdentity(const rapidjson::Value& doc, Policy* p) {
  UID2_ASSIGN_OR_RETURN(std::vector<std::string> enclaves, Strings(doc, "mrenclave"));
  for (const std::string& e : enclaves) {
    std::optional<Bytes> b = HexDecode(e);
    if (!b || b->size() != 32) return Error::Invalid("mrenclave '" + e + "' is not 64 hex digits");
    std::array<uint8_t, 32> a;
    std::copy(b->begin(), b->end(), a.begin());
    p->mrenclaves.push_back(a);
  }
  if (doc.HasMember("mrsigner")) {
    std::array<uint8_t, 32> s;
    UID2_RETURN_IF_ERROR(json::Hex(doc, "mrsigner", &s));
    p->mrsigner = s;
    UID2_ASSIGN_OR_RETURN(int64_t prod, json::Int(doc, "isvprodid", 0, 0xFFFF));
    p->isv_prod_id = static_cast<uint16_t>(prod);
  }
  if (doc.HasMember("min_isvsvn")) {
    UID2_ASSIGN_OR_RETURN(int64_t svn, json::Int(doc, "min_isvsvn", 0, 0xFFFF));
    p->min_isv_svn = static_cast<uint16_t>(svn);
  }
  if (p->mrenclaves.empty() && !p->mrsigner) {
    return Error::Invalid("policy names no enclave: give 'mrenclave' or 'mrsigner' + 'isvprodid'");
  }
  return Ok();
}

Result<Policy> Read(const rapidjson::Value& doc) {
  if (!doc.IsObject()) return Error::Invalid("expected a table/object");
  Policy p;
  UID2_RETURN_IF_ERROR(ReadIdentity(doc, &p));
  UID2_ASSIGN_OR_RETURN(p.allow_debug, Bool(doc, "allow_debug", false));
  UID2_ASSIGN_OR_RETURN(p.allow_simulation, Bool(doc, "allow_simulation", false));
  if (doc.HasMember("accepted_tcb_statuses")) {
    UID2_ASSIGN_OR_RETURN(std::vector<std::string> names, Strings(doc, "accepted_tcb_statuses"));
    p.accepted_statuses.clear();
    for (const std::string& n : names) {
      UID2_ASSIGN_OR_RETURN(TcbStatus s, ParseTcbStatus(n));
      p.accepted_statuses.push_back(s);
    }
  }
  if (doc.HasMember("report_data")) {
    UID2_ASSIGN_OR_RETURN(p.report_data, HexValue(doc, "report_data", 64));
  }
  if (doc.HasMember("runtime_data")) {
    UID2_ASSIGN_OR_RETURN(p.runtime_data, HexValue(doc, "runtime_data", 1 << 16));
  }
  if (doc.HasMember("sim_root")) {
    UID2_ASSIGN_OR_RETURN(p.sim_root, json::String(doc, "sim_root"));
  }
  if (doc.HasMember("trust_anchors")) {
    UID2_ASSIGN_OR_RETURN(p.trust_anchors, Strings(doc, "trust_anchors"));
  }
  return p;
}

Error Deny(const std::string& why) { return Error::VerifyFailed("policy: " + why); }

Status CheckIdentity(const Policy& p, const AttestedEnclave& e) {
  if (!p.mrenclaves.empty() &&
      std::find(p.mrenclaves.begin(), p.mrenclaves.end(), e.mr_enclave) == p.mrenclaves.end()) {
    return Deny("mr_enclave " + HexEncode(e.mr_enclave) + " is not in the allowlist");
  }
  if (p.mrsigner) {
    if (*p.mrsigner != e.mr_signer)
      return Deny("mr_signer " + HexEncode(e.mr_signer) + " is not the expected signer");
    if (p.isv_prod_id && *p.isv_prod_id != e.isv_prod_id) {
      return Deny("isv_prod_id " + std::to_string(e.isv_prod_id) + " is not " +
                  std::to_string(*p.isv_prod_id));
    }
  }
  if (e.isv_svn < p.min_isv_svn) {
    return Deny("isv_svn " + std::to_string(e.isv_svn) + " is below the minimum " +
                std::to_string(p.min_isv_svn));
  }
  return Ok();
}

Status CheckAnchor(const Policy& p, const AttestedEnclave& e) {
  if (e.anchor_kind == AnchorKind::kSimulation || e.trust_anchor == kSimulationAnchorLabel) {
    if (!p.allow_simulation)
      return Deny("result is from the SIMULATED root and simulation is not allowed");
    return Ok();
  }
  if (std::find(p.trust_anchors.begin(), p.trust_anchors.end(), e.trust_anchor) ==
      p.trust_anchors.end()) {
    return Deny("trust anchor '" + e.trust_anchor + "' is not accepted");
  }
  return Ok();
}

Status CheckData(const Policy& p, const AttestedEnclave& e) {
  if (p.report_data) {
    if (!e.report_data) return Deny("no report_data to compare");
    Bytes expected = *p.report_data;
    expected.resize(64, 0);
    if (!std::equal(expected.begin(), expected.end(), e.report_data->begin())) {
      return Deny("report_data " + HexEncode(*e.report_data) + " is not the expected binding");
    }
  }
  if (p.runtime_data) {
    if (!e.runtime_data) return Deny("no runtime data (x-ms-sgx-ehd) to compare");
    if (*e.runtime_data != *p.runtime_data) return Deny("runtime data is not the expected value");
  }
  return Ok();
}

}  // namespace

Result<Policy> ParsePolicy(std::string_view text) {
  size_t first = text.find_first_not_of(" \t\r\n");
  std::string json_text;
  if (first != std::string_view::npos && text[first] == '{') {
    json_text = std::string(text);
  } else {
    UID2_ASSIGN_OR_RETURN(json_text, TomlToJson(text));
  }
  UID2_ASSIGN_OR_RETURN(rapidjson::Document doc, ParseJson(json_text));
  Result<Policy> p = Read(doc);
  if (!p.ok()) return std::move(p).error().Context("policy");
  return p;
}

Result<Policy> LoadPolicy(const std::string& path) {
  UID2_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  Result<Policy> p = ParsePolicy(text);
  if (!p.ok()) return std::move(p).error().Context(path);
  return p;
}

AttestedEnclave FromVerification(const VerificationResult& r) {
  AttestedEnclave e;
  e.mr_enclave = r.body.mr_enclave;
  e.mr_signer = r.body.mr_signer;
  e.isv_prod_id = r.body.isv_prod_id;
  e.isv_svn = r.body.isv_svn;
  e.debug = r.body.debug();
  e.report_data = r.body.report_data;
  e.tcb_status = r.status;
  e.trust_anchor = r.trust_anchor;
  e.anchor_kind = r.anchor_kind;
  return e;
}

Status CheckPolicy(const Policy& p, const AttestedEnclave& e) {
  UID2_RETURN_IF_ERROR(CheckAnchor(p, e));
  UID2_RETURN_IF_ERROR(CheckIdentity(p, e));
  if (e.debug && !p.allow_debug) return Deny("enclave is in DEBUG mode and debug is not allowed");
  if (e.tcb_status) {
    if (*e.tcb_status == TcbStatus::kRevoked) return Deny("TCB status Revoked is never accepted");
    if (std::find(p.accepted_statuses.begin(), p.accepted_statuses.end(), *e.tcb_status) ==
        p.accepted_statuses.end()) {
      return Deny("TCB status " + std::string(TcbStatusName(*e.tcb_status)) + " is not accepted");
    }
  }
  return CheckData(p, e);
}

}  // namespace uid2::attest
