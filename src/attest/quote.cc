// Quote::Parse: the common 48-byte header and the dispatch on its version.
//
//   Off  Size  Field
//   0    2     version (3, 4 or 5)
//   2    2     att_key_type (2 = ECDSA-256-with-P-256)
//   4    4     v3: reserved (0); v4/v5: tee_type (0 SGX, 0x81 TDX)
//   8    2     qe_svn
//   10   2     pce_svn
//   12   16    qe_vendor_id (Intel: 939A7233F79C4CA9940A0DB3957F0607)
//   28   20    user_data
#include "attest/quote.h"

namespace uid2::attest {

std::string_view CertDataTypeName(uint16_t type) {
  switch (type) {
    case 1:
      return "PPID cleartext";
    case 2:
      return "PPID RSA-2048 encrypted";
    case 3:
      return "PPID RSA-3072 encrypted";
    case 4:
      return "PCK leaf certificate";
    case 5:
      return "PCK certificate chain";
    case 6:
      return "QE report certification data";
    default:
      return "unknown";
  }
}

namespace internal {

Result<QuoteHeader> ParseQuoteHeader(ByteReader& r) {
  QuoteHeader h;
  if (!r.ReadU16LE(&h.version) || !r.ReadU16LE(&h.att_key_type) || !r.ReadU32LE(&h.tee_type) ||
      !r.ReadU16LE(&h.qe_svn) || !r.ReadU16LE(&h.pce_svn) || !r.ReadInto(h.qe_vendor_id) ||
      !r.ReadInto(h.user_data)) {
    return Error::Invalid("quote header truncated: need 48 bytes");
  }
  if (h.att_key_type != kAttKeyTypeEcdsaP256) {
    return Error::Unsupported("quote att_key_type " + std::to_string(h.att_key_type) +
                              " is not 2 (ECDSA P-256)");
  }
  if (h.version == 3 && h.tee_type != 0) {
    return Error::Invalid("v3 quote reserved field at offset 4 must be 0");
  }
  if (h.version != 3 && h.tee_type == kTeeTypeTdx) {
    return Error::Unsupported("TDX quote (tee_type 0x81): only SGX quotes are verified");
  }
  if (h.version != 3 && h.tee_type != kTeeTypeSgx) {
    return Error::Invalid("quote tee_type " + std::to_string(h.tee_type) +
                          " is neither SGX nor TDX");
  }
  return h;
}

}  // namespace internal

Result<Quote> Quote::Parse(ByteSpan bytes) {
  if (bytes.size() > 16 * kMaxVariableField) {
    return Error::Invalid("quote larger than 16 MiB");
  }
  uint16_t version = 0;
  ByteReader peek(bytes);
  if (!peek.ReadU16LE(&version)) return Error::Invalid("quote truncated: no version field");
  Result<QuoteParts> parts = Error::Internal("unreachable");
  switch (version) {
    case 3:
      parts = internal::ParseQuoteV3(bytes);
      break;
    case 4:
    case 5:
      parts = internal::ParseQuoteV4V5(bytes);
      break;
    default:
      return Error::Unsupported("quote version " + std::to_string(version) +
                                " (expected 3, 4 or 5)");
  }
  if (!parts.ok()) return std::move(parts).error().Context("quote v" + std::to_string(version));
  return Quote(std::move(parts).value());
}

std::string Quote::PckChainPem() const {
  if (parts_.cert_data_type != static_cast<uint16_t>(CertDataType::kPckChain)) return "";
  std::string pem(AsChars(parts_.cert_data));
  while (!pem.empty() && pem.back() == '\0') pem.pop_back();
  return pem;
}

}  // namespace uid2::attest
