#include "operator/sync/attestation.h"

#include <rapidjson/document.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "attest/quote.h"
#include "attest/tcb.h"
#include "common/file.h"
#include "common/json.h"
#include "common/log.h"
#include "crypto/hash.h"
#include "crypto/rsa.h"
#include "operator/sync/attest_reply.h"
#include "operator/sync/http_client.h"

namespace uid2::sync {
namespace {

constexpr size_t kReportDataSize = 64;

int64_t SystemNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class NoAttestationPlatform : public AttestationPlatform {
 public:
  Result<Bytes> Document(ByteSpan) override { return Bytes{0x00}; }
  std::string Name() const override { return "none"; }
};

// ReasonOf returns the "message" of an error reply (the core's reason, no secrets), else "".
std::string ReasonOf(const std::string& body) {
  auto doc = ParseJson(body);
  if (!doc.ok() || !doc->IsObject()) return "";
  auto m = std::as_const(*doc).FindMember("message");
  if (m == std::as_const(*doc).MemberEnd() || !m->value.IsString()) return "";
  return std::string(m->value.GetString(), std::min<size_t>(m->value.GetStringLength(), 300));
}

// WriteWhole writes `data` in place with one open/write/close (a /dev/attestation file commits
// the value at close; it cannot be replaced by a rename).
Status WriteWhole(const std::string& path, ByteSpan data) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return Error::Errno("open " + path + " for writing", errno);
  ssize_t n = ::write(fd, data.data(), data.size());
  int write_errno = errno;
  if (::close(fd) != 0 && n >= 0) return Error::Errno("close " + path, errno);
  if (n < 0) return Error::Errno("write " + path, write_errno);
  if (static_cast<size_t>(n) != data.size()) {
    return Error::Io("write " + path + ": short write (" + std::to_string(n) + " of " +
                     std::to_string(data.size()) + " bytes)");
  }
  return Ok();
}

}  // namespace

Result<Bytes> DevAttestationPlatform::Document(ByteSpan report_data) {
  if (report_data.size() != kReportDataSize) {
    return Error::Invalid("report data must be 64 bytes, got " +
                          std::to_string(report_data.size()));
  }
  const std::string urd = dir_ + "/user_report_data";
  UID2_RETURN_IF_ERROR(WriteWhole(urd, report_data));
  const std::string quote_path = dir_ + "/quote";
  UID2_ASSIGN_OR_RETURN(Bytes quote, ReadFileBytes(quote_path));
  auto parsed = attest::Quote::Parse(quote);
  if (!parsed.ok()) return std::move(parsed).error().Context(quote_path);
  const auto& rd = parsed->body().report_data;
  if (!std::equal(rd.begin(), rd.end(), report_data.begin())) {
    return Error::VerifyFailed(quote_path + ": the quote's report data is not the one written to " +
                               urd);
  }
  return quote;
}

Result<std::unique_ptr<AttestationPlatform>> MakeAttestationPlatform(
    const std::optional<std::string>& enclave_platform, const std::string& dir) {
  if (!enclave_platform || enclave_platform->empty()) {
    return std::unique_ptr<AttestationPlatform>(new NoAttestationPlatform());
  }
  if (*enclave_platform == "azure-sgx") {
    return std::unique_ptr<AttestationPlatform>(new DevAttestationPlatform(dir));
  }
  return Error::Unsupported("enclave_platform \"" + *enclave_platform +
                            "\" is not supported (use \"azure-sgx\" or null)");
}

Result<Credentials> AttestOnce(const AttestOptions& options, AttestationPlatform& platform,
                               bool* fatal, long* http_status) {
  *fatal = false;
  *http_status = 0;
  UID2_ASSIGN_OR_RETURN(crypto::RsaKey key, crypto::RsaKey::Generate(2048, 65537));
  const Bytes spki = key.PublicDer();
  if (spki.empty()) return Error::Internal("could not encode the attestation public key");
  Bytes report_data(kReportDataSize, 0);
  crypto::Sha256Digest digest = crypto::Sha256(spki);
  std::memcpy(report_data.data(), digest.data(), digest.size());
  auto document = platform.Document(report_data);
  if (!document.ok()) {
    // As the reference (an attestation provider that is not ready ends the operator): an
    // enclave that cannot quote will not start quoting by being asked again.
    *fatal = true;
    return std::move(document).error().Context("attestation document (" + platform.Name() + ")");
  }

  HttpRequest req;
  req.method = "POST";
  req.url = options.url;
  req.timeout = options.timeout;
  req.body = BuildAttestRequest(*document, spki, options.operator_type);
  req.headers = {
      "Content-Type: application/json", "Authorization: Bearer " + options.api_token.Reveal(),
      "X-UID2-AppVersion: " + AppVersionHeader(), "UID-Instance-Id: " + options.instance_id};
  UID2_ASSIGN_OR_RETURN(HttpReply reply, HttpFetch(req));
  *http_status = reply.status;
  if (reply.status == 401 || reply.status == 403) {
    *fatal = true;
    std::string reason = ReasonOf(reply.body);
    return Error::VerifyFailed("core refused the attestation (HTTP " +
                               std::to_string(reply.status) + ")" +
                               (reason.empty() ? "" : ": " + reason));
  }
  if (reply.status < 200 || reply.status >= 300) {
    return Error::Io("attest " + RedactUrl(options.url) + ": HTTP " + std::to_string(reply.status));
  }
  UID2_ASSIGN_OR_RETURN(AttestReply parsed, ParseAttestReply(reply.body));
  auto token = key.DecryptPkcs1(parsed.encrypted_token);
  if (!token.ok()) return std::move(token).error().Context("decrypting the attestation token");
  Credentials c;
  c.attestation_token.assign(token->begin(), token->end());
  c.expires_at_ms = parsed.expires_at_ms;
  c.core_jwt = parsed.jwt_core.value_or("");
  c.optout_jwt = parsed.jwt_optout.value_or("");
  c.optout_url = parsed.optout_url.value_or("");
  return c;
}

AttestationManager::AttestationManager(Options options,
                                       std::unique_ptr<AttestationPlatform> platform,
                                       FatalHandler on_fatal)
    : options_(std::move(options)), platform_(std::move(platform)), on_fatal_(std::move(on_fatal)) {
  if (!options_.clock) options_.clock = SystemNowMs;
}

AttestationManager::~AttestationManager() { Stop(); }

void AttestationManager::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { Run(); });
}

void AttestationManager::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void AttestationManager::RequestReattest() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    reattest_requested_ = true;
  }
  cv_.notify_all();
}

std::optional<Error> AttestationManager::Fatal() const {
  std::lock_guard<std::mutex> lock(mu_);
  return fatal_;
}

Status AttestationManager::WaitAttested(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, timeout, [this] { return fatal_ || Current() != nullptr; });
  if (fatal_) return *fatal_;
  if (Current()) return Ok();
  return Error::Io("not attested after " + std::to_string(timeout.count()) + " ms");
}

bool AttestationManager::Sleep(int64_t ms) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, std::chrono::milliseconds(std::max<int64_t>(ms, 1)),
               [this] { return stopping_ || reattest_requested_; });
  return !stopping_;
}

void AttestationManager::Run() {
  int64_t backoff = options_.initial_backoff_ms;
  int64_t failing_since = 0;
  for (;;) {
    bool requested;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return;
      requested = reattest_requested_;
      reattest_requested_ = false;
    }
    const int64_t now = options_.clock();
    auto creds = Current();
    const int64_t due = creds ? creds->expires_at_ms - options_.reattest_before_ms : now;
    if (!requested && now < due) {
      if (!Sleep(std::min(options_.check_interval_ms, due - now))) return;
      continue;
    }
    stats_.attempts++;
    bool fatal = false;
    long http = 0;
    auto r = AttestOnce(options_.attest, *platform_, &fatal, &http);
    stats_.last_http_status = http;
    if (r.ok()) {
      auto fresh = std::make_shared<const Credentials>(std::move(*r));
      stats_.successes++;
      stats_.last_success_ms = options_.clock();
      stats_.expires_at_ms = fresh->expires_at_ms;
      log::Info("attestation_succeeded",
                {{"platform", platform_->Name()},
                 {"expires_at", attest::FormatIsoTime(fresh->expires_at_ms / 1000)},
                 {"optout_jwt", !fresh->optout_jwt.empty()},
                 {"core_jwt", !fresh->core_jwt.empty()}});
      {
        std::lock_guard<std::mutex> lock(mu_);
        current_.store(std::move(fresh));
      }
      cv_.notify_all();
      failing_since = 0;
      backoff = options_.initial_backoff_ms;
      // At most one attestation per check interval, even when the core hands out tokens that
      // expire within reattest_before_ms (the reference checks once a minute).
      if (!Sleep(options_.check_interval_ms)) return;
      continue;
    }
    stats_.failures++;
    Error error = std::move(r).error();
    if (!fatal) {
      if (failing_since == 0) failing_since = now;
      if (now - failing_since > options_.failure_shutdown_ms) {
        fatal = true;
        error =
            Error(error.code(),
                  "attestation has failed continuously for " + std::to_string(now - failing_since) +
                      " ms (limit " + std::to_string(options_.failure_shutdown_ms) +
                      " ms, attestation_failure_shutdown_hours); last error: " + error.message());
      }
    }
    if (fatal) {
      log::Error("attestation_fatal",
                 {{"http_status", static_cast<int64_t>(http)}, {"error", error.message()}});
      {
        std::lock_guard<std::mutex> lock(mu_);
        fatal_ = error;
      }
      if (on_fatal_) on_fatal_(error);  // before waking waiters: they see a complete stop
      cv_.notify_all();
      return;
    }
    log::Warn("attestation_failed", {{"http_status", static_cast<int64_t>(http)},
                                     {"error", error.message()},
                                     {"retry_in_ms", backoff}});
    if (!Sleep(backoff)) return;
    backoff = std::min(backoff * 2, options_.max_backoff_ms);
  }
}

}  // namespace uid2::sync
