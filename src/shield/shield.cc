// shield.cc: Shield (see shield.h): unpack, add the engine, generate and merge the manifest,
// hash the root filesystem, write the unsigned image.
#include "shield/shield.h"

#include <fnmatch.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>

#include "common/file.h"
#include "common/log.h"
#include "manifest/trusted_files.h"
#include "oci/layer.h"
#include "oci/tar_writer.h"
#include "shield/manifest_gen.h"

namespace uid2::shield {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr const char* kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

bool IsExecutableFile(const std::string& host) {
  struct stat st {};
  return ::stat(host.c_str(), &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111) != 0;
}

// ResolveBinary finds argv[0] in the image the way `which` (GSC) does: relative names with a
// '/' are taken from WorkingDir, bare names are searched in the image's PATH.
Result<std::string> ResolveBinary(const std::string& rootfs, const oci::RuntimeConfig& rc,
                                  const std::string& arg0) {
  std::vector<std::string> candidates;
  if (arg0.find('/') != std::string::npos) {
    candidates.push_back(arg0.front() == '/'
                             ? arg0
                             : oci::JoinPath(rc.working_dir.empty() ? "/" : rc.working_dir, arg0));
  } else {
    std::string path = kDefaultPath;
    for (const std::string& kv : rc.env) {
      if (kv.starts_with("PATH=")) path = kv.substr(5);
    }
    size_t pos = 0;
    while (pos <= path.size()) {
      size_t next = path.find(':', pos);
      if (next == std::string::npos) next = path.size();
      std::string dir = path.substr(pos, next - pos);
      if (!dir.empty() && dir.front() == '/') candidates.push_back(oci::JoinPath(dir, arg0));
      pos = next + 1;
    }
  }
  for (const std::string& c : candidates) {
    auto resolved = manifest::ResolveInChroot(c, rootfs);
    if (resolved.ok() && IsExecutableFile(rootfs + *resolved)) return c;
  }
  return Error::NotFound("the image's entrypoint '" + arg0 +
                         "' is not an executable file in the image (searched: " +
                         (candidates.empty() ? std::string("nothing") : candidates.front()) +
                         (candidates.size() > 1 ? " ..." : "") + ")");
}

// CopyFromEngine copies `inner` (file or directory) from the engine's root into `layer_dir`.
Status CopyFromEngine(const std::string& engine_root, const std::string& inner,
                      const std::string& layer_dir) {
  UID2_ASSIGN_OR_RETURN(std::string resolved, manifest::ResolveInChroot(inner, engine_root));
  std::string src = engine_root + resolved;
  std::string dst = layer_dir + inner;
  std::error_code ec;
  if (fs::exists(fs::symlink_status(dst, ec))) return Ok();  // inside a directory copied before
  fs::create_directories(fs::path(dst).parent_path(), ec);
  fs::copy(src, dst, fs::copy_options::recursive | fs::copy_options::copy_symlinks, ec);
  if (ec) return Error::Io("cannot copy " + inner + " from the engine: " + ec.message());
  return Ok();
}

bool Matches(const std::vector<std::string>& globs, const std::string& path) {
  return std::any_of(globs.begin(), globs.end(), [&](const std::string& g) {
    return ::fnmatch(g.c_str(), path.c_str(), 0) == 0;
  });
}

struct TrustedSet {
  std::vector<std::pair<std::string, std::string>> entries;  // inner path, sha256 hex
  uint64_t bytes = 0;
};

// CollectTrustedFiles walks the final root filesystem (not entering symlinked directories) and
// hashes every regular file, and every symlink that resolves to one inside the root.
Result<TrustedSet> CollectTrustedFiles(const std::string& rootfs, const ShieldOptions& o) {
  std::vector<std::string> paths;              // inner paths, sorted later
  std::map<std::string, std::string> host_of;  // inner -> resolved host file
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(rootfs, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    // Lexical: fs::relative would follow symlinks (possibly to host files).
    std::string inner = it->path().string().substr(rootfs.size());
    bool included = Matches(o.includes, inner);
    if (it->is_directory(ec) && !it->is_symlink(ec)) {
      if (o.includes.empty() && Matches(o.excludes, inner + "/")) it.disable_recursion_pending();
      continue;
    }
    if (!included && Matches(o.excludes, inner)) continue;
    std::string host = it->path().string();
    if (it->is_symlink(ec)) {
      auto r = manifest::ResolveInChroot(inner, rootfs);
      if (!r.ok()) continue;
      host = rootfs + *r;
    }
    struct stat st {};
    if (::stat(host.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    paths.push_back(inner);
    host_of[inner] = host;
  }
  if (ec) return Error::Io("cannot walk the root filesystem: " + ec.message());
  std::sort(paths.begin(), paths.end());
  // Hash each distinct host file once (hard links and symlinks share).
  std::map<std::string, size_t> index;
  std::vector<manifest::FileToHash> files;
  TrustedSet set;
  for (const std::string& p : paths) {
    const std::string& h = host_of[p];
    if (index.emplace(h, files.size()).second) {
      files.push_back({h, "file:" + p});
      struct stat st {};
      if (::stat(h.c_str(), &st) == 0) set.bytes += uint64_t(st.st_size);
    }
  }
  UID2_ASSIGN_OR_RETURN(std::vector<std::string> hashes,
                        manifest::HashFilesParallel(files, o.threads, o.quiet));
  for (const std::string& p : paths) set.entries.emplace_back(p, hashes[index[host_of[p]]]);
  return set;
}

// MirrorInto applies the directory `dir` (a new layer's content) onto `rootfs`.
Status MirrorInto(const std::string& dir, const std::string& rootfs, const std::string& tmp_tar,
                  const oci::Limits& limits) {
  UID2_ASSIGN_OR_RETURN(auto tar, oci::TarWriter::Create(tmp_tar, oci::TarOptions{}));
  UID2_RETURN_IF_ERROR(tar->AddTree(dir, ""));
  UID2_RETURN_IF_ERROR(tar->Finish());
  UID2_ASSIGN_OR_RETURN(oci::SafeRoot root, oci::SafeRoot::Open(rootfs));
  oci::Budget budget;
  return oci::ApplyLayerFile(tmp_tar, "(shroud layer)", root, limits, &budget);
}

// AppLoader starts Gramine on the entrypoint manifest. With insecure args it passes its own
// arguments on: Docker gives it the image's Entrypoint[1:] (the fixed arguments) followed by Cmd
// or the `docker run` arguments.
std::string AppLoader(bool insecure) {
  std::string args = insecure ? " \"$@\"" : "";
  return "#!/bin/sh\n"
         "# Generated by `shroud shield`: starts the enclave with Gramine.\n"
         "# GRAMINE_MODE=direct runs it without SGX (gramine-direct).\n"
         "if [ \"${GRAMINE_MODE:-sgx}\" = direct ]; then\n"
         "  exec /usr/bin/gramine-direct /gramine/app_files/entrypoint" +
         args +
         "\n"
         "fi\n"
         "exec /usr/bin/gramine-sgx /gramine/app_files/entrypoint" +
         args + "\n";
}

struct Work {
  std::string rootfs, engine, layer, scratch;
};

Status WriteAppFiles(const Work& w, const ShieldOptions& o, const std::vector<std::string>& argv) {
  std::string app = w.layer + kAppFiles;
  UID2_RETURN_IF_ERROR(oci::MakeDirs(app));
  if (!o.insecure_args) {
    UID2_RETURN_IF_ERROR(WriteFileAtomic(app + "/trusted_argv", SerializeArgv(argv)));
  }
  UID2_RETURN_IF_ERROR(WriteFileAtomic(app + "/apploader.sh", AppLoader(o.insecure_args), 0755));
  return WriteFileAtomic(app + "/shroud.toml",
                         "# Read by `shroud run` and `shroud sign-image`.\n"
                         "libpal = \"" +
                             o.libpal + "\"\n");
}

}  // namespace

std::vector<std::string> DefaultExcludes() {
  return {"/boot/*",
          "/dev/*",
          "/proc/*",
          "/sys/*",
          "/var/*",
          "/etc/shadow*",
          "/etc/gshadow*",
          "/etc/mtab",
          "/etc/rc*.d/*",
          "/.dockerenv",
          "/.dockerinit",
          "/gramine/app_files/entrypoint.manifest",
          "/gramine/app_files/entrypoint.manifest.sgx",
          "/gramine/app_files/entrypoint.sig"};
}

std::vector<std::string> ComposeArgv(const oci::RuntimeConfig& rc) {
  std::vector<std::string> argv = rc.entrypoint;
  argv.insert(argv.end(), rc.cmd.begin(), rc.cmd.end());
  return argv;
}

std::string SerializeArgv(const std::vector<std::string>& argv) {
  std::string out;
  for (const std::string& a : argv) {
    out += a;
    out += '\0';
  }
  return out;
}

Result<ShieldReport> Shield(const ShieldOptions& o) {
  auto start = Clock::now();
  ShieldReport report;
  oci::ReadOptions ro;
  ro.limits = o.limits;
  UID2_ASSIGN_OR_RETURN(oci::Image image, oci::ReadImage(o.image, ro));
  auto engine = oci::ReadImage(o.engine, ro);
  if (!engine.ok()) return std::move(engine).error().Context("engine");
  UID2_ASSIGN_OR_RETURN(oci::RuntimeConfig rc, oci::ParseRuntimeConfig(image.config_json));
  std::vector<std::string> argv = ComposeArgv(rc);
  if (argv.empty()) return Error::Invalid(o.image + ": the image has neither Entrypoint nor Cmd");

  UID2_ASSIGN_OR_RETURN(oci::TempDir tmp, oci::TempDir::Create("shroud-shield"));
  Work w{tmp.path() + "/rootfs", tmp.path() + "/engine", tmp.path() + "/layer", tmp.path()};
  for (const std::string& d : {w.rootfs, w.engine, w.layer}) UID2_RETURN_IF_ERROR(oci::MakeDirs(d));
  oci::Budget budget, engine_budget;
  UID2_RETURN_IF_ERROR(oci::ApplyImage(image, w.rootfs, o.limits, &budget));
  auto applied = oci::ApplyImage(*engine, w.engine, o.limits, &engine_budget);
  if (!applied.ok()) return std::move(applied).error().Context("engine " + o.engine);

  // The engine's runtime: the PAL and the LibOS (loader.entrypoint) are required, the rest is
  // copied when present. Nothing is written before these checks pass.
  struct stat st {};
  auto is_file = [&](const std::string& inner) {
    auto r = manifest::ResolveInChroot(inner, w.engine);
    return r.ok() && ::stat((w.engine + *r).c_str(), &st) == 0 && S_ISREG(st.st_mode);
  };
  if (!is_file(o.libpal)) {
    return Error::NotFound("engine " + o.engine + " has no PAL at " + o.libpal +
                           " (is it a Gramine image? use --libpal PATH-IN-ENGINE)");
  }
  if (!is_file(kLibsysdb)) {
    return Error::NotFound("engine " + o.engine + " has no LibOS at " + kLibsysdb +
                           " (loader.entrypoint: Gramine cannot start without it; is it a "
                           "Gramine image?)");
  }
  std::vector<std::string> paths = o.engine_paths;
  paths.push_back(o.libpal);
  for (const std::string& p : paths) {
    auto r = manifest::ResolveInChroot(p, w.engine);
    if (!r.ok() || ::lstat((w.engine + *r).c_str(), &st) != 0) {
      log::Warn("shield_engine_path_missing", {{"path", p}});
      continue;
    }
    UID2_RETURN_IF_ERROR(CopyFromEngine(w.engine, p, w.layer));
  }

  UID2_ASSIGN_OR_RETURN(report.binary, ResolveBinary(w.rootfs, rc, argv.front()));
  std::vector<std::string> fixed;  // insecure mode: Entrypoint[1:], kept in the new Entrypoint
  if (o.insecure_args && !rc.entrypoint.empty()) {
    fixed.assign(rc.entrypoint.begin() + 1, rc.entrypoint.end());
  }
  report.argv = o.insecure_args ? fixed : argv;
  UID2_RETURN_IF_ERROR(WriteAppFiles(w, o, argv));
  UID2_RETURN_IF_ERROR(MirrorInto(w.layer, w.rootfs, w.scratch + "/mirror.tar", o.limits));

  TemplateInputs in;
  in.config = rc;
  in.binary = report.binary;
  in.insecure_args = o.insecure_args;
  in.debug = o.debug;
  if (fs::is_directory(w.rootfs + std::string(kGramineLibDir) + "/runtime/glibc")) {
    in.runtime_lib_dirs =
        std::string(kGramineLibDir) +
        "/runtime/glibc:/lib:/lib/x86_64-linux-gnu:/usr/lib:/usr/lib/x86_64-linux-gnu";
  }
  std::unique_ptr<manifest::Manifest> user;
  if (!o.user_manifest.empty()) {
    UID2_ASSIGN_OR_RETURN(manifest::Manifest m, manifest::LoadManifest(o.user_manifest));
    user = std::make_unique<manifest::Manifest>(std::move(m));
  }
  UID2_ASSIGN_OR_RETURN(manifest::Manifest m, BuildManifest(in, user.get()));
  if (WantsFileWalk(m)) {
    auto hash_start = Clock::now();
    UID2_ASSIGN_OR_RETURN(TrustedSet set, CollectTrustedFiles(w.rootfs, o));
    report.hash_seconds = Seconds(hash_start);
    report.trusted_files = set.entries.size();
    report.trusted_bytes = set.bytes;
    AppendTrustedFiles(&m, set.entries);
  }
  report.manifest = manifest::WriteManifestSgx(m);
  UID2_RETURN_IF_ERROR(
      WriteFileAtomic(w.layer + kAppFiles + "/entrypoint.manifest", report.manifest));

  UID2_RETURN_IF_ERROR(oci::AddTreeLayer(&image, w.layer, o.write.mtime,
                                         "shroud shield: Gramine runtime and entrypoint manifest"));
  oci::RuntimeConfig out_rc = rc;
  // Docker's semantics carried over: with insecure args, `docker run IMAGE` runs the fixed
  // arguments then Cmd, and `docker run IMAGE ARGS` replaces Cmd only (as GSC's image does).
  out_rc.entrypoint = {std::string(kAppFiles) + "/apploader.sh"};
  out_rc.cmd.clear();
  if (o.insecure_args) {
    out_rc.entrypoint.insert(out_rc.entrypoint.end(), fixed.begin(), fixed.end());
    out_rc.cmd.assign(argv.begin() + long(1 + fixed.size()), argv.end());
  }
  out_rc.labels["com.shroud.shielded"] = "unsigned";
  UID2_RETURN_IF_ERROR(oci::UpdateConfig(&image, out_rc, o.write.mtime));
  UID2_RETURN_IF_ERROR(oci::WriteImage(image, o.output, o.write));
  report.total_seconds = Seconds(start);
  return report;
}

}  // namespace uid2::shield
