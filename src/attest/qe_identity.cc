// QE Identity v2, the inner "enclaveIdentity" object (Intel PCS):
//   {"id":"QE","version":2,"issueDate","nextUpdate","tcbEvaluationDataNumber",
//    "miscselect":"8 hex","miscselectMask":"8 hex","attributes":"32 hex",
//    "attributesMask":"32 hex","mrsigner":"64 hex","isvprodid":n,
//    "tcbLevels":[{"tcb":{"isvsvn":n},"tcbDate","tcbStatus","advisoryIDs"?:[...]}]}
// Hex strings are in memory order (miscselect "D182B18C" = report bytes d1 82 b1 8c).
#include "attest/json_fields.h"
#include "attest/tcb.h"
#include "common/json.h"

namespace uid2::attest {

namespace {

Result<QeTcbLevel> ReadLevel(const rapidjson::Value& v) {
  QeTcbLevel level;
  UID2_ASSIGN_OR_RETURN(const rapidjson::Value* tcb, json::Member(v, "tcb"));
  UID2_ASSIGN_OR_RETURN(int64_t svn, json::Int(*tcb, "isvsvn", 0, 0xFFFF));
  level.isv_svn = static_cast<uint16_t>(svn);
  UID2_ASSIGN_OR_RETURN(level.tcb_date, json::String(v, "tcbDate"));
  UID2_ASSIGN_OR_RETURN(std::string status, json::String(v, "tcbStatus"));
  UID2_ASSIGN_OR_RETURN(level.status, ParseTcbStatus(status));
  auto it = v.FindMember("advisoryIDs");
  if (it != v.MemberEnd()) {
    if (!it->value.IsArray()) return Error::Invalid("'advisoryIDs' must be an array");
    for (const auto& a : it->value.GetArray()) {
      if (!a.IsString()) return Error::Invalid("'advisoryIDs' must hold strings");
      level.advisories.emplace_back(a.GetString(), a.GetStringLength());
    }
  }
  return level;
}

Result<QeIdentity> Read(const rapidjson::Value& doc) {
  QeIdentity id;
  UID2_ASSIGN_OR_RETURN(id.id, json::String(doc, "id"));
  UID2_ASSIGN_OR_RETURN(int64_t version, json::Int(doc, "version", 0, 1 << 30));
  id.version = static_cast<int>(version);
  UID2_ASSIGN_OR_RETURN(std::string issue, json::String(doc, "issueDate"));
  UID2_ASSIGN_OR_RETURN(id.issue_date, ParseIsoTime(issue));
  UID2_ASSIGN_OR_RETURN(std::string next, json::String(doc, "nextUpdate"));
  UID2_ASSIGN_OR_RETURN(id.next_update, ParseIsoTime(next));
  UID2_ASSIGN_OR_RETURN(int64_t eval, json::Int(doc, "tcbEvaluationDataNumber", 0, 1 << 30));
  id.tcb_evaluation_data_number = static_cast<int>(eval);
  UID2_RETURN_IF_ERROR(json::Hex(doc, "miscselect", &id.miscselect));
  UID2_RETURN_IF_ERROR(json::Hex(doc, "miscselectMask", &id.miscselect_mask));
  UID2_RETURN_IF_ERROR(json::Hex(doc, "attributes", &id.attributes));
  UID2_RETURN_IF_ERROR(json::Hex(doc, "attributesMask", &id.attributes_mask));
  UID2_RETURN_IF_ERROR(json::Hex(doc, "mrsigner", &id.mr_signer));
  UID2_ASSIGN_OR_RETURN(int64_t prod, json::Int(doc, "isvprodid", 0, 0xFFFF));
  id.isv_prod_id = static_cast<uint16_t>(prod);
  UID2_ASSIGN_OR_RETURN(const rapidjson::Value* levels, json::Member(doc, "tcbLevels"));
  if (!levels->IsArray() || levels->Empty()) {
    return Error::Invalid("'tcbLevels' must be a non-empty array");
  }
  for (rapidjson::SizeType i = 0; i < levels->Size(); i++) {
    Result<QeTcbLevel> level = ReadLevel((*levels)[i]);
    if (!level.ok())
      return std::move(level).error().Context("tcbLevels[" + std::to_string(i) + "]");
    id.levels.push_back(std::move(level).value());
  }
  return id;
}

}  // namespace

Result<QeIdentity> ParseQeIdentity(std::string_view inner_json) {
  UID2_ASSIGN_OR_RETURN(rapidjson::Document doc, ParseJson(inner_json));
  Result<QeIdentity> id = Read(doc);
  if (!id.ok()) return std::move(id).error().Context("QE Identity");
  return id;
}

}  // namespace uid2::attest
