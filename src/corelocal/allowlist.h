// allowlist.h: which enclaves may attest to core-local.
//
//   {"enclaves": [
//      {"name": "uid2-operator local-core",          # optional, for logs
//       "mrenclave": "<64 hex>",                      # and/or
//       "mrsigner": "<64 hex>", "isvprodid": 770,     # isvprodid optional with mrsigner
//       "min_isvsvn": 0,                              # default 0
//       "allow_debug": false}],                       # default false
//    "accepted_tcb_statuses": ["UpToDate"]}           # optional, default ["UpToDate"]
//
// Each entry needs mrenclave or mrsigner. Unknown keys are refused (a misspelt "mr_enclave"
// must not silently widen the list). An enclave passes when any entry accepts it; each entry is
// evaluated with src/attest's policy (attest::CheckPolicy).
#pragma once

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "attest/policy.h"
#include "common/status.h"

namespace uid2::corelocal {

struct AllowlistEntry {
  std::string name;
  std::optional<std::array<uint8_t, 32>> mrenclave;
  std::optional<std::array<uint8_t, 32>> mrsigner;
  std::optional<uint16_t> isv_prod_id;
  uint16_t min_isv_svn = 0;
  bool allow_debug = false;
};

struct Allowlist {
  std::vector<AllowlistEntry> entries;
  std::vector<attest::TcbStatus> accepted_statuses = {attest::TcbStatus::kUpToDate};
};

// ParseAllowlist reads the JSON above; the error names the entry and the key at fault.
Result<Allowlist> ParseAllowlist(std::string_view json);
Result<Allowlist> LoadAllowlist(const std::string& path);
std::string AllowlistToJson(const Allowlist& list);

// CheckAllowlist accepts `enclave` when an entry matches. `allow_simulation`: results under the
// simulated root are acceptable (core-local started with --sim-pki). kVerifyFailed names why
// each entry refused ("allowlist: mr_enclave ... is not in the allowlist").
Status CheckAllowlist(const Allowlist& list, const attest::AttestedEnclave& enclave,
                      bool allow_simulation);

}  // namespace uid2::corelocal
