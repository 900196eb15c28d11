#include "runtime/args_env.h"

#include <algorithm>
#include <map>

namespace uid2::runtime {
namespace {

// An ordered "K=V" list where a later Set replaces the value in place.
class EnvList {
 public:
  void Set(const std::string& entry) {
    size_t eq = entry.find('=');
    std::string name = entry.substr(0, eq);
    auto it = index_.find(name);
    if (it == index_.end()) {
      index_[name] = entries_.size();
      entries_.push_back(entry);
    } else {
      entries_[it->second] = entry;
    }
  }
  std::vector<std::string> Take() { return std::move(entries_); }

 private:
  std::vector<std::string> entries_;
  std::map<std::string, size_t> index_;
};

}  // namespace

std::vector<std::string> SplitNul(ByteSpan data) {
  std::vector<std::string> out;
  std::string cur;
  for (uint8_t b : data) {
    if (b == 0) {
      out.push_back(std::move(cur));
      cur.clear();
    } else {
      cur.push_back(static_cast<char>(b));
    }
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

std::vector<std::string> DockerArguments(const ImageCommand& image,
                                         const std::vector<std::string>& args) {
  constexpr std::string_view kAppLoader = "/gramine/app_files/apploader.sh";
  auto loader = std::find_if(image.entrypoint.begin(), image.entrypoint.end(),
                             [&](const std::string& e) { return e.ends_with(kAppLoader); });
  if (loader == image.entrypoint.end()) return args;
  std::vector<std::string> out(loader + 1, image.entrypoint.end());
  const std::vector<std::string>& rest = args.empty() ? image.cmd : args;
  out.insert(out.end(), rest.begin(), rest.end());
  return out;
}

Result<std::vector<std::string>> BuildArgv(const RunSpec& spec,
                                           const std::vector<std::string>& cmdline,
                                           const std::optional<Bytes>& argv_src,
                                           std::vector<std::string>* warnings) {
  if (spec.insecure_cmdline_argv) {
    std::vector<std::string> argv = {spec.entrypoint};
    argv.insert(argv.end(), cmdline.begin(), cmdline.end());
    return argv;
  }
  if (!cmdline.empty()) {
    warnings->push_back("ignoring " + std::to_string(cmdline.size()) +
                        " command-line argument(s): the manifest does not set "
                        "loader.insecure__use_cmdline_argv = true");
  }
  if (spec.argv) {
    if (spec.argv->empty()) return Error::Invalid("manifest key 'loader.argv': empty array");
    return *spec.argv;
  }
  if (!spec.argv_src_file.empty()) {
    if (!argv_src) return Error::Internal("loader.argv_src_file was not read");
    std::vector<std::string> argv = SplitNul(*argv_src);
    if (argv.empty()) {
      return Error::Invalid("loader.argv_src_file '" + spec.argv_src_file + "' holds no argument");
    }
    return argv;
  }
  return std::vector<std::string>{spec.entrypoint};
}

Result<std::vector<std::string>> BuildEnv(const RunSpec& spec,
                                          const std::vector<std::string>& host_env,
                                          const std::optional<Bytes>& env_src) {
  EnvList env;
  std::map<std::string, std::string> host;
  for (const std::string& e : host_env) {
    size_t eq = e.find('=');
    if (eq == std::string::npos) continue;
    host.emplace(e.substr(0, eq), e.substr(eq + 1));
    if (spec.insecure_host_env) env.Set(e);
  }
  if (!spec.env_src_file.empty()) {
    if (!env_src) return Error::Internal("loader.env_src_file was not read");
    for (const std::string& e : SplitNul(*env_src)) {
      if (e.find('=') == std::string::npos || e[0] == '=') {
        return Error::Invalid("loader.env_src_file '" + spec.env_src_file + "': entry '" + e +
                              "' is not NAME=VALUE");
      }
      env.Set(e);
    }
  }
  for (const EnvSpec& e : spec.env) {
    if (!e.passthrough) {
      env.Set(e.name + "=" + e.value);
    } else if (auto it = host.find(e.name); it != host.end()) {
      env.Set(e.name + "=" + it->second);
    }
  }
  return env.Take();
}

}  // namespace uid2::runtime
