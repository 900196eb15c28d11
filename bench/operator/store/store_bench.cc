// Hot-path lookups of the operator's data layer. Run from the repository root (it loads
// data/uid2/core). Floors measured in the same run: a bare SHA-512 of the same input size (client
// auth is one SHA-512 plus a hash probe) and a bare std::unordered_map probe.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <unordered_map>

#include "crypto/hash.h"
#include "operator/store/optout_store.h"
#include "operator/store/store_manager.h"

namespace uid2::store {
namespace {

constexpr const char* kKey999 = "UID2-C-L-999-fCXrMM.fsR3mDqAXELtWWMS+xG1s7RdgRTMqdOH2qaAo=";

StoreManager& Manager() {
  static std::unique_ptr<StoreManager> m = [] {
    auto c = LoadOperatorConfigProfile("local");
    if (!c.ok()) {
      std::fprintf(stderr, "%s\n", c.error().message().c_str());
      std::abort();
    }
    auto r = StoreManager::Create(*c);
    if (!r.ok()) {
      std::fprintf(stderr, "%s (run from the repository root)\n", r.error().message().c_str());
      std::abort();
    }
    return std::move(*r);
  }();
  return *m;
}

// A production-sized salt set: 2^20 lines with 44-char salts.
std::shared_ptr<const SaltSet> FullSaltSet() {
  static std::shared_ptr<const SaltSet> set = [] {
    std::string text;
    text.reserve(size_t{1} << 27);
    char line[160];
    for (int i = 0; i < (1 << 20); i++) {
      int n = std::snprintf(line, sizeof line,
                            "%d,1700000000000,vgv1BwiNRCW7F3VcNXHlZh+7oHJ4G4gCshbGc%07d=,"
                            "1800000000000,,,,,,,\n",
                            i, i);
      text.append(line, n);
    }
    return *SaltSet::Parse(std::move(text));
  }();
  return set;
}

void BM_Sha512Floor(benchmark::State& state) {
  std::string input(32 + std::strlen(kKey999), 'x');  // salt (32) || key
  for (auto _ : state) benchmark::DoNotOptimize(crypto::Sha512(AsBytes(input)));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Sha512Floor)->ThreadRange(1, 2)->UseRealTime();

void BM_ClientAuth(benchmark::State& state) {
  auto snap = Manager().Current();
  for (auto _ : state) benchmark::DoNotOptimize(snap->FindClientByKey(kKey999));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ClientAuth)->ThreadRange(1, 2)->UseRealTime();

void BM_SnapshotAcquire(benchmark::State& state) {
  StoreManager& m = Manager();
  for (auto _ : state) benchmark::DoNotOptimize(m.Current());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SnapshotAcquire)->ThreadRange(1, 2)->UseRealTime();

void BM_SaltBucketFull(benchmark::State& state) {
  auto set = FullSaltSet();
  uint8_t h[32] = {};
  uint32_t x = 12345;
  for (auto _ : state) {
    x = x * 1664525u + 1013904223u;
    h[0] = static_cast<uint8_t>(x >> 24), h[1] = static_cast<uint8_t>(x >> 16);
    h[2] = static_cast<uint8_t>(x >> 8);
    benchmark::DoNotOptimize(set->Bucket(h).salt.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SaltBucketFull)->ThreadRange(1, 2)->UseRealTime();

void BM_SaltFileParse1M(benchmark::State& state) {
  std::string text;
  const auto& full = *FullSaltSet();
  for (size_t i = 0; i < full.size(); i++) {
    const SaltEntry e = full.Entry(i);
    text +=
        std::to_string(e.id) + ",1700000000000," + std::string(e.salt) + ",1800000000000,,,,,,,\n";
  }
  for (auto _ : state) {
    auto set = SaltSet::Parse(text);
    benchmark::DoNotOptimize(set.ok());
  }
  state.SetItemsProcessed(state.iterations() * (1 << 20));
}
BENCHMARK(BM_SaltFileParse1M)->Unit(benchmark::kMillisecond)->Iterations(3);

std::shared_ptr<const OptOutIndex> BigOptOutIndex() {
  static std::shared_ptr<const OptOutIndex> idx = [] {
    std::vector<OptOutRecord> recs(1000000);
    for (size_t i = 0; i < recs.size(); i++) {
      for (int b = 0; b < 8; b++)
        recs[i].identity_hash[b] = static_cast<uint8_t>((i * 2654435761u) >> (b * 4));
      recs[i].identity_hash[8] = static_cast<uint8_t>(i);
      recs[i].identity_hash[9] = static_cast<uint8_t>(i >> 8);
      recs[i].identity_hash[10] = static_cast<uint8_t>(i >> 16);
      recs[i].advertising_id = recs[i].identity_hash;
      recs[i].timestamp_s = static_cast<int64_t>(i);
    }
    return std::make_shared<const OptOutIndex>()->WithRecords(recs);
  }();
  return idx;
}

void BM_OptOutLookup1M(benchmark::State& state) {
  auto idx = BigOptOutIndex();
  Hash32 h{};
  uint32_t x = 1;
  for (auto _ : state) {
    x = x * 1664525u + 1013904223u;
    h[0] = static_cast<uint8_t>(x), h[1] = static_cast<uint8_t>(x >> 8);
    h[2] = static_cast<uint8_t>(x >> 16), h[3] = static_cast<uint8_t>(x >> 24);
    benchmark::DoNotOptimize(idx->IsOptedOut(h));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_OptOutLookup1M)->ThreadRange(1, 2)->UseRealTime();

void BM_UnorderedMapFloor(benchmark::State& state) {
  static std::unordered_map<uint64_t, int64_t> m = [] {
    std::unordered_map<uint64_t, int64_t> out;
    for (uint64_t i = 0; i < 1000000; i++) out[i * 2654435761u] = int64_t(i);
    return out;
  }();
  uint64_t x = 1;
  for (auto _ : state) {
    x = x * 6364136223846793005ull + 1;
    benchmark::DoNotOptimize(m.find(x));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_UnorderedMapFloor)->ThreadRange(1, 2)->UseRealTime();

}  // namespace
}  // namespace uid2::store

BENCHMARK_MAIN();
