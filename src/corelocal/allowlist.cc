#include "corelocal/allowlist.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <set>

#include "attest/tcb.h"
#include "common/encoding.h"
#include "common/file.h"
#include "common/json.h"

namespace uid2::corelocal {
namespace {

Result<std::array<uint8_t, 32>> Hex32(const rapidjson::Value& v, const char* key) {
  if (!v.IsString()) return Error::Invalid(std::string("'") + key + "': expected a hex string");
  auto bytes = HexDecode(std::string_view(v.GetString(), v.GetStringLength()));
  if (!bytes || bytes->size() != 32) {
    return Error::Invalid(std::string("'") + key + "': expected 64 hex digits");
  }
  std::array<uint8_t, 32> out;
  std::copy(bytes->begin(), bytes->end(), out.begin());
  return out;
}

Result<uint16_t> U16(const rapidjson::Value& v, const char* key) {
  if (!v.IsUint() || v.GetUint() > 0xFFFF) {
    return Error::Invalid(std::string("'") + key + "': expected an integer 0..65535");
  }
  return static_cast<uint16_t>(v.GetUint());
}

Result<AllowlistEntry> ReadEntry(const rapidjson::Value& o) {
  if (!o.IsObject()) return Error::Invalid("expected an object");
  static const std::set<std::string> kKeys = {"name",      "mrenclave",  "mrsigner",
                                              "isvprodid", "min_isvsvn", "allow_debug"};
  AllowlistEntry e;
  for (const auto& m : o.GetObject()) {
    std::string key(m.name.GetString(), m.name.GetStringLength());
    if (!kKeys.count(key)) {
      return Error::Invalid("unknown key '" + key +
                            "' (known: name, mrenclave, mrsigner, isvprodid, min_isvsvn, "
                            "allow_debug)");
    }
    const rapidjson::Value& v = m.value;
    if (key == "name") {
      if (!v.IsString()) return Error::Invalid("'name': expected a string");
      e.name = v.GetString();
    } else if (key == "mrenclave") {
      UID2_ASSIGN_OR_RETURN(e.mrenclave, Hex32(v, "mrenclave"));
    } else if (key == "mrsigner") {
      UID2_ASSIGN_OR_RETURN(e.mrsigner, Hex32(v, "mrsigner"));
    } else if (key == "isvprodid") {
      UID2_ASSIGN_OR_RETURN(e.isv_prod_id, U16(v, "isvprodid"));
    } else if (key == "min_isvsvn") {
      UID2_ASSIGN_OR_RETURN(e.min_isv_svn, U16(v, "min_isvsvn"));
    } else if (key == "allow_debug") {
      if (!v.IsBool()) return Error::Invalid("'allow_debug': expected true or false");
      e.allow_debug = v.GetBool();
    }
  }
  if (!e.mrenclave && !e.mrsigner) return Error::Invalid("needs 'mrenclave' or 'mrsigner'");
  if (e.isv_prod_id && !e.mrsigner) return Error::Invalid("'isvprodid' needs 'mrsigner'");
  return e;
}

}  // namespace

Result<Allowlist> ParseAllowlist(std::string_view json) {
  UID2_ASSIGN_OR_RETURN(rapidjson::Document parsed, ParseJson(json));
  const rapidjson::Value& doc = parsed;  // const iterators: clang's C++20 check on RapidJSON's
  if (!doc.IsObject()) return Error::Invalid("expected an object {\"enclaves\": [...]}");
  Allowlist list;
  for (const auto& m : doc.GetObject()) {
    std::string key(m.name.GetString(), m.name.GetStringLength());
    if (key == "enclaves") {
      if (!m.value.IsArray()) return Error::Invalid("'enclaves': expected an array");
      for (rapidjson::SizeType i = 0; i < m.value.Size(); i++) {
        auto e = ReadEntry(m.value[i]);
        if (!e.ok()) return std::move(e).error().Context("enclaves[" + std::to_string(i) + "]");
        list.entries.push_back(std::move(*e));
      }
    } else if (key == "accepted_tcb_statuses") {
      if (!m.value.IsArray()) return Error::Invalid("'accepted_tcb_statuses': expected an array");
      list.accepted_statuses.clear();
      for (const auto& s : m.value.GetArray()) {
        if (!s.IsString()) return Error::Invalid("'accepted_tcb_statuses': expected strings");
        auto status = attest::ParseTcbStatus(s.GetString());
        if (!status.ok()) return std::move(status).error().Context("accepted_tcb_statuses");
        list.accepted_statuses.push_back(*status);
      }
    } else {
      return Error::Invalid("unknown key '" + key + "' (known: enclaves, accepted_tcb_statuses)");
    }
  }
  if (!doc.HasMember("enclaves")) return Error::Invalid("'enclaves' is missing");
  return list;
}

Result<Allowlist> LoadAllowlist(const std::string& path) {
  UID2_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  auto list = ParseAllowlist(text);
  if (!list.ok()) return std::move(list).error().Context(path);
  return list;
}

std::string AllowlistToJson(const Allowlist& list) {
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  w.StartObject();
  w.Key("enclaves");
  w.StartArray();
  for (const auto& e : list.entries) {
    w.StartObject();
    if (!e.name.empty()) {
      w.Key("name");
      w.String(e.name);
    }
    if (e.mrenclave) {
      w.Key("mrenclave");
      w.String(HexEncode(*e.mrenclave));
    }
    if (e.mrsigner) {
      w.Key("mrsigner");
      w.String(HexEncode(*e.mrsigner));
    }
    if (e.isv_prod_id) {
      w.Key("isvprodid");
      w.Uint(*e.isv_prod_id);
    }
    w.Key("min_isvsvn");
    w.Uint(e.min_isv_svn);
    w.Key("allow_debug");
    w.Bool(e.allow_debug);
    w.EndObject();
  }
  w.EndArray();
  w.Key("accepted_tcb_statuses");
  w.StartArray();
  for (auto s : list.accepted_statuses) w.String(std::string(attest::TcbStatusName(s)));
  w.EndArray();
  w.EndObject();
  return sb.GetString();
}

Status CheckAllowlist(const Allowlist& list, const attest::AttestedEnclave& enclave,
                      bool allow_simulation) {
  if (list.entries.empty()) return Error::VerifyFailed("allowlist: the allowlist is empty");
  std::string reasons;
  for (size_t i = 0; i < list.entries.size(); i++) {
    const AllowlistEntry& e = list.entries[i];
    attest::Policy p;
    if (e.mrenclave) p.mrenclaves.push_back(*e.mrenclave);
    p.mrsigner = e.mrsigner;
    p.isv_prod_id = e.isv_prod_id;
    p.min_isv_svn = e.min_isv_svn;
    p.allow_debug = e.allow_debug;
    p.accepted_statuses = list.accepted_statuses;
    p.allow_simulation = allow_simulation;
    Status st = attest::CheckPolicy(p, enclave);
    if (st.ok()) return Ok();
    if (!reasons.empty()) reasons += "; ";
    reasons +=
        (e.name.empty() ? "entry " + std::to_string(i) : e.name) + ": " + st.error().message();
  }
  return Error::VerifyFailed("allowlist: " + reasons);
}

}  // namespace uid2::corelocal
