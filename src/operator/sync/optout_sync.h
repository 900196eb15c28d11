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
//
// Retention (after each successful metadata fetch; see OptOutFilesToDelete): the reference
// operator mirrors the service's listing and deletes local files it no longer lists. Here a
// file of <dir>/delta or <dir>/partition that the listing no longer names is deleted only when
// nothing is lost: a delta once a listed partition that is present locally is newer than it by
// max(3 x optout_delta_rotate_interval, optout_delta_backtrack_in_days) (the reference's index
// treats such deltas as merged into that partition, and its S3 listing stops listing them); a
// partition once it is older than optout_partition_interval x optout_max_partitions (the
// reference's expiry) and a newer listed partition is present. Listed files, files elsewhere
// in the folder (local logout deltas) and files whose name is not an opt-out file name of their
// folder's kind are never deleted (the latter are counted and logged without their names). A
// failed deletion is logged and counted; the sync goes on. Opt-outs already loaded stay in the
// in-memory index (as in the reference); only a restart loads the retained files alone.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <system_error>
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

// Retention settings (the reference's config keys, config.h).
struct OptOutRetention {
  int64_t delta_rotate_interval_s = 300;  // optout_delta_rotate_interval
  int64_t delta_backtrack_days = 1;       // optout_delta_backtrack_in_days
  int64_t partition_interval_s = 86400;   // optout_partition_interval
  int64_t max_partitions = 30;            // optout_max_partitions
};

// OptOutFilesToDelete applies the retention rule above. `listed` holds the listing's files as
// "<type>/<name>"; `deltas` and `partitions` are the base names found in <dir>/delta and
// <dir>/partition (valid and of the folder's kind; callers drop the others). Returns the files
// to delete as "<delta|partition>/<name>".
std::vector<std::string> OptOutFilesToDelete(const std::set<std::string>& listed,
                                             const std::vector<std::string>& deltas,
                                             const std::vector<std::string>& partitions,
                                             int64_t now_s, const OptOutRetention& retention);

struct OptOutSyncStats {
  std::atomic<uint64_t> syncs{0};
  std::atomic<uint64_t> failures{0};  // metadata unavailable/invalid
  std::atomic<uint64_t> files_downloaded{0};
  std::atomic<uint64_t> files_rejected{0};  // download failed, bad name or bad size
  std::atomic<uint64_t> files_deleted{0};   // retention
  std::atomic<uint64_t> delete_failures{0};
  std::atomic<uint64_t> files_unrecognised{0};  // last round: names left alone in delta/partition
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
    OptOutRetention retention;
    std::function<int64_t()> now_s;  // tests: a fixed clock (default: the system clock)
    // tests: a failing unlink (default std::filesystem::remove; root ignores permissions).
    std::function<std::error_code(const std::string& path)> remove_file;
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
  void ApplyRetention(const std::set<std::string>& listed);
  void Run();

  Options options_;
  OptOutSyncStats stats_;
  std::mutex sync_mu_;
  uint64_t last_unrecognised_ = 0;  // REQUIRES: sync_mu_ held
  std::mutex run_mu_;
  std::condition_variable run_cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace uid2::sync
