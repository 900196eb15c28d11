#include "operator/store/store_manager.h"

#include <algorithm>
#include <chrono>

#include "common/log.h"
#include "common/thread_priority.h"
#include "operator/store/core_stores.h"

namespace uid2::store {

namespace {

int64_t SystemNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

template <typename T>
std::shared_ptr<const T> Share(T value) {
  return std::make_shared<const T>(std::move(value));
}

// ParseContent parses a store's content file into its part of *parts.
Status ParseContent(StoreId id, const std::string& text, SnapshotParts* parts) {
  switch (id) {
    case StoreId::kClients: {
      UID2_ASSIGN_OR_RETURN(auto v, ParseClients(text));
      parts->clients = std::make_shared<const ClientIndex>(std::move(v));
      return Ok();
    }
    case StoreId::kKeysets: {
      UID2_ASSIGN_OR_RETURN(auto v, ParseKeysets(text));
      parts->keysets = Share(std::move(v));
      return Ok();
    }
    case StoreId::kKeysetKeys: {
      UID2_ASSIGN_OR_RETURN(auto v, ParseKeysetKeys(text));
      parts->keyset_keys = Share(std::move(v));
      return Ok();
    }
    case StoreId::kSites: {
      UID2_ASSIGN_OR_RETURN(auto v, ParseSites(text));
      parts->sites = Share(std::move(v));
      return Ok();
    }
    case StoreId::kClientSideKeypairs: {
      UID2_ASSIGN_OR_RETURN(auto v, ParseClientSideKeypairs(text));
      parts->client_side_keypairs = Share(std::move(v));
      return Ok();
    }
    case StoreId::kServices: {
      UID2_ASSIGN_OR_RETURN(auto v, ParseServices(text));
      parts->services = Share(std::move(v));
      return Ok();
    }
    case StoreId::kServiceLinks: {
      UID2_ASSIGN_OR_RETURN(auto v, ParseServiceLinks(text));
      parts->service_links = Share(std::move(v));
      return Ok();
    }
    case StoreId::kSalts:
    case StoreId::kRuntimeConfig:
      break;
  }
  return Error::Internal("ParseContent: unexpected store");
}

// Shown is a location for messages: a pre-signed URL's query (its signature) is cut.
std::string Shown(std::string_view location) {
  size_t q = location.find('?');
  return q == std::string_view::npos ? std::string(location)
                                     : std::string(location.substr(0, q)) + "?...";
}

bool HasPart(StoreId id, const SnapshotParts& p) {
  switch (id) {
    case StoreId::kClients:
      return p.clients != nullptr;
    case StoreId::kKeysets:
      return p.keysets != nullptr;
    case StoreId::kKeysetKeys:
      return p.keyset_keys != nullptr;
    case StoreId::kSalts:
      return p.salts != nullptr;
    case StoreId::kSites:
      return p.sites != nullptr;
    case StoreId::kClientSideKeypairs:
      return p.client_side_keypairs != nullptr;
    case StoreId::kServices:
      return p.services != nullptr;
    case StoreId::kServiceLinks:
      return p.service_links != nullptr;
    case StoreId::kRuntimeConfig:
      return p.runtime_config != nullptr;
  }
  return false;
}

}  // namespace

StoreManager::StoreManager(const OperatorConfig& config, std::unique_ptr<CoreSource> source,
                           Clock clock)
    : config_(config), source_(std::move(source)), clock_(std::move(clock)) {
  if (!clock_) clock_ = SystemNowMs;
}

StoreManager::~StoreManager() { Stop(); }

Result<std::unique_ptr<StoreManager>> StoreManager::Create(const OperatorConfig& config,
                                                           Clock clock) {
  if (config.core_attest_url) {
    return Error::Invalid(
        "core_attest_url is set: the attested core source is built by the operator app "
        "(StoreManager::CreateWithSource with a RemoteCoreSource), not by Create");
  }
  return CreateWithSource(config, std::make_unique<LocalCoreSource>(config.core_data_dir),
                          std::move(clock));
}

Result<std::unique_ptr<StoreManager>> StoreManager::CreateWithSource(
    const OperatorConfig& config, std::unique_ptr<CoreSource> source, Clock clock) {
  std::unique_ptr<StoreManager> m(new StoreManager(config, std::move(source), std::move(clock)));
  if (Status st = m->source_->BeginPoll(); !st.ok()) {
    m->stats_.begin_poll_failures++;
    return std::move(st).error().Context(m->source_->Describe());
  }
  SnapshotParts parts;
  if (!config.enable_remote_config) {
    Status st = ValidateRuntimeConfig(config.runtime);
    if (!st.ok()) return std::move(st).error().Context(config.source_file);
    parts.runtime_config = Share(config.runtime);
  }
  const int64_t now = m->clock_();
  for (int i = 0; i < kStoreCount; i++) {
    StoreId id = static_cast<StoreId>(i);
    Result<bool> r = m->PollStore(id, &parts);
    if (!r.ok()) {
      m->stats_.store(id).reload_failures++;
      return std::move(r).error();
    }
    m->RecordSuccess(id, parts, *r, now);
  }
  UID2_ASSIGN_OR_RETURN(auto snap, Snapshot::Build(std::move(parts)));
  m->current_.store(std::move(snap));
  m->stats_.snapshots_published++;
  for (int i = 0; i < kStoreCount; i++) m->next_poll_ms_[i] = now + m->config_.stores[i].refresh_ms;
  log::Info("core_data_loaded", {{"source", m->source_->Describe()},
                                 {"salt_buckets", m->Current()->salts().set->size()},
                                 {"clients", m->Current()->parts().clients->all().size()},
                                 {"keys", m->Current()->KeysById().size()}});
  return m;
}

void StoreManager::RecordSuccess(StoreId id, const SnapshotParts& parts, bool changed,
                                 int64_t now_ms) {
  StoreStats::PerStore& s = stats_.store(id);
  s.last_success_ms = now_ms;
  s.version = parts.versions[static_cast<int>(id)];
  if (changed) s.reload_successes++;
}

Result<bool> StoreManager::PollStore(StoreId id, SnapshotParts* parts) {
  const int idx = static_cast<int>(id);
  const std::string& path = config_.stores[idx].metadata_path;
  if (path.empty()) return false;  // not configured
  if (id == StoreId::kRuntimeConfig && !config_.enable_remote_config) return false;
  // As the reference operator's createStoreVerticles: sites and client-side keypairs serve CSTG
  // only, services and service links only the link check. (A private operator has no CSTG, and
  // the core refuses it those stores.)
  if ((id == StoreId::kSites || id == StoreId::kClientSideKeypairs) &&
      !config_.client_side_token_generate) {
    return false;
  }
  if ((id == StoreId::kServices || id == StoreId::kServiceLinks) &&
      !config_.validate_service_links) {
    return false;
  }
  const std::string where = "store " + std::string(StoreName(id)) + ": " + path;
  if (id == StoreId::kSalts) {
    Result<bool> r = PollSalts(parts);
    if (!r.ok()) return std::move(r).error().Context(where);
    return r;
  }
  auto meta_text = source_->FetchMetadata(path);
  if (!meta_text.ok())
    return std::move(meta_text).error().Context("store " + std::string(StoreName(id)));
  if (id == StoreId::kRuntimeConfig) {
    auto meta = ParseStoreMetadata(id, *meta_text);
    if (!meta.ok()) return std::move(meta).error().Context(where);
    if (parts->runtime_config && meta->version == parts->versions[idx]) return false;
    auto rc = ParseRuntimeConfigMetadata(*meta_text);
    if (!rc.ok()) return std::move(rc).error().Context(where);
    parts->runtime_config = Share(std::move(*rc));
    parts->versions[idx] = meta->version;
    return true;
  }
  auto meta = ParseStoreMetadata(id, *meta_text);
  if (!meta.ok()) return std::move(meta).error().Context(where);
  if (HasPart(id, *parts) && parts->versions[idx] == meta->version) return false;
  auto content = source_->FetchLocation(meta->location);
  if (!content.ok())
    return std::move(content).error().Context("store " + std::string(StoreName(id)));
  Status st = ParseContent(id, *content, parts);
  if (!st.ok())
    return std::move(st).error().Context("store " + std::string(StoreName(id)) + ": " +
                                         Shown(meta->location));
  parts->versions[idx] = meta->version;
  return true;
}

Result<bool> StoreManager::PollSalts(SnapshotParts* parts) {
  const int idx = static_cast<int>(StoreId::kSalts);
  UID2_ASSIGN_OR_RETURN(std::string meta_text,
                        source_->FetchMetadata(config_.stores[idx].metadata_path));
  UID2_ASSIGN_OR_RETURN(SaltsMetadata meta, ParseSaltsMetadata(meta_text));
  const SaltFileRef& file = meta.SelectFile(clock_());
  if (parts->salts && parts->versions[idx] == meta.version &&
      parts->salts->selected_effective_ms == file.effective_ms) {
    return false;
  }
  UID2_ASSIGN_OR_RETURN(std::string text, source_->FetchLocation(file.location));
  auto set = SaltSet::Parse(std::move(text));
  if (!set.ok()) return std::move(set).error().Context(Shown(file.location));
  if (file.size > 0 && static_cast<size_t>(file.size) != (*set)->size()) {
    return Error::Invalid("metadata says size " + std::to_string(file.size) + " but the file has " +
                          std::to_string((*set)->size()) + " lines")
        .Context(Shown(file.location));
  }
  auto data = std::make_shared<SaltsData>();
  data->selected_effective_ms = file.effective_ms;
  data->set = std::move(*set);
  data->metadata = std::move(meta);
  parts->versions[idx] = data->metadata.version;
  parts->salts = std::move(data);
  return true;
}

bool StoreManager::PollStores(bool all) {
  std::lock_guard<std::mutex> lock(poll_mu_);
  // The time is read under the lock: a poll that waited for another one must not record an
  // older success time than the poll that finished before it (last_success_ms never goes back).
  const int64_t now_ms = clock_();
  std::shared_ptr<const Snapshot> old = Current();
  SnapshotParts parts = old->parts();
  bool changed_any = false;
  bool changed[kStoreCount] = {};
  bool began = false;
  for (int i = 0; i < kStoreCount; i++) {
    StoreId id = static_cast<StoreId>(i);
    if (!all && now_ms < next_poll_ms_[i]) continue;
    if (!began) {
      began = true;
      if (Status st = source_->BeginPoll(); !st.ok()) {
        stats_.begin_poll_failures++;
        log::Error("core_source_refresh_failed",
                   {{"source", source_->Describe()}, {"error", st.error().message()}});
      }
    }
    next_poll_ms_[i] = now_ms + config_.stores[i].refresh_ms;
    SnapshotParts candidate = parts;
    Result<bool> r = PollStore(id, &candidate);
    if (!r.ok()) {
      stats_.store(id).reload_failures++;
      log::Error("store_reload_failed", {{"store", StoreName(id)}, {"error", r.error().message()}});
      continue;  // keep the old part
    }
    if (*r) {
      parts = std::move(candidate);
      changed[i] = changed_any = true;
    } else {
      RecordSuccess(id, parts, false, now_ms);
    }
  }
  if (!changed_any) return false;
  auto snap = Snapshot::Build(parts);
  if (!snap.ok()) {
    for (int i = 0; i < kStoreCount; i++) {
      if (changed[i]) stats_.stores[i].reload_failures++;
    }
    log::Error("snapshot_build_failed", {{"error", snap.error().message()}});
    return false;
  }
  current_.store(std::move(*snap));
  stats_.snapshots_published++;
  for (int i = 0; i < kStoreCount; i++) {
    if (!changed[i]) continue;
    StoreId id = static_cast<StoreId>(i);
    RecordSuccess(id, parts, true, now_ms);
    log::Info("store_reloaded", {{"store", StoreName(id)}, {"version", parts.versions[i]}});
  }
  return true;
}

bool StoreManager::PollOnce() { return PollStores(true); }

void StoreManager::Start() {
  std::lock_guard<std::mutex> lock(run_mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { Run(); });
}

void StoreManager::Stop() {
  {
    std::lock_guard<std::mutex> lock(run_mu_);
    if (!thread_.joinable()) return;
    stopping_ = true;
  }
  run_cv_.notify_all();
  thread_.join();
}

void StoreManager::Run() {
  // A reload (a 2^20-line salt file: a few hundred ms of CPU) runs in the gaps between requests,
  // not in front of them (docs/benchmarks.md, "p99 under salt swaps").
  if (!LowerCurrentThreadPriority()) log::Warn("store_thread_priority_unchanged");
  std::unique_lock<std::mutex> lock(run_mu_);
  while (!stopping_) {
    int64_t next;
    {
      std::lock_guard<std::mutex> poll_lock(poll_mu_);
      next = *std::min_element(std::begin(next_poll_ms_), std::end(next_poll_ms_));
    }
    int64_t wait_ms = std::clamp<int64_t>(next - clock_(), 10, 1000);
    run_cv_.wait_for(lock, std::chrono::milliseconds(wait_ms), [this] { return stopping_; });
    if (stopping_) break;
    lock.unlock();
    PollStores(false);
    lock.lock();
  }
}

}  // namespace uid2::store
