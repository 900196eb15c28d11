// libFuzzer target: the operator's request-body JSON handling. The decrypted payload (what a
// v2 envelope carries) goes straight to an endpoint handler with a real client of the bundled
// dataset, so the fuzzer explores the handlers' JSON reading without having to forge GCM tags.
//
// Input: byte 0 selects the endpoint, byte 1 the client; the rest is the JSON text.
// Invariants: no crash, no sanitizer report, never a 5xx reply, and every reply renders to JSON
// that parses. /v2/token/logout is left out (it appends a delta file per valid identity).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "common/json.h"
#include "common/log.h"
#include "operator/service/operator_service.h"
#include "operator/store/config.h"
#include "operator/store/optout_store.h"
#include "operator/store/store_manager.h"

namespace {

using namespace uid2;

constexpr const char* kPaths[] = {
    "/v2/token/generate", "/v2/token/validate",   "/v2/identity/map",
    "/v3/identity/map",   "/v2/identity/buckets", "/v2/key/sharing",
    "/v2/key/bidstream",  "/v2/key/latest",       "/v2/optout/status",
};
constexpr size_t kPathCount = sizeof(kPaths) / sizeof(kPaths[0]);

struct World {
  store::OperatorConfig config;
  std::unique_ptr<store::StoreManager> stores;
  std::unique_ptr<store::OptOutStore> optout;
  std::unique_ptr<service::ServiceMetrics> metrics;
  std::unique_ptr<service::OperatorService> service;
};

World* MakeWorld() {
  log::Init(log::Format::kHuman, log::Level::kOff);
  auto* w = new World();
  std::string root = UID2_SOURCE_DIR;
  auto config = store::LoadOperatorConfigFile(root + "/conf/local-config.json");
  if (!config.ok()) {
    std::fprintf(stderr, "fuzzer setup: %s\n", config.error().message().c_str());
    std::abort();
  }
  w->config = std::move(config).value();
  w->config.core_data_dir = root + "/data/uid2/core";
  w->config.optout_data_dir =
      (std::filesystem::temp_directory_path() / "uid2-fuzz-optout-empty").string();
  auto stores = store::StoreManager::Create(w->config);
  auto optout = store::OptOutStore::Open(w->config.optout_data_dir);
  if (!stores.ok() || !optout.ok()) std::abort();
  w->stores = std::move(stores).value();
  w->optout = std::move(optout).value();
  w->metrics = std::make_unique<service::ServiceMetrics>();
  w->service = std::make_unique<service::OperatorService>(w->config, w->stores.get(),
                                                          w->optout.get(), w->metrics.get());
  return w;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static World* world = MakeWorld();
  if (size < 2) return 0;
  const char* path = kPaths[data[0] % kPathCount];
  const auto& clients = world->stores->Current()->parts().clients->all();
  const store::ClientKey& client = clients[data[1] % clients.size()];
  std::string_view json(reinterpret_cast<const char*>(data + 2), size - 2);
  int64_t now_ms = 1763900000000;  // fixed: the outcome depends on the input only
  service::Reply reply = world->service->HandleDecrypted(path, client, json, now_ms);
  if (reply.http_status >= 500) {
    std::fprintf(stderr, "5xx from %s: %s\n", path, reply.Json().c_str());
    std::abort();
  }
  if (!ParseJson(reply.Json()).ok()) {
    std::fprintf(stderr, "reply is not JSON: %s\n", reply.Json().c_str());
    std::abort();
  }
  return 0;
}
