// shroud shield: gsc build without Docker (src/shield).
#include <cstdio>

#include "common/cli.h"
#include "common/json.h"
#include "oci/writer.h"
#include "shield/shield.h"

namespace {

struct Args {
  uid2::shield::ShieldOptions o;
  std::string format = "docker-archive";
  bool gzip = false;
  bool no_default_excludes = false;
  std::vector<std::string> exclude, engine_paths;
  int64_t mtime = -1;
  uint64_t max_file_mib = 0, max_total_mib = 0;
};

int Run(Args& a) {
  const auto& g = uid2::cli::CurrentGlobals();
  auto fmt = uid2::oci::ParseImageFormat(a.format);
  if (!fmt.ok()) return uid2::cli::ReportError(fmt.error());
  a.o.write.format = *fmt;
  a.o.write.gzip = a.gzip;
  a.o.write.mtime = a.mtime >= 0 ? a.mtime : uid2::oci::SourceDateEpoch(0);
  if (a.no_default_excludes) a.o.excludes.clear();
  a.o.excludes.insert(a.o.excludes.end(), a.exclude.begin(), a.exclude.end());
  a.o.engine_paths.insert(a.o.engine_paths.end(), a.engine_paths.begin(), a.engine_paths.end());
  if (a.max_file_mib) a.o.limits.max_entry_bytes = a.max_file_mib << 20;
  if (a.max_total_mib) a.o.limits.max_total_bytes = a.max_total_mib << 20;
  a.o.quiet = g.quiet || g.json;
  auto r = uid2::shield::Shield(a.o);
  if (!r.ok()) return uid2::cli::ReportError(r.error());
  if (g.json) {
    std::string argv;
    for (const auto& s : r->argv) argv += (argv.empty() ? "" : ",") + uid2::JsonQuote(s);
    uid2::cli::PrintJson("{\"ok\":true,\"output\":" + uid2::JsonQuote(a.o.output) +
                         ",\"entrypoint\":" + uid2::JsonQuote(r->binary) + ",\"argv\":[" + argv +
                         "],\"trusted_files\":" + std::to_string(r->trusted_files) +
                         ",\"trusted_bytes\":" + std::to_string(r->trusted_bytes) +
                         ",\"hash_seconds\":" + std::to_string(r->hash_seconds) +
                         ",\"total_seconds\":" + std::to_string(r->total_seconds) + "}");
  } else if (!g.quiet) {
    std::printf(
        "shielded %s -> %s\n  entrypoint %s, %zu trusted files (%.1f MiB) hashed in %.2fs, "
        "total %.2fs\n  next: shroud sign-image %s KEY.pem -o SIGNED\n",
        a.o.image.c_str(), a.o.output.c_str(), r->binary.c_str(), r->trusted_files,
        double(r->trusted_bytes) / (1 << 20), r->hash_seconds, r->total_seconds,
        a.o.output.c_str());
  }
  return uid2::cli::kExitOk;
}

void Setup(CLI::App& app, const uid2::cli::Globals&) {
  static Args a;
  app.add_option("IMAGE", a.o.image,
                 "Image to shield: docker-archive (.tar/.tar.gz) or OCI layout "
                 "(directory or tar), detected from the content")
      ->required();
  app.add_option("--engine", a.o.engine,
                 "Gramine base image (same formats), e.g. from `skopeo copy "
                 "docker://gramineproject/gramine:v1.9 docker-archive:engine.tar`")
      ->required();
  app.add_option("-m,--manifest", a.o.user_manifest,
                 "User manifest (TOML) merged over GSC's template");
  app.add_option("-o,--output", a.o.output, "Output image (file, or directory for --format oci)")
      ->required();
  app.add_flag("--insecure-args", a.o.insecure_args,
               "Let runtime arguments through (loader.insecure__use_cmdline_argv); default: the "
               "image's Entrypoint+Cmd, fixed in a trusted argv file");
  app.add_flag("--debug", a.o.debug, "sgx.debug = true (a debug enclave; never for production)");
  app.add_option("--libpal", a.o.libpal, "Path of the SGX PAL inside the engine image");
  app.add_option("--engine-path", a.engine_paths,
                 "Extra path to copy from the engine (repeatable)");
  app.add_option("--exclude", a.exclude, "Glob of paths not to list as trusted files (repeatable)");
  app.add_option("--include", a.o.includes, "Glob that overrides the exclusions (repeatable)");
  app.add_flag("--no-default-excludes", a.no_default_excludes,
               "Drop GSC's exclusions (/boot /dev /proc /sys /var /etc/shadow* ...)");
  app.add_option("--format", a.format, "docker-archive (default), oci (directory), oci-archive");
  app.add_flag("--gzip", a.gzip, "gzip the output archive");
  app.add_option("--tag", a.o.write.tag, "Tag / ref name of the output (e.g. gsc-app:1-unsigned)");
  app.add_option("--mtime", a.mtime, "Timestamp for new entries (default $SOURCE_DATE_EPOCH or 0)");
  app.add_option("--threads", a.o.threads, "Hashing threads (default: all cores)");
  app.add_option("--max-file-mib", a.max_file_mib, "Refuse layer entries bigger than this");
  app.add_option("--max-total-mib", a.max_total_mib, "Refuse images bigger than this");
  uid2::cli::OnRun(&app, [] { return Run(a); });
}

const uid2::cli::Registration kRegistration(
    {"shield", "Turn a container image into an unsigned Gramine enclave image (gsc build)",
     "  shroud shield app.tar --engine gramine.tar -o app-unsigned.tar\n"
     "  shroud shield oci-dir --engine gramine.tar -m app.manifest --format oci -o out-dir\n"
     "  shroud shield app.tar.gz --engine gramine.tar --insecure-args -o app-unsigned.tar",
     Setup});

}  // namespace
