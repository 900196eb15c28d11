// tcb.h: TCB statuses and the two signed collateral documents, TCB Info (v2 and v3) and QE
// Identity (v2), parsed from the raw inner JSON object that their signature covers
// (spec: sgx-attestation.md §2.1, §2.3).
#pragma once

#include <array>
#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"

namespace uid2::attest {

// TcbStatus as Intel's PCS names it. Order is not severity; see ConvergeTcbStatus.
enum class TcbStatus {
  kUpToDate,
  kSwHardeningNeeded,
  kConfigurationNeeded,
  kConfigurationAndSwHardeningNeeded,
  kOutOfDate,
  kOutOfDateConfigurationNeeded,
  kRevoked,
};

// TcbStatusName returns PCS's spelling ("UpToDate", "SWHardeningNeeded", ...).
std::string_view TcbStatusName(TcbStatus status);
// ParseTcbStatus accepts PCS's spelling; kInvalid otherwise (TDX-only statuses included).
Result<TcbStatus> ParseTcbStatus(std::string_view name);

// ConvergeTcbStatus merges the platform and QE statuses as Intel's QVL does: QE Revoked gives
// Revoked; QE OutOfDate turns UpToDate/SWHardeningNeeded into OutOfDate and
// Configuration[AndSWHardening]Needed into OutOfDateConfigurationNeeded; otherwise the platform
// status stands.
TcbStatus ConvergeTcbStatus(TcbStatus platform, TcbStatus qe);

struct TcbLevel {
  std::array<uint8_t, 16> components{};  // SGX TCB component SVNs 1..16
  uint16_t pce_svn = 0;
  std::string tcb_date;
  TcbStatus status = TcbStatus::kUpToDate;
  std::vector<std::string> advisories;
};

struct TcbInfo {
  int version = 0;  // 2 or 3
  std::string id;   // "SGX" (v3); empty for v2
  time_t issue_date = 0;
  time_t next_update = 0;
  std::array<uint8_t, 6> fmspc{};
  std::array<uint8_t, 2> pce_id{};
  int tcb_type = 0;
  int tcb_evaluation_data_number = 0;
  std::vector<TcbLevel> levels;  // as served (Intel serves them in descending order)
};

// ParseTcbInfo reads the inner tcbInfo object (the bytes the signature covers).
Result<TcbInfo> ParseTcbInfo(std::string_view inner_json);

struct QeTcbLevel {
  uint16_t isv_svn = 0;
  std::string tcb_date;
  TcbStatus status = TcbStatus::kUpToDate;
  std::vector<std::string> advisories;
};

struct QeIdentity {
  std::string id;   // "QE"
  int version = 0;  // 2
  time_t issue_date = 0;
  time_t next_update = 0;
  int tcb_evaluation_data_number = 0;
  std::array<uint8_t, 4> miscselect{}, miscselect_mask{};   // memory order
  std::array<uint8_t, 16> attributes{}, attributes_mask{};  // memory order
  std::array<uint8_t, 32> mr_signer{};
  uint16_t isv_prod_id = 0;
  std::vector<QeTcbLevel> levels;
};

// ParseQeIdentity reads the inner enclaveIdentity object.
Result<QeIdentity> ParseQeIdentity(std::string_view inner_json);

// ParseIsoTime reads "YYYY-MM-DDThh:mm:ssZ" (UTC) as PCS writes it; FormatIsoTime writes it.
Result<time_t> ParseIsoTime(std::string_view text);
std::string FormatIsoTime(time_t t);

}  // namespace uid2::attest
