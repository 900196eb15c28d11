// optout_store.h: the opt-out index over a local folder of delta and partition files
// (spec §3.6, §4.3, §4.4).
//
//   UID2_ASSIGN_OR_RETURN(auto optout, OptOutStore::Open(config.optout_data_dir));
//   optout->Start(config.optout_refresh_ms);           // re-scan for new files in background
//   auto index = optout->Current();                    // per request
//   if (index->IsOptedOut(first_level_hash)) ...
//
// The folder is scanned recursively for files whose base name matches the opt-out pattern
// (optout_file.h); each file is read once (files are immutable once written). A malformed file
// (size not a multiple of 72, unreadable) is refused with a logged error naming the file and
// counted in stats; it is not retried. Lookups use an immutable OptOutIndex published with an
// atomic shared_ptr swap: no lock and no allocation per lookup.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "common/bytes.h"
#include "common/status.h"
#include "operator/store/hash32_table.h"
#include "operator/store/optout_file.h"

namespace uid2::store {

// An immutable opt-out index: a large base layer plus a small recent layer (new files are added
// to the recent layer; it is merged into the base when it grows past 1/8 of the base).
class OptOutIndex {
 public:
  struct Layer {
    // identity_hash -> earliest timestamp (s)
    Hash32Table by_identity;
    // advertising_id (32 bytes; see optout_file.h) -> earliest timestamp (s)
    Hash32Table by_advertising_id;
  };

  OptOutIndex();
  OptOutIndex(std::shared_ptr<const Layer> base, std::shared_ptr<const Layer> recent);

  // IsOptedOut: true if any record exists for the first-level hash (the timestamp is not
  // compared, spec §3.6). Special rules: all-zero hash -> true; all-0xFF hash -> false.
  // A hash that is not 32 bytes -> false.
  bool IsOptedOut(ByteSpan first_level_hash) const;
  // OptedOutSince returns the minimum timestamp (epoch seconds) over records for an advertising
  // id (raw UID: 32 bytes, or 33 bytes whose last 32 are looked up), or nullopt.
  std::optional<int64_t> OptedOutSince(ByteSpan advertising_id) const;
  // IdentityOptedOutSince: minimum timestamp (s) for a first-level hash (ignores special rules).
  std::optional<int64_t> IdentityOptedOutSince(ByteSpan first_level_hash) const;

  size_t size() const;  // distinct identity hashes
  // WithRecords returns a new index with the records added (this one is unchanged).
  std::shared_ptr<const OptOutIndex> WithRecords(const std::vector<OptOutRecord>& records) const;

 private:
  std::shared_ptr<const Layer> base_;
  std::shared_ptr<const Layer> recent_;
};

struct OptOutStats {
  std::atomic<uint64_t> files_loaded{0};
  std::atomic<uint64_t> files_rejected{0};
  std::atomic<uint64_t> records_loaded{0};
  std::atomic<uint64_t> logouts_written{0};
  std::atomic<int64_t> last_scan_ms{0};  // epoch ms of the last completed scan
};

class OptOutStore {
 public:
  // Open creates the folder if missing (with parents) and loads every file in it.
  // Fails if the folder cannot be created or listed. Malformed files do not fail Open.
  static Result<std::unique_ptr<OptOutStore>> Open(const std::string& dir);
  ~OptOutStore();

  std::shared_ptr<const OptOutIndex> Current() const { return current_.load(); }

  // Scan reads files that appeared since the last scan and publishes a new index if any were
  // added. Returns the number of files loaded. Thread-safe.
  Result<int> Scan();
  // Forget drops a deleted file from the bookkeeping of files already read (its opt-outs stay
  // in the index; the opt-out sync's retention calls it after deleting the file).
  void Forget(const std::string& path);
  // Start/Stop a background thread that calls Scan() every interval_ms.
  void Start(int64_t interval_ms);
  void Stop();

  // AppendLogout writes one record (meta 0 for a 32-byte advertising id; version 1 with the
  // prefix for a 33-byte one) as a new delta file, atomically (temporary file + rename), and
  // adds it to the index before returning. REQUIRES: identity_hash 32 bytes, advertising_id
  // 32 or 33 bytes (else kInvalid).
  Status AppendLogout(ByteSpan identity_hash, ByteSpan advertising_id, int64_t now_s);

  const OptOutStats& stats() const { return stats_; }
  const std::string& dir() const { return dir_; }

 private:
  explicit OptOutStore(std::string dir);
  void Publish(const std::vector<OptOutRecord>& records);  // REQUIRES: mu_ held
  void Run(int64_t interval_ms);

  std::string dir_;
  std::atomic<std::shared_ptr<const OptOutIndex>> current_;
  OptOutStats stats_;
  std::mutex mu_;               // serialises Scan/AppendLogout (writers)
  std::set<std::string> seen_;  // files already read or refused
  uint32_t logout_counter_ = 0;

  std::mutex run_mu_;
  std::condition_variable run_cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace uid2::store
