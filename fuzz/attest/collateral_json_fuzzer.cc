// Fuzzes the collateral bundle JSON, TCB Info, QE Identity, the raw-object cut and policies.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "attest/collateral.h"
#include "attest/policy.h"
#include "attest/tcb.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  uid2::Result<uid2::attest::CollateralBundle> b = uid2::attest::ParseCollateralJson(text);
  if (b.ok()) {
    (void)uid2::attest::ParseTcbInfo(b->tcb_info);
    (void)uid2::attest::ParseQeIdentity(b->qe_identity);
    uid2::Result<uid2::attest::CollateralBundle> again =
        uid2::attest::ParseCollateralJson(uid2::attest::CollateralToJson(*b));
    if (!again.ok() || again->tcb_info != b->tcb_info || again->pck_crl != b->pck_crl) {
      __builtin_trap();
    }
  }
  (void)uid2::attest::ParseTcbInfo(text);
  (void)uid2::attest::ParseQeIdentity(text);
  uid2::Result<uid2::attest::SignedJson> tcb = uid2::attest::ExtractSignedJson(text, "tcbInfo");
  if (tcb.ok() && tcb->body.size() > size) __builtin_trap();
  (void)uid2::attest::ExtractSignedJson(text, "enclaveIdentity");
  (void)uid2::attest::ParsePolicy(text);
  return 0;
}
