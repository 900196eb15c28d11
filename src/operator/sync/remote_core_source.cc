#include "operator/sync/remote_core_source.h"

#include "common/log.h"
#include "operator/sync/attest_reply.h"
#include "operator/sync/http_client.h"

namespace uid2::sync {

RemoteCoreSource::RemoteCoreSource(Options options)
    : options_(std::move(options)), stats_(options_.stats ? options_.stats : &own_stats_) {}

Result<std::string> RemoteCoreSource::Get(std::string_view url, bool with_credentials,
                                          std::function<void(std::string_view, size_t)> on_body) {
  HttpRequest req;
  req.url = std::string(url);
  req.timeout = options_.timeout;
  req.on_body = std::move(on_body);
  if (with_credentials) {
    auto creds = options_.credentials ? options_.credentials() : nullptr;
    if (!creds) return Error::Io("GET " + RedactUrl(url) + ": not attested yet");
    req.headers.push_back("X-UID2-AppVersion: " + AppVersionHeader());
    req.headers.push_back("UID-Instance-Id: " + options_.instance_id);
    if (!options_.api_token.empty()) {
      req.headers.push_back("Authorization: Bearer " + options_.api_token.Reveal());
    }
    if (!creds->attestation_token.empty()) {
      req.headers.push_back("Attestation-Token: " + creds->attestation_token);
    }
    if (!creds->core_jwt.empty()) req.headers.push_back("Attestation-JWT: " + creds->core_jwt);
    if (options_.encrypted_files) req.headers.push_back("Encrypted: true");
  }
  auto reply = HttpFetch(req);
  if (!reply.ok()) {
    stats_->request_failures++;
    return std::move(reply).error();
  }
  if (reply->status == 401 && with_credentials) {
    stats_->request_failures++;
    if (options_.on_unauthorized) options_.on_unauthorized();
    return Error::Io("GET " + RedactUrl(url) + ": HTTP 401 (re-attesting)");
  }
  if (reply->status != 200) {
    stats_->request_failures++;
    return Error::Io("GET " + RedactUrl(url) + ": HTTP " + std::to_string(reply->status));
  }
  return std::move(reply->body);
}

Result<std::string> RemoteCoreSource::FetchMetadata(std::string_view metadata_path) {
  stats_->metadata_requests++;
  return Get(metadata_path, true);
}

Result<std::string> RemoteCoreSource::FetchLocation(std::string_view location) {
  stats_->content_downloads++;
  if (!options_.encrypted_files) return Get(location, false);
  const std::string where = RedactUrl(location);
  std::shared_ptr<const CloudKeys> keys;
  {
    std::lock_guard<std::mutex> lock(keys_mu_);
    keys = keys_;
  }
  if (!keys) {
    UID2_ASSIGN_OR_RETURN(std::string body, Get(location, false));
    stats_->decrypt_failures++;
    auto envelope = ParseEncryptedEnvelope(body);
    if (!envelope.ok()) return std::move(envelope).error().Context(where);
    return Error::NotFound(where + ": no cloud encryption keys loaded");
  }
  // Decoded and decrypted while it downloads (the salt file's envelope is ~270 MB): the
  // envelope is never stored, only its text.
  EnvelopeReader reader(*keys);
  UID2_RETURN_IF_ERROR(Get(
      location, false, [&](std::string_view piece, size_t size) { reader.Append(piece, size); }));
  auto plain = reader.Finish();
  if (!plain.ok()) {
    stats_->decrypt_failures++;
    if (plain.error().code() == ErrorCode::kNotFound) stats_->unknown_key_ids++;
    return std::move(plain).error().Context(where);
  }
  return std::move(*plain);
}

Status RemoteCoreSource::BeginPoll() {
  if (options_.cloud_keys_path.empty()) return Ok();
  UID2_ASSIGN_OR_RETURN(std::string text, Get(options_.cloud_keys_path, true));
  auto keys = ParseCloudEncryptionKeys(text);
  if (!keys.ok()) return std::move(keys).error().Context(RedactUrl(options_.cloud_keys_path));
  stats_->cloud_key_refreshes++;
  std::lock_guard<std::mutex> lock(keys_mu_);
  keys_ = std::make_shared<const CloudKeys>(std::move(*keys));
  return Ok();
}

}  // namespace uid2::sync
