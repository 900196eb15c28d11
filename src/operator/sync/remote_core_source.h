// remote_core_source.h: core data from an attested core over HTTP(S) (spec uid2-operator.md
// §4.1; CONTRACT-12 items 2 and 3).
//
//   RemoteCoreSource::Options o{.api_token = config.core_api_token, ...,
//                               .credentials = [&] { return attestation.Current(); }};
//   auto source = std::make_unique<RemoteCoreSource>(std::move(o));
//   StoreManager::CreateWithSource(config, std::move(source));
//
// Metadata: GET <metadata_path> (an absolute URL) with Authorization: Bearer core_api_token,
// Attestation-Token, Attestation-JWT (core JWT), X-UID2-AppVersion, UID-Instance-Id and, with
// encrypted_files, "Encrypted: true". HTTP 401 calls on_unauthorized (the attestation is
// renewed) and fails this poll. Content: GET <location> exactly as given (pre-signed; query
// kept; any host), with no credentials. With encrypted_files every content file is an envelope
// (encrypted_file.h) opened with the cloud encryption keys, which BeginPoll re-reads from
// cloud_keys_path before each poll round (the old keys stay when that fails). Every failure is
// an error for the store (the StoreManager keeps the last good snapshot and counts it).
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "operator/store/config.h"
#include "operator/store/core_source.h"
#include "operator/sync/attestation.h"
#include "operator/sync/encrypted_file.h"

namespace uid2::sync {

struct RemoteCoreStats {
  std::atomic<uint64_t> metadata_requests{0};
  std::atomic<uint64_t> content_downloads{0};
  std::atomic<uint64_t> request_failures{0};  // transport errors and non-200 replies
  std::atomic<uint64_t> decrypt_failures{0};  // envelope unparsable, unknown key, bad tag
  std::atomic<uint64_t> unknown_key_ids{0};
  std::atomic<uint64_t> cloud_key_refreshes{0};
};

class RemoteCoreSource : public store::CoreSource {
 public:
  struct Options {
    std::string name;  // for Describe(), e.g. the attest URL
    store::Secret api_token;
    std::string instance_id;
    bool encrypted_files = false;
    std::string cloud_keys_path;  // "" = no cloud keys (encrypted_files then fails every file)
    std::chrono::milliseconds timeout{60'000};
    std::function<std::shared_ptr<const Credentials>()> credentials;
    std::function<void()> on_unauthorized;
    RemoteCoreStats* stats = nullptr;  // optional, outlives the source
  };

  explicit RemoteCoreSource(Options options);

  Result<std::string> FetchMetadata(std::string_view metadata_path) override;
  Result<std::string> FetchLocation(std::string_view location) override;
  Status BeginPoll() override;
  std::string Describe() const override { return "remote:" + options_.name; }

 private:
  // Get returns the body of a 200 reply; with on_body the body goes there instead (see
  // HttpRequest::on_body) and "" is returned.
  Result<std::string> Get(std::string_view url, bool with_credentials,
                          std::function<void(std::string_view, size_t)> on_body = {});

  Options options_;
  RemoteCoreStats own_stats_;
  RemoteCoreStats* stats_;
  std::mutex keys_mu_;
  std::shared_ptr<const CloudKeys> keys_;
};

}  // namespace uid2::sync
