// runtime_bench: what `shroud run` costs against running the same program natively.
//
//   runtime_bench [--runs N] [--file-mib M]
//
// 1. Start-up: median wall time of `helloworld` run N times natively and N times as a signed
//    bundle under `shroud run -q` (verification, FUSE view, namespaces, exec, exit). Goal: less
//    than 50 ms added.
// 2. Sequential read of an M MiB trusted file (default 1024) with 1 MiB reads by `probe
//    readbench`, three passes each: natively from the page cache, then inside the view (pass 1
//    includes the first open's whole-file hash and the verified reads through FUSE; later passes
//    re-open the unchanged file). Goal: later passes >= 80% of native.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
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

double TimeMs(const std::string& cmd) {
  auto t0 = std::chrono::steady_clock::now();
  if (std::system((cmd + " > /dev/null 2>&1").c_str()) != 0) return -1;
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
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
  std::vector<double> native, shroud;
  for (int i = 0; i < runs; i++) {
    native.push_back(TimeMs(kBin + "/helloworld"));
    shroud.push_back(TimeMs(kBin + "/shroud run -q " + hello));
  }
  double n = Median(native), s = Median(shroud);
  std::printf(
      "startup helloworld: native %.2f ms, shroud run %.2f ms, added %.2f ms "
      "(goal < 50 ms: %s)  [median of %d]\n",
      n, s, s - n, s - n < 50 ? "met" : "NOT met", runs);

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
  std::printf("native read (%ld MiB, page cache):\n%s", file_mib,
              Run(kBin + "/probe readbench " + big).c_str());
  std::printf("shroud run read (trusted file):\n%s",
              Run(kBin + "/shroud run -q " + reader + " -- readbench /data/big.bin").c_str());
  fs::remove_all(base);
  return 0;
}
