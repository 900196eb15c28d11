// The launcher's lifetime rules, end to end: the view is mounted only inside the app's own mount
// namespace (not on the host, not in shroud run's), and killing `shroud run` outright takes the
// app with it.
// Needs root and /dev/fuse (skips otherwise).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "bundle_builder.h"

extern char** environ;

namespace uid2::testing {
namespace {

std::string Slurp(const std::string& path) {
  std::ifstream f(path);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

// ProbesAlive counts processes running the probe with `marker` among their arguments.
int ProbesAlive(const std::string& marker) {
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator("/proc")) {
    std::string cmdline = Slurp(e.path().string() + "/cmdline");
    if (cmdline.rfind("/probe", 0) == 0 && cmdline.find(marker) != std::string::npos) n++;
  }
  return n;
}

bool WaitFor(const std::function<bool()>& done) {
  for (int i = 0; i < 500; i++) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

TEST(LaunchTest, ViewIsNotOnTheHostAndKillingShroudRunEndsTheApp) {
  UID2_SKIP_WITHOUT_RUNTIME_HOST();
  TestBundle b;
  b.CopyWithLibs(BinDir() + "/probe", "/probe");
  std::filesystem::create_directories(b.Path("/out"));
  RunResult signed_ok = b.Sign(
      "libos.entrypoint = \"/probe\"\nloader.insecure__use_cmdline_argv = true\n"
      "sgx.trusted_files = [\"file:/probe\", \"file:/lib/x86_64-linux-gnu/\", \"file:/lib64/\"]\n"
      "sgx.allowed_files = [\"file:/out/\"]\n");
  ASSERT_EQ(signed_ok.exit_code, 0) << signed_ok.out;

  std::string out = b.Path("/../run.out"), marker = b.Path("/../never-created");
  std::string shroud = BinDir() + "/shroud";
  std::vector<std::string> args = {shroud,  "run", "--measurement-cache", b.CacheDir(), b.Path("/"),
                                   "alloc", "1",   "/out/never-created"};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  pid_t pid;
  ASSERT_EQ(posix_spawn(&pid, shroud.c_str(), &actions, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&actions);

  bool started = WaitFor([&] { return Slurp(out).find("alloc ok") != std::string::npos; });
  EXPECT_TRUE(started) << Slurp(out);
  EXPECT_EQ(ProbesAlive("never-created"), 1);
  // Not in shroud run's own mount namespace either (only in init's).
  std::string shroud_mounts = Slurp("/proc/" + std::to_string(pid) + "/mountinfo");
  EXPECT_NE(shroud_mounts.find(" / "), std::string::npos);
  EXPECT_EQ(shroud_mounts.find("fuse.shroud"), std::string::npos);

  kill(pid, SIGKILL);
  int status;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WaitFor([] { return ProbesAlive("never-created") == 0; }))
      << "the app outlived shroud run";
  EXPECT_EQ(Slurp("/proc/self/mountinfo").find("fuse.shroud"), std::string::npos);
}

TEST(LaunchTest, SyscallsTheFilterDeniesFailWithEperm) {
  UID2_SKIP_WITHOUT_RUNTIME_HOST();
  TestBundle b;
  b.CopyWithLibs(BinDir() + "/probe", "/probe");
  const std::string files =
      "loader.insecure__use_cmdline_argv = true\n"
      "sgx.trusted_files = [\"file:/probe\", \"file:/lib/x86_64-linux-gnu/\", \"file:/lib64/\"]\n";
  // The memory watch's filter (sgx.enclave_size is set): the deny rules travel with it.
  RunResult s = b.Sign("libos.entrypoint = \"/probe\"\nsgx.enclave_size = \"256M\"\n" + files);
  ASSERT_EQ(s.exit_code, 0) << s.out;
  RunResult r = b.Run("keyctl");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("keyctl EPERM"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("memory_limit_watch_unavailable"), std::string::npos) << r.out;
  RunResult host = RunCommand("probe keyctl");  // outside, the same call works
  EXPECT_NE(host.out.find("keyctl ok"), std::string::npos) << host.out;

  // A kernel that refuses the watch's filter (here: a seccomp listener above shroud run already
  // exists, so another one is EBUSY) gets the plain filter, with the same denials.
  r = b.Run("keyctl", "probe hold-listener");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("memory_limit_watch_unavailable"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("keyctl EPERM"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace uid2::testing
