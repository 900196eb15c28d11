#include "common/cli.h"

#include <cstdio>
#include <iostream>
#include <map>

#include "common/json.h"
#include "common/log.h"

namespace uid2::cli {
namespace {

std::vector<Command>& Table() {
  static std::vector<Command> table;
  return table;
}
std::map<const CLI::App*, Action>& Actions() {
  static std::map<const CLI::App*, Action> actions;
  return actions;
}
Globals g_globals;
std::string g_program = "uid2";

constexpr std::string_view kExitCodesHelp =
    "Exit codes: 0 success, 1 failure (the error is printed), 2 usage error.";

// Deepest parsed subcommand, or `app` itself.
const CLI::App* Selected(const CLI::App* app) {
  for (const CLI::App* sub : app->get_subcommands()) {
    if (sub->parsed()) return Selected(sub);
  }
  return app;
}

}  // namespace

Registration::Registration(Command command) { Table().push_back(command); }
const std::vector<Command>& RegisteredCommands() { return Table(); }

void OnRun(CLI::App* app, Action action) { Actions()[app] = std::move(action); }

void AddExamples(CLI::App* app, std::string_view examples) {
  if (examples.empty()) {
    app->footer(std::string(kExitCodesHelp));
    return;
  }
  app->footer("Examples:\n" + std::string(examples) + "\n\n" + std::string(kExitCodesHelp));
}

const Globals& CurrentGlobals() { return g_globals; }

int ReportError(const Error& error) {
  if (g_globals.json) {
    PrintJson("{\"ok\":false,\"error\":{\"code\":" + JsonQuote(ErrorCodeName(error.code())) +
              ",\"message\":" + JsonQuote(error.message()) + "}}");
  }
  std::fprintf(stderr, "%s: error: %s\n", g_program.c_str(), error.message().c_str());
  return kExitFailure;
}

void PrintJson(std::string_view json) {
  std::fwrite(json.data(), 1, json.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

int RunMain(std::string_view program, std::string_view description,
            const std::vector<Command>& commands, int argc, char** argv,
            void (*root_setup)(CLI::App& app, const Globals& globals)) {
  g_program = std::string(program);
  CLI::App app{std::string(description), std::string(program)};
  app.fallthrough();  // global flags are accepted after a subcommand's name too
  app.set_version_flag("--version", std::string(program) + " " UID2_VERSION);
  app.add_flag("--json", g_globals.json, "Machine-readable JSON output on stdout");
  app.add_flag("-q,--quiet", g_globals.quiet, "No progress or informational output");
  app.add_option("--log-level", g_globals.log_level, "debug, info, warn, error or off")
      ->check(CLI::IsMember({"debug", "info", "warn", "error", "off"}));
  app.add_option("--log-format", g_globals.log_format, "human or json (JSON lines on stderr)")
      ->check(CLI::IsMember({"human", "json"}));
  AddExamples(&app, "");
  if (root_setup) root_setup(app, g_globals);

  std::vector<Command> sorted = commands;
  std::sort(sorted.begin(), sorted.end(),
            [](const Command& a, const Command& b) { return a.name < b.name; });
  for (const Command& c : sorted) {
    CLI::App* sub = app.add_subcommand(std::string(c.name), std::string(c.summary));
    AddExamples(sub, c.examples);
    c.setup(*sub, g_globals);
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }

  log::Init(g_globals.log_format == "json" ? log::Format::kJson : log::Format::kHuman,
            g_globals.quiet && g_globals.log_level == "info"
                ? log::Level::kWarn
                : log::ParseLevel(g_globals.log_level, log::Level::kInfo));

  const CLI::App* selected = Selected(&app);
  auto it = Actions().find(selected);
  if (it == Actions().end()) {
    // A command group (or the program itself) was named without an action: show its help.
    std::cerr << selected->help();
    return kExitUsage;
  }
  try {
    return it->second();
  } catch (const std::exception& e) {
    return ReportError(Error::Internal(std::string("unexpected exception: ") + e.what()));
  }
}

}  // namespace uid2::cli
