// policy.h: the relying party's decision, separate from verification (spec §2.2 step 12, §5.6).
// Verification answers "is this a genuine quote and how patched is the platform"; policy answers
// "is it the enclave we expect, in a state we accept".
//
// Policy file, TOML or JSON (same keys; JSON when the text starts with '{'):
//   mrenclave = ["<64 hex>", ...]      # allowlist; and/or the signer triple below
//   mrsigner = "<64 hex>"
//   isvprodid = 770                    # required with mrsigner
//   min_isvsvn = 2                     # default 0
//   allow_debug = false                # default false
//   accepted_tcb_statuses = ["UpToDate", "SWHardeningNeeded"]   # default ["UpToDate"]
//   report_data = "<hex, up to 64 bytes>"  # report_data must be this, zero-padded to 64 bytes
//   runtime_data = "<hex>"             # MAA: x-ms-sgx-ehd must equal this
//   allow_simulation = false           # accept results under the simulated root
//   sim_root = "path/to/sim-pki"       # where that root is (implies nothing by itself)
//   trust_anchors = ["intel-sgx-prod"] # accepted anchor labels (default; simulation adds itself)
// Revoked is never accepted, whatever the list says.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "attest/tcb.h"
#include "attest/trust.h"
#include "attest/verify.h"
#include "common/bytes.h"
#include "common/status.h"

namespace uid2::attest {

struct Policy {
  std::vector<std::array<uint8_t, 32>> mrenclaves;
  std::optional<std::array<uint8_t, 32>> mrsigner;
  std::optional<uint16_t> isv_prod_id;
  uint16_t min_isv_svn = 0;
  bool allow_debug = false;
  std::vector<TcbStatus> accepted_statuses = {TcbStatus::kUpToDate};
  std::optional<Bytes> report_data;   // <= 64 bytes
  std::optional<Bytes> runtime_data;  // MAA enclave-held data
  bool allow_simulation = false;
  std::string sim_root;
  std::vector<std::string> trust_anchors = {std::string(kIntelAnchorLabel)};
};

// ParsePolicy reads TOML or JSON text; kInvalid names the key at fault. A policy must name at
// least one mrenclave or an mrsigner with isvprodid.
Result<Policy> ParsePolicy(std::string_view text);
Result<Policy> LoadPolicy(const std::string& path);

// AttestedEnclave is what policy looks at, from a DCAP verification or an MAA token.
struct AttestedEnclave {
  std::array<uint8_t, 32> mr_enclave{};
  std::array<uint8_t, 32> mr_signer{};
  uint16_t isv_prod_id = 0;
  uint16_t isv_svn = 0;
  bool debug = false;
  std::optional<std::array<uint8_t, 64>> report_data;
  std::optional<Bytes> runtime_data;    // MAA x-ms-sgx-ehd
  std::optional<TcbStatus> tcb_status;  // absent for MAA tokens (MAA applied its own)
  std::string trust_anchor;
  AnchorKind anchor_kind = AnchorKind::kCustom;
};

AttestedEnclave FromVerification(const VerificationResult& r);

// CheckPolicy returns kVerifyFailed "policy: <what>" for the first rule the enclave breaks.
Status CheckPolicy(const Policy& policy, const AttestedEnclave& enclave);

}  // namespace uid2::attest
