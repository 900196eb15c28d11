#include "runtime/runner.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <future>
#include <optional>

#include "attest/sim.h"
#include "common/encoding.h"
#include "common/file.h"
#include "common/log.h"
#include "runtime/args_env.h"
#include "runtime/attestation_files.h"
#include "runtime/bundle.h"
#include "runtime/launcher.h"
#include "runtime/measurement_cache.h"
#include "runtime/run_spec.h"
#include "runtime/view.h"
#include "runtime/view_fs.h"
#include "runtime/warm.h"

extern char** environ;

namespace uid2::runtime {
namespace {

// ReadSourceFile reads loader.argv_src_file / env_src_file from the bundle, checking its hash
// when it is trusted (as it should be); an allowed file is used with a warning.
Result<Bytes> ReadSourceFile(const View& view, const std::string& key, const std::string& uri) {
  UID2_ASSIGN_OR_RETURN(std::string path, UriToBundlePath(uri));
  std::string canon = view.CanonicalBundlePath(path);
  const crypto::Sha256Digest* sha = nullptr;
  Access access = view.Classify(canon, &sha);
  if (access == Access::kDenied) {
    return Error::VerifyFailed(key + " '" + uri +
                               "' is neither trusted nor allowed: add it to sgx.trusted_files");
  }
  UID2_ASSIGN_OR_RETURN(Bytes data, ReadFileBytes(view.bundle_root() + canon));
  if (access == Access::kTrusted && crypto::Sha256(data) != *sha) {
    return Error::VerifyFailed(key + " '" + uri + "': SHA-256 does not match sgx.trusted_files");
  }
  if (access == Access::kAllowed) {
    log::Warn("insecure_source_file",
              {{"key", key},
               {"uri", uri},
               {"note", "allowed, not trusted: its content is not verified"}});
  }
  return data;
}

EnclaveIdentity IdentityOf(const sgx::SigstructFields& sig) {
  EnclaveIdentity id;
  id.mr_enclave = sig.mr_enclave;
  id.mr_signer = sig.mr_signer;
  id.isv_prod_id = sig.isv_prod_id;
  id.isv_svn = sig.isv_svn;
  id.flags = sig.attributes_flags;
  id.xfrm = sig.attributes_xfrm;
  id.misc_select = sig.misc_select;
  return id;
}

Result<QuoteFn> MakeQuoteFn(const RunOptions& options, const RunSpec& spec) {
  if (options.sim_pki_dir.empty()) return QuoteFn{};
  if (!spec.remote_attestation) {
    log::Warn("no_quote", {{"reason",
                            "the manifest sets sgx.remote_attestation = \"none\": "
                            "/dev/attestation/quote is absent"}});
    return QuoteFn{};
  }
  UID2_ASSIGN_OR_RETURN(attest::SimPki pki, attest::LoadSimPki(options.sim_pki_dir));
  auto shared = std::make_shared<attest::SimPki>(std::move(pki));
  log::Warn("simulated_attestation", {{"sim_pki", options.sim_pki_dir},
                                      {"note",
                                       "quotes are SIMULATED: they verify only under "
                                       "the simulated root, never Intel's"}});
  return QuoteFn(
      [shared](const attest::ReportBody& body) { return attest::SimulateQuote(*shared, body); });
}

// FindProgram resolves --exec: an absolute view path, or a name looked up in the usual
// directories of the view.
std::string FindProgram(const View& view, const std::string& name) {
  if (name.empty() || name[0] == '/') return name;
  for (const char* dir : {"/usr/local/bin", "/usr/bin", "/bin", "/gramine/app_files"}) {
    std::string candidate = std::string(dir) + "/" + name;
    Location loc = view.Resolve(candidate);
    struct stat st;
    if (loc.kind == Location::Kind::kHost && stat(loc.host.c_str(), &st) == 0) return candidate;
  }
  return "/usr/bin/" + name;
}

// PhaseClock logs, at debug level, the milliseconds since `shroud run` started each phase
// (`shroud --log-level debug run ...`: where start-up time goes, docs/benchmarks.md).
class PhaseClock {
 public:
  void Mark(std::string_view phase) {
    auto now = std::chrono::steady_clock::now();
    log::Debug(
        "startup_phase",
        {{"phase", phase},
         {"at_us", std::chrono::duration_cast<std::chrono::microseconds>(now - start_).count()},
         {"took_us", std::chrono::duration_cast<std::chrono::microseconds>(now - last_).count()}});
    last_ = now;
  }

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now(), last_ = start_;
};

// Workspace is the private directory holding the mount point and the staging directory.
struct Workspace {
  std::string dir;
  ~Workspace() {
    if (dir.empty()) return;
    rmdir((dir + "/view").c_str());
    rmdir((dir + "/stage").c_str());
    rmdir(dir.c_str());
  }
};

// RunVerified runs a bundle whose signature checked out; `gate` must succeed before the app
// starts (the measurement may still be under way).
Result<int> RunVerified(const RunOptions& options, const Bundle& bundle,
                        const VerifiedBundle& verified, const std::function<Status()>& gate,
                        PhaseClock* clock_ptr) {
  PhaseClock& clock = *clock_ptr;
  UID2_ASSIGN_OR_RETURN(RunSpec spec, RunSpecFromManifest(verified.manifest));
  UID2_ASSIGN_OR_RETURN(View view, View::Create(spec, bundle.root));
  for (const MountSpec& m : spec.mounts) {  // an encrypted mount's directory holds its files
    if (m.type != MountType::kEncrypted) continue;
    std::error_code ec;
    std::filesystem::create_directories(view.Resolve(m.path).host, ec);
    if (ec) return Error::Io("encrypted mount " + m.path + ": " + ec.message());
  }
  clock.Mark("view_rules");

  std::optional<Bytes> argv_src, env_src;
  if (!spec.argv_src_file.empty()) {
    UID2_ASSIGN_OR_RETURN(argv_src,
                          ReadSourceFile(view, "loader.argv_src_file", spec.argv_src_file));
  }
  if (!spec.env_src_file.empty()) {
    UID2_ASSIGN_OR_RETURN(env_src, ReadSourceFile(view, "loader.env_src_file", spec.env_src_file));
  }
  std::vector<std::string> warnings;
  std::vector<std::string> argv;
  std::string exec_path = spec.entrypoint;
  if (!options.exec_path.empty()) {
    exec_path = FindProgram(view, options.exec_path);
    argv = {exec_path};
    argv.insert(argv.end(), options.args.begin(), options.args.end());
    log::Warn("exec_override", {{"program", exec_path},
                                {"note",
                                 "runs instead of libos.entrypoint, with untrusted "
                                 "command-line arguments (debugging and sgx_quote)"}});
  } else {
    // An image runs as `docker run IMAGE [ARGS]` would (its fixed arguments, then ARGS or Cmd).
    std::vector<std::string> args = bundle.image && spec.insecure_cmdline_argv
                                        ? DockerArguments(*bundle.image, options.args)
                                        : options.args;
    UID2_ASSIGN_OR_RETURN(argv, BuildArgv(spec, args, argv_src, &warnings));
  }
  for (const std::string& w : warnings) log::Warn("argv", {{"message", w}});
  std::vector<std::string> host_env;
  for (char** e = environ; *e != nullptr; e++) host_env.emplace_back(*e);
  UID2_ASSIGN_OR_RETURN(std::vector<std::string> envp, BuildEnv(spec, host_env, env_src));

  UID2_ASSIGN_OR_RETURN(QuoteFn quote, MakeQuoteFn(options, spec));
  std::error_code ec;  // a relative --sealing-secret is taken from the current directory
  SealingKeys sealing(
      std::filesystem::absolute(options.sealing_secret, ec).lexically_normal().string(),
      IdentityOf(verified.sig));
  std::map<std::string, Bytes> keys = spec.insecure_keys;
  for (const MountSpec& m : spec.mounts) {
    if (m.type != MountType::kEncrypted) continue;
    if (m.key_name == kSealKeyMrEnclave || m.key_name == kSealKeyMrSigner) {
      // Read (or create) the secret now: a host that cannot provide it fails the run here,
      // not the app's first open.
      Result<Bytes> key = sealing.Get(m.key_name);
      if (!key.ok()) return std::move(key).error().Context("fs.mounts (" + m.path + ")");
    } else {
      keys.emplace(m.key_name, Bytes{});  // exists, not set until the app writes it
    }
  }
  AttestationFiles attestation(IdentityOf(verified.sig), quote, std::move(keys),
                               [&sealing](std::string_view name) { return sealing.Get(name); });
  Enforcement mode = options.trace_out.empty() ? Enforcement::kEnforce : Enforcement::kTrace;
  if (mode == Enforcement::kTrace) {
    log::Warn("trace_mode",
              {{"note", "every file is allowed and logged; do not use in production"}});
  }

  Workspace ws;
  char tmpl[] = "/tmp/shroud-run-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) return Error::Errno("mkdtemp /tmp/shroud-run-XXXXXX", errno);
  ws.dir = tmpl;
  if (mkdir((ws.dir + "/view").c_str(), 0700) != 0 || mkdir((ws.dir + "/stage").c_str(), 0700)) {
    return Error::Errno("creating " + ws.dir, errno);
  }
  ViewFs fs(&view, &attestation, mode);
  UID2_RETURN_IF_ERROR(fs.Start());
  Warmer warmer(&view, &fs.trusted());
  warmer.Start(exec_path, envp);
  clock.Mark("fuse_start");

  LaunchPlan plan;
  plan.view_dir = ws.dir + "/view";
  plan.fuse_fd = fs.device_fd();
  plan.fuse_options = fs.MountOptions();
  plan.on_view_mounted = [&fs, &warmer](int view_fd) {
    fs.Serve();
    warmer.Prefetch(view_fd);
  };
  plan.stage_dir = ws.dir + "/stage";
  for (const MountSpec& m : spec.mounts) {
    if (m.type == MountType::kTmpfs) plan.tmpfs_paths.push_back(m.path);
  }
  plan.start_dir = spec.start_dir;
  plan.exec_path = exec_path;
  plan.argv = std::move(argv);
  plan.envp = std::move(envp);
  plan.address_space_limit = spec.enclave_size;
  plan.enclave_size_for_messages = spec.enclave_size;
  plan.max_threads = spec.max_threads;
  plan.before_app = gate;
  plan.sigterm_injection = spec.sigterm_injection;
  plan.stack_limit = spec.stack_size;
  plan.fds_limit = spec.fds_limit;
  plan.uid = spec.uid;
  plan.gid = spec.gid;
  plan.disable_aslr = spec.disable_aslr;
  plan.disallow_subprocesses = spec.disallow_subprocesses;
  plan.deny_flock = !spec.enable_flock;
  plan.mock_syscalls = spec.mock_syscalls;
  Result<int> status = LaunchAndWait(plan);
  clock.Mark("app_ran");
  warmer.Stop();
  fs.Stop();
  clock.Mark("fuse_stop");
  if (!status.ok()) return status;
  if (mode == Enforcement::kTrace) {
    std::string snippet = TraceSnippet(fs.Outside());
    UID2_RETURN_IF_ERROR(WriteFileAtomic(options.trace_out, snippet));
    log::Info("trace_written",
              {{"path", options.trace_out}, {"files", static_cast<int64_t>(fs.Outside().size())}});
  }
  return status;
}

}  // namespace

Result<int> RunBundle(const RunOptions& options) {
  if (std::string missing = MissingHostSupport(); !missing.empty()) {
    return Error::Unsupported("this host cannot run shroud run: " + missing);
  }
  PhaseClock clock;
  UID2_ASSIGN_OR_RETURN(Bundle bundle, OpenBundle(options.bundle));
  clock.Mark("open_bundle");
  std::optional<MeasurementCache> cache;
  if (!options.measurement_cache_dir.empty()) {
    std::error_code ec;  // a relative --measurement-cache is taken from the current directory
    cache.emplace(
        std::filesystem::absolute(options.measurement_cache_dir, ec).lexically_normal().string());
  }
  UID2_ASSIGN_OR_RETURN(VerifiedBundle verified, VerifyBundle(bundle, cache ? &*cache : nullptr,
                                                              /*defer_measurement=*/true));
  clock.Mark("verify_bundle");
  // A measurement that is not cached (the first run of a bundle) is computed while the run is
  // prepared; the app starts only once it matched (LaunchPlan::before_app).
  std::future<Status> measured;
  if (verified.finish) measured = std::async(std::launch::async, verified.finish);
  auto verified_gate = [&]() -> Status {
    if (measured.valid()) UID2_RETURN_IF_ERROR(measured.get());
    log::Info("bundle_verified",
              {{"bundle", options.bundle},
               {"measurement", verified.measurement_cached ? "cached" : "computed"},
               {"mrenclave", HexEncode(verified.sig.mr_enclave)},
               {"mrsigner", HexEncode(verified.sig.mr_signer)},
               {"isvprodid", verified.sig.isv_prod_id},
               {"isvsvn", verified.sig.isv_svn}});
    return Ok();
  };
  Result<int> status = RunVerified(options, bundle, verified, verified_gate, &clock);
  if (!status.ok() && measured.valid()) {  // a refused measurement explains any later failure
    Status m = measured.get();
    if (!m.ok()) return std::move(m).error();
  }
  return status;
}

}  // namespace uid2::runtime
