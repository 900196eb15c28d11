// cli.h: the command-line framework shared by `shroud` and `uid2-operator` (CLI11 underneath).
//
// A program is a table of commands. Each command adds its options to its own CLI::App in a
// Setup function and registers what to run with OnRun; nested subcommands (`shroud quote
// verify`) are plain CLI11 subcommands with their own OnRun. Every command gets --help (with the
// examples given), and the global flags --json, --quiet, --log-level and --log-format work at
// any position.
//
// Exit codes (documented in --help): 0 ok, 1 failure, 2 usage error.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace uid2::cli {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

struct Globals {
  bool json = false;   // machine-readable output on stdout
  bool quiet = false;  // no progress, no informational lines
  std::string log_level = "info";
  std::string log_format = "human";
};

using Action = std::function<int()>;

struct Command {
  std::string_view name;
  std::string_view summary;
  std::string_view examples;  // shown under --help, one example per line
  void (*setup)(CLI::App& app, const Globals& globals);
};

// Registration adds a command to the process-wide table at static-initialisation time, so that
// each command lives in its own file (src/cli/<program>/cmd_<name>.cc).
struct Registration {
  explicit Registration(Command command);
};
const std::vector<Command>& RegisteredCommands();

// OnRun sets the action that runs when `app` is the deepest subcommand given.
void OnRun(CLI::App* app, Action action);

// AddExamples sets the --help footer of `app`.
void AddExamples(CLI::App* app, std::string_view examples);

// RunMain parses argv, runs the selected action, and maps every outcome to an exit code.
// `root_setup`, when given, adds options to the program itself and may register OnRun on it,
// for a program whose main job runs without a subcommand (`uid2-operator --profile local`).
int RunMain(std::string_view program, std::string_view description,
            const std::vector<Command>& commands, int argc, char** argv,
            void (*root_setup)(CLI::App& app, const Globals& globals) = nullptr);

// Globals as parsed by RunMain (valid inside actions).
const Globals& CurrentGlobals();

// ReportError prints `error` for the user ("<program>: error: <message>", or a JSON object on
// stdout with --json) and returns kExitFailure.
int ReportError(const Error& error);

// PrintJson writes one JSON document (already serialised) to stdout with a newline.
void PrintJson(std::string_view json);

}  // namespace uid2::cli
