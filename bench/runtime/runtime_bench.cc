// runtime_bench: what `shroud run` costs against running the same program natively.
//
//   runtime_bench [--runs N] [--file-mib M]
//
// 1. Start-up: median wall time of `helloworld` run N times natively and as a signed bundle
//    under `shroud run -q` (verification, FUSE view, namespaces, exec, exit), each started with
//    posix_spawn (no shell), interleaved so that both see the same load:
//      cold  a fresh measurement cache per run: the enclave is measured every time
//            (the first run of a bundle);
//      warm  the bundle's verified MRENCLAVE is in the cache (every later run).
//    Goal: less than 50 ms added.
// 2. Sequential read of an M MiB trusted file (default 1024) with 1 MiB reads by `probe
//    readbench`, three passes each (open, read to the end, close): natively from the page
//    cache, then inside the view. Pass 1 in the view includes the first open, which hashes the
//    whole file, and reads that each re-verify their 64 KiB chunks; passes 2 and 3 re-open the
//    unchanged, verified file. Goal: passes 2-3 >= 80% of native.
// The load average is printed before and after: the numbers are only comparable on a quiet
// machine.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include "runtime/launcher.h"

namespace {

namespace fs = std::filesystem;
const std::string kBin = UID2_BIN_DIR;
const std::string kSrc = UID2_SOURCE_DIR;

std::string Run(const std::string& cmd) {
  std::string out;
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  char buf[4096];
  size_t n;
  while (p && (n = fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  if (p) pclose(p);
  return out;
}

extern "C" char** environ;

// TimeMs runs argv (stdout and stderr to /dev/null) and returns its wall time, or -1.
double TimeMs(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  auto t0 = std::chrono::steady_clock::now();
  pid_t pid;
  int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  int status = 0;
  if (rc != 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
      WEXITSTATUS(status) != 0) {
    return -1;
  }
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

std::string LoadAverage() {
  std::ifstream f("/proc/loadavg");
  std::string one, five, fifteen;
  f >> one >> five >> fifteen;
  return one + " " + five + " " + fifteen;
}

// Passes parses `probe readbench` output: MB/s of each pass, and pass 1's open time and
// read-only MB/s.
struct Passes {
  std::vector<double> mbps;
  double first_open_s = 0, first_reads_mbps = 0;
};
Passes ParsePasses(const std::string& out) {
  Passes p;
  std::regex line(
      R"(pass (\d): \d+ bytes in [\d.]+ s = (\d+) MB/s \(open ([\d.]+) s, reads (\d+) MB/s\))");
  for (auto it = std::sregex_iterator(out.begin(), out.end(), line); it != std::sregex_iterator();
       ++it) {
    p.mbps.push_back(std::stod((*it)[2]));
    if ((*it)[1] == "1") {
      p.first_open_s = std::stod((*it)[3]);
      p.first_reads_mbps = std::stod((*it)[4]);
    }
  }
  return p;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// MakeBundle copies `program` (+ ldd libraries) to /app/prog and signs `manifest`.
bool MakeBundle(const std::string& root, const std::string& program, const std::string& manifest) {
  fs::create_directories(root + "/gramine/app_files");
  fs::create_directories(root + "/usr/lib/x86_64-linux-gnu/gramine/sgx");
  fs::copy_file(kSrc + "/tests/data/runtime/libpal-standin.so",
                root + "/usr/lib/x86_64-linux-gnu/gramine/sgx/libpal.so",
                fs::copy_options::overwrite_existing);
  fs::create_directories(root + "/app");
  fs::copy_file(program, root + "/app/prog", fs::copy_options::overwrite_existing);
  std::string libs = Run("ldd " + program + " | grep -o '/[^ ]*'");
  size_t at = 0;
  while (at < libs.size()) {
    size_t nl = libs.find('\n', at);
    std::string lib = libs.substr(at, nl - at);
    at = nl == std::string::npos ? libs.size() : nl + 1;
    if (lib.empty() || lib[0] != '/') continue;
    fs::create_directories(fs::path(root + lib).parent_path());
    fs::copy_file(lib, root + lib, fs::copy_options::overwrite_existing);
  }
  std::ofstream(root + "/gramine/app_files/entrypoint.manifest") << manifest;
  std::string app = root + "/gramine/app_files";
  std::string out = Run(kBin + "/shroud sign -q -m " + app + "/entrypoint.manifest -k " + kSrc +
                        "/tests/data/runtime/test-enclave-key.pem --libpal " + root +
                        "/usr/lib/x86_64-linux-gnu/gramine/sgx/libpal.so --chroot " + root +
                        " -o " + app + "/entrypoint.manifest.sgx -s " + app + "/entrypoint.sig");
  if (!fs::exists(app + "/entrypoint.sig")) {
    std::fprintf(stderr, "signing failed:\n%s\n", out.c_str());
    return false;
  }
  return true;
}

constexpr char kLibs[] = "\"file:/app/prog\", \"file:/lib/x86_64-linux-gnu/\", \"file:/lib64/\"";

}  // namespace

int main(int argc, char** argv) {
  int runs = 20;
  long file_mib = 1024;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--runs") runs = std::atoi(argv[i + 1]);
    if (a == "--file-mib") file_mib = std::atol(argv[i + 1]);
  }
  if (std::string missing = uid2::runtime::MissingHostSupport(); !missing.empty()) {
    std::fprintf(stderr, "runtime_bench: host prerequisite missing: %s\n", missing.c_str());
    return 1;
  }
  char tmpl[] = "/tmp/shroud-bench-XXXXXX";
  std::string base = mkdtemp(tmpl);

  // 1. Start-up.
  std::string hello = base + "/hello";
  if (!MakeBundle(
          hello, kBin + "/helloworld",
          std::string("libos.entrypoint = \"/app/prog\"\nsgx.trusted_files = [") + kLibs + "]\n")) {
    return 1;
  }
  std::printf("load average before: %s\n", LoadAverage().c_str());
  std::string cache = base + "/measurements";
  std::string shroud_bin = kBin + "/shroud";
  if (TimeMs({shroud_bin, "-q", "run", "--measurement-cache", cache, hello}) < 0) {
    std::fprintf(stderr, "runtime_bench: shroud run %s failed\n", hello.c_str());
    return 1;
  }
  std::vector<double> native, cold, warm;
  for (int i = 0; i < runs; i++) {
    native.push_back(TimeMs({kBin + "/helloworld"}));
    std::string fresh = base + "/cold-cache-" + std::to_string(i);
    cold.push_back(TimeMs({shroud_bin, "-q", "run", "--measurement-cache", fresh, hello}));
    warm.push_back(TimeMs({shroud_bin, "-q", "run", "--measurement-cache", cache, hello}));
  }
  double n = Median(native), c = Median(cold), w = Median(warm);
  std::printf("startup helloworld [median of %d]: native %.2f ms\n", runs, n);
  std::printf(
      "  shroud run, cold (measured):   %.2f ms, added %.2f ms, %.1fx native (goal < 50 ms added: "
      "%s)\n",
      c, c - n, c / n, c - n < 50 ? "met" : "NOT met");
  std::printf(
      "  shroud run, warm (cached):     %.2f ms, added %.2f ms, %.1fx native (goal < 50 ms added: "
      "%s)\n",
      w, w - n, w / n, w - n < 50 ? "met" : "NOT met");

  // 2. Sequential read of a trusted file.
  std::string reader = base + "/reader";
  fs::create_directories(reader + "/data");
  std::string big = reader + "/data/big.bin";
  Run("head -c " + std::to_string(file_mib) + "M /dev/urandom > " + big);
  if (!MakeBundle(reader, kBin + "/probe",
                  std::string("libos.entrypoint = \"/app/prog\"\n"
                              "loader.insecure__use_cmdline_argv = true\n"
                              "sgx.enclave_size = \"1G\"\nsgx.trusted_files = [") +
                      kLibs + ", \"file:/data/big.bin\"]\n")) {
    return 1;
  }
  std::string native_out = Run(kBin + "/probe readbench " + big);
  std::string shroud_out = Run(kBin + "/shroud run -q --measurement-cache " + cache + " " + reader +
                               " -- readbench /data/big.bin");
  std::printf("native read (%ld MiB, page cache):\n%s", file_mib, native_out.c_str());
  std::printf("shroud run read (trusted file):\n%s", shroud_out.c_str());
  Passes np = ParsePasses(native_out), sp = ParsePasses(shroud_out);
  if (np.mbps.size() != 3 || sp.mbps.size() != 3) {
    std::fprintf(stderr, "runtime_bench: unexpected readbench output\n");
    return 1;
  }
  double native_mbps = Median(np.mbps);
  double later = std::min(sp.mbps[1], sp.mbps[2]);
  std::printf("read summary: native %.0f MB/s (median of 3 passes)\n", native_mbps);
  std::printf(
      "  first open (hashes the file): %.3f s; pass 1 reads (each chunk re-verified): "
      "%.0f MB/s = %.0f%% of native\n",
      sp.first_open_s, sp.first_reads_mbps, 100 * sp.first_reads_mbps / native_mbps);
  std::printf(
      "  passes 2-3 after the first open: %.0f / %.0f MB/s, worst = %.0f%% of native "
      "(goal >= 80%%: %s)\n",
      sp.mbps[1], sp.mbps[2], 100 * later / native_mbps,
      later >= 0.8 * native_mbps ? "met" : "NOT met");
  std::printf("load average after: %s\n", LoadAverage().c_str());
  fs::remove_all(base);
  return 0;
}
