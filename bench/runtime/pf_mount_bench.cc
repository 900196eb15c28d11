// pf_mount_bench: sequential write and read of a file through an encrypted mount (Gramine's
// protected files, sealed with _sgx_mrenclave) against the same through a plain mount
// (sgx.allowed_files: passed through to the host), in one `shroud run` of one bundle.
//
//   pf_mount_bench [--file-mib M] [--rounds R] [--keep]   (--keep: leave the bundle, to profile)
//
// Inside the enclave, `probe do` writes an M MiB file (default 1024) with 1 MiB write(2)s and
// closes it (close flushes), on the plain mount then on the encrypted mount, in one run; then
// two more runs read each file back with 1 MiB read(2)s (a fresh view each: nothing cached in
// it). R rounds (default 3), interleaved so that both see the same load. The host files stay in
// the host's page cache: what is compared is the runtime's path (FUSE + protected-files
// crypto), not the disk. Besides MB/s (wall time inside the app), the CPU time of each read run
// (shroud + app) is reported: unlike wall time, the machine's load does not inflate it.
// Goal: encrypted reads >= 50% of plain reads; writes are reported.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
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

std::string LoadAverage() {
  std::ifstream f("/proc/loadavg");
  std::string one, five, fifteen;
  f >> one >> five >> fifteen;
  return one + " " + five + " " + fifteen;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  long file_mib = 1024;
  int rounds = 3;
  bool keep = false;
  for (int i = 1; i < argc; i++) {
    if (std::string(argv[i]) == "--keep") keep = true;
  }
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--file-mib") file_mib = std::atol(argv[i + 1]);
    if (a == "--rounds") rounds = std::atoi(argv[i + 1]);
  }
  if (std::string missing = uid2::runtime::MissingHostSupport(); !missing.empty()) {
    std::fprintf(stderr, "pf_mount_bench: host prerequisite missing: %s\n", missing.c_str());
    return 1;
  }
  char tmpl[] = "/tmp/shroud-pf-bench-XXXXXX";
  std::string base = mkdtemp(tmpl);
  std::string root = base + "/root";
  fs::create_directories(root + "/gramine/app_files");
  fs::create_directories(root + "/usr/lib/x86_64-linux-gnu/gramine/sgx");
  fs::create_directories(root + "/plain");
  fs::create_directories(root + "/app");
  fs::copy_file(kSrc + "/tests/data/runtime/libpal-standin.so",
                root + "/usr/lib/x86_64-linux-gnu/gramine/sgx/libpal.so");
  fs::copy_file(kBin + "/probe", root + "/app/probe");
  std::string libs = Run("ldd " + kBin + "/probe | grep -o '/[^ ]*'");
  for (size_t at = 0; at < libs.size();) {
    size_t nl = libs.find('\n', at);
    std::string lib = libs.substr(at, nl - at);
    at = nl == std::string::npos ? libs.size() : nl + 1;
    if (lib.empty() || lib[0] != '/') continue;
    fs::create_directories(fs::path(root + lib).parent_path());
    fs::copy_file(lib, root + lib, fs::copy_options::overwrite_existing);
  }
  std::ofstream(root + "/gramine/app_files/entrypoint.manifest")
      << "libos.entrypoint = \"/app/probe\"\n"
         "loader.insecure__use_cmdline_argv = true\n"
         "sgx.enclave_size = \"1G\"\n"
         "fs.mounts = [{ type = \"encrypted\", path = \"/enc\", uri = \"file:/enc\","
         " key_name = \"_sgx_mrenclave\" }]\n"
         "sgx.trusted_files = [\"file:/app/probe\", \"file:/lib/x86_64-linux-gnu/\", "
         "\"file:/lib64/\"]\n"
         "sgx.allowed_files = [\"file:/plain/\"]\n";
  std::string app = root + "/gramine/app_files";
  std::string out = Run(kBin + "/shroud sign -q -m " + app + "/entrypoint.manifest -k " + kSrc +
                        "/tests/data/runtime/test-enclave-key.pem --libpal " + root +
                        "/usr/lib/x86_64-linux-gnu/gramine/sgx/libpal.so --chroot " + root +
                        " -o " + app + "/entrypoint.manifest.sgx -s " + app + "/entrypoint.sig");
  if (!fs::exists(app + "/entrypoint.sig")) {
    std::fprintf(stderr, "signing failed:\n%s\n", out.c_str());
    return 1;
  }
  std::string mib = std::to_string(file_mib);
  std::string shroud = kBin + "/shroud -q run --measurement-cache " + base + "/measurements " +
                       "--sealing-secret " + base + "/sealing-secret " + root + " -- do ";
  // Each `shroud run` is timed by the CPU it and the app used (RUSAGE_CHILDREN: shroud waits for
  // its init, which waits for the app), a measure the machine's load does not inflate.
  auto cpu_of = [&](const std::string& ops, std::string* out) {
    rusage before{}, after{};
    getrusage(RUSAGE_CHILDREN, &before);
    *out = Run(shroud + ops);
    getrusage(RUSAGE_CHILDREN, &after);
    auto sec = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
    return sec(after.ru_utime) - sec(before.ru_utime) + sec(after.ru_stime) - sec(before.ru_stime);
  };
  std::printf("load average before: %s\n", LoadAverage().c_str());
  std::vector<double> w_plain, r_plain, w_enc, r_enc, cpu_plain, cpu_enc;
  std::regex line(R"((wbench|rbench) ok /(plain|enc)/f ([\d.]+) MB/s)");
  std::string all;
  auto parse = [&](const std::string& out) {
    all += out;
    for (auto it = std::sregex_iterator(out.begin(), out.end(), line); it != std::sregex_iterator();
         ++it) {
      bool write = (*it)[1] == "wbench", enc = (*it)[2] == "enc";
      double v = std::stod((*it)[3]);
      (write ? (enc ? w_enc : w_plain) : (enc ? r_enc : r_plain)).push_back(v);
    }
  };
  for (int r = 0; r < rounds; r++) {
    // Writes in one run; then each read in a run of its own (a fresh view: nothing of the file
    // in the view's page cache; the host's page cache holds both host files).
    std::string out;
    cpu_of("wbench /plain/f " + mib + " , wbench /enc/f " + mib, &out);
    parse(out);
    cpu_plain.push_back(cpu_of("rbench /plain/f", &out));
    parse(out);
    cpu_enc.push_back(cpu_of("rbench /enc/f", &out));
    parse(out);
  }
  std::printf("load average after:  %s\n", LoadAverage().c_str());
  if (static_cast<int>(r_enc.size()) != rounds || static_cast<int>(r_plain.size()) != rounds) {
    std::fprintf(stderr, "pf_mount_bench: a run failed:\n%s\n", all.c_str());
    return 1;
  }
  auto host_size = fs::file_size(root + "/enc/f");
  double rp = Median(r_plain), re = Median(r_enc), wp = Median(w_plain), we = Median(w_enc);
  double gib = static_cast<double>(file_mib) / 1024;
  double cp = Median(cpu_plain) / gib, ce = Median(cpu_enc) / gib;
  std::printf("sequential %ld MiB, 1 MiB calls, median of %d rounds (MB/s):\n", file_mib, rounds);
  std::printf("  write: plain %.0f, encrypted %.0f = %.0f%% of plain\n", wp, we, 100 * we / wp);
  std::printf("  read:  plain %.0f, encrypted %.0f = %.0f%% of plain (goal >= 50%%: %s)\n", rp, re,
              100 * re / rp, re >= rp / 2 ? "met" : "NOT met");
  std::printf(
      "  CPU of a read run (shroud + app, user + system) per GiB: plain %.2f s, encrypted %.2f s "
      "(plain / encrypted = %.0f%%)\n",
      cp, ce, 100 * cp / ce);
  std::printf("  host file of the encrypted mount: %ju bytes (%.2f%% over the plaintext)\n",
              static_cast<uintmax_t>(host_size),
              100.0 * (static_cast<double>(host_size) / (file_mib * 1048576.0) - 1));
  if (keep) {
    std::printf("bundle kept: %s\n", root.c_str());
  } else {
    fs::remove_all(base);
  }
  return 0;
}
