// optout_sync.h: downloading opt-out files from the attested opt-out service into the local
// opt-out folder (spec uid2-operator.md §4.3; CONTRACT-12 item 4).
//
//   OptOutSync sync(options);   // options.store = the OptOutStore over optout_data_dir
//   sync.Start();               // SyncOnce every interval_ms
//
// SyncOnce: GET <optout_metadata_path>, resolved against the attest reply's optout_url when it
// is relative, with Authorization: Bearer optout_api_token, Attestation-Token, Attestation-JWT
// (the opt-out JWT), X-UID2-AppVersion and UID-Instance-Id. The metadata is
//   {"version": <int>, "generated": <int>, "optout_logs": [
//      {"type": "delta"|"partition", "from": <int>, "to": <int>, "location": "<URL>"}, ...]}
// Each file whose name (the last path segment of `location`, before any query) is a valid
// opt-out file name and is not yet in the folder is fetched with a plain GET (pre-signed; no
// credentials), checked (whole 72-byte records) and written atomically to
// <dir>/<delta|partition>/<name>; then the store is rescanned, so new opt-outs apply at once.
// Failures (service down, bad metadata, a bad file) are logged without data and counted; the
// files already loaded keep serving.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"
#include "operator/store/config.h"
#include "operator/store/optout_store.h"
#include "operator/sync/attestation.h"

namespace uid2::sync {

struct OptOutLog {
  std::string type;  // "delta" or "partition"
  int64_t from = 0;
  int64_t to = 0;
  std::string location;
};

struct OptOutMetadata {
  int64_t version = 0;
  int64_t generated = 0;
  std::vector<OptOutLog> logs;
};

// ParseOptOutMetadata: kInvalid naming the entry and field at fault.
Result<OptOutMetadata> ParseOptOutMetadata(std::string_view json);

// OptOutFileNameOf returns the base name of a location URL (no query), or "" when it is not an
// opt-out file name (optout_file.h).
std::string OptOutFileNameOf(std::string_view location);

struct OptOutSyncStats {
  std::atomic<uint64_t> syncs{0};
  std::atomic<uint64_t> failures{0};  // metadata unavailable/invalid
  std::atomic<uint64_t> files_downloaded{0};
  std::atomic<uint64_t> files_rejected{0};  // download failed, bad name or bad size
  std::atomic<int64_t> version{0};
  std::atomic<int64_t> last_success_ms{0};
};

class OptOutSync {
 public:
  struct Options {
    std::string metadata_path;  // absolute URL, or relative to the attest reply's optout_url
    store::Secret api_token;
    std::string instance_id;
    std::string data_dir;
    store::OptOutStore* store = nullptr;
    int64_t interval_ms = 60'000;
    std::chrono::milliseconds timeout{60'000};
    std::function<std::shared_ptr<const Credentials>()> credentials;
    std::function<void()> on_unauthorized;
  };

  explicit OptOutSync(Options options) : options_(std::move(options)) {}
  ~OptOutSync() { Stop(); }

  // SyncOnce performs one round; returns the number of new files written.
  Result<int> SyncOnce();
  void Start();
  void Stop();

  const OptOutSyncStats& stats() const { return stats_; }

 private:
  Result<std::string> MetadataUrl(const Credentials& creds) const;
  void Run();

  Options options_;
  OptOutSyncStats stats_;
  std::mutex sync_mu_;
  std::mutex run_mu_;
  std::condition_variable run_cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace uid2::sync
