// examples/*: each example is bundled in a temporary directory (program + ldd libraries + the
// example's manifest), signed with `shroud sign` and run with `shroud run`, as docs/runtime.md
// shows. Needs root and /dev/fuse (skips otherwise, saying so).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

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

// FreePort returns a TCP port of 127.0.0.1 that nothing listens on now.
int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(a);
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
    port = ntohs(a.sin_port);
  }
  close(fd);
  return port;
}

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
  return s;
}

// The operator's opt-out folder is an encrypted mount sealed to its MRENCLAVE (issue 14 item 4):
// files written inside the enclave load; a file whose ciphertext the host edited, or that the
// host copied to another name, is refused (logged by the runtime and by the operator), the good
// data stays loaded and the operator keeps serving.
TEST(ExamplesTest, OperatorRefusesOptOutFilesTheHostChanged) {
  UID2_SKIP_WITHOUT_RUNTIME_HOST();
#ifdef UID2_SANITIZED
  GTEST_SKIP() << "an ASan-built uid2-operator reserves ~15 TiB of shadow memory (see above)";
#endif
  std::string op = BinDir() + "/uid2-operator";
  ASSERT_TRUE(std::filesystem::exists(op)) << op << " was not built";
  TestBundle b;
  b.CopyWithLibs(op, "/app/uid2-operator");
  b.CopyWithLibs(BinDir() + "/probe", "/app/probe");  // writes inside the same enclave (--exec)
  std::filesystem::copy(std::string(UID2_SOURCE_DIR) + "/conf", b.Path("/app/conf"),
                        std::filesystem::copy_options::recursive);
  std::filesystem::copy(std::string(UID2_SOURCE_DIR) + "/data", b.Path("/app/data"),
                        std::filesystem::copy_options::recursive);
  int port = FreePort(), metrics_port = FreePort();
  ASSERT_GT(port, 0);
  std::string manifest = Example("operator/operator.manifest");
  ASSERT_NE(manifest.find("type = \"encrypted\", path = \"/app/run/optout\""), std::string::npos);
  manifest = Replace(manifest, "\"18080\"", "\"" + std::to_string(port) + "\"");
  manifest = Replace(manifest, "\"19091\"", "\"" + std::to_string(metrics_port) + "\"");
  manifest = Replace(manifest, "\"file:/app/uid2-operator\",",
                     "\"file:/app/uid2-operator\", \"file:/app/probe\",");
  RunResult s = b.Sign(manifest);
  ASSERT_EQ(s.exit_code, 0) << s.out;

  // Two opt-out delta files written by the enclave (2 records and 1 record of 72 bytes).
  auto record = [](char id, char ad) {
    std::string hex;
    for (int i = 0; i < 32; i++) hex += std::string(1, id) + "1";
    for (int i = 0; i < 32; i++) hex += std::string(1, ad) + "2";
    return hex + "00e1f5050000" + "0000";  // timestamp (7 bytes LE) + meta
  };
  const std::string dir = "/app/run/optout/";
  const std::string good = "optout-delta-000_2026-12-01T10.00.00Z_0000000a.dat";
  const std::string edited = "optout-delta-000_2026-12-01T11.00.00Z_0000000b.dat";
  const std::string copied = "optout-delta-000_2026-12-01T12.00.00Z_0000000c.dat";
  RunResult w = b.Run("--exec /app/probe -- do writehex " + dir + good + " " + record('a', 'b') +
                      record('c', 'd') + " , writehex " + dir + edited + " " + record('e', 'f'));
  ASSERT_NE(w.out.find("writehex ok " + dir + edited), std::string::npos) << w.out;
  std::string host = b.Read(dir + edited);
  ASSERT_EQ(host.size(), 4096u);
  EXPECT_EQ(host.find(std::string(32, static_cast<char>(0xe1))), std::string::npos);  // sealed
  host[1000] ^= 0x01;  // one byte of the host's copy
  b.Write(dir + edited, host);
  std::filesystem::copy_file(b.Path(dir + good), b.Path(dir + copied));

  std::string log = b.Path("/../operator.log"), pid = b.Path("/../shroud.pid");
  RunCommand("sh -c " + Quote("(" + b.ShroudRun() + b.root() + " > " + log + " 2>&1 & echo $! > " +
                              pid + ")"));
  std::string base = "http://127.0.0.1:" + std::to_string(port);
  std::string health, metrics;
  for (int i = 0; i < 120 && health.find("OK") == std::string::npos; i++) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    health = RunCommand("curl -s --max-time 2 " + base + "/ops/healthcheck").out;
  }
  metrics = RunCommand("curl -s --max-time 2 http://127.0.0.1:" + std::to_string(metrics_port) +
                       "/metrics")
                .out;
  std::ifstream pf(pid);
  int shroud_pid = 0;
  pf >> shroud_pid;
  if (shroud_pid > 0) kill(shroud_pid, SIGTERM);
  for (int i = 0; i < 100 && shroud_pid > 0 && kill(shroud_pid, 0) == 0; i++) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::ifstream lf(log);
  std::stringstream ls;
  ls << lf.rdbuf();
  std::string out = ls.str();
  EXPECT_NE(health.find("OK"), std::string::npos) << health << "\n--- log:\n" << out;
  // The runtime names each refused file; the operator refuses it and keeps the good one.
  EXPECT_NE(out.find("encrypted_file_refused path=" + dir + edited), std::string::npos) << out;
  EXPECT_NE(out.find("encrypted_file_refused path=" + dir + copied), std::string::npos) << out;
  EXPECT_NE(out.find("optout_file_rejected file=run/optout/" + edited), std::string::npos) << out;
  EXPECT_NE(out.find("optout_file_rejected file=run/optout/" + copied), std::string::npos) << out;
  EXPECT_NE(out.find("optout_files_loaded files=1 records=2"), std::string::npos) << out;
  EXPECT_NE(metrics.find("uid2_optout_files_rejected_total 2"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("uid2_optout_records_loaded_total 2"), std::string::npos) << metrics;
}

}  // namespace
}  // namespace uid2::testing
