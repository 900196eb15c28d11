// bundle_builder.h: build, sign and run throw-away bundles for the `shroud run` tests.
//
// A bundle is a root filesystem in a fresh /tmp directory (CONVENTIONS "Shared formats"):
// programs are copied with the libraries ldd names, the manifest goes to
// /gramine/app_files/entrypoint.manifest, and `shroud sign` (with the test key and the
// stand-in libpal from tests/data/runtime) writes entrypoint.manifest.sgx and entrypoint.sig.
// Every `shroud run` of a test names a measurement cache and a sealing secret in its own
// temporary directory (never the host's defaults under /var).
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "../cli/run.h"
#include "runtime/launcher.h"

namespace uid2::testing {

namespace fs = std::filesystem;

inline std::string Quote(const std::string& s) { return "'" + s + "'"; }

class TestBundle {
 public:
  TestBundle() {
    char tmpl[] = "/tmp/shroud-rt-test-XXXXXX";
    base_ = mkdtemp(tmpl);
    sealing_secret_ = base_ + "/sealing-secret";
    root_ = base_ + "/root";
    fs::create_directories(root_ + "/gramine/app_files");
    fs::create_directories(root_ + "/usr/lib/x86_64-linux-gnu/gramine/sgx");
    fs::copy_file(std::string(UID2_SOURCE_DIR) + "/tests/data/runtime/libpal-standin.so",
                  root_ + "/usr/lib/x86_64-linux-gnu/gramine/sgx/libpal.so");
  }
  ~TestBundle() {
    std::error_code ec;
    fs::remove_all(base_, ec);
  }
  const std::string& root() const { return root_; }
  std::string Path(const std::string& in_root) const { return root_ + in_root; }

  void Write(const std::string& in_root, const std::string& content) {
    fs::create_directories(fs::path(Path(in_root)).parent_path());
    std::ofstream(Path(in_root), std::ios::binary) << content;
  }
  std::string Read(const std::string& in_root) const {
    std::ifstream f(Path(in_root), std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
  }
  void Copy(const std::string& host, const std::string& in_root) {
    fs::create_directories(fs::path(Path(in_root)).parent_path());
    fs::copy_file(host, Path(in_root), fs::copy_options::overwrite_existing);
    fs::permissions(Path(in_root), fs::status(host).permissions());
  }
  // CopyWithLibs copies a program and every shared library ldd lists, at the same paths.
  void CopyWithLibs(const std::string& host, const std::string& in_root) {
    Copy(host, in_root);
    RunResult ldd = RunCommand("ldd " + Quote(host));
    std::istringstream lines(ldd.out);
    std::string line;
    while (std::getline(lines, line)) {
      size_t arrow = line.find("=> /");
      size_t start = arrow != std::string::npos ? arrow + 3 : line.find_first_not_of(" \t");
      if (start == std::string::npos || line[start] != '/') continue;
      std::string lib = line.substr(start, line.find(' ', start) - start);
      Copy(lib, lib);
    }
  }
  // Sign writes the manifest and signs it; returns the `shroud sign` result.
  RunResult Sign(const std::string& manifest) {
    Write("/gramine/app_files/entrypoint.manifest", manifest);
    std::string app = root_ + "/gramine/app_files";
    return RunCommand("shroud sign -m " + app +
                      "/entrypoint.manifest -k tests/data/runtime/"
                      "test-enclave-key.pem --libpal " +
                      root_ + "/usr/lib/x86_64-linux-gnu/gramine/sgx/libpal.so --chroot " + root_ +
                      " -o " + app + "/entrypoint.manifest.sgx -s " + app + "/entrypoint.sig");
  }
  // CacheDir is this bundle's own measurement cache (created by the first run): the tests never
  // use the host's default, /var/cache/shroud/measurements. ShroudRun is `shroud run` with it.
  std::string CacheDir() const { return base_ + "/measurement-cache"; }
  // SealingSecret is the --sealing-secret of this bundle's runs (created by the first run that
  // needs it); SetSealingSecret plays another host.
  const std::string& SealingSecret() const { return sealing_secret_; }
  void SetSealingSecret(std::string path) { sealing_secret_ = std::move(path); }
  std::string ShroudRun() const {
    return "shroud run --measurement-cache " + CacheDir() + " --sealing-secret " + sealing_secret_ +
           " ";
  }
  // Run runs `shroud run ROOT <options_and_args>` (stdout and stderr together).
  RunResult Run(const std::string& options_and_args, const std::string& env = "") const {
    return RunCommand(env + " " + ShroudRun() + root_ + " " + options_and_args);
  }

 private:
  std::string base_;  // holds root/, measurement-cache/ and scratch files (Path("/../x"))
  std::string root_;
  std::string sealing_secret_;
};

// SkipWithoutHost skips the test, saying why, when this host cannot run `shroud run`.
#define UID2_SKIP_WITHOUT_RUNTIME_HOST()                                            \
  do {                                                                              \
    std::string missing = uid2::runtime::MissingHostSupport();                      \
    if (!missing.empty()) GTEST_SKIP() << "host prerequisite missing: " << missing; \
  } while (0)

inline int CountOf(const std::string& haystack, const std::string& needle) {
  int n = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + 1)) {
    n++;
  }
  return n;
}

}  // namespace uid2::testing
