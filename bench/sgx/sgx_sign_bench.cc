// sgx_sign_bench: (1) measure + sign a 4 GiB, 64-thread enclave; (2) hash a >= 1 GiB trusted-file
// tree with the manifest library's parallel hasher versus `sha256sum` run in parallel
// (xargs -P<threads>) over the same files in the same run. See docs/benchmarks.md ("signing").
//
//   sgx_sign_bench [--tree-mib N] [--tmp DIR] [--repeat N] [--skip-hash]
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "common/encoding.h"
#include "common/file.h"
#include "manifest/trusted_files.h"
#include "sgx/measure.h"
#include "sgx/signing.h"

namespace {

using Clock = std::chrono::steady_clock;

double Since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

int BenchSign(int repeat) {
  std::string vec = std::string(UID2_SOURCE_DIR) + "/tests/data/gramine-sign/04-isv770-16threads";
  uid2::Bytes pal = uid2::ReadFileBytes(vec + "/libpal.so").value();
  uid2::crypto::RsaKey key = uid2::sgx::LoadSigningKey(vec + "/key.pem").value();
  std::string manifest = uid2::ReadFile(vec + "/app.manifest.sgx").value();
  uid2::sgx::EnclaveParams p;
  p.enclave_size = 4ull << 30;
  p.max_threads = 64;
  p.debug = true;
  uid2::sgx::SigstructDate date = uid2::sgx::ParseSigstructDate("2026-01-15").value();
  std::vector<double> measure_s, total_s;
  std::string mr;
  for (int i = 0; i < repeat; i++) {
    auto t0 = Clock::now();
    uid2::sgx::Measurement m = uid2::sgx::MeasureEnclave(uid2::AsBytes(manifest), pal, p).value();
    measure_s.push_back(Since(t0));
    uid2::Bytes s =
        uid2::sgx::SignSigstruct(uid2::sgx::BuildUnsignedSigstruct(p, m, date), key).value();
    total_s.push_back(Since(t0));
    mr = uid2::HexEncode(m);
  }
  uint64_t free_pages = 0, measured_pages = 0;
  uid2::sgx::ElfImage elf = uid2::sgx::ParseElf64(pal).value();
  auto layout = uid2::sgx::ComputeLayout(uid2::sgx::kGramineV1_9, p, manifest.size(), elf).value();
  for (const auto& a : layout.areas) (a.measured ? measured_pages : free_pages) += a.size / 4096;
  std::printf(
      "measure+sign 4 GiB, 64 threads: median %.3f s (measure %.3f s, sign %.3f s) over %d "
      "runs; goal < 1 s\n  %llu measured pages (EADD+16 EEXTEND), %llu free pages (EADD "
      "only), mrenclave %s\n",
      Median(total_s), Median(measure_s), Median(total_s) - Median(measure_s), repeat,
      static_cast<unsigned long long>(measured_pages), static_cast<unsigned long long>(free_pages),
      mr.c_str());
  return 0;
}

// Writes `count` files of `size` bytes of pseudo-random data under dir/sub<k>/.
void MakeFiles(const std::string& dir, int count, size_t size, uint64_t seed,
               std::vector<std::string>* paths) {
  std::vector<uint8_t> buf(size);
  uint64_t x = seed;
  for (int i = 0; i < count; i++) {
    for (size_t j = 0; j + 8 <= buf.size(); j += 8) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      std::memcpy(&buf[j], &x, 8);
    }
    std::string sub = dir + "/d" + std::to_string(i % 16);
    ::mkdir(sub.c_str(), 0755);
    std::string path = sub + "/f" + std::to_string(seed) + "-" + std::to_string(i);
    (void)uid2::WriteFileAtomic(path, uid2::ByteSpan(buf.data(), buf.size()));
    paths->push_back(path);
  }
}

int BenchHash(const std::string& tmp, uint64_t tree_mib, int repeat) {
  char tmpl[512];
  std::snprintf(tmpl, sizeof tmpl, "%s/sgx-hash-bench-XXXXXX", tmp.c_str());
  if (!::mkdtemp(tmpl)) return std::perror("mkdtemp"), 1;
  std::string dir = tmpl;
  std::vector<std::string> paths;
  // 15/16 of the bytes in 16 MiB files, 1/16 in 16 KiB files (a shared-library-like mix).
  uint64_t big = tree_mib * 15 / 16 / 16, small = tree_mib / 16 * 64;
  MakeFiles(dir, static_cast<int>(big), 16 << 20, 1, &paths);
  MakeFiles(dir, static_cast<int>(small), 16 << 10, 2, &paths);
  uint64_t bytes = big * (16ull << 20) + small * (16ull << 10);
  std::vector<uid2::manifest::FileToHash> files;
  for (const std::string& p : paths) files.push_back({p, p});
  unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  std::string floor_cmd = "cd " + dir + " && find . -type f -print0 | xargs -0 -P" +
                          std::to_string(threads) + " -n 64 sha256sum > /dev/null";
  // Warm the page cache so both read from memory.
  (void)std::system(("cat $(find " + dir + " -type f) > /dev/null").c_str());
  std::vector<double> ours, floor;
  for (int i = 0; i < repeat; i++) {
    auto t0 = Clock::now();
    if (std::system(floor_cmd.c_str()) != 0) std::fprintf(stderr, "sha256sum failed\n");
    floor.push_back(Since(t0));
    t0 = Clock::now();
    auto r = uid2::manifest::HashFilesParallel(files, 0, true);
    ours.push_back(Since(t0));
    if (!r.ok()) std::fprintf(stderr, "%s\n", r.error().message().c_str());
  }
  double mib = double(bytes) / (1 << 20);
  double ours_tp = mib / Median(ours), floor_tp = mib / Median(floor);
  std::printf(
      "hash %zu files, %.0f MiB, %u threads: shroud %.0f MiB/s (%.3f s), sha256sum -P%u "
      "floor %.0f MiB/s (%.3f s); ratio %.2fx (goal >= 0.90)\n",
      files.size(), mib, threads, ours_tp, Median(ours), threads, floor_tp, Median(floor),
      ours_tp / floor_tp);
  (void)std::system(("rm -rf " + dir).c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t tree_mib = 1024;
  int repeat = 3;
  bool skip_hash = false;
  std::string tmp = std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp";
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    if (a == "--tree-mib" && i + 1 < argc)
      tree_mib = std::strtoull(argv[++i], nullptr, 10);
    else if (a == "--tmp" && i + 1 < argc)
      tmp = argv[++i];
    else if (a == "--repeat" && i + 1 < argc)
      repeat = std::atoi(argv[++i]);
    else if (a == "--skip-hash")
      skip_hash = true;
    else
      return std::fprintf(
                 stderr,
                 "usage: sgx_sign_bench [--tree-mib N] [--tmp DIR] [--repeat N] [--skip-hash]\n"),
             2;
  }
  if (BenchSign(std::max(repeat, 1)) != 0) return 1;
  return skip_hash ? 0 : BenchHash(tmp, tree_mib, std::max(repeat, 1));
}
