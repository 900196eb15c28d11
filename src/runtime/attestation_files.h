// attestation_files.h: Gramine's /dev/attestation pseudo-files, served to the app by the view
// (spec: libos-toolchains.md §2). Without SGX the report is built, not made by EREPORT: its body
// carries the signed enclave's identity (MRENCLAVE, MRSIGNER, ISVPRODID, ISVSVN, attributes and
// MISCSELECT from the SIGSTRUCT) and the app's user_report_data; KEYID and MAC are zero (there is
// no report key). The quote, when a quoting function is given, is a simulated DCAP quote.
//
//   attestation_type  r   "dcap" with a quoting function, else "none"
//   user_report_data  rw  64 bytes (REPORTDATA of the next report/quote)
//   target_info       rw  512 bytes (TARGETINFO; kept, not used without EREPORT)
//   my_target_info    r   512 bytes: this enclave's TARGETINFO
//   report            r   432 bytes: sgx_report_t over the current user_report_data
//   quote             r   DCAP quote over the current user_report_data (only with quoting)
//   keys/_sgx_mrenclave, keys/_sgx_mrsigner  r   16-byte sealing keys (sealing.h)
//   keys/<name>       rw  16 raw bytes: fs.insecure__keys.<name>, or a key an encrypted mount
//                         names; empty until set (as Gramine's), set by writing 16 bytes
//
// Like Gramine's "str" pseudo-files, a file's content is fixed when it is opened; a write is
// committed when the file is closed (flush) and must give exactly the file's size.
// Unlike Gramine's per-process files, the state is shared by all the app's processes.
#pragma once

#include <array>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "attest/report_body.h"
#include "common/bytes.h"
#include "common/status.h"

namespace uid2::runtime {

inline constexpr size_t kTargetInfoSize = 512;
inline constexpr size_t kReportSize = 432;
inline constexpr size_t kKeySize = 16;

struct EnclaveIdentity {
  std::array<uint8_t, 32> mr_enclave{};
  std::array<uint8_t, 32> mr_signer{};
  uint16_t isv_prod_id = 0;
  uint16_t isv_svn = 0;
  uint64_t flags = 0;  // SIGSTRUCT ATTRIBUTES.FLAGS (INITTED is added in reports)
  uint64_t xfrm = 0;
  uint32_t misc_select = 0;
};

// QuoteFn returns a quote over a report body (the simulated quoting enclave).
using QuoteFn = std::function<Result<Bytes>(const attest::ReportBody& body)>;
// SealKeyFn returns the sealing key _sgx_mrenclave or _sgx_mrsigner (SealingKeys::Get).
using SealKeyFn = std::function<Result<Bytes>(std::string_view name)>;

class AttestationFiles {
 public:
  // `keys` are the named keys: 16 bytes, or empty for a key that exists but is not set yet.
  AttestationFiles(EnclaveIdentity id, QuoteFn quote, std::map<std::string, Bytes> keys,
                   SealKeyFn seal_keys);

  struct Node {
    bool dir = false;
    bool writable = false;
    size_t size = 0;
  };
  // Stat describes `name` relative to /dev/attestation ("" is the directory itself, "keys",
  // "keys/x", "report", ...). Returns 0 or -ENOENT.
  int Stat(const std::string& name, Node* out) const;
  // List returns the entries of a directory ("" or "keys").
  std::vector<std::string> List(const std::string& dir) const;

  // Snapshot returns the content of `name` as of now (-ENOENT, -EIO if quoting fails).
  int Snapshot(const std::string& name, Bytes* out) const;
  // Commit stores a written file (-EACCES read-only or a key that is not 16 bytes, -EINVAL
  // another file of the wrong size).
  int Commit(const std::string& name, ByteSpan content);

  // Key returns the current value of key `name` (what keys/<name> reads): 0, -ENOENT (no such
  // key), -ENOKEY (not set yet) or -EIO (the sealing secret cannot be read; logged).
  int Key(const std::string& name, Bytes* out) const;

  // ReportBody is the body a report or quote carries now.
  attest::ReportBody CurrentBody() const;
  Bytes MyTargetInfo() const;

 private:
  EnclaveIdentity id_;
  QuoteFn quote_;
  mutable std::mutex mu_;
  std::array<uint8_t, attest::kReportDataSize> report_data_{};
  Bytes target_info_ = Bytes(kTargetInfoSize);
  std::map<std::string, Bytes> keys_;  // user keys (empty: not set); the sealing keys are derived
  SealKeyFn seal_keys_;
};

}  // namespace uid2::runtime
