#include "operator/sync/optout_sync.h"

#include <rapidjson/document.h>

#include <chrono>
#include <filesystem>
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
  for (const OptOutLog& log : meta->logs) {
    const std::string name = OptOutFileNameOf(log.location);
    if (name.empty()) {
      stats_.files_rejected++;
      log::Warn("optout_file_rejected",
                {{"location", RedactUrl(log.location)}, {"error", "not an opt-out file name"}});
      continue;
    }
    const std::string target = options_.data_dir + "/" + log.type + "/" + name;
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
