// examples/*: each example is bundled in a temporary directory (program + ldd libraries + the
// example's manifest), signed with `shroud sign` and run with `shroud run`, as docs/runtime.md
// shows. Needs root and /dev/fuse (skips otherwise, saying so).
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <thread>

#include "bundle_builder.h"

namespace uid2::testing {
namespace {

std::string Example(const std::string& path) {
  std::ifstream f(std::string(UID2_SOURCE_DIR) + "/examples/" + path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

TEST(ExamplesTest, HelloWorld) {
  UID2_SKIP_WITHOUT_RUNTIME_HOST();
  TestBundle b;
  b.CopyWithLibs(BinDir() + "/helloworld", "/app/helloworld");
  RunResult s = b.Sign(Example("helloworld/helloworld.manifest"));
  ASSERT_EQ(s.exit_code, 0) << s.out;
  RunResult r = b.Run("");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("Hello, world from helloworld inside shroud run!"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("attestation: none"), std::string::npos) << r.out;
  std::string pki = b.Path("/../pki");
  ASSERT_EQ(RunCommand("shroud quote sim-pki init " + pki).exit_code, 0);
  r = b.Run("--sim-pki " + pki);
  EXPECT_NE(r.out.find("attestation: dcap"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("memory_limit"), std::string::npos) << r.out;  // watched, never reached
}

TEST(ExamplesTest, PythonScript) {
  UID2_SKIP_WITHOUT_RUNTIME_HOST();
  if (!std::filesystem::exists("/usr/bin/python3.11")) {
    GTEST_SKIP() << "host prerequisite missing: Debian's python3.11 (apt-get install python3)";
  }
  TestBundle b;
  b.CopyWithLibs("/usr/bin/python3.11", "/usr/bin/python3.11");
  std::filesystem::create_directories(b.Path("/usr/lib"));
  std::filesystem::copy("/usr/lib/python3.11", b.Path("/usr/lib/python3.11"),
                        std::filesystem::copy_options::recursive);
  b.Copy(std::string(UID2_SOURCE_DIR) + "/examples/python/hello.py", "/app/hello.py");
  b.Write("/etc/passwd", "root:x:0:0:root:/root:/bin/sh\n");  // present, not in the manifest
  RunResult s = b.Sign(Example("python/python.manifest"));
  ASSERT_EQ(s.exit_code, 0) << s.out;
  RunResult r = b.Run("");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("inside shroud run!"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"attestation_type\": \"none\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("/etc/passwd: denied"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("memory_limit"), std::string::npos) << r.out;
}

TEST(ExamplesTest, OperatorAnswersHealthcheck) {
  UID2_SKIP_WITHOUT_RUNTIME_HOST();
#ifdef UID2_SANITIZED
  GTEST_SKIP() << "an ASan-built uid2-operator reserves ~15 TiB of shadow memory, beyond the "
                  "RLIMIT_AS that enforces sgx.enclave_size; this test runs in the debug preset";
#endif
  std::string op = BinDir() + "/uid2-operator";
  ASSERT_TRUE(std::filesystem::exists(op)) << op << " was not built";
  TestBundle b;
  b.CopyWithLibs(op, "/app/uid2-operator");
  std::filesystem::copy(std::string(UID2_SOURCE_DIR) + "/conf", b.Path("/app/conf"),
                        std::filesystem::copy_options::recursive);
  std::filesystem::copy(std::string(UID2_SOURCE_DIR) + "/data", b.Path("/app/data"),
                        std::filesystem::copy_options::recursive);
  std::filesystem::create_directories(b.Path("/app/run/optout"));
  RunResult s = b.Sign(Example("operator/operator.manifest"));
  ASSERT_EQ(s.exit_code, 0) << s.out;
  std::string log = b.Path("/../operator.log"), pid = b.Path("/../shroud.pid");
  RunCommand("sh -c " + Quote("(" + b.ShroudRun() + b.root() + " > " + log + " 2>&1 & echo $! > " +
                              pid + ")"));
  std::string body;
  for (int i = 0; i < 120 && body.find("OK") == std::string::npos; i++) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    body = RunCommand("curl -s --max-time 2 http://127.0.0.1:18080/ops/healthcheck").out;
  }
  std::ifstream pf(pid);
  int shroud_pid = 0;
  pf >> shroud_pid;
  // sys.enable_sigterm_injection: the operator gets the SIGTERM, drains and exits.
  if (shroud_pid > 0) kill(shroud_pid, SIGTERM);
  for (int i = 0; i < 100 && shroud_pid > 0 && kill(shroud_pid, 0) == 0; i++) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  bool stopped = shroud_pid > 0 && kill(shroud_pid, 0) != 0;
  if (shroud_pid > 0 && !stopped) kill(shroud_pid, SIGKILL);
  EXPECT_TRUE(stopped) << "shroud run outlived the operator's drain";
  std::ifstream lf(log);
  std::stringstream ls;
  ls << lf.rdbuf();
  EXPECT_NE(body.find("OK"), std::string::npos) << body << "\n--- log:\n" << ls.str();
  EXPECT_EQ(ls.str().find("file_denied"), std::string::npos) << ls.str();
  EXPECT_EQ(ls.str().find("memory_limit"), std::string::npos) << ls.str();
  EXPECT_NE(ls.str().find("operator_stopped"), std::string::npos) << ls.str();
}

}  // namespace
}  // namespace uid2::testing
