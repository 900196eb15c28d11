// shroud run: run a signed bundle or image with its Gramine manifest enforced (no SGX needed).
#include <cstdio>
#include <cstdlib>

#include "common/cli.h"
#include "runtime/runner.h"

namespace {

struct Options {
  uid2::runtime::RunOptions run;
};

void Setup(CLI::App& app, const uid2::cli::Globals&) {
  static Options o;
  app.add_option("bundle", o.run.bundle,
                 "Bundle directory, bundle tar, or signed image (docker-archive / OCI layout); "
                 "default: the current directory");
  app.add_option("args", o.run.args,
                 "Arguments after `--`; passed to the app only if the manifest sets "
                 "loader.insecure__use_cmdline_argv = true (or with --exec). For such an image "
                 "they replace its Cmd, as `docker run IMAGE ARGS` (none: Entrypoint + Cmd)");
  app.add_option("--sim-pki", o.run.sim_pki_dir,
                 "Simulated quoting PKI directory (`shroud quote sim-pki init DIR`): makes "
                 "/dev/attestation/quote a simulated DCAP quote (manifest needs "
                 "sgx.remote_attestation = \"dcap\")");
  app.add_option("--trace", o.run.trace_out,
                 "Trace mode: allow every file, then write the files used outside the manifest "
                 "to this file as a manifest snippet (trusted if only read, allowed if written)");
  app.add_option("--exec", o.run.exec_path,
                 "Run this program of the bundle (absolute, or a name in /usr/local/bin, "
                 "/usr/bin, /bin, /gramine/app_files) instead of libos.entrypoint, with the "
                 "arguments after `--` (e.g. --exec sgx_quote)");
  app.add_option("--measurement-cache", o.run.measurement_cache_dir,
                 "Root-owned directory remembering verified MRENCLAVEs, keyed by the SHA-256 of "
                 "the exact .manifest.sgx, libpal and .sig bytes (a later run of the same bundle "
                 "skips measuring; every other check still runs)")
      ->capture_default_str();
  app.add_option("--sealing-secret", o.run.sealing_secret,
                 "Host secret (32 random bytes, created mode 0600 on first use) from which the "
                 "sealing keys _sgx_mrenclave / _sgx_mrsigner of encrypted mounts and "
                 "/dev/attestation/keys derive, with the signed MRENCLAVE / MRSIGNER; whoever "
                 "reads it can read every enclave's sealed files on this host")
      ->capture_default_str();
  app.add_flag_callback(
      "--no-measurement-cache", [] { o.run.measurement_cache_dir.clear(); },
      "Measure the enclave on every run; read and write no cache");
  app.positionals_at_end(false);
  uid2::cli::OnRun(&app, [] {
    auto status = uid2::runtime::RunBundle(o.run);
    if (!status.ok()) return uid2::cli::ReportError(status.error());
    // RunBundle has unmounted the view and removed its directories: leave now, without the
    // process-wide teardown (OpenSSL's atexit cleanup, static destructors), which would add
    // ~2 ms to every run. Logs are already flushed (one write per record).
    std::fflush(nullptr);
    std::_Exit(*status);
  });
}

const uid2::cli::Registration kRegistration(
    {"run",
     "Run a signed bundle/image with its manifest enforced (direct runtime; exit status = the "
     "app's)",
     "  shroud run out/helloworld\n"
     "  shroud run app-signed.tar                  # an image from shroud sign-image (or OCI dir)\n"
     "  shroud run app.tar -- --port 8080          # args only if the manifest allows them\n"
     "  cat app.tar | shroud run /dev/stdin        # an archive is read once: a pipe works\n"
     "  shroud run out/app --sim-pki sim-pki/      # /dev/attestation/quote is simulated\n"
     "  shroud run out/app --sim-pki sim-pki/ --exec sgx_quote -- --quote /tmp/q.bin\n"
     "  shroud run out/app --trace extra.toml      # discover the files the app needs\n"
     "  shroud run out/app --sealing-secret /srv/shroud/seal  # keys of _sgx_mrenclave mounts\n"
     "  kill -TERM <shroud run's pid>              # reaches the app only if the manifest sets\n"
     "                                             # sys.enable_sigterm_injection = true, as\n"
     "                                             # under Gramine (docs/runtime.md)",
     Setup});

}  // namespace
