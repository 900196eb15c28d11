// TCB Info, the inner "tcbInfo" object (Intel PCS, SGX):
//   v3: {"id":"SGX","version":3,"issueDate","nextUpdate","fmspc":"12 hex","pceId":"4 hex",
//        "tcbType","tcbEvaluationDataNumber","tcbLevels":[{"tcb":{"sgxtcbcomponents":
//        [16 x {"svn":n,...}],"pcesvn":n},"tcbDate","tcbStatus","advisoryIDs":[...]}]}
//   v2: no "id"; "tcb" holds "sgxtcbcomp01svn".."sgxtcbcomp16svn" and "pcesvn".
#include <cstdio>

#include "attest/json_fields.h"
#include "attest/tcb.h"
#include "common/json.h"

namespace uid2::attest {

namespace {

Status ReadAdvisories(const rapidjson::Value& level, std::vector<std::string>* out) {
  auto it = level.FindMember("advisoryIDs");
  if (it == level.MemberEnd()) return Ok();
  if (!it->value.IsArray()) return Error::Invalid("'advisoryIDs' must be an array");
  for (const auto& a : it->value.GetArray()) {
    if (!a.IsString()) return Error::Invalid("'advisoryIDs' must hold strings");
    out->emplace_back(a.GetString(), a.GetStringLength());
  }
  return Ok();
}

Status ReadComponents(const rapidjson::Value& tcb, int version, TcbLevel* level) {
  if (version == 2) {
    for (int i = 0; i < 16; i++) {
      char key[32];
      std::snprintf(key, sizeof key, "sgxtcbcomp%02dsvn", i + 1);
      UID2_ASSIGN_OR_RETURN(int64_t svn, json::Int(tcb, key, 0, 255));
      level->components[i] = static_cast<uint8_t>(svn);
    }
    return Ok();
  }
  UID2_ASSIGN_OR_RETURN(const rapidjson::Value* comps, json::Member(tcb, "sgxtcbcomponents"));
  if (!comps->IsArray() || comps->Size() != 16) {
    return Error::Invalid("'sgxtcbcomponents' must be an array of 16");
  }
  for (rapidjson::SizeType i = 0; i < 16; i++) {
    UID2_ASSIGN_OR_RETURN(int64_t svn, json::Int((*comps)[i], "svn", 0, 255));
    level->components[i] = static_cast<uint8_t>(svn);
  }
  return Ok();
}

Result<TcbLevel> ReadLevel(const rapidjson::Value& v, int version) {
  TcbLevel level;
  UID2_ASSIGN_OR_RETURN(const rapidjson::Value* tcb, json::Member(v, "tcb"));
  UID2_RETURN_IF_ERROR(ReadComponents(*tcb, version, &level));
  UID2_ASSIGN_OR_RETURN(int64_t pcesvn, json::Int(*tcb, "pcesvn", 0, 0xFFFF));
  level.pce_svn = static_cast<uint16_t>(pcesvn);
  UID2_ASSIGN_OR_RETURN(level.tcb_date, json::String(v, "tcbDate"));
  UID2_ASSIGN_OR_RETURN(std::string status, json::String(v, "tcbStatus"));
  UID2_ASSIGN_OR_RETURN(level.status, ParseTcbStatus(status));
  UID2_RETURN_IF_ERROR(ReadAdvisories(v, &level.advisories));
  return level;
}

Result<TcbInfo> Read(const rapidjson::Value& doc) {
  TcbInfo info;
  UID2_ASSIGN_OR_RETURN(int64_t version, json::Int(doc, "version", 2, 3));
  info.version = static_cast<int>(version);
  if (info.version == 3) {
    UID2_ASSIGN_OR_RETURN(info.id, json::String(doc, "id"));
  }
  UID2_ASSIGN_OR_RETURN(std::string issue, json::String(doc, "issueDate"));
  UID2_ASSIGN_OR_RETURN(info.issue_date, ParseIsoTime(issue));
  UID2_ASSIGN_OR_RETURN(std::string next, json::String(doc, "nextUpdate"));
  UID2_ASSIGN_OR_RETURN(info.next_update, ParseIsoTime(next));
  UID2_RETURN_IF_ERROR(json::Hex(doc, "fmspc", &info.fmspc));
  UID2_RETURN_IF_ERROR(json::Hex(doc, "pceId", &info.pce_id));
  UID2_ASSIGN_OR_RETURN(int64_t type, json::Int(doc, "tcbType", 0, 0xFFFF));
  info.tcb_type = static_cast<int>(type);
  UID2_ASSIGN_OR_RETURN(int64_t eval, json::Int(doc, "tcbEvaluationDataNumber", 0, 1 << 30));
  info.tcb_evaluation_data_number = static_cast<int>(eval);
  UID2_ASSIGN_OR_RETURN(const rapidjson::Value* levels, json::Member(doc, "tcbLevels"));
  if (!levels->IsArray() || levels->Empty()) {
    return Error::Invalid("'tcbLevels' must be a non-empty array");
  }
  for (rapidjson::SizeType i = 0; i < levels->Size(); i++) {
    Result<TcbLevel> level = ReadLevel((*levels)[i], info.version);
    if (!level.ok())
      return std::move(level).error().Context("tcbLevels[" + std::to_string(i) + "]");
    info.levels.push_back(std::move(level).value());
  }
  return info;
}

}  // namespace

Result<TcbInfo> ParseTcbInfo(std::string_view inner_json) {
  UID2_ASSIGN_OR_RETURN(rapidjson::Document doc, ParseJson(inner_json));
  Result<TcbInfo> info = Read(doc);
  if (!info.ok()) return std::move(info).error().Context("TCB Info");
  return info;
}

}  // namespace uid2::attest
