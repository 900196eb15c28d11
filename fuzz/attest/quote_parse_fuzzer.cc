// Fuzzes Quote::Parse (v3/v4/v5, certification data 1..6) and the PCK SGX extension parser.
#include <cstddef>
#include <cstdint>

#include "attest/pck_extension.h"
#include "attest/quote.h"
#include "attest/verify.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  uid2::ByteSpan in(data, size);
  uid2::Result<uid2::attest::Quote> q = uid2::attest::Quote::Parse(in);
  if (q.ok()) {
    (void)q->PckChainPem();
    (void)uid2::attest::HasSimulationMarkers(*q);
    (void)q->body().Serialize();
  }
  // The same bytes as a DER SGX extension.
  uid2::Result<uid2::attest::PckExtension> ext = uid2::attest::ParsePckExtension(in);
  if (ext.ok()) {
    uid2::Bytes again = uid2::attest::EncodePckExtension(*ext);
    if (!uid2::attest::ParsePckExtension(again).ok()) __builtin_trap();
  }
  return 0;
}
