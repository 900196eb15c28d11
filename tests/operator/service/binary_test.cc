// The uid2-operator program: starts from the repository root with the local profile, serves
// quickly, drains and exits 0 on SIGTERM.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "operator/service/v2_client.h"
#include "tests/cli/run.h"

namespace uid2::service {
namespace {

using namespace std::chrono_literals;

uint16_t FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

TEST(OperatorBinaryTest, ServesWithin2sAndExitsZeroOnSigterm) {
  std::string bin = uid2::testing::BinDir() + "/uid2-operator";
  ASSERT_TRUE(std::filesystem::exists(bin)) << bin;
  std::string optout = (std::filesystem::temp_directory_path() / "uid2-bin-optout").string();
  uint16_t port = FreePort(), mport = FreePort();
  std::string port_s = std::to_string(port), mport_s = std::to_string(mport);
  auto start = std::chrono::steady_clock::now();
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    if (chdir(UID2_SOURCE_DIR) != 0) _exit(127);
    execl(bin.c_str(), bin.c_str(), "--profile", "local", "--port", port_s.c_str(),
          "--metrics-port", mport_s.c_str(), "--optout-dir", optout.c_str(), "--quiet",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  bool up = false;
  while (std::chrono::steady_clock::now() - start < 2s) {
    BlockingHttpClient c("127.0.0.1", port);
    auto r = c.Get("/ops/healthcheck");
    if (r.ok() && r->status == 200 && r->body == "OK") {
      up = true;
      break;
    }
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_TRUE(up) << "not serving within 2 s";
  BlockingHttpClient m("127.0.0.1", mport);
  auto metrics = m.Get("/metrics");
  EXPECT_TRUE(metrics.ok() && metrics->status == 200);
  kill(pid, SIGTERM);
  int status = 0;
  pid_t done = 0;
  auto stop = std::chrono::steady_clock::now();
  while ((done = waitpid(pid, &status, WNOHANG)) == 0 &&
         std::chrono::steady_clock::now() - stop < 10s) {
    std::this_thread::sleep_for(20ms);
  }
  if (done == 0) kill(pid, SIGKILL), waitpid(pid, &status, 0);
  EXPECT_EQ(done, pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  std::error_code ec;
  std::filesystem::remove_all(optout, ec);
}

TEST(OperatorBinaryTest, HelpAndBadConfig) {
  auto help = uid2::testing::RunCommand("uid2-operator --help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("--profile"), std::string::npos);
  EXPECT_NE(help.out.find("--metrics-port"), std::string::npos);
  auto missing = uid2::testing::RunCommand("uid2-operator --profile no-such-profile --quiet");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.out.find("no-such-profile"), std::string::npos) << missing.out;
}

}  // namespace
}  // namespace uid2::service
