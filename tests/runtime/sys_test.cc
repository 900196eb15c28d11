// Host signals and the sys.* / loader.* options under `shroud run`, each as Gramine applies it
// (src/runtime/host_signals.h, src/manifest/runtime_options.h), with the sysprobe app
// (tests/runtime/apps/sysprobe.c). The end-to-end tests need root and /dev/fuse (skip otherwise).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <thread>

#include "bundle_builder.h"
#include "manifest/manifest.h"
#include "runtime/host_signals.h"
#include "runtime/run_spec.h"
#include "runtime/seccomp_filter.h"

extern char** environ;

namespace uid2::testing {
namespace {

using runtime::ActionForHostSignal;
using runtime::HostSignalAction;

TEST(HostSignalsTest, ActionsFollowGraminesLoader) {
  EXPECT_EQ(ActionForHostSignal(SIGTERM, false), HostSignalAction::kIgnore);
  EXPECT_EQ(ActionForHostSignal(SIGTERM, true), HostSignalAction::kInject);
  for (int sig : {SIGINT, SIGHUP, SIGQUIT, SIGALRM}) {
    EXPECT_EQ(ActionForHostSignal(sig, true), HostSignalAction::kTerminate) << sig;
  }
  for (int sig : {SIGUSR1, SIGUSR2, SIGCONT, SIGPIPE, SIGWINCH, SIGCHLD}) {
    EXPECT_EQ(ActionForHostSignal(sig, true), HostSignalAction::kIgnore) << sig;
  }
  EXPECT_EQ(ActionForHostSignal(SIGTSTP, false), HostSignalAction::kStop);
}

Result<runtime::RunSpec> SpecOf(const std::string& extra) {
  UID2_ASSIGN_OR_RETURN(manifest::Manifest m,
                        manifest::ParseManifest("libos.entrypoint = \"/app\"\n" + extra));
  return runtime::RunSpecFromManifest(m);
}

TEST(SysOptionsSpecTest, DefaultsAreGraminesAndValuesAreRead) {
  runtime::RunSpec d = SpecOf("").value();
  EXPECT_EQ(d.stack_size, 256u << 10);
  EXPECT_EQ(d.fds_limit, 900u);
  EXPECT_FALSE(d.sigterm_injection);
  EXPECT_FALSE(d.enable_flock);
  runtime::RunSpec s =
      SpecOf(
          "sys.stack.size = \"1000\"\nsys.fds.limit = 64\nloader.uid = 7\nloader.gid = 8\n"
          "sys.enable_sigterm_injection = true\n")
          .value();
  EXPECT_EQ(s.stack_size, 4096u);  // page-aligned, as Gramine's ALLOC_ALIGN_UP
  EXPECT_EQ(s.fds_limit, 64u);
  EXPECT_EQ(s.uid, 7u);
  EXPECT_EQ(s.gid, 8u);
  EXPECT_TRUE(s.sigterm_injection);
  EXPECT_EQ(SpecOf("loader.uid = -1\n").error().code(), ErrorCode::kInvalid);
  EXPECT_EQ(SpecOf("sys.enable_sigterm_injection = \"yes\"\n").error().code(), ErrorCode::kInvalid);
}

TEST(SysOptionsSpecTest, RefusedOptionsAreRefusedNamingTheKey) {
  for (const char* extra :
       {"sys.brk.max_size = \"1M\"\n", "sys.enable_extra_runtime_domain_names_conf = true\n",
        "sys.debug__mock_syscalls = [{ name = \"getpid\" }, { name = \"getuid\", return = 7 }]\n",
        "sys.debug__mock_syscalls = [{ name = \"execve\" }]\n"}) {
    Result<runtime::RunSpec> r = SpecOf(extra);
    ASSERT_FALSE(r.ok()) << extra;
    EXPECT_EQ(r.error().code(), ErrorCode::kUnsupported) << extra;
    std::string key(extra, std::string_view(extra).find(' '));
    EXPECT_NE(r.error().message().find("'" + key), std::string::npos) << r.error().message();
    EXPECT_NE(r.error().message().find("is not supported by shroud run"), std::string::npos)
        << r.error().message();
  }
  runtime::RunSpec mocks = SpecOf(
                               "sys.debug__mock_syscalls = [{ name = \"getpid\" }, "
                               "{ name = \"sched_yield\", return = -38 }]\n")
                               .value();
  ASSERT_EQ(mocks.mock_syscalls.size(), 2u);
  EXPECT_EQ(mocks.mock_syscalls[0], std::make_pair(std::string("getpid"), int64_t{0}));
  EXPECT_EQ(mocks.mock_syscalls[1], std::make_pair(std::string("sched_yield"), int64_t{-38}));
  Result<Bytes> unknown = runtime::SysFilter({false, false, {{"no_such_call", 0}}});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message().find("unknown system call 'no_such_call'"),
            std::string::npos);
  // Their defaults are no request at all.
  EXPECT_TRUE(SpecOf("sys.enable_extra_runtime_domain_names_conf = false\n"
                     "sys.debug__mock_syscalls = []\n")
                  .ok());
}

std::string Slurp(const std::string& path) {
  std::ifstream f(path);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

bool WaitFor(const std::function<bool()>& done, int ms = 10000) {
  for (int i = 0; i < ms / 10; i++) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return done();
}

// AppPids lists the processes running /sysprobe with `marker` among their arguments.
std::vector<std::string> AppPids(const std::string& marker) {
  std::vector<std::string> pids;
  for (const auto& e : std::filesystem::directory_iterator("/proc")) {
    std::string cmdline = Slurp(e.path().string() + "/cmdline");
    if (cmdline.rfind("/sysprobe", 0) == 0 && cmdline.find(marker) != std::string::npos) {
      pids.push_back(e.path().filename().string());
    }
  }
  return pids;
}
// Marker names the running test (see SignalsArgv).
std::string Marker() {
  const ::testing::TestInfo* t = ::testing::UnitTest::GetInstance()->current_test_info();
  return std::string("marker-") + t->name();
}
int AppsAlive(const std::string& marker) { return static_cast<int>(AppPids(marker).size()); }

// State is the one-letter state of /proc/PID/stat ('S' sleeping, 'T' stopped, ...).
char State(const std::string& pid) {
  std::string stat = Slurp("/proc/" + pid + "/stat");
  size_t paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() ? stat[paren + 2] : '?';
}

class SysRunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    UID2_SKIP_WITHOUT_RUNTIME_HOST();
    b_.CopyWithLibs(BinDir() + "/sysprobe", "/sysprobe");
    b_.Write("/data/lockme", "x");
    std::filesystem::create_directories(b_.Path("/out"));
  }
  void SignOk(const std::string& extra, const std::string& argv) {
    RunResult r =
        b_.Sign("libos.entrypoint = \"/sysprobe\"\nloader.argv = [" + argv + "]\n" + extra +
                "sgx.trusted_files = [\"file:/sysprobe\", "
                "\"file:/lib/x86_64-linux-gnu/\", \"file:/lib64/\", "
                "\"file:/data/lockme\"]\n"
                "sgx.allowed_files = [\"file:/out/\"]\n");
    ASSERT_EQ(r.exit_code, 0) << r.out;
  }
  // Start runs `shroud run` in the background, its output going to Output(), in a process group
  // of its own (as a shell runs a foreground job: a terminal signals the whole group).
  pid_t Start() {
    std::string shroud = BinDir() + "/shroud";
    std::vector<std::string> args = {shroud, "run", "--measurement-cache", b_.CacheDir(),
                                     b_.Path("/")};
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);
    pid_t pid = -1;
    EXPECT_EQ(posix_spawn(&pid, shroud.c_str(), &actions, &attr, argv.data(), environ), 0);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    return pid;
  }
  std::string Output() const { return Slurp(out_); }
  bool Ready() const {
    return WaitFor([&] { return Output().find("ready") != std::string::npos; });
  }
  bool Got(int sig) const {
    return std::filesystem::exists(b_.Path("/out/got-" + std::to_string(sig)));
  }
  // ExitCode waits for `shroud run` (at most `ms`) and returns its exit code, or -1.
  int ExitCode(pid_t pid, int ms = 10000) {
    int status = 0;
    bool done = WaitFor([&] { return waitpid(pid, &status, WNOHANG) == pid; }, ms);
    if (!done) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return -1;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  std::string RunOut(const std::string& extra, const std::string& argv) {
    SignOk(extra, argv);
    RunResult r = b_.Run("", "timeout -s KILL 60");  // a hang fails the test, not ctest
    EXPECT_EQ(r.exit_code, 0) << r.out;
    return r.out;
  }

  TestBundle b_;
  std::string out_ = b_.Path("/../run.out");
};

// The signals app's argv carries the test's name, so AppPids counts this test's app only (ctest
// runs the tests of this file in parallel, each with a "signals" app of its own).
std::string SignalsArgv() { return "\"/sysprobe\", \"signals\", \"/out\", \"" + Marker() + "\""; }

TEST_F(SysRunTest, HostSigtermIsIgnoredWithoutInjectionAndSigkillStillEndsEverything) {
  SignOk("", SignalsArgv());
  pid_t pid = Start();
  ASSERT_TRUE(Ready()) << Output();
  kill(pid, SIGTERM);
  EXPECT_TRUE(WaitFor([&] { return Output().find("host_signal") != std::string::npos; }))
      << Output();
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_FALSE(Got(SIGTERM)) << "the app's SIGTERM handler ran: " << Output();
  EXPECT_EQ(AppsAlive(Marker()), 1) << Output();
  EXPECT_NE(Output().find("sys.enable_sigterm_injection = true"), std::string::npos) << Output();
  // What the orchestrator does at the end of the grace period.
  kill(pid, SIGKILL);
  EXPECT_EQ(ExitCode(pid), 128 + SIGKILL);
  EXPECT_TRUE(WaitFor([] { return AppsAlive(Marker()) == 0; })) << "the app outlived shroud run";
}

TEST_F(SysRunTest, HostSigtermDrainsWithInjectionOnlyOnceAndUsr1NeverReachesTheApp) {
  SignOk("sys.enable_sigterm_injection = true\n", SignalsArgv());
  pid_t pid = Start();
  ASSERT_TRUE(Ready()) << Output();
  kill(pid, SIGUSR1);  // Gramine's loader keeps SIGUSR1 (SGX statistics)
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  kill(pid, SIGTERM);
  ASSERT_TRUE(WaitFor([&] { return Got(SIGTERM); })) << Output();
  kill(pid, SIGTERM);  // dropped: Gramine injects one SIGTERM only
  // The app's handler ran; it exits 0 when it caught exactly one SIGTERM.
  EXPECT_EQ(ExitCode(pid), 0) << Output();
  EXPECT_NE(Output().find("drained terms=1"), std::string::npos) << Output();
  EXPECT_FALSE(Got(SIGUSR1)) << Output();
  EXPECT_NE(Output().find("only the first host SIGTERM"), std::string::npos) << Output();
}

TEST_F(SysRunTest, HostSigintKillsTheAppWithoutRunningItsHandler) {
  SignOk("sys.enable_sigterm_injection = true\n", SignalsArgv());
  pid_t pid = Start();
  ASSERT_TRUE(Ready()) << Output();
  kill(pid, SIGINT);
  EXPECT_EQ(ExitCode(pid), 128 + SIGINT) << Output();
  EXPECT_FALSE(Got(SIGINT)) << Output();
  EXPECT_EQ(AppsAlive(Marker()), 0);
  EXPECT_NE(Output().find("action=terminated"), std::string::npos) << Output();
}

TEST_F(SysRunTest, TerminalInterruptReachesOnlyShroudRunNotTheApp) {
  SignOk("", SignalsArgv());
  pid_t pid = Start();
  ASSERT_TRUE(Ready()) << Output();
  kill(-pid, SIGINT);  // ^C: the kernel signals the terminal's whole foreground process group
  EXPECT_EQ(ExitCode(pid), 128 + SIGINT) << Output();
  EXPECT_FALSE(Got(SIGINT)) << "the app got the terminal's SIGINT itself: " << Output();
  EXPECT_EQ(AppsAlive(Marker()), 0);
}

TEST_F(SysRunTest, TerminalStopStopsTheAppAndContinueResumesIt) {
  SignOk("sys.enable_sigterm_injection = true\n", SignalsArgv());
  pid_t pid = Start();
  ASSERT_TRUE(Ready()) << Output();
  std::vector<std::string> app = AppPids(Marker());
  ASSERT_EQ(app.size(), 1u);
  kill(pid, SIGTSTP);
  EXPECT_TRUE(WaitFor([&] { return State(app[0]) == 'T'; })) << State(app[0]);
  int status = 0;
  EXPECT_EQ(waitpid(pid, &status, WUNTRACED), pid);
  EXPECT_TRUE(WIFSTOPPED(status));
  kill(pid, SIGCONT);
  EXPECT_TRUE(WaitFor([&] { return State(app[0]) != 'T'; })) << State(app[0]);
  kill(pid, SIGTERM);
  EXPECT_EQ(ExitCode(pid), 0) << Output();
  EXPECT_TRUE(Got(SIGTERM));
}

TEST_F(SysRunTest, StackFdsAndAslrFollowTheManifestWithGraminesDefaults) {
  EXPECT_NE(RunOut("", "\"/sysprobe\", \"limits\"").find("stack=262144 nofile=900 aslr=on"),
            std::string::npos);
  std::string out = RunOut(
      "sys.stack.size = \"1M\"\nsys.fds.limit = 2048\nloader.insecure__disable_aslr = true\n",
      "\"/sysprobe\", \"limits\"");
  EXPECT_NE(out.find("stack=1048576 nofile=2048 aslr=off"), std::string::npos) << out;
}

TEST_F(SysRunTest, LoaderUidAndGidAreTheAppsIdentity) {
  EXPECT_NE(RunOut("", "\"/sysprobe\", \"ids\"").find("uid=0 gid=0 euid=0 egid=0"),
            std::string::npos);
  std::string out = RunOut("loader.uid = 1000\nloader.gid = 1001\n", "\"/sysprobe\", \"ids\"");
  EXPECT_NE(out.find("uid=1000 gid=1001 euid=1000 egid=1001 groups=0"), std::string::npos) << out;
}

TEST_F(SysRunTest, DisallowSubprocessesRefusesForkAndSpawnButNotThreads) {
  EXPECT_NE(RunOut("", "\"/sysprobe\", \"fork\"").find("fork ok spawn ok thread ok"),
            std::string::npos);
  std::string out = RunOut("sys.disallow_subprocesses = true\n", "\"/sysprobe\", \"fork\"");
  EXPECT_NE(out.find("fork EAGAIN spawn EAGAIN thread ok"), std::string::npos) << out;
}

TEST_F(SysRunTest, FlockNeedsTheExperimentalOption) {
  EXPECT_NE(RunOut("", "\"/sysprobe\", \"flock\", \"/data/lockme\"").find("flock ENOSYS"),
            std::string::npos);
  std::string out = RunOut("sys.experimental__enable_flock = true\n",
                           "\"/sysprobe\", \"flock\", \"/data/lockme\"");
  EXPECT_NE(out.find("flock ok"), std::string::npos) << out;
}

TEST_F(SysRunTest, MockedSyscallsReturnTheirValueWithoutRunning) {
  std::string plain = RunOut("", "\"/sysprobe\", \"mock\"");
  EXPECT_EQ(plain.find("getpid=0 "), std::string::npos) << plain;
  EXPECT_NE(plain.find("sched_yield=ok"), std::string::npos) << plain;
  std::string out = RunOut(
      "sys.debug__mock_syscalls = [{ name = \"getpid\" }, { name = \"sched_yield\", return = "
      "-1 }]\n",
      "\"/sysprobe\", \"mock\"");
  EXPECT_NE(out.find("getpid=0 sched_yield=EPERM"), std::string::npos) << out;
}

TEST_F(SysRunTest, RefusedOptionStopsTheRunBeforeTheAppStarts) {
  SignOk("sys.brk.max_size = \"1M\"\n", "\"/sysprobe\", \"ids\"");
  RunResult r = b_.Run("");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("'sys.brk.max_size' is not supported by shroud run"), std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find("uid="), std::string::npos) << r.out;
}

}  // namespace
}  // namespace uid2::testing
