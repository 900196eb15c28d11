// `shroud run` end to end: bundles of the probe program (tests/runtime/apps/probe.c), signed
// with `shroud sign` and run in the enforced view. Needs root and /dev/fuse (skips otherwise).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "bundle_builder.h"
#include "common/encoding.h"
#include "runtime/measurement_cache.h"

namespace uid2::testing {
namespace {

constexpr char kFiles[] =
    "sgx.trusted_files = [\"file:/probe\", \"file:/lib/x86_64-linux-gnu/\", \"file:/lib64/\",\n"
    "                     \"file:/data/trusted.txt\"]\n"
    "sgx.allowed_files = [\"file:/out/\"]\n";

std::string Manifest(const std::string& extra, bool cmdline = true) {
  std::string m = "libos.entrypoint = \"/probe\"\n";
  if (cmdline) m += "loader.insecure__use_cmdline_argv = true\n";
  return m + extra + kFiles;
}

class RunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    UID2_SKIP_WITHOUT_RUNTIME_HOST();
    b_.CopyWithLibs(BinDir() + "/probe", "/probe");
    b_.Write("/data/trusted.txt", "trusted content\n");
    b_.Write("/data/undeclared.txt", "undeclared content\n");
    std::filesystem::create_directories(b_.Path("/out"));
  }
  void SignOk(const std::string& manifest) {
    RunResult r = b_.Sign(manifest);
    ASSERT_EQ(r.exit_code, 0) << r.out;
  }
  TestBundle b_;
};

TEST_F(RunTest, RunsTheEntrypointAndReturnsItsExitCode) {
  SignOk(Manifest(""));
  RunResult r = b_.Run("-- exit 7");
  EXPECT_EQ(r.exit_code, 7) << r.out;
  r = b_.Run("-- cat /data/trusted.txt");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("trusted content"), std::string::npos) << r.out;
}

TEST_F(RunTest, RefusesASignatureForAnotherMeasurementNamingBoth) {
  SignOk(Manifest(""));
  std::string sgx = b_.Read("/gramine/app_files/entrypoint.manifest.sgx");
  b_.Write("/gramine/app_files/entrypoint.manifest.sgx", sgx + "\n# changed after signing\n");
  RunResult r = b_.Run("-- exit 0");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("MRENCLAVE mismatch"), std::string::npos) << r.out;
  EXPECT_EQ(CountOf(r.out, "measures "), 1) << r.out;
  EXPECT_NE(r.out.find("signed for MRENCLAVE "), std::string::npos) << r.out;
}

// The measurement of an uncached bundle runs while the view and namespaces are prepared; the
// app must still never start when it does not match.
TEST_F(RunTest, AppNeverStartsWhenTheMeasurementDoesNotMatch) {
  SignOk(Manifest(""));
  std::string sgx = b_.Read("/gramine/app_files/entrypoint.manifest.sgx");
  b_.Write("/gramine/app_files/entrypoint.manifest.sgx", sgx + "\n# changed after signing\n");
  RunResult r = b_.Run("write /out/started yes");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("MRENCLAVE mismatch"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("bundle_verified"), std::string::npos) << r.out;
  EXPECT_FALSE(std::filesystem::exists(b_.Path("/out/started")));
}

TEST_F(RunTest, TamperedTrustedFileIsRefusedAtOpen) {
  SignOk(Manifest(""));
  b_.Write("/data/trusted.txt", "tampered content\n");
  RunResult r = b_.Run("-- cat /data/trusted.txt");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("ERR open /data/trusted.txt: EACCES"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("SHA-256 mismatch"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("tampered content"), std::string::npos) << r.out;
}

TEST_F(RunTest, TrustedFileChangedAfterStartIsRefused) {
  SignOk(Manifest(""));
  std::string log = b_.Path("/../run.log");
  std::string cmd = "(" + b_.ShroudRun() + b_.root() + " -- reread /data/trusted.txt /out/go > " +
                    log + " 2>&1 &)";
  RunCommand("sh -c " + Quote(cmd));
  auto wait_for = [&](const std::string& text) {
    for (int i = 0; i < 200; i++) {
      std::ifstream f(log);
      std::stringstream ss;
      ss << f.rdbuf();
      if (ss.str().find(text) != std::string::npos) return ss.str();
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    std::ifstream f(log);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
  };
  std::string out = wait_for("first read:");
  ASSERT_NE(out.find("first read: ok"), std::string::npos) << out;
  b_.Write("/data/trusted.txt", "trusted CONTENT\n");  // same size, other bytes
  b_.Write("/out/go", "");
  out = wait_for("second open:");
  unlink(log.c_str());
  EXPECT_NE(out.find("same fd read: EACCES"), std::string::npos) << out;
  EXPECT_NE(out.find("second open: EACCES"), std::string::npos) << out;
}

TEST_F(RunTest, UndeclaredFileIsDeniedAndLoggedOnceWithTheEntryToAdd) {
  SignOk(Manifest(""));
  RunResult r = b_.Run("-- cat /data/undeclared.txt /data/undeclared.txt");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_EQ(CountOf(r.out, "ERR open /data/undeclared.txt: EACCES"), 2) << r.out;
  EXPECT_EQ(CountOf(r.out, "file_denied path=/data/undeclared.txt"), 1) << r.out;
  EXPECT_NE(r.out.find("sgx.trusted_files = [\\\"file:/data/undeclared.txt\\\"]"),
            std::string::npos)
      << r.out;
  r = b_.Run("-- write /data/new.txt x");
  EXPECT_NE(r.out.find("ERR open /data/new.txt: EACCES"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("sgx.allowed_files = [\\\"file:/data/new.txt\\\"]"), std::string::npos)
      << r.out;
  EXPECT_FALSE(std::filesystem::exists(b_.Path("/data/new.txt")));
}

TEST_F(RunTest, AllowedFilesPassThroughAndTrustedFilesAreReadOnly) {
  SignOk(Manifest(""));
  RunResult r = b_.Run("-- write /out/result.txt hello");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(b_.Read("/out/result.txt"), "hello");
  r = b_.Run("-- write /data/trusted.txt overwritten");
  EXPECT_NE(r.out.find("ERR open /data/trusted.txt: EACCES"), std::string::npos) << r.out;
  EXPECT_EQ(b_.Read("/data/trusted.txt"), "trusted content\n");
}

TEST_F(RunTest, StaticBinaryIsEnforcedToo) {
  b_.Copy(BinDir() + "/probe_static", "/probe");
  SignOk(Manifest(""));
  RunResult r = b_.Run("-- cat /data/trusted.txt /data/undeclared.txt");
  EXPECT_NE(r.out.find("trusted content"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("ERR open /data/undeclared.txt: EACCES"), std::string::npos) << r.out;
}

TEST_F(RunTest, CommandLineArgumentsAreIgnoredUnlessTheManifestAllowsThem) {
  SignOk(Manifest("", /*cmdline=*/false));
  RunResult r = b_.Run("-- args injected");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.out.find("injected"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("probe: no argv[1] (got 1 arguments)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("loader.insecure__use_cmdline_argv"), std::string::npos) << r.out;

  SignOk(Manifest("loader.argv = [\"probe\", \"args\", \"fixed\"]\n", false));
  r = b_.Run("-- injected");
  EXPECT_NE(r.out.find("probe\nargs\nfixed\n"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("injected\n"), std::string::npos) << r.out;

  b_.Write("/data/argv", std::string("probe\0args\0from-file\0", 21));
  SignOk("libos.entrypoint = \"/probe\"\nloader.argv_src_file = \"file:/data/argv\"\n" +
         std::string(kFiles).replace(std::string(kFiles).find("\"file:/data/trusted.txt\""), 24,
                                     "\"file:/data/trusted.txt\", \"file:/data/argv\""));
  r = b_.Run("");
  EXPECT_NE(r.out.find("probe\nargs\nfrom-file\n"), std::string::npos) << r.out;

  SignOk(Manifest(""));
  r = b_.Run("-- args injected");
  EXPECT_NE(r.out.find("/probe\nargs\ninjected\n"), std::string::npos) << r.out;
}

TEST_F(RunTest, HostEnvironmentIsDroppedUnlessTheManifestAllowsIt) {
  SignOk(Manifest("loader.env.FIXED = \"manifest\"\nloader.env.PASSED = { passthrough = true }\n"));
  RunResult r = b_.Run("-- env", "HOST_SECRET=leak PASSED=from-host FIXED=host");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.out.find("HOST_SECRET"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("PATH="), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("FIXED=manifest\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("PASSED=from-host\n"), std::string::npos) << r.out;

  SignOk(Manifest("loader.insecure__use_host_env = true\nloader.env.FIXED = \"manifest\"\n"));
  r = b_.Run("-- env", "HOST_SECRET=visible FIXED=host");
  EXPECT_NE(r.out.find("HOST_SECRET=visible\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("FIXED=manifest\n"), std::string::npos) << r.out;
}

TEST_F(RunTest, ThreadLimitHolds) {
  SignOk(Manifest("sgx.max_threads = 4\n"));
  RunResult r = b_.Run("-- threads 10");
  EXPECT_NE(r.out.find("threads created=3 errno=EAGAIN"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("thread_limit_reached"), std::string::npos) << r.out;
  SignOk(Manifest("sgx.max_threads = 16\n"));
  r = b_.Run("-- threads 10");
  EXPECT_NE(r.out.find("threads created=10 errno=0"), std::string::npos) << r.out;
}

TEST_F(RunTest, EnclaveSizeBoundsMemory) {
  SignOk(Manifest("sgx.enclave_size = \"256M\"\n"));
  RunResult r = b_.Run("-- alloc 64");
  EXPECT_NE(r.out.find("alloc ok"), std::string::npos) << r.out;
  r = b_.Run("-- alloc 512");
  EXPECT_NE(r.out.find("alloc failed: ENOMEM"), std::string::npos) << r.out;
}

TEST_F(RunTest, TmpfsMountAndStartDir) {
  SignOk(
      Manifest("fs.start_dir = \"/scratch\"\n"
               "fs.mounts = [{ type = \"tmpfs\", path = \"/scratch\" }]\n"));
  RunResult r = b_.Run("-- write relative.txt in-tmpfs");
  EXPECT_NE(r.out.find("wrote relative.txt"), std::string::npos) << r.out;
  EXPECT_FALSE(std::filesystem::exists(b_.Path("/scratch/relative.txt")));
}

TEST_F(RunTest, QuoteFromDevAttestationVerifiesUnderTheSimulatedRoot) {
  SignOk(Manifest("sgx.remote_attestation = \"dcap\"\n"));
  std::string pki = b_.Path("/../pki");
  ASSERT_EQ(RunCommand("shroud quote sim-pki init " + pki).exit_code, 0);
  std::string data = "00112233445566778899aabbccddeeff";
  RunResult r = b_.Run("--sim-pki " + pki + " -- attest " + data + " /out/app");
  ASSERT_NE(r.out.find("attest ok"), std::string::npos) << r.out;
  EXPECT_EQ(b_.Read("/out/app.report").size(), 432u);
  // Platform collateral for this PKI (any quote of it gives the same collateral).
  std::string sig = b_.Path("/gramine/app_files/entrypoint.sig");
  ASSERT_EQ(RunCommand("shroud quote sim --pki " + pki + " --sig " + sig + " --report-data 00 -o " +
                       pki + "/ref.bin")
                .exit_code,
            0);
  RunResult v = RunCommand("shroud --json quote verify " + b_.Path("/out/app.quote") +
                           " --collateral " + pki + "/ref.bin.collateral.json --sim-root " + pki);
  EXPECT_EQ(v.exit_code, 0) << v.out;
  RunResult view = RunCommand("shroud --json sigstruct-view " + sig);
  std::string mr = view.out.substr(view.out.find("mr_enclave") + 13, 64);
  EXPECT_NE(v.out.find("\"mr_enclave\":\"" + mr + "\""), std::string::npos) << v.out << view.out;
  EXPECT_NE(v.out.find("\"report_data\":\"" + data + "00000000"), std::string::npos) << v.out;
  EXPECT_NE(v.out.find("\"trust_anchor\":\"simulation\""), std::string::npos) << v.out;
  // Without a PKI there is no quote and attestation_type says none.
  r = b_.Run("-- cat /dev/attestation/attestation_type /dev/attestation/quote");
  EXPECT_NE(r.out.find("none"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("ERR open /dev/attestation/quote: ENOENT"), std::string::npos) << r.out;
}

TEST_F(RunTest, SgxQuoteToolPrintsTheSignedIdentity) {
  b_.Copy(BinDir() + "/sgx_quote", "/usr/bin/sgx_quote");
  SignOk(
      "libos.entrypoint = \"/probe\"\nsgx.remote_attestation = \"dcap\"\nsgx.isvprodid = 7\n"
      "sgx.isvsvn = 3\n" +
      std::string(kFiles).replace(0, 21, "sgx.trusted_files = [\"file:/usr/bin/sgx_quote\", "));
  std::string pki = b_.Path("/../pki");
  ASSERT_EQ(RunCommand("shroud quote sim-pki init " + pki).exit_code, 0);
  RunResult r = b_.Run("--sim-pki " + pki +
                       " --exec sgx_quote -- --report-data abcd --quote "
                       "/out/q.bin");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("attestation_type: dcap"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("PRODID:    7"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("SVN:       3"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("REPORTDATA: abcd00"), std::string::npos) << r.out;
  EXPECT_GT(b_.Read("/out/q.bin").size(), 1000u);
}

TEST_F(RunTest, TraceModeWritesAManifestSnippet) {
  SignOk(Manifest(""));
  std::string snippet = b_.Path("/../trace.toml");
  RunResult r = b_.Run("--trace " + snippet + " -- cat /data/undeclared.txt");
  EXPECT_NE(r.out.find("undeclared content"), std::string::npos) << r.out;
  r = b_.Run("--trace " + snippet + ".2 -- write /data/made.txt x");
  EXPECT_NE(r.out.find("wrote /data/made.txt"), std::string::npos) << r.out;
  std::ifstream f(snippet), f2(snippet + ".2");
  std::stringstream ss, ss2;
  ss << f.rdbuf();
  ss2 << f2.rdbuf();
  EXPECT_NE(ss.str().find("sgx.trusted_files = [\n  \"file:/data/undeclared.txt\",\n]"),
            std::string::npos)
      << ss.str();
  EXPECT_NE(ss2.str().find("sgx.allowed_files = [\n  \"file:/data/made.txt\",\n]"),
            std::string::npos)
      << ss2.str();
  // ... with the sealed alternative for the written file's directory.
  EXPECT_NE(ss2.str().find("#   { type = \"encrypted\", path = \"/data\", uri = \"file:/data\", "
                           "key_name = \"_sgx_mrenclave\" },"),
            std::string::npos)
      << ss2.str();
  EXPECT_EQ(ss.str().find("encrypted"), std::string::npos) << ss.str();  // nothing written
}

TEST_F(RunTest, RunsABundleTar) {
  SignOk(Manifest(""));
  std::string tar = b_.Path("/../bundle.tar");
  ASSERT_EQ(RunCommand("tar -C " + b_.root() + " -cf " + tar + " .").exit_code, 0);
  RunResult r = RunCommand(b_.ShroudRun() + tar + " -- cat /data/trusted.txt");
  unlink(tar.c_str());
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("trusted content"), std::string::npos) << r.out;
}

// The archive is read once, whatever it turns out to hold: a bundle streams from a pipe.
TEST_F(RunTest, BundleTarIsReadOnceAndMayComeFromAPipe) {
  SignOk(Manifest(""));
  std::string tar = b_.Path("/../bundle.tar");
  ASSERT_EQ(RunCommand("tar -C " + b_.root() + " -cf " + tar + " .").exit_code, 0);
  RunResult r = RunCommand("sh -c " + Quote("cat " + tar + " | " + b_.ShroudRun() +
                                            "/dev/stdin -- cat " + "/data/trusted.txt"));
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("trusted content"), std::string::npos) << r.out;
}

// A root filesystem may hold files named like an image layout's (a web app's /manifest.json):
// a signed bundle tar is still run as a bundle, not refused as a broken image.
TEST_F(RunTest, BundleTarWithImageLikeTopLevelFilesRunsAsABundle) {
  SignOk(Manifest(""));
  b_.Write("/manifest.json", "{\"name\": \"web app\"}\n");
  b_.Write("/oci-layout", "not an OCI layout\n");
  std::string tar = b_.Path("/../bundle.tar");
  ASSERT_EQ(RunCommand("tar -C " + b_.root() + " -cf " + tar + " .").exit_code, 0);
  RunResult r = RunCommand(b_.ShroudRun() + tar + " -- cat /data/trusted.txt");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("trusted content"), std::string::npos) << r.out;
}

// The measurement cache (src/runtime/measurement_cache.h): a second run of the same bundle
// uses the verified MRENCLAVE; changing any input byte misses, even a libpal change that does
// not change the measurement; a changed manifest is still refused with both MRENCLAVEs.
TEST_F(RunTest, MeasurementCacheHitsOnlyForTheSameBytes) {
  SignOk(Manifest(""));
  std::string cache = b_.CacheDir();  // b_.Run passes --measurement-cache CACHE
  RunResult r = b_.Run("-- exit 3");
  EXPECT_EQ(r.exit_code, 3) << r.out;
  EXPECT_NE(r.out.find("measurement=computed"), std::string::npos) << r.out;
  r = b_.Run("-- exit 4");
  EXPECT_EQ(r.exit_code, 4) << r.out;
  EXPECT_NE(r.out.find("measurement=cached"), std::string::npos) << r.out;

  std::string libpal = "/usr/lib/x86_64-linux-gnu/gramine/sgx/libpal.so";
  std::filesystem::permissions(b_.Path(libpal), std::filesystem::perms::owner_write,
                               std::filesystem::perm_options::add);
  b_.Write(libpal, b_.Read(libpal) + std::string(16, '\0'));  // outside every PT_LOAD
  r = b_.Run("-- exit 5");
  EXPECT_EQ(r.exit_code, 5) << r.out;  // same MRENCLAVE, but the bytes differ: measured again
  EXPECT_NE(r.out.find("measurement=computed"), std::string::npos) << r.out;

  std::string sgx = b_.Read("/gramine/app_files/entrypoint.manifest.sgx");
  b_.Write("/gramine/app_files/entrypoint.manifest.sgx", sgx + "\n# changed after signing\n");
  r = b_.Run("-- exit 0");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("MRENCLAVE mismatch"), std::string::npos) << r.out;
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(cache), {}), 2) << r.out;
}

// Without --measurement-cache the cache is on, at kDefaultMeasurementCacheDir. The runs are in a
// private mount namespace with a temporary directory mounted on /var/cache: the host's cache
// is never touched.
TEST_F(RunTest, MeasurementCacheIsOnByDefaultUnderVarCache) {
  ASSERT_EQ(runtime::kDefaultMeasurementCacheDir, "/var/cache/shroud/measurements");
  if (RunCommand("command -v unshare").exit_code != 0) {
    GTEST_SKIP() << "host prerequisite missing: unshare (util-linux)";
  }
  ASSERT_TRUE(std::filesystem::is_directory("/var/cache"));
  SignOk(Manifest(""));
  std::string var_cache = b_.Path("/../var-cache");
  std::filesystem::create_directories(var_cache);
  std::string run =
      "unshare --mount --propagation private sh -c " +
      Quote("mount --bind " + var_cache + " /var/cache && shroud run " + b_.root() + " -- exit 0");
  RunResult r = RunCommand(run);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("measurement=computed"), std::string::npos) << r.out;
  r = RunCommand(run);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("measurement=cached"), std::string::npos) << r.out;
  std::string entries = var_cache + "/shroud/measurements";
  ASSERT_TRUE(std::filesystem::is_directory(entries)) << r.out;
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(entries), {}), 1);
}

// A forged entry (the signed MRENCLAVE filed under the key of a changed manifest) is ignored
// when anyone but root could have written it, so the changed manifest is still refused.
TEST_F(RunTest, MeasurementCacheEntryOthersCouldWriteIsIgnored) {
  SignOk(Manifest(""));
  std::string cache = b_.CacheDir();
  ASSERT_EQ(b_.Run("-- exit 0").exit_code, 0);
  std::filesystem::path entry = *std::filesystem::directory_iterator(cache);
  std::string sgx = b_.Read("/gramine/app_files/entrypoint.manifest.sgx") + "\n# changed\n";
  b_.Write("/gramine/app_files/entrypoint.manifest.sgx", sgx);
  std::string libpal = b_.Read("/usr/lib/x86_64-linux-gnu/gramine/sgx/libpal.so");
  std::string sig = b_.Read("/gramine/app_files/entrypoint.sig");
  auto bytes = [](const std::string& s) { return Bytes(s.begin(), s.end()); };
  runtime::CacheKey forged_key =
      runtime::MeasurementCacheKey(bytes(sgx), bytes(libpal), bytes(sig), "v1.9");
  std::string forged = b_.Read("/../measurement-cache/" + entry.filename().string());
  std::copy(forged_key.begin(), forged_key.end(), forged.begin() + 8);
  std::string forged_path = cache + "/" + HexEncode(forged_key);
  std::ofstream(forged_path, std::ios::binary) << forged;
  ASSERT_EQ(chmod(forged_path.c_str(), 0666), 0);  // writable by anyone: not trusted
  RunResult r = b_.Run("-- exit 0");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("measurement_cache_ignored"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("MRENCLAVE mismatch"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace uid2::testing
