// endpoints.h: the operator's API handlers (spec §1), after authentication and envelope
// decoding. Each handler takes the decrypted request (a Call) and returns a Reply value; none
// throws. The router (operator_service.h) turns a Reply into HTTP: kSuccess and kStatusOnly are
// encrypted 200 bodies ({"status":"success","body":...} / {"status":"optout"}), kError is a
// plaintext {"status","message"} with its HTTP code.
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "operator/identity/identity.h"
#include "operator/service/http_server.h"
#include "operator/service/optout_remote.h"
#include "operator/service/service_metrics.h"
#include "operator/store/config.h"
#include "operator/store/optout_store.h"
#include "operator/store/snapshot.h"

namespace uid2::service {

struct Reply {
  enum class Kind { kSuccess, kStatusOnly, kError };
  Kind kind = Kind::kSuccess;
  unsigned http_status = 200;
  std::string status = "success";
  std::string body_json;  // kSuccess: the JSON text of "body"
  std::string message;    // kError
  // kSuccess replies with large bodies are built straight into a response frame instead of
  // body_json: oi::kResponseFrameHeader placeholder bytes, then the complete
  // {"status":"success","body":...} JSON (StartSuccessFrame / EndSuccessFrame). The router
  // seals it in place (oi::SealResponseFrame), so the body is never copied. Empty otherwise.
  std::string frame;

  static Reply Success(std::string body_json);
  static Reply StatusOnly(std::string status);    // e.g. "optout", inside an encrypted 200
  static Reply ClientError(std::string message);  // 400 client_error
  static Reply Error(unsigned http, std::string status, std::string message);
  static Reply Unauthorized();                // 401 {"status":"unauthorized"}
  static Reply Unknown(std::string message);  // 500 unknown

  // StartSuccessFrame returns a frame holding the placeholder and `{"status":"success","body":`
  // with room for `reserve` more bytes; append the body JSON, then pass it to SuccessFrame.
  static std::string StartSuccessFrame(size_t reserve);
  // SuccessFrame closes the frame's JSON and makes the kSuccess reply.
  static Reply SuccessFrame(std::string frame);

  // Json renders {"status":...,"body":...} (success), {"status":...} (status only) or
  // {"status":...,"message":...} (error).
  std::string Json() const;
  // TakeFrame returns the reply as a response frame (moved out of a framed reply, or built
  // from Json()), for oi::SealResponseFrame.
  std::string TakeFrame();
};

// Messages used by several endpoints (verbatim from the reference operator).
constexpr std::string_view kMsgExactlyOneIdentity =
    "Required Parameter Missing: exactly one of [email, email_hash, phone, phone_hash] must be "
    "specified";
constexpr std::string_view kMsgInvalidIdentifier = "Invalid Identifier";
constexpr std::string_view kMsgIncorrectFormat = "Incorrect request format";

// The decrypted request as the handlers see it.
struct Call {
  const store::Snapshot& snap;
  const store::ClientKey* client;   // authenticated caller; null for refresh/CSTG
  const rapidjson::Value* payload;  // the JSON object, or null when the request had none
  int64_t now_ms;
  const HttpRequest& http;
};

// A resolved identity input of generate/validate/logout.
struct IdentityInput {
  operator_identity::InputKind kind;
  operator_identity::IdentityBytes bytes;
  std::string_view text;  // the field's value as sent (valid while the payload lives)
};

class Endpoints {
 public:
  Endpoints(const store::OperatorConfig& config, store::OptOutStore* optout,
            ServiceMetrics* metrics);

  Reply TokenGenerate(const Call& c);
  Reply TokenValidate(const Call& c);
  Reply TokenLogout(const Call& c);
  // TokenRefresh: `inner_token` is the inner token text (unwrapped, or the legacy body).
  Reply TokenRefresh(const Call& c, std::string_view inner_token);
  Reply IdentityMapV2(const Call& c);
  Reply IdentityMapV3(const Call& c);
  Reply IdentityBuckets(const Call& c);
  Reply KeySharing(const Call& c);
  Reply KeyBidstream(const Call& c);
  Reply KeyLatest(const Call& c);
  Reply OptOutStatus(const Call& c);
  // ClientGenerate runs CSTG on the plain request body; on success *reply_key is the key the
  // 200 body is encrypted with (the ECDH shared secret).
  Reply ClientGenerate(const Call& c, operator_identity::KeySecret* reply_key);

  const store::OperatorConfig& config() const { return config_; }
  operator_identity::IdentityScope scope() const { return scope_; }

 private:
  struct Issued;
  Reply Issue(const store::Snapshot& snap, operator_identity::IdentityType type,
              const operator_identity::Sha256Value& first_level, int32_t site_id,
              int32_t privacy_bits, int64_t established_ms, int64_t now_ms,
              std::string_view endpoint);
  bool OptedOut(const operator_identity::Sha256Value& first_level) const;
  // SendRemoteOptOut posts a logout to optout_api_uri (email/phone as given in the request).
  Status SendRemoteOptOut(const IdentityInput& in,
                          const operator_identity::Sha256Value& first_level,
                          ByteSpan raw_uid) const;
  Result<const crypto::EcKeyP256*> CstgKey(const store::Snapshot& snap,
                                           const store::ClientSideKeypair& kp);

  const store::OperatorConfig& config_;
  store::OptOutStore* optout_;
  ServiceMetrics* metrics_;
  operator_identity::IdentityScope scope_;
  // Set when optout_api_uri is configured: logout posts there instead of the local folder.
  std::unique_ptr<RemoteOptOut> remote_optout_;

  // Parsed CSTG private keys of the current snapshot (parsing is the expensive step).
  std::mutex cstg_mu_;
  std::shared_ptr<const std::vector<store::ClientSideKeypair>> cstg_parts_;  // keys parsed from
  std::map<std::string, std::unique_ptr<crypto::EcKeyP256>, std::less<>> cstg_keys_;
};

// ---- helpers shared by the endpoint files (endpoint_util.cc) ----

// ParseSingleIdentity reads exactly one of email/email_hash/phone/phone_hash (strings) from the
// payload. Errors are ready-made replies (400 with the reference messages).
Result<IdentityInput> ParseSingleIdentity(const rapidjson::Value* payload, bool phone_support);

// TokenKeyOf converts a store key for the token formats.
operator_identity::TokenKey TokenKeyOf(const store::KeysetKey& key);
// KeyLookupFor looks keys up by id in `snap` (valid while snap lives).
operator_identity::KeyLookup KeyLookupFor(const store::Snapshot& snap);

operator_identity::IdentityEnvironment EnvOf(const store::Snapshot& snap);

// A mapped identity: the current raw UID, and the previous one when the bucket rotated < 90
// days ago and had a previous salt or key.
struct Mapped {
  operator_identity::RawUid current;
  std::optional<operator_identity::RawUid> previous;
  store::SaltEntry bucket;  // views into the snapshot's salt text
  int version = 2;          // raw UID version of `current`: 2, 3 or 4
};
// MapFirstLevel derives the raw UID(s) from a first-level hash with the snapshot's salts.
// Fails (kInvalid) when the bucket has neither salt nor key material.
Result<Mapped> MapFirstLevel(const store::Snapshot& snap,
                             const operator_identity::Sha256Value& first_level,
                             operator_identity::IdentityScope scope,
                             operator_identity::IdentityType type, bool identity_v3,
                             bool want_previous, int64_t now_ms);

// BucketIdText: id_prefix + Hashids(id_secret, 9).Encode(id), cached per salts metadata.
std::string BucketIdText(const store::Snapshot& snap, int64_t bucket_id);

// FormatUtcMillis renders "yyyy-MM-ddTHH:mm:ss.SSS"; ParseLocalDateTime reads
// "yyyy-MM-ddTHH:mm[:ss[.fraction]]" as UTC (false when malformed).
std::string FormatUtcMillis(int64_t ms);
bool ParseLocalDateTime(std::string_view text, int64_t* ms);

}  // namespace uid2::service
