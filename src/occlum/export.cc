// export.cc: Export (see export.h): verify the bundle, map its manifest to Occlum.json, copy the
// trusted files into image/, and move the finished directory into place.
#include "occlum/export.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <optional>

#include "common/encoding.h"
#include "common/file.h"
#include "common/json.h"
#include "crypto/hash.h"
#include "manifest/trusted_files.h"
#include "runtime/args_env.h"
#include "runtime/bundle.h"

namespace uid2::occlum {
namespace {

namespace fs = std::filesystem;
using rapidjson::Value;

constexpr uint64_t kMiB = 1ull << 20;

// Occlum's template values for what a Gramine manifest does not say (etc/template/Occlum.json).
constexpr const char* kKernelHeap = "32MB";
constexpr const char* kKernelStack = "1MB";
constexpr const char* kDefaultStack = "4MB";
constexpr uint64_t kTemplateHeap = 32 * kMiB, kTemplateMmap = 100 * kMiB;

// ViewPath returns where the app sees the bundle file `bundle_path` (through the chroot mount
// whose URI is the longest prefix of it), or nothing when no mount shows it.
std::optional<std::string> ViewPath(const runtime::RunSpec& spec, const std::string& bundle_path) {
  std::optional<std::string> best;
  size_t best_len = 0;
  for (const runtime::MountSpec& m : spec.mounts) {
    if (m.type != runtime::MountType::kChroot) continue;
    Result<std::string> base = runtime::UriToBundlePath(m.uri);
    if (!base.ok()) continue;
    const std::string& b = *base;
    bool under = b == "/" || bundle_path == b || bundle_path.starts_with(b + "/");
    if (!under || (best && b.size() <= best_len)) continue;
    best_len = b.size();
    best = runtime::NormalisePath(m.path + "/" +
                                  (b == "/" ? bundle_path : bundle_path.substr(b.size())));
  }
  return best;
}

std::string Dirname(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == 0 || slash == std::string::npos ? "/" : path.substr(0, slash);
}

Value Str(const std::string& s, rapidjson::Document::AllocatorType& a) {
  return Value(s.c_str(), static_cast<rapidjson::SizeType>(s.size()), a);
}

Value StrArray(const std::vector<std::string>& v, rapidjson::Document::AllocatorType& a) {
  Value arr(rapidjson::kArrayType);
  for (const std::string& s : v) arr.PushBack(Str(s, a), a);
  return arr;
}

Value Mount(const char* target, const char* type, rapidjson::Document::AllocatorType& a) {
  Value m(rapidjson::kObjectType);
  m.AddMember("target", Str(target, a), a);
  m.AddMember("type", Str(type, a), a);
  return m;
}

// The root union FS of Occlum's template: the integrity-protected image (its MAC is filled in
// by `occlum build`) under a writable encrypted layer.
Value RootMount(rapidjson::Document::AllocatorType& a) {
  Value image = Mount("/", "sefs", a);
  image.AddMember("source", Str("./build/mount/__ROOT", a), a);
  Value mac(rapidjson::kObjectType);
  mac.AddMember("MAC", Str("", a), a);
  image.AddMember("options", mac, a);
  Value run = Mount("/", "sefs", a);
  run.AddMember("source", Str("./run/mount/__ROOT", a), a);
  Value layers(rapidjson::kArrayType);
  layers.PushBack(image, a);
  layers.PushBack(run, a);
  Value options(rapidjson::kObjectType);
  options.AddMember("layers", layers, a);
  Value root = Mount("/", "unionfs", a);
  root.AddMember("options", options, a);
  return root;
}

Value Id0(rapidjson::Document::AllocatorType& a) {
  Value id(rapidjson::kObjectType);
  id.AddMember("high", Str("0x0", a), a);
  id.AddMember("low", Str("0x0", a), a);
  return id;
}

std::vector<std::string> NotCarried(const runtime::RunSpec& spec, const sgx::EnclaveParams& p) {
  std::vector<std::string> out;
  out.push_back(
      "argv: Occlum takes a program's arguments from the host (`occlum run PATH ARGS`); the "
      "manifest's argv is not enforced there");
  if (!spec.allowed_files.empty()) {
    out.push_back("sgx.allowed_files (" + std::to_string(spec.allowed_files.size()) +
                  " entries): Occlum has no per-file passthrough; the app writes to the "
                  "encrypted run/ layer of its root, host files need a hostfs mount");
  }
  if (spec.allow_all_but_log) {
    out.push_back("sgx.file_check_policy = \"allow_all_but_log\": no equivalent");
  }
  if (spec.insecure_host_env) {
    out.push_back(
        "loader.insecure__use_host_env: Occlum passes only the names listed in env.untrusted");
  }
  if (spec.remote_attestation) {
    out.push_back(
        "sgx.remote_attestation: /dev/attestation is Gramine's; on Occlum quotes come from the "
        "/dev/sgx ioctls (occlum_dcap)");
  }
  if (!spec.insecure_keys.empty()) out.push_back("fs.insecure__keys: no equivalent");
  for (const runtime::MountSpec& m : spec.mounts) {
    if (m.type != runtime::MountType::kEncrypted) continue;
    out.push_back("fs.mounts " + m.path + " (type = \"encrypted\", key " + m.key_name +
                  "): Occlum seals its whole run/ layer with its own keys; files in Gramine's "
                  "protected-files format are not read there");
  }
  using sgx::CpuFeatureSetting;
  for (size_t i : {size_t{0}, size_t{1}, size_t{3}}) {  // avx, avx512, mpx
    CpuFeatureSetting s = p.cpu_features[i];
    bool default_mpx = i == 3 && s == CpuFeatureSetting::kDisabled;
    if (s != CpuFeatureSetting::kUnspecified && !default_mpx) {
      out.push_back("sgx.cpu_features." + std::string(sgx::kCpuFeatures[i].name) +
                    ": Occlum.json has no setting (the SGX SDK chooses XFRM)");
    }
  }
  if (p.legacy_required_xfrm != 0) out.push_back("sgx.require_*: no equivalent");
  return out;
}

// CopyVerified copies the bundle file `host` to `dst`, checking its SHA-256 on the way.
Result<uint64_t> CopyVerified(const std::string& host, const std::string& dst,
                              const crypto::Sha256Digest& want, const std::string& uri) {
  UID2_ASSIGN_OR_RETURN(Bytes data, ReadFileBytes(host));
  if (crypto::Sha256(data) != want) {
    return Error::VerifyFailed("trusted file " + uri + ": SHA-256 " +
                               HexEncode(crypto::Sha256(data)) + " differs from the manifest's " +
                               HexEncode(want));
  }
  struct stat st {};
  mode_t mode = ::stat(host.c_str(), &st) == 0 ? (st.st_mode & 0755) | 0444 : 0644;
  std::error_code ec;
  fs::create_directories(fs::path(dst).parent_path(), ec);
  if (ec) return Error::Io("mkdir " + fs::path(dst).parent_path().string() + ": " + ec.message());
  UID2_RETURN_IF_ERROR(WriteFileAtomic(dst, data, mode));
  return uint64_t(data.size());
}

// Partial is the directory the export is written to; removed unless Release()d.
struct Partial {
  std::string path;
  ~Partial() {
    std::error_code ec;
    if (!path.empty()) fs::remove_all(path, ec);
  }
};

}  // namespace

std::string OcclumSize(uint64_t bytes) {
  static constexpr std::pair<uint64_t, const char*> kUnits[] = {
      {1ull << 30, "GB"}, {1ull << 20, "MB"}, {1ull << 10, "KB"}};
  for (const auto& [unit, name] : kUnits) {
    if (bytes != 0 && bytes % unit == 0) return std::to_string(bytes / unit) + name;
  }
  return std::to_string(bytes) + "B";
}

Result<OcclumConfig> OcclumConfigFor(const runtime::RunSpec& spec, const sgx::EnclaveParams& p,
                                     const std::vector<std::string>& env_default) {
  OcclumConfig out;
  rapidjson::Document d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();

  Value limits(rapidjson::kObjectType);
  limits.AddMember("kernel_space_heap_size", Str(kKernelHeap, a), a);
  limits.AddMember("kernel_space_stack_size", Str(kKernelStack, a), a);
  limits.AddMember("user_space_size", Str(OcclumSize(p.enclave_size), a), a);
  limits.AddMember("max_num_of_threads", p.max_threads, a);
  d.AddMember("resource_limits", limits, a);

  // Per-process defaults: the template's, scaled down so that they fit a small enclave.
  Value process(rapidjson::kObjectType);
  process.AddMember("default_stack_size", Str(kDefaultStack, a), a);
  process.AddMember("default_heap_size",
                    Str(OcclumSize(std::min(kTemplateHeap, p.enclave_size / 8)), a), a);
  process.AddMember("default_mmap_size",
                    Str(OcclumSize(std::min(kTemplateMmap, p.enclave_size / 4)), a), a);
  d.AddMember("process", process, a);

  if (spec.entrypoint.empty() || spec.entrypoint.front() != '/') {
    return Error::Invalid("libos.entrypoint '" + spec.entrypoint +
                          "' is not an absolute path (Occlum's entry_points must be)");
  }
  out.entry_points = {Dirname(spec.entrypoint)};
  d.AddMember("entry_points", StrArray(out.entry_points, a), a);

  std::vector<std::string> untrusted;
  for (const runtime::EnvSpec& e : spec.env) {
    if (e.passthrough) untrusted.push_back(e.name);
  }
  Value env(rapidjson::kObjectType);
  env.AddMember("default", StrArray(env_default, a), a);
  env.AddMember("untrusted", StrArray(untrusted, a), a);
  d.AddMember("env", env, a);

  Value meta(rapidjson::kObjectType);
  meta.AddMember("product_id", unsigned(p.isv_prod_id), a);
  meta.AddMember("version_number", unsigned(p.isv_svn), a);
  meta.AddMember("debuggable", p.debug, a);
  meta.AddMember("enable_kss", false, a);
  meta.AddMember("family_id", Id0(a), a);
  meta.AddMember("ext_prod_id", Id0(a), a);
  d.AddMember("metadata", meta, a);

  auto required = [&](size_t i) {
    return p.cpu_features[i] == sgx::CpuFeatureSetting::kRequired ? 1u : 0u;
  };
  Value feature(rapidjson::kObjectType);
  feature.AddMember("amx", required(2), a);
  feature.AddMember("pkru", required(4), a);
  feature.AddMember("io_uring", 0u, a);
  feature.AddMember("enable_edmm", p.edmm, a);
  feature.AddMember("enable_posix_shm", false, a);
  d.AddMember("feature", feature, a);

  Value mounts(rapidjson::kArrayType);
  mounts.PushBack(RootMount(a), a);
  mounts.PushBack(Mount("/proc", "procfs", a), a);
  mounts.PushBack(Mount("/dev", "devfs", a), a);
  for (const runtime::MountSpec& m : spec.mounts) {
    if (m.type == runtime::MountType::kTmpfs) mounts.PushBack(Mount(m.path.c_str(), "ramfs", a), a);
  }
  d.AddMember("mount", mounts, a);

  out.json = JsonToString(d, true) + "\n";
  out.not_carried = NotCarried(spec, p);
  return out;
}

Result<ExportReport> Export(const ExportOptions& o) {
  std::error_code ec;
  if (fs::exists(o.output_dir, ec) &&
      !(fs::is_directory(o.output_dir, ec) && fs::is_empty(o.output_dir, ec))) {
    return Error::Invalid(o.output_dir + " exists and is not an empty directory");
  }
  UID2_ASSIGN_OR_RETURN(runtime::Bundle bundle, runtime::OpenBundle(o.input));
  auto verified = runtime::VerifyBundle(bundle);
  if (!verified.ok()) return std::move(verified).error().Context(o.input);
  UID2_ASSIGN_OR_RETURN(runtime::RunSpec spec, runtime::RunSpecFromManifest(verified->manifest));
  auto params = manifest::EnclaveParamsFrom(verified->manifest);
  if (!params.ok()) return std::move(params).error().Context(o.input);

  auto read_source = [&](const std::string& uri) -> Result<Bytes> {
    UID2_ASSIGN_OR_RETURN(std::string inner, runtime::UriToBundlePath(uri));
    UID2_ASSIGN_OR_RETURN(std::string resolved, manifest::ResolveInChroot(inner, bundle.root));
    return ReadFileBytes(bundle.root + resolved);
  };
  std::optional<Bytes> argv_src, env_src;
  if (!spec.argv_src_file.empty()) {
    UID2_ASSIGN_OR_RETURN(argv_src, read_source(spec.argv_src_file));
  }
  if (!spec.env_src_file.empty()) {
    UID2_ASSIGN_OR_RETURN(env_src, read_source(spec.env_src_file));
  }
  UID2_ASSIGN_OR_RETURN(std::vector<std::string> env_default, runtime::BuildEnv(spec, {}, env_src));
  std::vector<std::string> cmdline;
  if (bundle.image && spec.insecure_cmdline_argv) {
    cmdline = runtime::DockerArguments(*bundle.image, {});
  }
  std::vector<std::string> warnings;
  UID2_ASSIGN_OR_RETURN(std::vector<std::string> argv,
                        runtime::BuildArgv(spec, cmdline, argv_src, &warnings));

  UID2_ASSIGN_OR_RETURN(OcclumConfig config, OcclumConfigFor(spec, *params, env_default));
  ExportReport report;
  report.occlum_json = config.json;
  report.entry_points = config.entry_points;
  report.not_carried = config.not_carried;
  report.mr_enclave = HexEncode(verified->sig.mr_enclave);
  report.occlum_run = {spec.entrypoint};
  report.occlum_run.insert(report.occlum_run.end(), argv.begin() + 1, argv.end());

  std::string out = fs::path(o.output_dir).lexically_normal().string();
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  Partial partial{out + ".partial-" + std::to_string(::getpid())};
  fs::remove_all(partial.path, ec);
  fs::create_directories(partial.path + "/image", ec);
  if (ec) return Error::Io("mkdir " + partial.path + "/image: " + ec.message());
  UID2_RETURN_IF_ERROR(WriteFileAtomic(partial.path + "/Occlum.json", config.json));
  size_t hidden = 0;
  for (const runtime::TrustedEntry& t : spec.trusted_files) {
    UID2_ASSIGN_OR_RETURN(std::string inner, runtime::UriToBundlePath(t.uri));
    std::optional<std::string> view = ViewPath(spec, runtime::NormalisePath(inner));
    if (!view) {
      hidden++;
      continue;
    }
    auto resolved = manifest::ResolveInChroot(inner, bundle.root);
    if (!resolved.ok()) return std::move(resolved).error().Context("trusted file " + t.uri);
    UID2_ASSIGN_OR_RETURN(
        uint64_t n,
        CopyVerified(bundle.root + *resolved, partial.path + "/image" + *view, t.sha256, t.uri));
    report.files++;
    report.bytes += n;
  }
  if (hidden > 0) {
    report.not_carried.push_back(std::to_string(hidden) +
                                 " trusted file(s) outside every fs.root/fs.mounts chroot mount "
                                 "(the app never sees them): not copied");
  }
  if (fs::exists(out, ec)) fs::remove(out, ec);  // the empty directory checked above
  if (::rename(partial.path.c_str(), out.c_str()) != 0)
    return Error::Errno("rename to " + out, errno);
  partial.path.clear();
  return report;
}

}  // namespace uid2::occlum
