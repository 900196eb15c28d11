// memory_watch_bench: what the sgx.enclave_size watch (src/runtime/memory_limit.h) costs.
//
//   memory_watch_bench [--runs N] [--iters N]
//
// Every case runs the same program twice in the same run: as a plain child (the floor:
// no_new_privs + RLIMIT_AS, as the app runs without the watch) and with the watch exactly as
// `shroud run` sets it up (MemoryWatch::Prepare/Start/Stop in this process, InstallMemoryWatch
// in the child before execve), so every mmap without MAP_FIXED and every mremap of the program
// makes a round trip to this process. No root needed.
//   1. Start-up: median wall time of fork + exec + exit of `probe_static exit 0` (almost no
//      watched calls: the fixed cost), `probe exit 0` (dynamic: the loader's mappings) and, when
//      present, `python3 -c pass` (more libraries and mappings).
//   2. Allocation loops inside the program: `probe mmaploop` (mmap 1 MiB, touch, munmap: one
//      watched call per iteration, the worst case) and `probe mallocloop` (malloc/free of
//      64 B .. 8 MiB blocks: glibc serves most from its heap, a few through mmap).
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "runtime/memory_limit.h"

namespace {

const std::string kBin = UID2_BIN_DIR;
constexpr uint64_t kLimit = 1ull << 30;  // a 1 GiB enclave: never reached here
uint64_t g_notifications = 0;            // watched calls of the last watched run

// RunOnce runs argv (with the watch or not) and returns {wall ms, the program's stdout}.
std::pair<double, std::string> RunOnce(const std::vector<std::string>& args, bool watch) {
  auto t0 = std::chrono::steady_clock::now();
  uid2::runtime::MemoryWatch w(kLimit);
  uid2::runtime::MemoryWatchChild child = watch ? w.Prepare() : uid2::runtime::MemoryWatchChild{};
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  int out[2];
  if (pipe(out) != 0) return {-1, ""};
  pid_t pid = fork();
  if (pid == 0) {
    dup2(out[1], 1);
    struct rlimit rl = {kLimit, kLimit};
    setrlimit(RLIMIT_AS, &rl);
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    if (!uid2::runtime::InstallMemoryWatch(child)) _exit(125);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(out[1]);
  w.Start();
  std::string text;
  char buf[4096];
  ssize_t n;
  while ((n = read(out[0], buf, sizeof(buf))) > 0) text.append(buf, static_cast<size_t>(n));
  close(out[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  w.Stop();
  double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  g_notifications = w.notifications();
  return {WIFEXITED(status) && WEXITSTATUS(status) == 0 ? ms : -1, text};
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

void StartUp(const char* name, const std::vector<std::string>& args, int runs) {
  std::vector<double> plain, watched;
  for (int i = 0; i < runs; i++) {  // interleaved, so load changes hit both alike
    plain.push_back(RunOnce(args, false).first);
    watched.push_back(RunOnce(args, true).first);
  }
  double p = Median(plain), w = Median(watched);
  std::printf("start-up %-18s floor %8.2f ms   watched %8.2f ms   +%.2f ms (x%.2f), %llu calls\n",
              name, p, w, w - p, w / p, static_cast<unsigned long long>(g_notifications));
}

// Loop runs a probe loop and reports the program's own ns/iteration figure.
void Loop(const char* name, const std::vector<std::string>& args, int runs) {
  auto figure = [](const std::string& out) {
    size_t colon = out.rfind(": ");
    return colon == std::string::npos ? -1.0 : std::atof(out.c_str() + colon + 2);
  };
  std::vector<double> plain, watched;
  for (int i = 0; i < runs; i++) {
    plain.push_back(figure(RunOnce(args, false).second));
    watched.push_back(figure(RunOnce(args, true).second));
  }
  double p = Median(plain), w = Median(watched);
  std::printf(
      "loop     %-18s floor %8.0f ns   watched %8.0f ns   +%.0f ns/iter (x%.2f), %llu calls\n",
      name, p, w, w - p, w / p, static_cast<unsigned long long>(g_notifications));
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 11;
  long iters = 20000;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--runs") == 0) runs = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--iters") == 0) iters = std::atol(argv[i + 1]);
  }
  std::string probe = kBin + "/probe";
  if (RunOnce({probe, "exit", "0"}, true).first < 0) {
    std::fprintf(stderr, "cannot run %s with the watch (seccomp user notification?)\n",
                 probe.c_str());
    return 1;
  }
  StartUp("probe_static exit 0", {kBin + "/probe_static", "exit", "0"}, runs);  // fixed cost
  StartUp("probe exit 0", {probe, "exit", "0"}, runs);
  if (access("/usr/bin/python3", X_OK) == 0) {
    StartUp("python3 -c pass", {"/usr/bin/python3", "-c", "pass"}, runs);
  }
  Loop("mmaploop 1 MiB", {probe, "mmaploop", std::to_string(iters), "1024"}, runs);
  Loop("mallocloop", {probe, "mallocloop", std::to_string(iters * 10)}, runs);
  return 0;
}
