#include "operator/sync/optout_sync.h"

#include <rapidjson/document.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <limits>
#include <optional>
#include <utility>

#include "common/file.h"
#include "common/json.h"
#include "common/log.h"
#include "operator/store/optout_file.h"
#include "operator/sync/attest_reply.h"
#include "operator/sync/http_client.h"

namespace uid2::sync {
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The config allows values up to 2^40: products saturate (a huge setting keeps everything).
int64_t SaturatingMul(int64_t a, int64_t b) {
  int64_t out;
  return __builtin_mul_overflow(a, b, &out) ? std::numeric_limits<int64_t>::max() : out;
}

bool IsAbsoluteUrl(std::string_view s) {
  return s.rfind("http://", 0) == 0 || s.rfind("https://", 0) == 0;
}

Status ReadInt(const rapidjson::Value& obj, const char* name, const std::string& where,
               int64_t* out) {
  auto it = obj.FindMember(name);
  if (it == obj.MemberEnd() || !it->value.IsInt64()) {
    return Error::Invalid(where + "field '" + name + "': expected an integer");
  }
  *out = it->value.GetInt64();
  return Ok();
}

}  // namespace

Result<OptOutMetadata> ParseOptOutMetadata(std::string_view json) {
  auto doc = ParseJson(json);
  if (!doc.ok()) return std::move(doc).error().Context("opt-out metadata");
  if (!doc->IsObject()) return Error::Invalid("opt-out metadata: expected a JSON object");
  OptOutMetadata m;
  UID2_RETURN_IF_ERROR(ReadInt(*doc, "version", "opt-out metadata: ", &m.version));
  if (doc->HasMember("generated")) {
    UID2_RETURN_IF_ERROR(ReadInt(*doc, "generated", "opt-out metadata: ", &m.generated));
  }
  auto logs = std::as_const(*doc).FindMember("optout_logs");
  if (logs == std::as_const(*doc).MemberEnd() || !logs->value.IsArray()) {
    return Error::Invalid("opt-out metadata: field 'optout_logs': expected an array");
  }
  for (rapidjson::SizeType i = 0; i < logs->value.Size(); i++) {
    const rapidjson::Value& e = logs->value[i];
    const std::string where = "opt-out metadata: optout_logs[" + std::to_string(i) + "]: ";
    if (!e.IsObject()) return Error::Invalid(where + "expected an object");
    OptOutLog log;
    auto type = e.FindMember("type");
    if (type == e.MemberEnd() || !type->value.IsString()) {
      return Error::Invalid(where + "field 'type': expected a string");
    }
    log.type = type->value.GetString();
    if (log.type != "delta" && log.type != "partition") {
      return Error::Invalid(where + "field 'type': expected \"delta\" or \"partition\"");
    }
    auto loc = e.FindMember("location");
    if (loc == e.MemberEnd() || !loc->value.IsString()) {
      return Error::Invalid(where + "field 'location': expected a string");
    }
    log.location.assign(loc->value.GetString(), loc->value.GetStringLength());
    if (e.HasMember("from")) UID2_RETURN_IF_ERROR(ReadInt(e, "from", where, &log.from));
    if (e.HasMember("to")) UID2_RETURN_IF_ERROR(ReadInt(e, "to", where, &log.to));
    m.logs.push_back(std::move(log));
  }
  return m;
}

std::string OptOutFileNameOf(std::string_view location) {
  std::string_view path = location.substr(0, location.find_first_of("?#"));
  size_t slash = path.rfind('/');
  std::string_view base = slash == std::string_view::npos ? path : path.substr(slash + 1);
  if (!store::ParseOptOutFileName(base)) return "";
  return std::string(base);
}

std::vector<std::string> OptOutFilesToDelete(const std::set<std::string>& listed,
                                             const std::vector<std::string>& deltas,
                                             const std::vector<std::string>& partitions,
                                             int64_t now_s, const OptOutRetention& retention) {
  // The newest partition that is listed and present: the one that covers older deltas.
  std::optional<int64_t> newest;
  for (const std::string& p : partitions) {
    auto name = store::ParseOptOutFileName(p);
    if (!name || !listed.contains("partition/" + p)) continue;
    newest = std::max(newest.value_or(name->timestamp_s), name->timestamp_s);
  }
  std::vector<std::string> out;
  if (!newest) return out;  // nothing covers anything
  const int64_t delta_margin =
      std::max<int64_t>({0, SaturatingMul(3, retention.delta_rotate_interval_s),
                         SaturatingMul(retention.delta_backtrack_days, 86400)});
  for (const std::string& d : deltas) {
    auto name = store::ParseOptOutFileName(d);
    if (!name || name->kind != store::OptOutFileKind::kDelta || listed.contains("delta/" + d)) {
      continue;
    }
    if (name->timestamp_s < *newest - delta_margin) out.push_back("delta/" + d);
  }
  const int64_t lifespan = SaturatingMul(retention.partition_interval_s, retention.max_partitions);
  if (lifespan <= 0) return out;  // no retention configured: partitions are kept
  for (const std::string& p : partitions) {
    auto name = store::ParseOptOutFileName(p);
    if (!name || name->kind != store::OptOutFileKind::kPartition ||
        listed.contains("partition/" + p)) {
      continue;
    }
    if (name->timestamp_s < now_s - lifespan && name->timestamp_s < *newest) {
      out.push_back("partition/" + p);
    }
  }
  return out;
}

void OptOutSync::ApplyRetention(const std::set<std::string>& listed) {
  namespace fs = std::filesystem;
  std::vector<std::string> found[2];  // delta, partition
  uint64_t unrecognised = 0;
  const char* kinds[2] = {"delta", "partition"};
  for (int k = 0; k < 2; k++) {
    std::error_code ec;
    fs::directory_iterator it(fs::path(options_.data_dir) / kinds[k], ec);
    if (ec) continue;  // not created yet
    for (; it != fs::directory_iterator(); it.increment(ec)) {
      if (ec) break;
      if (!it->is_regular_file(ec)) continue;
      std::string base = it->path().filename().string();
      auto name = store::ParseOptOutFileName(base);
      const auto want = k == 0 ? store::OptOutFileKind::kDelta : store::OptOutFileKind::kPartition;
      if (!name || name->kind != want) {
        unrecognised++;  // left alone
        continue;
      }
      found[k].push_back(std::move(base));
    }
  }
  stats_.files_unrecognised = unrecognised;
  if (unrecognised != last_unrecognised_) {
    // The names are not logged: they are whatever the host put there.
    if (unrecognised > 0) {
      log::Warn("optout_files_unrecognised",
                {{"dir", options_.data_dir}, {"files", unrecognised}, {"action", "kept"}});
    }
    last_unrecognised_ = unrecognised;
  }
  const int64_t now_s = options_.now_s ? options_.now_s() : NowMs() / 1000;
  int deleted = 0;
  for (const std::string& rel :
       OptOutFilesToDelete(listed, found[0], found[1], now_s, options_.retention)) {
    const std::string path = (fs::path(options_.data_dir) / rel).string();
    std::error_code ec;
    if (options_.remove_file) {
      ec = options_.remove_file(path);
    } else {
      fs::remove(path, ec);
    }
    if (ec) {
      stats_.delete_failures++;
      log::Warn("optout_file_delete_failed", {{"file", rel}, {"error", ec.message()}});
      continue;
    }
    if (options_.store) options_.store->Forget(path);
    stats_.files_deleted++;
    deleted++;
  }
  if (deleted > 0) log::Info("optout_files_retired", {{"files", deleted}});
}

Result<std::string> OptOutSync::MetadataUrl(const Credentials& creds) const {
  if (IsAbsoluteUrl(options_.metadata_path)) return options_.metadata_path;
  if (creds.optout_url.empty()) {
    return Error::Invalid("optout_metadata_path \"" + options_.metadata_path +
                          "\" is relative and the attest reply carried no optout_url");
  }
  return ResolveUrl(creds.optout_url, options_.metadata_path);
}

Result<int> OptOutSync::SyncOnce() {
  std::lock_guard<std::mutex> lock(sync_mu_);
  stats_.syncs++;
  auto fail = [this](Error e) -> Result<int> {
    stats_.failures++;
    return std::move(e).Context("opt-out sync");
  };
  auto creds = options_.credentials ? options_.credentials() : nullptr;
  if (!creds) return fail(Error::Io("not attested yet"));
  auto url = MetadataUrl(*creds);
  if (!url.ok()) return fail(std::move(url).error());

  HttpRequest req;
  req.url = *url;
  req.timeout = options_.timeout;
  req.headers = {"X-UID2-AppVersion: " + AppVersionHeader(),
                 "UID-Instance-Id: " + options_.instance_id};
  if (!options_.api_token.empty()) {
    req.headers.push_back("Authorization: Bearer " + options_.api_token.Reveal());
  }
  if (!creds->attestation_token.empty()) {
    req.headers.push_back("Attestation-Token: " + creds->attestation_token);
  }
  if (!creds->optout_jwt.empty()) req.headers.push_back("Attestation-JWT: " + creds->optout_jwt);
  auto reply = HttpFetch(req);
  if (!reply.ok()) return fail(std::move(reply).error());
  if (reply->status == 401 && options_.on_unauthorized) options_.on_unauthorized();
  if (reply->status != 200) {
    return fail(Error::Io("GET " + RedactUrl(*url) + ": HTTP " + std::to_string(reply->status)));
  }
  auto meta = ParseOptOutMetadata(reply->body);
  if (!meta.ok()) return fail(std::move(meta).error());

  namespace fs = std::filesystem;
  int written = 0;
  std::set<std::string> listed;
  for (const OptOutLog& log : meta->logs) {
    const std::string name = OptOutFileNameOf(log.location);
    if (name.empty()) {
      stats_.files_rejected++;
      log::Warn("optout_file_rejected",
                {{"location", RedactUrl(log.location)}, {"error", "not an opt-out file name"}});
      continue;
    }
    listed.insert(log.type + "/" + name);
    const std::string target = (fs::path(options_.data_dir) / log.type / name).string();
    std::error_code ec;
    if (fs::exists(target, ec)) continue;
    HttpRequest get;
    get.url = log.location;
    get.timeout = options_.timeout;
    auto file = HttpFetch(get);
    Status st = Ok();
    if (!file.ok()) {
      st = std::move(file).error();
    } else if (file->status != 200) {
      st = Error::Io("GET " + RedactUrl(log.location) + ": HTTP " + std::to_string(file->status));
    } else if (auto recs = store::ParseOptOutRecords(AsBytes(file->body)); !recs.ok()) {
      st = std::move(recs).error();
    } else {
      fs::create_directories(fs::path(target).parent_path(), ec);
      st = WriteFileAtomic(target, std::string_view(file->body));
    }
    if (!st.ok()) {
      stats_.files_rejected++;
      log::Warn("optout_file_rejected", {{"file", name}, {"error", st.error().message()}});
      continue;
    }
    stats_.files_downloaded++;
    written++;
  }
  if (written > 0 && options_.store) {
    auto scanned = options_.store->Scan();
    if (!scanned.ok()) return fail(std::move(scanned).error());
    log::Info("optout_synced", {{"new_files", written}, {"version", meta->version}});
  }
  ApplyRetention(listed);
  stats_.version = meta->version;
  stats_.last_success_ms = NowMs();
  return written;
}

void OptOutSync::Start() {
  std::lock_guard<std::mutex> lock(run_mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { Run(); });
}

void OptOutSync::Stop() {
  {
    std::lock_guard<std::mutex> lock(run_mu_);
    if (!thread_.joinable()) return;
    stopping_ = true;
  }
  run_cv_.notify_all();
  thread_.join();
}

void OptOutSync::Run() {
  std::unique_lock<std::mutex> lock(run_mu_);
  while (!stopping_) {
    lock.unlock();
    auto r = SyncOnce();
    if (!r.ok()) log::Warn("optout_sync_failed", {{"error", r.error().message()}});
    lock.lock();
    run_cv_.wait_for(lock, std::chrono::milliseconds(options_.interval_ms),
                     [this] { return stopping_; });
  }
}

}  // namespace uid2::sync
