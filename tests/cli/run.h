// run.h: run a built program and capture its output (for command tests).
#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace uid2::testing {

struct RunResult {
  int exit_code = -1;
  std::string out;  // stdout and stderr, interleaved
};

// BinDir is where the build put the programs (build/<preset>/bin).
inline std::string BinDir() {
  const char* env = std::getenv("UID2_BIN_DIR");
  return env ? env : UID2_BIN_DIR;
}

// RunCommand executes `command` with /bin/sh (programs are named relative to BinDir()).
inline RunResult RunCommand(const std::string& command) {
  RunResult r;
  std::string full = "cd " UID2_SOURCE_DIR " && PATH=" + BinDir() + ":$PATH " + command + " 2>&1";
  FILE* p = popen(full.c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

}  // namespace uid2::testing
