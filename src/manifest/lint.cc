// lint.cc: `shroud manifest check`. Each finding names the key, the value and the fix.
#include "manifest/lint.h"

#include <sys/stat.h>

#include "manifest/runtime_options.h"
#include "manifest/schema.h"

namespace uid2::manifest {
namespace {

std::string Quote(const std::string& s) { return "\"" + s + "\""; }

std::string Text(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kString:
      return Quote(v.str());
    case Value::Kind::kInteger:
      return std::to_string(v.integer());
    case Value::Kind::kFloat:
      return std::to_string(v.number());
    case Value::Kind::kBoolean:
      return v.boolean() ? "true" : "false";
    case Value::Kind::kDateTime:
      return v.str();
    case Value::Kind::kArray: {
      std::string s = "[";
      for (size_t i = 0; i < v.array().size(); i++) s += (i ? ", " : "") + Text(v.array()[i]);
      return s + "]";
    }
    case Value::Kind::kTable: {
      std::string s = "{ ";
      for (size_t i = 0; i < v.table().size(); i++) {
        s += (i ? ", " : "") + v.table()[i].first + " = " + Text(v.table()[i].second);
      }
      return s + " }";
    }
  }
  return "";
}

class Linter {
 public:
  Linter(const Manifest& m, const LintOptions& o) : m_(m), opt_(o) {}

  std::vector<Finding> Run() {
    Walk(m_.root, "");
    CheckArgv();
    CheckEnv();
    CheckSgx();
    CheckMounts();
    CheckInsecureKeys();
    CheckTrustedFiles();
    CheckEntrypoints();
    CheckRuntimeOptions();
    return std::move(out_);
  }

 private:
  void Add(Severity s, std::string key, const Value* v, std::string msg, std::string fix) {
    out_.push_back({s, std::move(key), v ? Text(*v) : "", std::move(msg), std::move(fix),
                    v ? v->pos : SourcePos{}});
  }
  void Err(std::string key, const Value* v, std::string msg, std::string fix) {
    Add(Severity::kError, std::move(key), v, std::move(msg), std::move(fix));
  }
  const Value* Get(std::string_view dotted) const { return m_.root.FindPath(dotted); }

  static bool KnownPrefix(const std::string& path) {
    for (const KeySpec& s : KnownKeys()) {
      std::string_view k = s.key;
      if (k.size() > path.size() && k.substr(0, path.size()) == path && k[path.size()] == '.') {
        return true;
      }
    }
    return false;
  }

  void Walk(const Value& table, const std::string& prefix) {
    for (const auto& [k, v] : table.table()) {
      std::string path = prefix.empty() ? k : prefix + "." + k;
      const KeySpec* spec = FindKeySpec(path);
      if (spec) {
        CheckType(path, v, spec->type);
      } else if (v.is_table() && KnownPrefix(path)) {
        Walk(v, path);
      } else if (path == "sgx.thread_num") {
        Err(path, &v, "sgx.thread_num was renamed in Gramine 1.4",
            "rename it to sgx.max_threads = " + Text(v));
      } else if (path.rfind("sgx.require_", 0) == 0) {
        Err(path, &v, "deprecated since Gramine 1.6",
            "use sgx.cpu_features." + path.substr(12) + " = \"required\"");
      } else {
        Err(path, &v, "unknown key",
            "did you mean " + std::string(ClosestKnownKey(path)) + "? (remove it if not)");
      }
    }
  }

  void CheckType(const std::string& key, const Value& v, KeyType t) {
    auto bad = [&](std::string want) {
      Err(key, &v, "expected " + want + ", got " + std::string(v.TypeName()),
          "write " + key + " as " + want);
    };
    switch (t) {
      case KeyType::kString:
        if (!v.is_string()) bad("a string");
        break;
      case KeyType::kInteger:
        if (!v.is_integer()) bad("an integer");
        break;
      case KeyType::kBoolean:
        if (!v.is_bool()) bad("true or false");
        break;
      case KeyType::kArray:
        if (!v.is_array()) bad("an array");
        break;
      case KeyType::kTable:
        if (!v.is_table()) bad("a table");
        break;
      case KeyType::kAny:
        break;
      case KeyType::kStringArray: {
        bool ok = v.is_array();
        for (size_t i = 0; ok && i < v.array().size(); i++) ok = v.array()[i].is_string();
        if (!ok) bad("an array of strings");
        break;
      }
      case KeyType::kSize: {
        if (!v.is_string()) {
          bad("a size string like \"256M\"");
          break;
        }
        Result<uint64_t> n = ParseSize(v.str());
        if (!n.ok())
          Err(key, &v, n.error().message(), "use a number with K, M or G, e.g. \"512M\"");
        break;
      }
    }
  }

  void CheckArgv() {
    const Value* argv = Get("loader.argv");
    const Value* src = Get("loader.argv_src_file");
    const Value* cmd = Get("loader.insecure__use_cmdline_argv");
    bool use_cmd = cmd && cmd->is_bool() && cmd->boolean();
    if (argv && use_cmd) {
      Err("loader.argv", argv, "set together with loader.insecure__use_cmdline_argv = true",
          "keep one: fixed arguments (loader.argv) or host arguments (remove loader.argv)");
    }
    if (argv && src) {
      Err("loader.argv", argv, "set together with loader.argv_src_file = " + Text(*src),
          "keep only one source of argv");
    }
    if (src && use_cmd) {
      Err("loader.argv_src_file", src, "set together with loader.insecure__use_cmdline_argv",
          "keep only one source of argv");
    }
  }

  void CheckEnv() {
    const Value* env = Get("loader.env");
    const Value* host = Get("loader.insecure__use_host_env");
    bool use_host = host && host->is_bool() && host->boolean();
    if (!env || !env->is_table()) return;
    for (const auto& [k, v] : env->table()) {
      std::string key = "loader.env." + k;
      if (v.is_string()) continue;
      if (!v.is_table()) {
        Err(key, &v, "expected a string or { value = \"...\" } or { passthrough = true }",
            "write " + key + " = \"value\"");
        continue;
      }
      const Value* value = v.Find("value");
      const Value* pass = v.Find("passthrough");
      if (value && pass) Err(key, &v, "has both value and passthrough", "keep one of them");
      if (pass && pass->is_bool() && !pass->boolean() && use_host) {
        Err(key, &v, "passthrough = false with loader.insecure__use_host_env = true is refused",
            "drop loader.insecure__use_host_env or this entry");
      }
      for (const auto& [ik, iv] : v.table()) {
        if (ik != "value" && ik != "passthrough") {
          Err(key + "." + ik, &iv, "unknown key", "use value or passthrough");
        }
      }
    }
  }

  void CheckChoice(std::string_view key, std::initializer_list<std::string_view> allowed,
                   std::string extra_fix = "") {
    const Value* v = Get(key);
    if (!v || !v->is_string()) return;
    std::string list;
    for (std::string_view a : allowed) {
      if (v->str() == a) return;
      list += (list.empty() ? "" : ", ") + Quote(std::string(a));
    }
    Err(std::string(key), v, "not one of " + list,
        extra_fix.empty() ? "use one of " + list : extra_fix);
  }

  void CheckSgx() {
    if (const Value* v = Get("sgx.enclave_size"); v && v->is_string()) {
      Result<uint64_t> n = ParseSize(v->str());
      if (n.ok() && (*n == 0 || (*n & (*n - 1)) != 0)) {
        uint64_t p = 1;
        while (p < *n) p <<= 1;
        Err("sgx.enclave_size", v, "not a power of two",
            "use a power of two such as \"" + std::to_string(p >> 20) + "M\"");
      }
    }
    if (const Value* v = Get("sgx.max_threads"); v && v->is_integer() && v->integer() < 1) {
      Err("sgx.max_threads", v, "must be at least 1", "set sgx.max_threads = 4 or more");
    }
    for (std::string_view k : {"sgx.isvprodid", "sgx.isvsvn"}) {
      const Value* v = Get(k);
      if (v && v->is_integer() && (v->integer() < 0 || v->integer() > 65535)) {
        Err(std::string(k), v, "outside 0..65535 (a 16-bit SIGSTRUCT field)", "use 0..65535");
      }
    }
    const Value* ra = Get("sgx.remote_attestation");
    if (ra && ra->is_string() && ra->str() == "epid") {
      Err("sgx.remote_attestation", ra, "EPID was removed in Gramine 1.9",
          "use \"dcap\" (or \"none\")");
    } else {
      CheckChoice("sgx.remote_attestation", {"none", "dcap"});
    }
    CheckChoice("sgx.file_check_policy", {"strict", "allow_all_but_log"});
    CheckChoice("loader.log_level", {"none", "error", "warning", "debug", "trace", "all"});
    for (std::string_view f : {"avx", "avx512", "amx", "mpx", "pkru"}) {
      CheckChoice("sgx.cpu_features." + std::string(f), {"unspecified", "required", "disabled"});
    }
    if (const Value* d = Get("sgx.debug"); d && d->is_bool() && d->boolean()) {
      Add(Severity::kWarning, "sgx.debug", d, "a debug enclave can be read by the host",
          "set sgx.debug = false for production");
    }
  }

  void CheckMounts() {
    const Value* mounts = Get("fs.mounts");
    if (!mounts || !mounts->is_array()) return;
    for (size_t i = 0; i < mounts->array().size(); i++) {
      const Value& mt = mounts->array()[i];
      std::string key = "fs.mounts[" + std::to_string(i) + "]";
      if (!mt.is_table()) {
        Err(key, &mt, "expected a table", "write { path = \"/x\", uri = \"file:x\" }");
        continue;
      }
      const Value* type = mt.Find("type");
      std::string t = type && type->is_string() ? type->str() : "chroot";
      if (t == "encrypted") {
        CheckKeyName(key, mt);
      } else if (t != "chroot" && t != "tmpfs" && t != "untrusted_shm") {
        Err(key + ".type", type, "unknown mount type",
            "use \"chroot\", \"encrypted\", \"tmpfs\" or \"untrusted_shm\"");
      }
      if (const Value* k = mt.Find("key_name"); k && t != "encrypted") {
        Err(key + ".key_name", k, "only encrypted mounts have a key",
            "remove key_name, or set type = \"encrypted\"");
      }
      if (!mt.Find("path")) Err(key, &mt, "has no path", "add path = \"/mount/point\"");
      const Value* uri = mt.Find("uri");
      if (t != "tmpfs" && !uri) Err(key, &mt, "has no uri", "add uri = \"file:host/dir\"");
      if (t == "encrypted" && uri && (!uri->is_string() || uri->str().rfind("file:", 0) != 0)) {
        Err(key + ".uri", uri, "an encrypted mount needs a file: URI",
            "write uri = \"file:host/dir\"");
      }
    }
  }

  // CheckKeyName: Gramine's key names. "_..." names are the PAL's special keys (only the SGX
  // sealing keys exist); other names are fs.insecure__keys.NAME or written by the app to
  // /dev/attestation/keys/NAME before it opens a file (else every open fails with EACCES).
  void CheckKeyName(const std::string& key, const Value& mount) {
    const Value* k = mount.Find("key_name");
    if (k && !k->is_string()) {
      Err(key + ".key_name", k, "expected a string", "write key_name = \"_sgx_mrenclave\"");
      return;
    }
    std::string name = k ? k->str() : "default";
    if (name.empty()) {
      Err(key + ".key_name", k, "empty key name", "remove it (the key is then \"default\")");
    } else if (name[0] == '_') {
      if (name != "_sgx_mrenclave" && name != "_sgx_mrsigner") {
        Err(key + ".key_name", k,
            "unknown special key (names starting with '_' are the SGX "
            "sealing keys)",
            "use \"_sgx_mrenclave\" (this enclave only) or \"_sgx_mrsigner\" "
            "(every enclave of this signer)");
      }
    } else if (!Get("fs.insecure__keys." + name)) {
      Add(Severity::kWarning, key + (k ? ".key_name" : ""), k ? k : &mount,
          "key \"" + name +
              "\" is not in fs.insecure__keys: the app must write its 16 bytes to "
              "/dev/attestation/keys/" +
              name + " before opening a file there (else EACCES)",
          "provision it at run time (e.g. after remote attestation), or seal with "
          "key_name = \"_sgx_mrenclave\"");
    }
  }

  void CheckInsecureKeys() {
    const Value* keys = Get("fs.insecure__keys");
    if (!keys || !keys->is_table()) return;
    for (const auto& [name, v] : keys->table()) {
      std::string key = "fs.insecure__keys." + name;
      if (!v.is_string()) continue;  // CheckType reported it
      if (v.str().size() != 32 ||
          v.str().find_first_not_of("0123456789abcdefABCDEF") != std::string::npos) {
        Err(key, &v, "not 32 hex digits (a 16-byte key)", "generate one: openssl rand -hex 16");
      } else {
        Add(Severity::kWarning, key, nullptr,
            "the key is in the manifest, which the host reads: files under it are not secret",
            "for production use key_name = \"_sgx_mrenclave\" or a key provisioned at run time");
      }
    }
  }

  void CheckTrustedFiles() {
    const Value* tf = Get("sgx.trusted_files");
    if (!tf || !tf->is_array()) return;
    for (size_t i = 0; i < tf->array().size(); i++) {
      const Value& e = tf->array()[i];
      std::string key = "sgx.trusted_files[" + std::to_string(i) + "]";
      const Value* uri = e.is_string() ? &e : (e.is_table() ? e.Find("uri") : nullptr);
      if (!uri || !uri->is_string()) {
        Err(key, &e, "expected \"file:...\" or { uri = \"file:...\", sha256 = \"...\" }",
            "write the entry as \"file:path\"");
        continue;
      }
      const Value* sha = e.is_table() ? e.Find("sha256") : nullptr;
      if (sha && (!sha->is_string() || sha->str().size() != 64 ||
                  sha->str().find_first_not_of("0123456789abcdef") != std::string::npos)) {
        Err(key + ".sha256", sha, "not 64 lowercase hex digits",
            "remove it so that `shroud sign` computes it");
      }
      if (opt_.check_files && !sha) CheckFile(key, *uri);
    }
  }

  void CheckFile(const std::string& key, const Value& uri) {
    Result<std::string> path = ResolveUri(uri.str(), opt_.files);
    if (!path.ok()) {
      Err(key, &uri, path.error().message(), "use a file: URI");
      return;
    }
    struct stat st;
    bool dir_uri = !uri.str().empty() && uri.str().back() == '/';
    if (::stat(path->c_str(), &st) != 0) {
      Err(key, &uri, "file " + *path + " does not exist",
          "create it, fix the path, or remove the entry");
    } else if (S_ISDIR(st.st_mode) && !dir_uri) {
      Err(key, &uri, *path + " is a directory",
          "write " + Quote(uri.str() + "/") + " to trust every file below it");
    } else if (!S_ISDIR(st.st_mode) && dir_uri) {
      Err(key, &uri, *path + " is not a directory", "remove the trailing '/'");
    }
  }

  void CheckEntrypoints() {
    if (!Get("libos.entrypoint")) {
      Err("libos.entrypoint", nullptr, "missing",
          "set libos.entrypoint = \"/path/of/the/app\" (the first program run in the enclave)");
    }
    const Value* ep = Get("loader.entrypoint");
    if (ep && ep->is_string()) {
      Err("loader.entrypoint", ep, "a plain string is the pre-1.8 syntax",
          "write loader.entrypoint.uri = " + Text(*ep));
    }
  }

  // CheckRuntimeOptions warns about the options `shroud run` refuses (runtime_options.h):
  // Gramine accepts them, so they are warnings, as encrypted mounts are.
  void CheckRuntimeOptions() {
    for (const RefusedOption& r : RefusedOptionsIn(m_.root)) {
      Add(Severity::kWarning, r.key, r.value,
          "not supported by shroud run, which refuses this manifest (Gramine supports it): " +
              std::string(r.note),
          "remove it to run under shroud run, or run only under Gramine");
    }
  }

  const Manifest& m_;
  const LintOptions& opt_;
  std::vector<Finding> out_;
};

}  // namespace

std::vector<Finding> LintManifest(const Manifest& m, const LintOptions& options) {
  return Linter(m, options).Run();
}

std::string FormatFinding(const Finding& f, const std::string& origin) {
  std::string s = origin;
  if (f.pos.line) s += ":" + std::to_string(f.pos.line) + ":" + std::to_string(f.pos.column);
  s += f.severity == Severity::kError ? ": error: " : ": warning: ";
  s += f.key;
  if (!f.value.empty()) s += " = " + f.value;
  s += ": " + f.message + "; fix: " + f.fix;
  return s;
}

}  // namespace uid2::manifest
