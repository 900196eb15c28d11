// Quote v4 and v5, SGX bodies (TDX is refused by the header check):
//
// v4:                                     v5:
//   Off  Size  Field                        Off  Size  Field
//   0    48    header (tee_type 0)          0    48    header (tee_type 0)
//   48   384   ISV report body              48   2     body type (u16; 1 SGX, 2 TD1.0, 3 TD1.5)
//   432  4     signature_data_len (u32)     50   4     body size (u32; 384 for SGX)
//   436  n     signature data               54   384   ISV report body
//                                           438  4     signature_data_len (u32)
//                                           442  n     signature data
// Signature data:
//   Rel 0    64  ISV signature r||s over header [+ descriptor] + body
//   Rel 64   64  attestation public key X||Y
//   Rel 128  6+M certification data, type 6; its payload is the QE section (cert_data.cc) whose
//                nested certification data is of type 1..5
#include "attest/quote.h"

namespace uid2::attest::internal {

namespace {

Status ParseV5Descriptor(ByteReader& r, QuoteParts* parts) {
  uint32_t body_size = 0;
  if (!r.ReadU16LE(&parts->body_type) || !r.ReadU32LE(&body_size)) {
    return Error::Invalid("body descriptor truncated at offset 48");
  }
  if (parts->body_type == 2 || parts->body_type == 3) {
    return Error::Unsupported("TD report body (type " + std::to_string(parts->body_type) +
                              ") in an SGX quote");
  }
  if (parts->body_type != 1) {
    return Error::Invalid("body type " + std::to_string(parts->body_type) + " is not 1..3");
  }
  if (body_size != kReportBodySize) {
    return Error::Invalid("SGX body size " + std::to_string(body_size) + " is not 384");
  }
  return Ok();
}

}  // namespace

Result<QuoteParts> ParseQuoteV4V5(ByteSpan bytes) {
  QuoteParts parts;
  ByteReader r(bytes);
  UID2_ASSIGN_OR_RETURN(parts.header, ParseQuoteHeader(r));
  if (parts.header.version == 5) UID2_RETURN_IF_ERROR(ParseV5Descriptor(r, &parts));
  size_t body_offset = bytes.size() - r.remaining();
  ByteSpan body;
  if (!r.ReadBytes(kReportBodySize, &body)) {
    return Error::Invalid("report body truncated at offset " + std::to_string(body_offset));
  }
  UID2_ASSIGN_OR_RETURN(parts.body, ReportBody::Parse(body));
  size_t signed_size = body_offset + kReportBodySize;
  parts.signed_bytes.assign(bytes.begin(), bytes.begin() + signed_size);

  uint32_t sig_len = 0;
  if (!r.ReadU32LE(&sig_len)) return Error::Invalid("signature_data_len truncated");
  if (sig_len != r.remaining()) {
    return Error::Invalid("signature_data_len " + std::to_string(sig_len) + " but " +
                          std::to_string(r.remaining()) + " bytes follow");
  }
  if (!r.ReadInto(parts.isv_signature) || !r.ReadInto(parts.attestation_key)) {
    return Error::Invalid("ISV signature or attestation key truncated");
  }
  uint16_t outer_type = 0;
  Bytes outer;
  UID2_RETURN_IF_ERROR(ParseCertificationData(r, &outer_type, &outer, "signature data"));
  if (outer_type != static_cast<uint16_t>(CertDataType::kQeReport)) {
    return Error::Invalid("certification data type " + std::to_string(outer_type) +
                          " where v4/v5 require 6 (QE report)");
  }
  ByteReader inner(outer);
  UID2_RETURN_IF_ERROR(ParseQeSection(inner, &parts, "QE report certification data"));
  return parts;
}

}  // namespace uid2::attest::internal
