// optout_remote.h: the client of the remote opt-out service used by /v2/token/logout when
// `optout_api_uri` is configured (spec §4.4):
//
//   POST <optout_api_uri>?identity_hash=<b64 first-level hash>&advertising_id=<b64 raw UID>
//   Authorization: Bearer <core_api_token>
//   UID-Instance-Id: <uid_instance_id_prefix>-<random hex, fixed per process>
//   UID-Trace-Id: <random hex, per call>
//   body: {"email"?, "phone"?, "client_ip"?}           expects HTTP 200
//
// `optout_api_token` is not read (as in the reference operator). Nothing sent is logged: the
// query carries hashes and the body an email or phone, so errors name only the base URI.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "common/bytes.h"
#include "common/status.h"
#include "operator/store/config.h"

namespace uid2::service {

struct OptOutRequest {
  ByteSpan first_level_hash;         // 32 bytes
  ByteSpan advertising_id;           // the raw UID
  std::optional<std::string> email;  // as sent by the caller, when the input was an email
  std::optional<std::string> phone;  // likewise for a phone number
};

class RemoteOptOut {
 public:
  // `uri` is the configured optout_api_uri (http or https). Fails (kInvalid) on an empty URI
  // or one that is not http(s).
  static Result<std::unique_ptr<RemoteOptOut>> Create(std::string uri, store::Secret token,
                                                      const std::string& instance_prefix);

  // Send posts one opt-out and succeeds only on HTTP 200. Blocking (at most kTimeout);
  // thread-safe. Failure (kIo) names the base URI and the HTTP status or transport error.
  Status Send(const OptOutRequest& request) const;

  static constexpr std::chrono::milliseconds kTimeout{10'000};

 private:
  RemoteOptOut(std::string uri, store::Secret token, std::string instance_id)
      : uri_(std::move(uri)), token_(std::move(token)), instance_id_(std::move(instance_id)) {}

  std::string uri_;
  store::Secret token_;
  std::string instance_id_;
};

}  // namespace uid2::service
