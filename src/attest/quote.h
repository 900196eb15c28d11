// quote.h: SGX ECDSA (DCAP) quotes, versions 3, 4 and 5 (spec: sgx-attestation.md §1.2, §1.3).
//
// Quote::Parse checks every declared length against the input, rejects trailing bytes and
// returns an immutable value whose fields are all bounds-checked copies. TDX quotes (tee_type
// 0x81) are recognised and refused with kUnsupported. The byte layouts are documented beside
// the code: quote_v3.cc (v3), quote_v4.cc (v4 and v5), cert_data.cc (certification data).
//
//   UID2_ASSIGN_OR_RETURN(Quote q, Quote::Parse(bytes));
//   q.body().mr_enclave ...
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "attest/report_body.h"
#include "common/bytes.h"
#include "common/status.h"

namespace uid2::attest {

constexpr size_t kQuoteHeaderSize = 48;
constexpr uint16_t kAttKeyTypeEcdsaP256 = 2;
constexpr uint32_t kTeeTypeSgx = 0x00000000;
constexpr uint32_t kTeeTypeTdx = 0x00000081;
constexpr std::array<uint8_t, 16> kIntelQeVendorId = {
    0x93, 0x9A, 0x72, 0x33, 0xF7, 0x9C, 0x4C, 0xA9, 0x94, 0x0A, 0x0D, 0xB3, 0x95, 0x7F, 0x06, 0x07};
// Cap for any variable-length field (certification data, auth data, signature data).
constexpr size_t kMaxVariableField = 1 << 20;

// Certification data types (sgx_ql_cert_key_type_t).
enum class CertDataType : uint16_t {
  kPpidCleartext = 1,
  kPpidRsa2048 = 2,
  kPpidRsa3072 = 3,
  kPckLeaf = 4,
  kPckChain = 5,
  kQeReport = 6,
};
std::string_view CertDataTypeName(uint16_t type);

struct QuoteHeader {
  uint16_t version = 0;
  uint16_t att_key_type = 0;
  uint32_t tee_type = 0;  // v3: reserved, must be 0
  uint16_t qe_svn = 0;
  uint16_t pce_svn = 0;
  std::array<uint8_t, 16> qe_vendor_id{};
  std::array<uint8_t, 20> user_data{};
};

// QuoteParts are the fields of a parsed quote. For v4/v5 the QE report, its signature, the
// auth data and the innermost certification data come from the type-6 envelope.
struct QuoteParts {
  QuoteHeader header;
  uint16_t body_type = 1;                   // v5 body descriptor type (1 = SGX); 1 for v3/v4
  ReportBody body;                          // the ISV enclave's report body
  Bytes signed_bytes;                       // what the ISV signature covers (header [+desc] + body)
  std::array<uint8_t, 64> isv_signature{};  // r || s
  std::array<uint8_t, 64> attestation_key{};  // X || Y
  ReportBody qe_report;
  std::array<uint8_t, kReportBodySize> qe_report_bytes{};
  std::array<uint8_t, 64> qe_report_signature{};
  Bytes qe_auth_data;
  uint16_t cert_data_type = 0;  // innermost certification data type (1..5)
  Bytes cert_data;              // its payload
};

class Quote {
 public:
  // Parse returns kInvalid naming the field and offset at fault, kUnsupported for TDX quotes,
  // P-384 attestation keys and unknown versions.
  static Result<Quote> Parse(ByteSpan bytes);

  const QuoteHeader& header() const { return parts_.header; }
  const ReportBody& body() const { return parts_.body; }
  const QuoteParts& parts() const { return parts_; }
  uint16_t version() const { return parts_.header.version; }
  // PckChainPem returns the PEM chain of a type-5 certification data (NUL stripped), else "".
  std::string PckChainPem() const;

 private:
  explicit Quote(QuoteParts parts) : parts_(std::move(parts)) {}
  QuoteParts parts_;
};

namespace internal {
// Per-format parsers behind Quote::Parse; `bytes` is the whole quote.
Result<QuoteHeader> ParseQuoteHeader(ByteReader& r);
Result<QuoteParts> ParseQuoteV3(ByteSpan bytes);
Result<QuoteParts> ParseQuoteV4V5(ByteSpan bytes);
// ParseSignatureTail reads QE report .. certification data of v3 (after attestation key),
// consuming `r` exactly.
Status ParseQeSection(ByteReader& r, QuoteParts* parts, std::string_view where);
// ParseCertificationData reads `u16 type, u32 size, data` and requires `r` to end after it.
Status ParseCertificationData(ByteReader& r, uint16_t* type, Bytes* data, std::string_view where);
}  // namespace internal

}  // namespace uid2::attest
