#include "shield/manifest_gen.h"

#include <array>

namespace uid2::shield {
namespace {

using manifest::Manifest;
using manifest::Value;

constexpr std::array<const char*, 3> kConcatenatedEnv = {"PATH", "LD_LIBRARY_PATH", "LD_PRELOAD"};

// EnvString returns loader.env.<key> as a plain string ("" when absent or not a string).
std::string EnvString(const Manifest& m, const char* key) {
  const Value* v = m.root.FindPath(std::string("loader.env.") + key);
  if (v != nullptr && v->is_string()) return v->str();
  if (v != nullptr && v->is_table()) {
    const Value* inner = v->Find("value");
    if (inner != nullptr && inner->is_string()) return inner->str();
  }
  return "";
}

Value* EnvTable(Manifest* m) {
  Value* loader = m->root.Find("loader");
  if (loader == nullptr) loader = &m->root.Set("loader", Value::MakeTable());
  Value* env = loader->Find("env");
  if (env == nullptr) env = &loader->Set("env", Value::MakeTable());
  return env;
}

Manifest EnvManifest(const oci::RuntimeConfig& rc) {
  Value::Table env;
  for (const std::string& kv : rc.env) {
    size_t eq = kv.find('=');
    if (eq == std::string::npos || kv.find('\n') != std::string::npos) continue;  // as GSC
    env.emplace_back(kv.substr(0, eq), Value::String(kv.substr(eq + 1)));
  }
  Manifest m;
  m.origin = "image Env";
  m.root = Value::MakeTable({{"loader", Value::MakeTable({{"env", Value::MakeTable(env)}})}});
  return m;
}

Manifest Template(const TemplateInputs& in) {
  // The LibOS; `shroud sign-image` adds its sha256 as Gramine's signer does.
  Value::Table loader;
  loader.emplace_back("entrypoint",
                      Value::MakeTable({{"uri", Value::String(std::string("file:") + kLibsysdb)}}));
  loader.emplace_back("log_level", Value::String("error"));
  if (in.insecure_args) {
    loader.emplace_back("insecure__use_cmdline_argv", Value::Boolean(true));
  } else {
    loader.emplace_back("argv_src_file", Value::String("file:/gramine/app_files/trusted_argv"));
  }
  if (!in.runtime_lib_dirs.empty()) {
    loader.emplace_back(
        "env", Value::MakeTable({{"LD_LIBRARY_PATH", Value::String(in.runtime_lib_dirs)}}));
  }
  Value::Table fs = {{"root", Value::MakeTable({{"uri", Value::String("file:/")}})}};
  fs.emplace_back("start_dir",
                  Value::String(in.config.working_dir.empty() ? "/" : in.config.working_dir));
  Manifest m;
  m.origin = "shroud template";
  m.root = Value::MakeTable({
      {"libos", Value::MakeTable({{"entrypoint", Value::String(in.binary)}})},
      {"loader", Value::MakeTable(std::move(loader))},
      {"fs", Value::MakeTable(std::move(fs))},
      {"sgx", Value::MakeTable({{"debug", Value::Boolean(in.debug)}})},
      // A shielded image is stopped by a container engine or an orchestrator (docker stop,
      // pod deletion: SIGTERM, then SIGKILL after a grace period). Without this Gramine drops
      // the SIGTERM, so every stop waits out the grace period and kills the app mid-request;
      // with it, an app without a handler still ends at once (SIGTERM's default action). The
      // user manifest can set it to false (docs/shielding.md).
      {"sys", Value::MakeTable({{"enable_sigterm_injection", Value::Boolean(true)}})},
  });
  return m;
}

bool UserSetsArgv(const Manifest* user) {
  if (user == nullptr) return false;
  return user->root.FindPath("loader.argv") != nullptr ||
         user->root.FindPath("loader.argv_src_file") != nullptr ||
         user->root.FindPath("loader.insecure__use_cmdline_argv") != nullptr;
}

}  // namespace

Result<Manifest> BuildManifest(const TemplateInputs& in, const Manifest* user) {
  Manifest env = EnvManifest(in.config);
  Manifest tmpl = Template(in);
  if (UserSetsArgv(user)) {
    // The three argv sources are mutually exclusive: the user's choice replaces ours.
    tmpl.root.Find("loader")->Erase("argv_src_file");
    tmpl.root.Find("loader")->Erase("insecure__use_cmdline_argv");
  }
  Manifest out = env;
  manifest::MergeManifests(&out, tmpl);
  if (user != nullptr) manifest::MergeManifests(&out, *user);
  for (const char* key : kConcatenatedEnv) {
    std::string joined;
    for (const Manifest* m :
         {user, static_cast<const Manifest*>(&tmpl), static_cast<const Manifest*>(&env)}) {
      std::string v = m ? EnvString(*m, key) : "";
      if (v.empty()) continue;
      joined += (joined.empty() ? "" : ":") + v;
    }
    const Value* user_value =
        user ? user->root.FindPath(std::string("loader.env.") + key) : nullptr;
    if (joined.empty() || (user_value != nullptr && !user_value->is_string())) continue;
    EnvTable(&out)->Set(key, Value::String(joined));
  }
  return out;
}

void AppendTrustedFiles(Manifest* m,
                        const std::vector<std::pair<std::string, std::string>>& path_and_hash) {
  Value* sgx = m->root.Find("sgx");
  if (sgx == nullptr) sgx = &m->root.Set("sgx", Value::MakeTable());
  Value* tf = sgx->Find("trusted_files");
  if (tf == nullptr || !tf->is_array()) tf = &sgx->Set("trusted_files", Value::MakeArray());
  for (const auto& [path, hash] : path_and_hash) {
    tf->array().push_back(Value::MakeTable(
        {{"uri", Value::String("file:" + path)}, {"sha256", Value::String(hash)}}));
  }
}

bool WantsFileWalk(const Manifest& m) {
  const Value* p = m.root.FindPath("sgx.file_check_policy");
  return !(p != nullptr && p->is_string() && p->str() == "allow_all_but_log");
}

}  // namespace uid2::shield
