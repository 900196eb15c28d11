// operator_service_bench: CPU cost of whole API requests inside the operator, without the
// network and the load generator: OperatorService::Handle on a real v2 envelope (decrypt,
// JSON parse, endpoint, JSON write, encrypt). CPU time is the meaningful number on a shared
// machine; items_per_second is identities per CPU-second for identity/map.
//
//   build/release/bin/operator_service_bench        # from the repository root
#include <benchmark/benchmark.h>

#include <filesystem>
#include <random>

#include "common/encoding.h"
#include "common/log.h"
#include "operator/service/operator_app.h"
#include "operator/service/operator_service.h"
#include "operator/service/v2_client.h"
#include "operator/store/config.h"

namespace {

using namespace uid2;

constexpr const char* kKey = "UID2-C-L-999-fCXrMM.fsR3mDqAXELtWWMS+xG1s7RdgRTMqdOH2qaAo=";
constexpr const char* kSecret = "DzBzbjTJcYL0swDtFs2krRNu+g1Eokm2tBU4dEuD0Wk=";

struct World {
  store::OperatorConfig config;
  std::unique_ptr<store::StoreManager> stores;
  std::unique_ptr<store::OptOutStore> optout;
  service::ServiceMetrics metrics;
  std::unique_ptr<service::OperatorService> service;
};

World& GetWorld() {
  static World* w = [] {
    log::Init(log::Format::kHuman, log::Level::kWarn);
    service::KeepLargeBuffersInHeap();  // as uid2-operator's RunOperator does
    auto* world = new World();
    auto config = store::LoadOperatorConfigProfile("local");
    if (!config.ok()) std::abort();
    world->config = std::move(config).value();
    world->config.optout_data_dir =
        (std::filesystem::temp_directory_path() / "uid2-bench-optout").string();
    world->stores = std::move(store::StoreManager::Create(world->config)).value();
    world->optout = std::move(store::OptOutStore::Open(world->config.optout_data_dir)).value();
    world->service = std::make_unique<service::OperatorService>(
        world->config, world->stores.get(), world->optout.get(), &world->metrics);
    return world;
  }();
  return *w;
}

std::string Envelope(const std::string& json) {
  auto secret = *Base64Decode(kSecret);
  auto req = service::EncryptV2Request(secret, json, service::NowMs());
  return Base64Encode(req->envelope);
}

void RunRequest(benchmark::State& state, const char* path, const std::string& json,
                int identities) {
  World& w = GetWorld();
  std::string auth = std::string("Bearer ") + kKey;
  std::string body = Envelope(json);
  int64_t built = service::NowMs();
  for (auto _ : state) {
    if (service::NowMs() - built > 30000) {  // keep the envelope inside the 2-minute window
      state.PauseTiming();
      body = Envelope(json);
      built = service::NowMs();
      state.ResumeTiming();
    }
    service::HttpRequest req;
    req.method = "POST";
    req.path = path;
    req.target = path;
    req.authorization = auth;
    req.content_type = "text/plain";
    req.body = body;
    service::HttpResponse res;
    w.service->Handle(req, &res);
    if (res.status != 200) state.SkipWithError("request failed");
    benchmark::DoNotOptimize(res.body.data());
  }
  state.SetItemsProcessed(state.iterations() * identities);
}

void BM_TokenGenerate(benchmark::State& state) {
  RunRequest(state, "/v2/token/generate", R"({"email":"bench@example.com"})", 1);
}
void BM_KeySharing(benchmark::State& state) { RunRequest(state, "/v2/key/sharing", "", 1); }
void BM_IdentityMapV3_5000(benchmark::State& state) {
  std::mt19937_64 rng(1);
  std::string json = R"({"email":[)";
  for (int i = 0; i < 5000; ++i) {
    json += (i ? ",\"" : "\"") + std::string("user") + std::to_string(rng() % 1000000000000ull) +
            "@example.com\"";
  }
  json += "]}";
  RunRequest(state, "/v3/identity/map", json, 5000);
}

BENCHMARK(BM_TokenGenerate)->Threads(1)->Threads(2);
BENCHMARK(BM_KeySharing)->Threads(1)->Threads(2);
BENCHMARK(BM_IdentityMapV3_5000)->Unit(benchmark::kMillisecond)->Threads(1)->Threads(2);

}  // namespace

BENCHMARK_MAIN();
