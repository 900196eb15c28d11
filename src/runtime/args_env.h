// args_env.h: the app's argv and environment under Gramine's rules (spec: libos-toolchains.md §2).
//
// argv: loader.argv, or the NUL-separated strings of loader.argv_src_file, or (only with
// loader.insecure__use_cmdline_argv = true) the entrypoint followed by the command-line
// arguments; with none of them, [libos.entrypoint]. Command-line arguments that the manifest
// does not allow are ignored with a warning.
// env: empty unless loader.insecure__use_host_env = true (then the host's); then the
// "K=V" NUL-separated entries of loader.env_src_file; then loader.env.K (fixed values win,
// passthrough copies the host value when the host has one).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"
#include "runtime/run_spec.h"

namespace uid2::runtime {

// SplitNul splits NUL-terminated strings (gramine-argv-serializer format). A missing final NUL
// is tolerated.
std::vector<std::string> SplitNul(ByteSpan data);

// The Docker command of the signed image `shroud run` was given (Config.Entrypoint, Config.Cmd).
struct ImageCommand {
  std::vector<std::string> entrypoint, cmd;
};

// DockerArguments returns the command-line arguments `docker run IMAGE [ARGS]` hands the app of a
// shielded image (made with --insecure-args), i.e. what follows libos.entrypoint: the
// Entrypoint items after /gramine/app_files/apploader.sh (the image's fixed arguments), then
// `args`, or Cmd when `args` is empty (arguments replace Cmd, never Entrypoint). An image whose
// Entrypoint does not run apploader.sh gets `args` unchanged.
std::vector<std::string> DockerArguments(const ImageCommand& image,
                                         const std::vector<std::string>& args);

// BuildArgv: `argv_src` is the content of loader.argv_src_file when the manifest sets it.
// Warnings for the user are appended to *warnings.
Result<std::vector<std::string>> BuildArgv(const RunSpec& spec,
                                           const std::vector<std::string>& cmdline,
                                           const std::optional<Bytes>& argv_src,
                                           std::vector<std::string>* warnings);

// BuildEnv: `host_env` are "K=V" strings; `env_src` the content of loader.env_src_file.
Result<std::vector<std::string>> BuildEnv(const RunSpec& spec,
                                          const std::vector<std::string>& host_env,
                                          const std::optional<Bytes>& env_src);

}  // namespace uid2::runtime
