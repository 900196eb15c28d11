// The sgx.enclave_size watch (src/runtime/memory_limit.h): the decoding and the message, the
// watch on a real child process (no root needed), and `shroud run` logging the message while
// the app still runs (root and /dev/fuse; skips otherwise).
#include "runtime/memory_limit.h"

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "bundle_builder.h"

namespace uid2::testing {
namespace {

using runtime::AddressSpaceRequest;
using runtime::ExceedsLimit;
using runtime::GrowthOf;
using runtime::MemoryLimitMessage;

constexpr uint64_t kMiB = 1ull << 20;

TEST(MemoryLimitTest, GrowthOfWatchedCalls) {
  uint64_t mmap_args[6] = {0, 512 * kMiB + 1, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, ~0ull, 0};
  AddressSpaceRequest r = GrowthOf(SYS_mmap, mmap_args);
  EXPECT_STREQ(r.call, "mmap");
  EXPECT_EQ(r.bytes, 512 * kMiB + 4096);  // page-rounded, as the kernel counts it
  mmap_args[3] |= MAP_FIXED;              // replaces pages: not judged
  EXPECT_EQ(GrowthOf(SYS_mmap, mmap_args).bytes, 0u);
  uint64_t mremap_args[6] = {0x10000, 4 * kMiB, 6 * kMiB, MREMAP_MAYMOVE, 0, 0};
  r = GrowthOf(SYS_mremap, mremap_args);
  EXPECT_STREQ(r.call, "mremap");
  EXPECT_EQ(r.bytes, 2 * kMiB);
  mremap_args[2] = kMiB;  // shrinking
  EXPECT_EQ(GrowthOf(SYS_mremap, mremap_args).bytes, 0u);
  EXPECT_EQ(GrowthOf(SYS_munmap, mremap_args).bytes, 0u);
}

TEST(MemoryLimitTest, ExceedsLimitIsTheKernelsTest) {
  EXPECT_FALSE(ExceedsLimit(200 * kMiB, 56 * kMiB, 256 * kMiB));  // exactly full: allowed
  EXPECT_TRUE(ExceedsLimit(200 * kMiB, 56 * kMiB + 4096, 256 * kMiB));
  EXPECT_TRUE(ExceedsLimit(0, ~0ull, 256 * kMiB));  // no overflow
  EXPECT_TRUE(ExceedsLimit(~0ull, 4096, 256 * kMiB));
}

TEST(MemoryLimitTest, MessageNamesTheLimitTheRequestAndTheFix) {
  std::string m = MemoryLimitMessage(256 * kMiB, 3 * kMiB + kMiB / 2, {"mmap", 512 * kMiB});
  EXPECT_NE(m.find("sgx.enclave_size = 256 MiB"), std::string::npos) << m;
  EXPECT_NE(m.find("asked for 512 MiB more address space (mmap)"), std::string::npos) << m;
  EXPECT_NE(m.find("with 3.5 MiB already mapped"), std::string::npos) << m;
  EXPECT_NE(m.find("fails with ENOMEM"), std::string::npos) << m;
  // The suggestion is a power of two above the limit and the need (Gramine's rule).
  EXPECT_NE(m.find("Raise sgx.enclave_size in the manifest (e.g. sgx.enclave_size = \"1G\")"),
            std::string::npos)
      << m;
  EXPECT_NE(MemoryLimitMessage(256 * kMiB, 255 * kMiB, {"mremap", 2 * kMiB}).find("\"512M\""),
            std::string::npos);
}

// RunWatched runs `probe ARGS...` in a child with RLIMIT_AS = limit and the watch installed as
// the launcher does; returns whether the watch reported the limit.
bool RunWatched(uint64_t limit, std::vector<std::string> args, std::string* out) {
  runtime::MemoryWatch watch(limit);
  runtime::MemoryWatchChild child = watch.Prepare();
  EXPECT_GE(child.sock_fd, 0) << "seccomp user notification unavailable";
  std::string probe = BinDir() + "/probe";
  args.insert(args.begin(), probe);
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int pipe_fds[2];
  EXPECT_EQ(pipe(pipe_fds), 0);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(pipe_fds[1], 1);
    struct rlimit rl = {limit, limit};
    setrlimit(RLIMIT_AS, &rl);
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    if (!runtime::InstallMemoryWatch(child)) _exit(125);
    execv(probe.c_str(), argv.data());
    _exit(127);
  }
  close(pipe_fds[1]);
  watch.Start();
  char buf[4096];
  ssize_t n;
  while ((n = read(pipe_fds[0], buf, sizeof(buf))) > 0) out->append(buf, static_cast<size_t>(n));
  close(pipe_fds[0]);
  int status;
  waitpid(pid, &status, 0);
  watch.Stop();
  EXPECT_GT(watch.notifications(), 0u);  // the dynamic loader's mmaps went through the watch
  return watch.reported();
}

TEST(MemoryLimitTest, WatchReportsARefusedAllocationOfAChild) {
  std::string out;
  EXPECT_TRUE(RunWatched(128 * kMiB, {"alloc", "512"}, &out)) << out;
  EXPECT_NE(out.find("alloc failed: ENOMEM"), std::string::npos) << out;
  out.clear();
  EXPECT_TRUE(RunWatched(128 * kMiB, {"fill"}, &out)) << out;  // many 1 MiB blocks
  EXPECT_NE(out.find("filled "), std::string::npos) << out;
}

TEST(MemoryLimitTest, WatchStaysSilentWithinTheLimit) {
  std::string out;
  EXPECT_FALSE(RunWatched(256 * kMiB, {"alloc", "64"}, &out)) << out;
  EXPECT_NE(out.find("alloc ok"), std::string::npos) << out;
  out.clear();
  EXPECT_FALSE(RunWatched(256 * kMiB, {"mmaploop", "200", "1024"}, &out)) << out;
  EXPECT_NE(out.find("ns/iter"), std::string::npos) << out;
}

std::string ReadAll(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// The message is logged while the app runs: the probe waits, after its failed allocation, for a
// file that the test creates only once shroud run's log shows the message.
TEST(MemoryLimitRunTest, ShroudRunLogsTheLimitWhileTheAppRuns) {
  UID2_SKIP_WITHOUT_RUNTIME_HOST();
  TestBundle b;
  b.CopyWithLibs(BinDir() + "/probe", "/probe");
  std::filesystem::create_directories(b.Path("/out"));
  RunResult signed_ = b.Sign(
      "libos.entrypoint = \"/probe\"\nloader.insecure__use_cmdline_argv = true\n"
      "sgx.enclave_size = \"128M\"\n"
      "sgx.trusted_files = [\"file:/probe\", \"file:/lib/x86_64-linux-gnu/\", \"file:/lib64/\"]\n"
      "sgx.allowed_files = [\"file:/out/\"]\n");
  ASSERT_EQ(signed_.exit_code, 0) << signed_.out;
  std::string log = b.Path("/../run.log");
  std::string cmd =
      "(" + b.ShroudRun() + b.root() + " -- alloc 512 /out/go; echo exit=$?) > " + log + " 2>&1 &";
  RunCommand("sh -c " + Quote(cmd));
  std::string out;
  for (int i = 0; i < 400; i++) {
    out = ReadAll(log);
    if (out.find("memory_limit_reached") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  bool running = out.find("exit=") == std::string::npos;
  b.Write("/out/go", "");
  for (int i = 0; i < 400 && out.find("exit=") == std::string::npos; i++) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    out = ReadAll(log);
  }
  EXPECT_TRUE(running) << "the message came only after the app exited:\n" << out;
  EXPECT_EQ(CountOf(out, "memory_limit_reached"), 1) << out;
  EXPECT_NE(out.find("enclave_size=\"128 MiB\""), std::string::npos) << out;
  EXPECT_NE(out.find("requested=\"512.0 MiB\""), std::string::npos) << out;
  EXPECT_NE(out.find("sgx.enclave_size = 128 MiB"), std::string::npos) << out;
  EXPECT_NE(out.find("Raise sgx.enclave_size"), std::string::npos) << out;
  EXPECT_NE(out.find("alloc failed: ENOMEM"), std::string::npos) << out;
  EXPECT_NE(out.find("waited for /out/go"), std::string::npos) << out;
  EXPECT_NE(out.find("exit=1"), std::string::npos) << out;
}

TEST(MemoryLimitRunTest, StaticBinaryIsQuietWithinTheLimitAndReportedPastIt) {
  UID2_SKIP_WITHOUT_RUNTIME_HOST();
  TestBundle b;
  b.CopyWithLibs(BinDir() + "/probe_static", "/probe");
  RunResult signed_ = b.Sign(
      "libos.entrypoint = \"/probe\"\nloader.insecure__use_cmdline_argv = true\n"
      "sgx.enclave_size = \"128M\"\nsgx.trusted_files = [\"file:/probe\"]\n");
  ASSERT_EQ(signed_.exit_code, 0) << signed_.out;
  RunResult r = b.Run("-- alloc 64");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.out.find("memory_limit"), std::string::npos) << r.out;
  r = b.Run("-- fill");  // a static binary is watched too
  EXPECT_NE(r.out.find("filled "), std::string::npos) << r.out;
  EXPECT_EQ(CountOf(r.out, "memory_limit_reached"), 1) << r.out;
  EXPECT_NE(r.out.find("requested=\"1.0 MiB\""), std::string::npos) << r.out;
}

}  // namespace
}  // namespace uid2::testing
