// Salt sync at production size (issue 12): a 2^20-line salt file (spec §4.2, 11 fields per
// line), served AES-256-GCM-encrypted ({"key_id","encrypted_payload"}) by uid2-core-local's HTTP
// server (corelocal::HttpServer, content encrypted once with corelocal::EncryptContent), synced
// by the operator's real path: StoreManager::PollOnce over a sync::RemoteCoreSource (libcurl
// download, envelope parse, base64, AES-GCM open, salt parse, snapshot build, atomic swap).
//
// Floor in the same run: SHA-256 (OpenSSL) over the same encrypted bytes, from memory.
// Run from the repository root (the other stores come from data/uid2/core). See
// docs/benchmarks.md, section "Salt sync".
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "bench/operator/sync/bench_data.h"
#include "common/encoding.h"
#include "common/file.h"
#include "common/json.h"
#include "corelocal/core_data.h"
#include "corelocal/http.h"
#include "crypto/hash.h"
#include "operator/store/store_manager.h"
#include "operator/sync/encrypted_file.h"
#include "operator/sync/http_client.h"
#include "operator/sync/remote_core_source.h"

namespace uid2::sync {
namespace {

constexpr int kLines = 1 << 20;
constexpr std::string_view kClasspath = "/com.uid2.core/test/";

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "sync_bench: %s (run from the repository root)\n", what.c_str());
  std::exit(1);
}

std::string ReplaceAll(std::string s, std::string_view from, std::string_view to) {
  for (size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) {
    s.replace(p, from.size(), to);
  }
  return s;
}

// The core: uid2-core-local's HTTP server with a handler over pre-encrypted content.
//   /m/<store>/metadata.json    data/uid2/core metadata, locations -> /s/...; salts: a fresh
//                               version on every request, naming the big file
//   /s/<store>/<file>           the encrypted file
//   /cloud_encryption_keys/retrieve
struct Core {
  corelocal::CloudEncryptionKey key;
  std::map<std::string, std::string> files;  // path -> response body
  std::string salt_envelope;
  std::mutex mu;
  std::string prepared;  // the next salt file response body (guarded by mu)
  void Prepare() {
    std::string copy = salt_envelope;
    std::lock_guard<std::mutex> lock(mu);
    prepared = std::move(copy);
  }
  std::atomic<int64_t> salt_version{100};
  std::unique_ptr<corelocal::HttpServer> server;
  std::string base;

  Core() {
    key.id = 7;
    key.site_id = 999;
    bench::Rng rng(7);
    key.secret.resize(32);
    rng.Fill(key.secret.data(), key.secret.size());
    key.secret_b64 = Base64Encode(key.secret);
    std::string salts = bench::SaltFileText(1);
    auto env = corelocal::EncryptContent(key, salts);
    if (!env.ok()) Die(env.error().message());
    salt_envelope = std::move(*env);
    auto s = corelocal::HttpServer::Start(
        "127.0.0.1", 0, [this](const corelocal::HttpRequest& r) { return Handle(r); });
    if (!s.ok()) Die(s.error().message());
    server = std::move(*s);
    base = "http://127.0.0.1:" + std::to_string(server->port());
    for (const char* store : {"clients", "keysets", "keyset_keys", "sites", "client_side_keypairs",
                              "services", "service_links", "runtime_config"}) {
      std::string dir = std::string("data/uid2/core/") + store;
      auto meta = ReadFile(dir + "/metadata.json");
      if (!meta.ok()) Die(meta.error().message());
      files["/m/" + std::string(store) + "/metadata.json"] =
          ReplaceAll(*meta, kClasspath, base + "/s/");
      auto parsed = ParseJson(*meta);
      if (!parsed.ok()) Die(parsed.error().message());
      for (auto& m : parsed->GetObject()) {
        if (!m.value.IsObject() || !m.value.HasMember("location")) continue;
        std::string loc = m.value["location"].GetString();
        auto content = ReadFile("data/uid2/core/" + loc.substr(kClasspath.size()));
        if (!content.ok()) Die(content.error().message());
        auto sealed = corelocal::EncryptContent(key, *content);
        if (!sealed.ok()) Die(sealed.error().message());
        files["/s/" + loc.substr(kClasspath.size())] = std::move(*sealed);
      }
    }
  }

  std::string SaltMetadata() {
    int64_t v = salt_version++;
    return R"({"version":)" + std::to_string(v) +
           R"(,"generated":1745907348,"first_level":"fOGY/aRE44peL23i+cE9MkJrzmEeNZZziNZBfq7qqk8=",)"
           R"("id_prefix":"b","id_secret":"HF6Qz42HBbVHINxhh191dB09BCuTWyBkNtrNicO4ZCw=",)"
           R"("salts":[{"effective":1670796729291,"expires":253402329599000,"location":")" +
           base + "/s/salts/salts.txt?expires=9999999999&sig=00&v=" + std::to_string(v) +
           R"(","size":)" + std::to_string(kLines) + "}]}";
  }

  corelocal::HttpResponse Handle(const corelocal::HttpRequest& r) {
    if (r.path == "/m/salts/metadata.json") return {200, "application/json", SaltMetadata()};
    if (r.path == "/s/salts/salts.txt") {
      // The body copy a handler must return is made before the timed region (Prepare), so the
      // run measures the operator, not this server's 270 MB memcpy.
      std::lock_guard<std::mutex> lock(mu);
      if (prepared.empty()) return {200, "application/json", salt_envelope};
      return {200, "application/json", std::move(prepared)};
    }
    if (r.path == "/cloud_encryption_keys/retrieve") {
      return {200, "application/json",
              R"({"s3Keys":[{"id":7,"siteId":999,"activates":1700000000,"created":1700000000,)"
              R"("secret":")" +
                  key.secret_b64 + "\"}]}"};
    }
    auto it = files.find(r.path);
    if (it == files.end()) return {404, "application/json", "{}"};
    return {200, "application/json", it->second};
  }
};

Core& TheCore() {
  static Core* core = new Core();
  return *core;
}

std::unique_ptr<store::StoreManager> MakeManager() {
  Core& core = TheCore();
  auto config = store::LoadOperatorConfigProfile("local");
  if (!config.ok()) Die(config.error().message());
  for (auto& s : config->stores) {
    if (s.metadata_path.starts_with(kClasspath)) {
      s.metadata_path = core.base + "/m/" + s.metadata_path.substr(kClasspath.size());
    }
  }
  RemoteCoreSource::Options o;
  o.name = core.base;
  o.api_token = store::Secret("UID2-O-L-999-bench");
  o.instance_id = "bench";
  o.encrypted_files = true;
  o.cloud_keys_path = core.base + "/cloud_encryption_keys/retrieve";
  auto creds = std::make_shared<const Credentials>(Credentials{"token", "core-jwt", "", "", 0});
  o.credentials = [creds] { return creds; };
  auto m = store::StoreManager::CreateWithSource(*config,
                                                 std::make_unique<RemoteCoreSource>(std::move(o)));
  if (!m.ok()) Die(m.error().message());
  return std::move(*m);
}

long ThreadMinorFaults() {
  rusage u{};
  getrusage(RUSAGE_THREAD, &u);
  return u.ru_minflt;
}

// Floor: SHA-256 over the encrypted bytes in memory.
void BM_Floor_Sha256Envelope(benchmark::State& state) {
  const std::string& env = TheCore().salt_envelope;
  for (auto _ : state) benchmark::DoNotOptimize(crypto::Sha256(AsBytes(env)));
  state.SetBytesProcessed(state.iterations() * int64_t(env.size()));
  state.counters["envelope_MB"] = double(env.size()) / 1e6;
}
BENCHMARK(BM_Floor_Sha256Envelope)->Unit(benchmark::kMillisecond)->Iterations(5)->UseRealTime();

// The whole sync: metadata of every store, salts version changed -> download, decrypt, parse,
// snapshot build, swap.
void BM_SaltSync(benchmark::State& state) {
  auto m = MakeManager();
  long faults = 0;  // minor page faults of this thread in the timed region
  for (auto _ : state) {
    state.PauseTiming();
    TheCore().Prepare();
    state.ResumeTiming();
    const long before = ThreadMinorFaults();
    if (!m->PollOnce()) Die("PollOnce published no snapshot");
    faults += ThreadMinorFaults() - before;
  }
  state.counters["faults_per_sync"] = double(faults) / double(state.iterations());
  if (m->Current()->salts().set->size() != size_t{kLines}) Die("wrong salt count");
  state.SetBytesProcessed(state.iterations() * int64_t(TheCore().salt_envelope.size()));
}
BENCHMARK(BM_SaltSync)->Unit(benchmark::kMillisecond)->Iterations(5)->UseRealTime();

// Parts, to see where the time goes.
// The transfer alone: the body is handed over piece by piece (as to the EnvelopeReader) and
// only counted.
void BM_Part_Download(benchmark::State& state) {
  HttpRequest req;
  req.url = TheCore().base + "/s/salts/salts.txt";
  size_t received = 0;
  req.on_body = [&](std::string_view piece, size_t) { received += piece.size(); };
  for (auto _ : state) {
    state.PauseTiming();
    TheCore().Prepare();
    state.ResumeTiming();
    received = 0;
    auto r = HttpFetch(req);
    if (!r.ok() || r->status != 200 || received != TheCore().salt_envelope.size()) {
      Die("download failed");
    }
  }
}
BENCHMARK(BM_Part_Download)->Unit(benchmark::kMillisecond)->Iterations(5)->UseRealTime();

void BM_Part_OpenEnvelope(benchmark::State& state) {
  const Core& core = TheCore();
  CloudKeys keys{{core.key.id, core.key.secret}};
  for (auto _ : state) {
    auto plain = OpenEncryptedFile(core.salt_envelope, keys);
    if (!plain.ok()) Die(plain.error().message());
    benchmark::DoNotOptimize(plain->data());
  }
}
BENCHMARK(BM_Part_OpenEnvelope)->Unit(benchmark::kMillisecond)->Iterations(5)->UseRealTime();

void BM_Part_ParseSalts(benchmark::State& state) {
  const std::string text = bench::SaltFileText(1);
  for (auto _ : state) {
    state.PauseTiming();
    std::string copy = text;  // Parse takes the text by value; the sync path moves it in
    state.ResumeTiming();
    auto set = store::SaltSet::Parse(std::move(copy));
    if (!set.ok()) Die(set.error().message());
    benchmark::DoNotOptimize(set->get());
  }
}
BENCHMARK(BM_Part_ParseSalts)->Unit(benchmark::kMillisecond)->Iterations(5)->UseRealTime();

}  // namespace
}  // namespace uid2::sync

BENCHMARK_MAIN();
