// Quote v3 (sgx_quote3_t), SGX only:
//
//   Off  Size  Field
//   0    48    header (quote.cc)
//   48   384   ISV enclave report body
//   432  4     signature_data_len (u32)
//   436  n     signature data:
//                Rel 0    64   ISV signature r||s over quote[0..432)
//                Rel 64   64   attestation public key X||Y
//                Rel 128  ...  QE section (cert_data.cc), certification data type 1..5
// The signature data must end exactly at the end of the quote.
#include "attest/quote.h"

namespace uid2::attest::internal {

constexpr size_t kV3SignedSize = kQuoteHeaderSize + kReportBodySize;  // 432

Result<QuoteParts> ParseQuoteV3(ByteSpan bytes) {
  QuoteParts parts;
  ByteReader r(bytes);
  UID2_ASSIGN_OR_RETURN(parts.header, ParseQuoteHeader(r));
  ByteSpan body;
  if (!r.ReadBytes(kReportBodySize, &body)) {
    return Error::Invalid("report body truncated at offset 48 (need 384 bytes)");
  }
  UID2_ASSIGN_OR_RETURN(parts.body, ReportBody::Parse(body));
  parts.signed_bytes.assign(bytes.begin(), bytes.begin() + kV3SignedSize);

  uint32_t sig_len = 0;
  if (!r.ReadU32LE(&sig_len)) return Error::Invalid("signature_data_len truncated at offset 432");
  if (sig_len != r.remaining()) {
    return Error::Invalid("signature_data_len " + std::to_string(sig_len) + " at offset 432 but " +
                          std::to_string(r.remaining()) + " bytes follow");
  }
  if (!r.ReadInto(parts.isv_signature) || !r.ReadInto(parts.attestation_key)) {
    return Error::Invalid("ISV signature or attestation key truncated at offset 436");
  }
  UID2_RETURN_IF_ERROR(ParseQeSection(r, &parts, "signature data"));
  return parts;
}

}  // namespace uid2::attest::internal
