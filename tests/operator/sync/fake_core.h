// fake_core.h: an in-test uid2-core + opt-out service over the bundled dataset
// (data/uid2/core), following CONTRACT-12: /attest, the reference core's metadata routes,
// pre-signed content URLs on a second server reached as "localhost" (another host than the
// core's 127.0.0.1), AES-256-GCM envelopes under the cloud encryption keys, /optout/refresh.
// Knobs let tests break one thing at a time.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "operator/store/config.h"
#include "tests/operator/sync/fake_http.h"

namespace uid2::sync::testing {

inline constexpr char kOperatorKey[] = "UID2-O-L-999-test-operator-key";

enum class Corrupt { kNone, kTruncate, kBadCiphertext, kUnparsable, kUnknownKey, kNotFound };

class FakeCore {
 public:
  FakeCore();

  // ---- knobs ----
  std::atomic<unsigned> attest_status{200};  // reply status of /attest (401/403/500/...)
  std::atomic<int64_t> token_ttl_ms{3600 * 1000};
  std::atomic<bool> down{false};          // every core route (not /attest) answers 503
  std::atomic<bool> optout_down{false};   // /optout/refresh answers 503
  std::atomic<int> delay_ms{0};           // metadata replies wait this long
  std::atomic<int64_t> version_bump{0};   // added to every metadata version
  std::atomic<int64_t> key_id{4};         // the cloud key that encrypts content
  std::atomic<bool> expire_salts{false};  // salts metadata: every file expired a second ago
  void SetCorrupt(const std::string& store_dir, Corrupt c);
  // AddOptOutFile lists a file on /optout/refresh (served from the content server).
  void AddOptOutFile(const std::string& name, std::string bytes);
  // RevokeTokens forgets every attestation token issued so far (core requests then get 401).
  void RevokeTokens();
  // When set, /attest calls this with the decoded document and public key; a non-empty
  // return is a 403 reason.
  std::function<std::string(const std::string& doc, const std::string& spki)> check_document;

  // ---- endpoints ----
  std::string attest_url() const { return core_.url("/attest"); }
  std::string base_url() const { return core_.url(""); }
  FakeHttp& core() { return core_; }
  FakeHttp& content() { return content_; }
  // Config: conf/local-config.json turned into the attested local-core profile against this
  // core (free ports, 2 threads, the given opt-out folder, core_api_token = kOperatorKey).
  store::OperatorConfig Config(const std::string& optout_dir) const;
  size_t attest_count() const { return attests_.load(); }

 private:
  FakeResponse Attest(const FakeRequest& r);
  FakeResponse Core(const FakeRequest& r);
  FakeResponse Content(const FakeRequest& r);
  bool TokenValid(const std::string& token);
  std::string Rewrite(const std::string& json) const;

  std::atomic<size_t> attests_{0};
  mutable std::mutex mu_;
  std::map<std::string, int64_t> tokens_;  // token -> expires ms
  std::map<std::string, Corrupt> corrupt_;
  std::map<std::string, std::string> optout_files_;
  FakeHttp content_;
  FakeHttp core_;
};

}  // namespace uid2::sync::testing
