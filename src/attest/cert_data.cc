// The QE section and certification data shared by quote v3, v4 and v5.
//
// QE section (v3: at signature-data offset 128; v4/v5: the payload of certification data type 6):
//   Rel off  Size  Field
//   0        384   QE report body (sgx_report_body_t)
//   384      64    QE report signature r||s, by the PCK key over the 384 bytes
//   448      2     qe_auth_data size N (u16)
//   450      N     qe_auth_data
//   450+N    2     certification data type (u16; 1..5 here)
//   452+N    4     certification data size M (u32)
//   456+N    M     certification data
//
// Certification data types: 1 PPID cleartext, 2 PPID RSA-2048, 3 PPID RSA-3072, 4 PCK leaf,
// 5 PCK chain (PEM leaf||CA||root, possibly NUL-terminated), 6 QE report (v4/v5 only).
#include <string>

#include "attest/quote.h"

namespace uid2::attest::internal {

namespace {
std::string At(std::string_view where, std::string_view field) {
  return std::string(where) + " " + std::string(field);
}
}  // namespace

Status ParseCertificationData(ByteReader& r, uint16_t* type, Bytes* data, std::string_view where) {
  uint32_t size = 0;
  ByteSpan payload;
  if (!r.ReadU16LE(type) || !r.ReadU32LE(&size)) {
    return Error::Invalid(At(where, "certification data header truncated (need 6 bytes)"));
  }
  if (size > kMaxVariableField) {
    return Error::Invalid(
        At(where, "certification data size " + std::to_string(size) + " exceeds the 1 MiB cap"));
  }
  if (!r.ReadBytes(size, &payload)) {
    return Error::Invalid(At(where, "certification data size " + std::to_string(size) +
                                        " exceeds the " + std::to_string(r.remaining()) +
                                        " bytes left"));
  }
  if (!r.empty()) {
    return Error::Invalid(
        At(where, std::to_string(r.remaining()) + " trailing bytes after certification data"));
  }
  if (*type < 1 || *type > 6) {
    return Error::Invalid(
        At(where, "certification data type " + std::to_string(*type) + " is not 1..6"));
  }
  data->assign(payload.begin(), payload.end());
  return Ok();
}

Status ParseQeSection(ByteReader& r, QuoteParts* parts, std::string_view where) {
  ByteSpan qe_report;
  uint16_t auth_size = 0;
  ByteSpan auth;
  if (!r.ReadBytes(kReportBodySize, &qe_report) || !r.ReadInto(parts->qe_report_signature)) {
    return Error::Invalid(At(where, "QE report or its signature truncated"));
  }
  if (!r.ReadU16LE(&auth_size)) return Error::Invalid(At(where, "QE auth data size truncated"));
  if (!r.ReadBytes(auth_size, &auth)) {
    return Error::Invalid(At(where, "QE auth data size " + std::to_string(auth_size) +
                                        " exceeds the " + std::to_string(r.remaining()) +
                                        " bytes left"));
  }
  UID2_ASSIGN_OR_RETURN(parts->qe_report, ReportBody::Parse(qe_report));
  std::copy(qe_report.begin(), qe_report.end(), parts->qe_report_bytes.begin());
  parts->qe_auth_data.assign(auth.begin(), auth.end());
  UID2_RETURN_IF_ERROR(ParseCertificationData(r, &parts->cert_data_type, &parts->cert_data, where));
  if (parts->cert_data_type == static_cast<uint16_t>(CertDataType::kQeReport)) {
    return Error::Invalid(At(where, "certification data type 6 cannot nest here"));
  }
  return Ok();
}

}  // namespace uid2::attest::internal
