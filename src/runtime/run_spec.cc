#include "runtime/run_spec.h"

#include <algorithm>

#include "common/encoding.h"
#include "manifest/runtime_options.h"

namespace uid2::runtime {
namespace {

using manifest::Value;

Error KeyError(std::string_view key, std::string_view what) {
  return Error::Invalid("manifest key '" + std::string(key) + "': " + std::string(what));
}

Result<std::string> GetString(const Value& v, std::string_view key) {
  if (!v.is_string()) return KeyError(key, "expected a string, found " + std::string(v.TypeName()));
  return v.str();
}

Result<bool> GetBool(const Value* v, std::string_view key) {
  if (v == nullptr) return false;
  if (!v->is_bool())
    return KeyError(key, "expected a boolean, found " + std::string(v->TypeName()));
  return v->boolean();
}

Status ReadArgv(const Value& root, RunSpec* spec) {
  int sources = 0;
  if (const Value* v = root.FindPath("loader.argv")) {
    if (!v->is_array()) return KeyError("loader.argv", "expected an array of strings");
    std::vector<std::string> argv;
    for (const Value& item : v->array()) {
      UID2_ASSIGN_OR_RETURN(std::string s, GetString(item, "loader.argv"));
      argv.push_back(std::move(s));
    }
    spec->argv = std::move(argv);
    sources++;
  }
  if (const Value* v = root.FindPath("loader.argv_src_file")) {
    UID2_ASSIGN_OR_RETURN(spec->argv_src_file, GetString(*v, "loader.argv_src_file"));
    sources++;
  }
  UID2_ASSIGN_OR_RETURN(spec->insecure_cmdline_argv,
                        GetBool(root.FindPath("loader.insecure__use_cmdline_argv"),
                                "loader.insecure__use_cmdline_argv"));
  if (spec->insecure_cmdline_argv) sources++;
  if (sources > 1) {
    return KeyError("loader.argv",
                    "loader.argv, loader.argv_src_file and loader.insecure__use_cmdline_argv "
                    "are mutually exclusive");
  }
  return Ok();
}

Status ReadEnv(const Value& root, RunSpec* spec) {
  UID2_ASSIGN_OR_RETURN(
      spec->insecure_host_env,
      GetBool(root.FindPath("loader.insecure__use_host_env"), "loader.insecure__use_host_env"));
  if (const Value* v = root.FindPath("loader.env_src_file")) {
    UID2_ASSIGN_OR_RETURN(spec->env_src_file, GetString(*v, "loader.env_src_file"));
  }
  const Value* env = root.FindPath("loader.env");
  if (env == nullptr) return Ok();
  if (!env->is_table()) return KeyError("loader.env", "expected a table");
  for (const auto& [name, value] : env->table()) {
    std::string key = "loader.env." + name;
    EnvSpec e{name, "", false};
    if (value.is_string()) {
      e.value = value.str();
    } else if (value.is_table()) {
      const Value* val = value.Find("value");
      const Value* pass = value.Find("passthrough");
      if ((val == nullptr) == (pass == nullptr)) {
        return KeyError(key, "expected exactly one of 'value' or 'passthrough'");
      }
      if (val != nullptr) {
        UID2_ASSIGN_OR_RETURN(e.value, GetString(*val, key + ".value"));
      } else {
        UID2_ASSIGN_OR_RETURN(e.passthrough, GetBool(pass, key + ".passthrough"));
        if (!e.passthrough && spec->insecure_host_env) {
          return KeyError(key,
                          "passthrough = false cannot be combined with "
                          "loader.insecure__use_host_env (Gramine rejects deny lists)");
        }
        if (!e.passthrough) continue;
      }
    } else {
      return KeyError(key, "expected a string or a table {value = ...} / {passthrough = true}");
    }
    spec->env.push_back(std::move(e));
  }
  return Ok();
}

Result<MountSpec> ReadMount(const Value& v, std::string_view key, bool is_root) {
  if (!v.is_table()) return KeyError(key, "expected a table {type, path, uri}");
  MountSpec m;
  std::string type = "chroot";
  if (const Value* t = v.Find("type")) {
    UID2_ASSIGN_OR_RETURN(type, GetString(*t, std::string(key) + ".type"));
  }
  if (type == "tmpfs") {
    m.type = MountType::kTmpfs;
  } else if (type == "encrypted") {
    if (is_root) return KeyError(key, "an encrypted fs.root is not supported (mount a directory)");
    m.type = MountType::kEncrypted;
    m.key_name = kDefaultKeyName;
    if (const Value* k = v.Find("key_name")) {
      UID2_ASSIGN_OR_RETURN(m.key_name, GetString(*k, std::string(key) + ".key_name"));
      if (!IsKnownKeyName(m.key_name)) {
        return KeyError(key, "key_name '" + m.key_name +
                                 "': names starting with '_' are reserved for the sealing keys "
                                 "_sgx_mrenclave and _sgx_mrsigner");
      }
    }
  } else if (type != "chroot") {
    return KeyError(key, "mount type '" + type + "' is not supported (chroot, encrypted or tmpfs)");
  }
  if (m.type != MountType::kEncrypted && v.Find("key_name") != nullptr) {
    return KeyError(key, "key_name is only meaningful for type = \"encrypted\"");
  }
  if (is_root) {
    m.path = "/";
  } else {
    const Value* p = v.Find("path");
    if (p == nullptr) return KeyError(key, "missing 'path'");
    UID2_ASSIGN_OR_RETURN(std::string path, GetString(*p, std::string(key) + ".path"));
    if (path.empty() || path[0] != '/') return KeyError(key, "path '" + path + "' is not absolute");
    m.path = NormalisePath(path);
  }
  if (const Value* u = v.Find("uri")) {
    UID2_ASSIGN_OR_RETURN(m.uri, GetString(*u, std::string(key) + ".uri"));
  }
  if (m.type != MountType::kTmpfs) {
    if (m.uri.empty()) {
      if (!is_root) return KeyError(key, "a " + type + " mount needs 'uri'");
      m.uri = "file:/";
    }
    if (!UriToBundlePath(m.uri).ok())
      return KeyError(key, "uri '" + m.uri + "' is not a file: URI");
  }
  return m;
}

Status ReadFs(const Value& root, RunSpec* spec) {
  MountSpec fs_root{"/", MountType::kChroot, "file:/", ""};
  if (const Value* v = root.FindPath("fs.root")) {
    UID2_ASSIGN_OR_RETURN(fs_root, ReadMount(*v, "fs.root", true));
  }
  spec->mounts.push_back(fs_root);
  if (const Value* v = root.FindPath("fs.mounts")) {
    if (!v->is_array()) return KeyError("fs.mounts", "expected an array of tables");
    for (size_t i = 0; i < v->array().size(); i++) {
      UID2_ASSIGN_OR_RETURN(
          MountSpec m, ReadMount(v->array()[i], "fs.mounts[" + std::to_string(i) + "]", false));
      spec->mounts.push_back(std::move(m));
    }
  }
  if (const Value* v = root.FindPath("fs.start_dir")) {
    UID2_ASSIGN_OR_RETURN(std::string dir, GetString(*v, "fs.start_dir"));
    spec->start_dir = NormalisePath(dir);
  }
  if (const Value* keys = root.FindPath("fs.insecure__keys")) {
    if (!keys->is_table()) return KeyError("fs.insecure__keys", "expected a table");
    for (const auto& [name, value] : keys->table()) {
      std::string key = "fs.insecure__keys." + name;
      UID2_ASSIGN_OR_RETURN(std::string hex, GetString(value, key));
      std::optional<Bytes> raw = HexDecode(hex);
      if (!raw || raw->size() != 16) return KeyError(key, "expected 32 hex digits (16 bytes)");
      spec->insecure_keys[name] = *raw;
    }
  }
  return Ok();
}

Status ReadFiles(const Value& root, RunSpec* spec) {
  if (const Value* v = root.FindPath("sgx.trusted_files")) {
    if (!v->is_array()) return KeyError("sgx.trusted_files", "expected an array");
    for (size_t i = 0; i < v->array().size(); i++) {
      std::string key = "sgx.trusted_files[" + std::to_string(i) + "]";
      const Value& item = v->array()[i];
      const Value* uri = item.is_table() ? item.Find("uri") : nullptr;
      const Value* sha = item.is_table() ? item.Find("sha256") : nullptr;
      if (uri == nullptr || sha == nullptr) {
        return KeyError(key, "expected {uri, sha256}: run shroud on the signed .manifest.sgx");
      }
      TrustedEntry e;
      UID2_ASSIGN_OR_RETURN(e.uri, GetString(*uri, key + ".uri"));
      UID2_ASSIGN_OR_RETURN(std::string hex, GetString(*sha, key + ".sha256"));
      std::optional<Bytes> digest = HexDecode(hex);
      if (!digest || digest->size() != 32) return KeyError(key, "sha256 is not 64 hex digits");
      std::copy(digest->begin(), digest->end(), e.sha256.begin());
      spec->trusted_files.push_back(std::move(e));
    }
  }
  if (const Value* v = root.FindPath("sgx.allowed_files")) {
    if (!v->is_array()) return KeyError("sgx.allowed_files", "expected an array of URIs");
    for (const Value& item : v->array()) {
      UID2_ASSIGN_OR_RETURN(std::string uri, GetString(item, "sgx.allowed_files"));
      spec->allowed_files.push_back(std::move(uri));
    }
  }
  if (const Value* v = root.FindPath("sgx.file_check_policy")) {
    UID2_ASSIGN_OR_RETURN(std::string policy, GetString(*v, "sgx.file_check_policy"));
    if (policy != "strict" && policy != "allow_all_but_log") {
      return KeyError("sgx.file_check_policy", "'" + policy + "' (strict or allow_all_but_log)");
    }
    spec->allow_all_but_log = policy == "allow_all_but_log";
  }
  return Ok();
}

Status ReadSgx(const manifest::Manifest& m, RunSpec* spec) {
  UID2_ASSIGN_OR_RETURN(sgx::EnclaveParams params, manifest::EnclaveParamsFrom(m));
  spec->enclave_size = params.enclave_size;
  spec->max_threads = params.max_threads;
  if (const Value* v = m.root.FindPath("sgx.remote_attestation")) {
    if (v->is_bool()) {
      spec->remote_attestation = v->boolean();
    } else {
      UID2_ASSIGN_OR_RETURN(std::string ra, GetString(*v, "sgx.remote_attestation"));
      if (ra != "none" && ra != "dcap") {
        return KeyError("sgx.remote_attestation", "'" + ra + "' (none or dcap; epid was removed)");
      }
      spec->remote_attestation = ra == "dcap";
    }
  }
  return Ok();
}

Result<uint64_t> GetInteger(const Value* v, std::string_view key, uint64_t fallback, uint64_t max) {
  if (v == nullptr) return fallback;
  if (!v->is_integer() || v->integer() < 0 || static_cast<uint64_t>(v->integer()) > max) {
    return KeyError(key, "expected an integer in 0.." + std::to_string(max));
  }
  return static_cast<uint64_t>(v->integer());
}

// ReadSys reads the sys.* and loader.* options shroud run applies, and refuses the ones it
// cannot apply (manifest/runtime_options.h has the list and the reasons).
Status ReadSys(const Value& root, RunSpec* spec) {
  std::vector<manifest::RefusedOption> refused = manifest::RefusedOptionsIn(root);
  if (!refused.empty()) {
    const manifest::RefusedOption& r = refused.front();
    return Error::Unsupported("manifest key '" + r.key +
                              "' is not supported by shroud run: " + std::string(r.note) +
                              " (docs/runtime.md, \"sys.* and loader.* options\")");
  }
  struct Flag {
    const char* key;
    bool* out;
  };
  for (Flag f : {Flag{"sys.enable_sigterm_injection", &spec->sigterm_injection},
                 Flag{"sys.disallow_subprocesses", &spec->disallow_subprocesses},
                 Flag{"sys.experimental__enable_flock", &spec->enable_flock},
                 Flag{"loader.insecure__disable_aslr", &spec->disable_aslr}}) {
    UID2_ASSIGN_OR_RETURN(*f.out, GetBool(root.FindPath(f.key), f.key));
  }
  if (const Value* v = root.FindPath("sys.stack.size")) {
    UID2_ASSIGN_OR_RETURN(std::string text, GetString(*v, "sys.stack.size"));
    Result<uint64_t> size = manifest::ParseSize(text);
    if (!size.ok() || *size == 0) return KeyError("sys.stack.size", "'" + text + "' is not a size");
    spec->stack_size = (*size + 4095) & ~uint64_t{4095};
  }
  UID2_ASSIGN_OR_RETURN(spec->fds_limit, GetInteger(root.FindPath("sys.fds.limit"), "sys.fds.limit",
                                                    RunSpec::kDefaultFdsLimit, 1 << 20));
  UID2_ASSIGN_OR_RETURN(uint64_t uid,
                        GetInteger(root.FindPath("loader.uid"), "loader.uid", 0, 0xfffffffe));
  UID2_ASSIGN_OR_RETURN(uint64_t gid,
                        GetInteger(root.FindPath("loader.gid"), "loader.gid", 0, 0xfffffffe));
  spec->uid = static_cast<uint32_t>(uid);
  spec->gid = static_cast<uint32_t>(gid);
  if (const Value* mocks = root.FindPath("sys.debug__mock_syscalls")) {
    if (!mocks->is_array()) return KeyError("sys.debug__mock_syscalls", "expected an array");
    for (size_t i = 0; i < mocks->array().size(); i++) {
      const Value& entry = mocks->array()[i];
      std::string key = "sys.debug__mock_syscalls[" + std::to_string(i) + "]";
      const Value* name = entry.is_table() ? entry.Find("name") : nullptr;
      if (name == nullptr) return KeyError(key, "expected { name = \"...\", return = N }");
      UID2_ASSIGN_OR_RETURN(std::string n, GetString(*name, key + ".name"));
      const Value* ret = entry.Find("return");
      if (ret != nullptr && (!ret->is_integer() || ret->integer() < -4095)) {
        return KeyError(key + ".return", "expected an integer from -4095 to 0");
      }
      spec->mock_syscalls.emplace_back(n, ret != nullptr ? ret->integer() : 0);
    }
  }
  return Ok();
}

}  // namespace

bool IsKnownKeyName(std::string_view name) {
  if (name.empty()) return false;
  return name[0] != '_' || name == kSealKeyMrEnclave || name == kSealKeyMrSigner;
}

std::string NormalisePath(std::string_view path) {
  std::vector<std::string_view> parts;
  size_t i = 0;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    std::string_view part = path.substr(i, j - i);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    i = j + 1;
  }
  std::string out;
  for (std::string_view p : parts) {
    out += '/';
    out += p;
  }
  return out.empty() ? "/" : out;
}

Result<std::string> UriToBundlePath(std::string_view uri) {
  if (uri.substr(0, 5) != "file:")
    return Error::Invalid("'" + std::string(uri) + "' is not a file: URI");
  return NormalisePath(uri.substr(5));
}

Result<RunSpec> RunSpecFromManifest(const manifest::Manifest& m) {
  RunSpec spec;
  const Value& root = m.root;
  const Value* entry = root.FindPath("libos.entrypoint");
  if (entry == nullptr) return KeyError("libos.entrypoint", "missing").Context(m.origin);
  auto fail = [&](Error e) { return std::move(e).Context(m.origin); };
  auto entry_str = GetString(*entry, "libos.entrypoint");
  if (!entry_str.ok()) return fail(std::move(entry_str).error());
  spec.entrypoint = *entry_str;
  for (auto step : {ReadArgv, ReadEnv, ReadFs, ReadFiles, ReadSys}) {
    Status s = step(root, &spec);
    if (!s.ok()) return fail(std::move(s).error());
  }
  Status s = ReadSgx(m, &spec);
  if (!s.ok()) return fail(std::move(s).error());
  return spec;
}

}  // namespace uid2::runtime
