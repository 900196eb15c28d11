// store_manager.h: loads the core stores, re-polls them and publishes snapshots.
//
//   UID2_ASSIGN_OR_RETURN(auto manager, StoreManager::Create(config));   // initial full load
//   manager->Start();                    // background polling thread
//   std::shared_ptr<const Snapshot> snap = manager->Current();   // per request
//
// Polling: each store is polled every <name>_refresh_ms. A store's content is re-read only when
// its metadata "version" differs from the loaded one (for salts, also when the selected salt file
// changes). A new snapshot is published only if the new content fully parses and the combined
// snapshot builds; otherwise the old one keeps serving, the failure is logged (store name and
// error, never data) and counted in Stats.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/status.h"
#include "operator/store/config.h"
#include "operator/store/core_source.h"
#include "operator/store/snapshot.h"

namespace uid2::store {

// Counters for metrics. All fields are atomics: read them at any time from any thread.
struct StoreStats {
  struct PerStore {
    std::atomic<uint64_t> reload_successes{0};  // new content loaded (initial load included)
    std::atomic<uint64_t> reload_failures{0};   // metadata or content rejected
    std::atomic<int64_t> version{0};            // loaded metadata version (0 = none)
    std::atomic<int64_t> last_success_ms{0};    // epoch ms of the last successful poll
  };
  PerStore stores[kStoreCount];
  std::atomic<uint64_t> snapshots_published{0};
  std::atomic<uint64_t> begin_poll_failures{0};  // CoreSource::BeginPoll failed (e.g. cloud keys)

  const PerStore& store(StoreId id) const { return stores[static_cast<int>(id)]; }
  PerStore& store(StoreId id) { return stores[static_cast<int>(id)]; }
};

class StoreManager {
 public:
  // Clock returns epoch milliseconds (tests inject one).
  using Clock = std::function<int64_t()>;

  // Create builds a LocalCoreSource from config.core_data_dir (a config with core_attest_url
  // set is kInvalid: the attested source needs attestation, see service::OperatorApp, which
  // uses CreateWithSource with a sync::RemoteCoreSource) and loads every configured store.
  // Fails if any required store cannot be loaded; the error names the store and file.
  static Result<std::unique_ptr<StoreManager>> Create(const OperatorConfig& config,
                                                      Clock clock = nullptr);
  // CreateWithSource: the same with an explicit source (tests, the remote source). Calls
  // source->BeginPoll() first; its failure fails the initial load.
  static Result<std::unique_ptr<StoreManager>> CreateWithSource(const OperatorConfig& config,
                                                                std::unique_ptr<CoreSource> source,
                                                                Clock clock = nullptr);
  ~StoreManager();  // stops the polling thread

  // Current returns the latest published snapshot (never null after Create succeeds).
  std::shared_ptr<const Snapshot> Current() const { return current_.load(); }

  // Start launches the polling thread; Stop joins it. Both idempotent.
  void Start();
  void Stop();

  // PollOnce polls every store now, ignoring the intervals (tests; synchronous). Returns true
  // if a new snapshot was published. Must not run concurrently with itself (the poll thread
  // and PollOnce share a mutex).
  bool PollOnce();

  const StoreStats& stats() const { return stats_; }
  const CoreSource& source() const { return *source_; }

 private:
  StoreManager(const OperatorConfig& config, std::unique_ptr<CoreSource> source, Clock clock);
  struct Loader;

  // PollStore re-reads one store if its version changed; updates *parts. Returns true if the
  // part changed, false if unchanged; an Error if the new data was rejected.
  Result<bool> PollStore(StoreId id, SnapshotParts* parts);
  Result<bool> PollSalts(SnapshotParts* parts);
  bool PollStores(bool all);
  void RecordSuccess(StoreId id, const SnapshotParts& parts, bool changed, int64_t now_ms);
  void Run();

  OperatorConfig config_;
  std::unique_ptr<CoreSource> source_;
  Clock clock_;
  std::atomic<std::shared_ptr<const Snapshot>> current_;
  StoreStats stats_;
  std::mutex poll_mu_;  // serialises polls
  int64_t next_poll_ms_[kStoreCount] = {};

  std::mutex run_mu_;
  std::condition_variable run_cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace uid2::store
