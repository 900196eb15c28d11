// uid2-benchdata: writes the production-sized inputs of the swap and memory benchmarks
// (bench_data.h) so scripts use the same bytes as operator_sync_bench.
//
//   uid2-benchdata salts run/core/salts/salts_a.txt --seed 1
//   uid2-benchdata optout run/optout --records 10000000 --files 10
#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>

#include "bench/operator/sync/bench_data.h"
#include "common/file.h"

int main(int argc, char** argv) {
  CLI::App app{"Deterministic benchmark inputs: a 2^20-line salt file, opt-out partition files"};
  app.require_subcommand(1);
  app.footer(
      "Examples:\n"
      "  uid2-benchdata salts /tmp/core/salts/salts_a.txt --seed 1\n"
      "  uid2-benchdata optout /tmp/optout --records 10000000 --files 10");
  uint64_t seed = 1;
  std::string path;
  size_t records = 10'000'000;
  int files = 10;
  CLI::App* salts = app.add_subcommand("salts", "Write a 2^20-line salt file (spec §4.2)");
  salts->add_option("file", path, "Output file")->required();
  salts->add_option("--seed", seed, "Generator seed (different seeds give different salts)");
  CLI::App* optout = app.add_subcommand("optout", "Write opt-out partition files (spec §4.3)");
  optout->add_option("dir", path, "Output folder (created)")->required();
  optout->add_option("--records", records, "Total 72-byte records");
  optout->add_option("--files", files, "Number of partition files")->check(CLI::Range(1, 1000));
  optout->add_option("--seed", seed, "Generator seed");
  CLI11_PARSE(app, argc, argv);

  if (*salts) {
    std::string text = uid2::bench::SaltFileText(seed);
    if (auto st = uid2::WriteFileAtomic(path, text); !st.ok()) {
      std::fprintf(stderr, "uid2-benchdata: %s\n", st.error().message().c_str());
      return 1;
    }
    std::printf("%s: %zu lines, %zu bytes\n", path.c_str(), uid2::store::kFullSaltBucketCount,
                text.size());
    return 0;
  }
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) {
    std::fprintf(stderr, "uid2-benchdata: %s: %s\n", path.c_str(), ec.message().c_str());
    return 1;
  }
  for (int f = 0; f < files; f++) {
    size_t n = records / files + (size_t(f) < records % files ? 1 : 0);
    uid2::store::OptOutFileName name{uid2::store::OptOutFileKind::kPartition, 0,
                                     1'745'900'000 + f * 86'400, uint32_t(0x1000 + f)};
    std::string file = path + "/" + uid2::store::FormatOptOutFileName(name);
    uid2::Bytes bytes = uid2::bench::OptOutFileBytes(seed * 1000 + f, n);
    if (auto st = uid2::WriteFileAtomic(file, uid2::ByteSpan(bytes)); !st.ok()) {
      std::fprintf(stderr, "uid2-benchdata: %s\n", st.error().message().c_str());
      return 1;
    }
  }
  std::printf("%s: %d partition files, %zu records\n", path.c_str(), files, records);
  return 0;
}
