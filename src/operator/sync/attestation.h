// attestation.h: attesting the operator to the core (spec uid2-operator.md §4.5, §4.6;
// CONTRACT-12 item 1) and keeping the credentials fresh.
//
//   AttestationManager::Options o;
//   o.attest = {.url = *config.core_attest_url, .api_token = config.core_api_token, ...};
//   UID2_ASSIGN_OR_RETURN(auto platform, MakeAttestationPlatform(config.enclave_platform,
//                                                                config.attestation_dir));
//   AttestationManager m(o, std::move(platform), [](const Error& e) { /* stop the operator */ });
//   m.Start();                              // attests now, then 10 min before each expiry
//   std::shared_ptr<const Credentials> c = m.Current();   // null until the first success
//
// One attestation: a fresh RSA-2048 key; report data = SHA-256(SPKI DER) || 32 zero bytes; the
// platform document (the SGX quote for "azure-sgx", the byte 0x00 with no platform); POST to
// core_attest_url; the token is RSA PKCS#1 v1.5-decrypted with the private key, which is then
// dropped. Credentials are published with an atomic shared_ptr swap: a reader never sees a
// half-updated set and the old set serves until the new one is in place.
// Failures: HTTP 401 or 403 is fatal (the reason from the reply is logged, the FatalHandler
// runs, the manager stops), and so is a platform that cannot produce its document (no
// /dev/attestation, a quote that does not carry our report data). Anything else is retried with
// exponential backoff; failing continuously for longer than failure_shutdown_ms is fatal too.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "common/bytes.h"
#include "common/status.h"
#include "operator/store/config.h"

namespace uid2::sync {

struct Credentials {
  std::string attestation_token;  // decrypted; sent as Attestation-Token
  std::string core_jwt;           // Attestation-JWT on core requests ("" = none)
  std::string optout_jwt;         // Attestation-JWT on opt-out requests ("" = none)
  std::string optout_url;         // base for a relative optout_metadata_path ("" = none)
  int64_t expires_at_ms = 0;
};

// The enclave platform's attestation document for 64 bytes of report data.
class AttestationPlatform {
 public:
  virtual ~AttestationPlatform() = default;
  virtual Result<Bytes> Document(ByteSpan report_data) = 0;
  virtual std::string Name() const = 0;
};

// DevAttestationPlatform ("azure-sgx"): writes the report data to <dir>/user_report_data,
// reads <dir>/quote (Gramine's /dev/attestation, served by `shroud run --sim-pki` or real
// Gramine with sgx.remote_attestation = "dcap"), and checks that the quote parses and carries
// that report data (kVerifyFailed otherwise).
class DevAttestationPlatform : public AttestationPlatform {
 public:
  explicit DevAttestationPlatform(std::string dir) : dir_(std::move(dir)) {}
  Result<Bytes> Document(ByteSpan report_data) override;
  std::string Name() const override { return "azure-sgx:" + dir_; }

 private:
  std::string dir_;
};

// MakeAttestationPlatform: no platform ("" or unset) gives the one-byte document 0x00;
// "azure-sgx" a DevAttestationPlatform over `dir`; anything else is kUnsupported.
Result<std::unique_ptr<AttestationPlatform>> MakeAttestationPlatform(
    const std::optional<std::string>& enclave_platform, const std::string& dir);

struct AttestOptions {
  std::string url;
  store::Secret api_token;
  std::string operator_type = "private";
  std::string instance_id;
  std::chrono::milliseconds timeout{30'000};
};

// AttestOnce performs one attestation. On failure *fatal says whether the core refused the
// operator (HTTP 401/403) or the platform could not produce its document, and *http_status
// holds the HTTP status (0: no reply).
Result<Credentials> AttestOnce(const AttestOptions& options, AttestationPlatform& platform,
                               bool* fatal, long* http_status);

struct AttestationStats {
  std::atomic<uint64_t> attempts{0};
  std::atomic<uint64_t> successes{0};
  std::atomic<uint64_t> failures{0};
  std::atomic<long> last_http_status{0};
  std::atomic<int64_t> last_success_ms{0};
  std::atomic<int64_t> expires_at_ms{0};
};

class AttestationManager {
 public:
  using Clock = std::function<int64_t()>;  // epoch ms
  using FatalHandler = std::function<void(const Error&)>;

  struct Options {
    AttestOptions attest;
    int64_t reattest_before_ms = 10 * 60 * 1000;  // re-attest this long before expiresAt
    int64_t check_interval_ms = 60 * 1000;        // how often expiry is checked
    int64_t initial_backoff_ms = 1000;
    int64_t max_backoff_ms = 60 * 1000;
    int64_t failure_shutdown_ms = int64_t{12} * 3600 * 1000;  // reference: 12 h
    Clock clock;                                              // null = system clock
  };

  AttestationManager(Options options, std::unique_ptr<AttestationPlatform> platform,
                     FatalHandler on_fatal);
  ~AttestationManager();  // Stop()

  void Start();
  void Stop();

  // Current returns the latest credentials (null before the first success).
  std::shared_ptr<const Credentials> Current() const { return current_.load(); }
  // WaitAttested blocks until credentials exist, a fatal error happened, or the timeout.
  // Returns the fatal error, kIo on timeout, Ok when attested.
  Status WaitAttested(std::chrono::milliseconds timeout);
  // RequestReattest makes the thread attest again now (e.g. the core answered 401).
  void RequestReattest();
  // Fatal returns the fatal error, if one happened.
  std::optional<Error> Fatal() const;

  const AttestationStats& stats() const { return stats_; }

 private:
  void Run();
  bool Sleep(int64_t ms);  // false when stopping

  Options options_;
  std::unique_ptr<AttestationPlatform> platform_;
  FatalHandler on_fatal_;
  std::atomic<std::shared_ptr<const Credentials>> current_;
  AttestationStats stats_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool reattest_requested_ = false;
  std::optional<Error> fatal_;
  std::thread thread_;
};

}  // namespace uid2::sync
