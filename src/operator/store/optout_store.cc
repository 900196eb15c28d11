#include "operator/store/optout_store.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <vector>

#include "common/file.h"
#include "common/log.h"

namespace uid2::store {

namespace fs = std::filesystem;

namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool AllBytes(ByteSpan b, uint8_t v) {
  return std::all_of(b.begin(), b.end(), [v](uint8_t x) { return x == v; });
}

bool ToHash32(ByteSpan b, Hash32* out) {
  if (b.size() != out->size()) return false;
  std::copy(b.begin(), b.end(), out->begin());
  return true;
}

std::optional<int64_t> Min(std::optional<int64_t> a, std::optional<int64_t> b) {
  if (!a) return b;
  if (!b) return a;
  return std::min(*a, *b);
}

}  // namespace

// ---- OptOutIndex ----

OptOutIndex::OptOutIndex()
    : base_(std::make_shared<const Layer>()), recent_(std::make_shared<const Layer>()) {}

OptOutIndex::OptOutIndex(std::shared_ptr<const Layer> base, std::shared_ptr<const Layer> recent)
    : base_(std::move(base)), recent_(std::move(recent)) {}

std::optional<int64_t> OptOutIndex::IdentityOptedOutSince(ByteSpan first_level_hash) const {
  Hash32 k;
  if (!ToHash32(first_level_hash, &k)) return std::nullopt;
  return Min(base_->by_identity.Find(k), recent_->by_identity.Find(k));
}

bool OptOutIndex::IsOptedOut(ByteSpan first_level_hash) const {
  if (first_level_hash.size() != kOptOutHashSize) return false;
  if (AllBytes(first_level_hash, 0x00)) return true;   // spec §3.6
  if (AllBytes(first_level_hash, 0xFF)) return false;  // spec §3.6
  return IdentityOptedOutSince(first_level_hash).has_value();
}

std::optional<int64_t> OptOutIndex::OptedOutSince(ByteSpan advertising_id) const {
  if (advertising_id.size() == kOptOutHashSize + 1) advertising_id = advertising_id.subspan(1);
  Hash32 k;
  if (!ToHash32(advertising_id, &k)) return std::nullopt;
  return Min(base_->by_advertising_id.Find(k), recent_->by_advertising_id.Find(k));
}

size_t OptOutIndex::size() const {
  size_t n = base_->by_identity.size();
  recent_->by_identity.ForEach(
      [&](const Hash32& k, int64_t) { n += !base_->by_identity.Contains(k); });
  return n;
}

std::shared_ptr<const OptOutIndex> OptOutIndex::WithRecords(
    const std::vector<OptOutRecord>& records) const {
  const size_t threshold = std::max<size_t>(4096, base_->by_identity.size() / 8);
  if (recent_->by_identity.size() + records.size() <= threshold) {
    auto recent = std::make_shared<Layer>(*recent_);
    for (const OptOutRecord& r : records) {
      recent->by_identity.InsertMin(r.identity_hash, r.timestamp_s);
      recent->by_advertising_id.InsertMin(r.advertising_id, r.timestamp_s);
    }
    if (recent->by_identity.size() <= threshold) {
      return std::make_shared<const OptOutIndex>(base_, std::move(recent));
    }
  }
  // Large: merge straight into a new base, sized once (the initial load of millions of records
  // would otherwise build a recent layer and then copy it, peaking at several times the index).
  auto base = std::make_shared<Layer>(*base_);
  const size_t total = base_->by_identity.size() + recent_->by_identity.size() + records.size();
  base->by_identity.Reserve(total);
  base->by_advertising_id.Reserve(total);
  recent_->by_identity.ForEach(
      [&](const Hash32& k, int64_t ts) { base->by_identity.InsertMin(k, ts); });
  recent_->by_advertising_id.ForEach(
      [&](const Hash32& k, int64_t ts) { base->by_advertising_id.InsertMin(k, ts); });
  for (const OptOutRecord& r : records) {
    base->by_identity.InsertMin(r.identity_hash, r.timestamp_s);
    base->by_advertising_id.InsertMin(r.advertising_id, r.timestamp_s);
  }
  return std::make_shared<const OptOutIndex>(std::move(base), std::make_shared<const Layer>());
}

// ---- OptOutStore ----

OptOutStore::OptOutStore(std::string dir) : dir_(std::move(dir)) {
  current_.store(std::make_shared<const OptOutIndex>());
}

OptOutStore::~OptOutStore() { Stop(); }

Result<std::unique_ptr<OptOutStore>> OptOutStore::Open(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Error::Io("optout_data_dir " + dir + ": cannot create: " + ec.message());
  if (!fs::is_directory(dir, ec)) {
    return Error::Invalid("optout_data_dir " + dir + ": not a directory");
  }
  std::unique_ptr<OptOutStore> store(new OptOutStore(dir));
  UID2_RETURN_IF_ERROR(store->Scan());
  return store;
}

Result<int> OptOutStore::Scan() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> fresh;
  std::error_code ec;
  fs::recursive_directory_iterator it(dir_, fs::directory_options::skip_permission_denied, ec);
  if (ec) return Error::Io("optout_data_dir " + dir_ + ": cannot list: " + ec.message());
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) return Error::Io("optout_data_dir " + dir_ + ": cannot list: " + ec.message());
    if (!it->is_regular_file(ec)) continue;
    std::string path = it->path().string();
    if (seen_.contains(path)) continue;
    if (!ParseOptOutFileName(it->path().filename().string())) continue;
    fresh.push_back(std::move(path));
  }
  std::sort(fresh.begin(), fresh.end());
  std::vector<OptOutRecord> records;
  size_t expected = 0;
  for (const std::string& path : fresh) {
    uintmax_t size = fs::file_size(path, ec);
    if (!ec) expected += static_cast<size_t>(size / kOptOutRecordSize);
  }
  records.reserve(expected);
  int loaded = 0;
  for (const std::string& path : fresh) {
    seen_.insert(path);  // files are immutable: read (or refuse) each once
    auto bytes = ReadFileBytes(path);
    Result<std::vector<OptOutRecord>> parsed =
        bytes.ok() ? ParseOptOutRecords(*bytes) : Result<std::vector<OptOutRecord>>(bytes.error());
    if (!parsed.ok()) {
      stats_.files_rejected++;
      log::Error("optout_file_rejected", {{"file", path}, {"error", parsed.error().message()}});
      continue;
    }
    records.insert(records.end(), parsed->begin(), parsed->end());
    stats_.records_loaded += parsed->size();
    stats_.files_loaded++;
    loaded++;
  }
  if (loaded > 0) {
    Publish(records);
    log::Info("optout_files_loaded", {{"files", loaded}, {"records", records.size()}});
  }
  stats_.last_scan_ms = NowMs();
  return loaded;
}

void OptOutStore::Forget(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  seen_.erase(path);
}

void OptOutStore::Publish(const std::vector<OptOutRecord>& records) {
  current_.store(current_.load()->WithRecords(records));
}

Status OptOutStore::AppendLogout(ByteSpan identity_hash, ByteSpan advertising_id, int64_t now_s) {
  OptOutRecord rec;
  if (!ToHash32(identity_hash, &rec.identity_hash)) {
    return Error::Invalid("identity hash must be 32 bytes, got " +
                          std::to_string(identity_hash.size()));
  }
  if (advertising_id.size() == kOptOutHashSize + 1) {
    rec.meta = static_cast<uint8_t>(0x40 | (advertising_id[0] & 0x3F));  // record version 1
    advertising_id = advertising_id.subspan(1);
  }
  if (!ToHash32(advertising_id, &rec.advertising_id)) {
    return Error::Invalid("advertising id must be 32 or 33 bytes, got " +
                          std::to_string(advertising_id.size()));
  }
  if (now_s < 0 || now_s >= (int64_t{1} << 56)) {
    return Error::Invalid("timestamp " + std::to_string(now_s) + " does not fit 7 bytes");
  }
  rec.timestamp_s = now_s;
  Bytes data;
  EncodeOptOutRecord(rec, &data);

  std::lock_guard<std::mutex> lock(mu_);
  OptOutFileName name{OptOutFileKind::kDelta, 0, now_s,
                      (static_cast<uint32_t>(::getpid()) << 16) ^ ++logout_counter_};
  std::string path = (fs::path(dir_) / FormatOptOutFileName(name)).string();
  while (seen_.contains(path) || fs::exists(path)) {
    name.suffix = (static_cast<uint32_t>(::getpid()) << 16) ^ ++logout_counter_;
    path = (fs::path(dir_) / FormatOptOutFileName(name)).string();
  }
  UID2_RETURN_IF_ERROR(WriteFileAtomic(path, ByteSpan(data), 0600));
  seen_.insert(path);
  Publish({rec});
  stats_.logouts_written++;
  stats_.records_loaded++;
  return Ok();
}

void OptOutStore::Start(int64_t interval_ms) {
  std::lock_guard<std::mutex> lock(run_mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this, interval_ms] { Run(interval_ms); });
}

void OptOutStore::Stop() {
  {
    std::lock_guard<std::mutex> lock(run_mu_);
    if (!thread_.joinable()) return;
    stopping_ = true;
  }
  run_cv_.notify_all();
  thread_.join();
}

void OptOutStore::Run(int64_t interval_ms) {
  std::unique_lock<std::mutex> lock(run_mu_);
  while (!run_cv_.wait_for(lock, std::chrono::milliseconds(interval_ms),
                           [this] { return stopping_; })) {
    lock.unlock();
    auto r = Scan();
    if (!r.ok()) log::Error("optout_scan_failed", {{"error", r.error().message()}});
    lock.lock();
  }
}

}  // namespace uid2::store
