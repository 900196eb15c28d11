// Fuzz target: the TCF v2 TC string decoder (operator/identity/tcf.h) and the EUID consent
// rule. Byte 0 selects how the rest becomes a TC string:
//   0: the rest is the TC string text as sent in tcf_consent_string
//   1: the rest is the core segment's bytes (base64url-encoded here, so the bit parser is
//      reached without the fuzzer having to produce valid base64url)
//   2: the rest is split at 0xFF bytes into segments, each base64url-encoded, joined with '.'
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "common/encoding.h"
#include "operator/identity/tcf.h"

using namespace uid2;
using namespace uid2::operator_identity;

namespace {

std::string SegmentsText(ByteSpan rest) {
  std::string text;
  size_t start = 0;
  for (size_t i = 0; i <= rest.size(); ++i) {
    if (i == rest.size() || rest[i] == 0xFF) {
      if (!text.empty() || start > 0) text += '.';
      text += Base64UrlEncode(rest.subspan(start, i - start));
      start = i + 1;
    }
  }
  return text;
}

void CheckVendorSet(const TcVendorSet& s) {
  for (int id : s.Ids()) {
    if (id < 1 || id > s.max_vendor_id() || !s.Contains(id)) abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  ByteSpan rest(data + 1, size - 1);
  std::string text;
  switch (data[0] % 3) {
    case 0:
      text = std::string(AsChars(rest));
      break;
    case 1:
      text = Base64UrlEncode(rest);
      break;
    default:
      text = SegmentsText(rest);
      break;
  }
  auto tc = DecodeTcString(text);
  if (!tc.ok()) return 0;
  if (tc->version != 2 || tc->consent_language.size() != 2 || tc->publisher_cc.size() != 2) {
    abort();
  }
  CheckVendorSet(tc->vendor_consents);
  CheckVendorSet(tc->vendor_legitimate_interests);
  if (tc->disclosed_vendors) CheckVendorSet(*tc->disclosed_vendors);
  if (tc->allowed_vendors) CheckVendorSet(*tc->allowed_vendors);
  for (const auto& pr : tc->publisher_restrictions) {
    for (auto [first, last] : pr.vendor_ranges) {
      if (first < 1 || last < first || pr.restriction_type > 2) abort();
    }
  }
  for (int vendor : {0, 21, 65535}) (void)EvaluateEuidConsent(*tc, vendor);
  return 0;
}
