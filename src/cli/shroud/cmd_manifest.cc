// shroud manifest check: lint a Gramine manifest; every finding names key, value and fix.
#include <string>

#include "common/cli.h"
#include "common/json.h"
#include "manifest/lint.h"

namespace {

struct Options {
  std::string path, base_dir = ".", chroot;
  bool no_files = false;
};

int Check(const Options& o) {
  uid2::Result<uid2::manifest::Manifest> m = uid2::manifest::LoadManifest(o.path);
  if (!m.ok()) return uid2::cli::ReportError(m.error());
  uid2::manifest::LintOptions lint;
  lint.files.base_dir = o.base_dir;
  lint.files.chroot = o.chroot;
  lint.check_files = !o.no_files;
  std::vector<uid2::manifest::Finding> findings = uid2::manifest::LintManifest(*m, lint);
  size_t errors = 0;
  for (const auto& f : findings) errors += f.severity == uid2::manifest::Severity::kError;
  if (uid2::cli::CurrentGlobals().json) {
    std::string j = "{\"ok\":" + std::string(errors ? "false" : "true") + ",\"findings\":[";
    for (size_t i = 0; i < findings.size(); i++) {
      const auto& f = findings[i];
      j += std::string(i ? "," : "") + "{\"severity\":" +
           (f.severity == uid2::manifest::Severity::kError ? "\"error\"" : "\"warning\"") +
           ",\"key\":" + uid2::JsonQuote(f.key) + ",\"value\":" + uid2::JsonQuote(f.value) +
           ",\"message\":" + uid2::JsonQuote(f.message) + ",\"fix\":" + uid2::JsonQuote(f.fix) +
           ",\"line\":" + std::to_string(f.pos.line) +
           ",\"column\":" + std::to_string(f.pos.column) + "}";
    }
    uid2::cli::PrintJson(j + "]}");
  } else {
    for (const auto& f : findings)
      std::printf("%s\n", uid2::manifest::FormatFinding(f, o.path).c_str());
    if (!uid2::cli::CurrentGlobals().quiet) {
      std::printf("%s: %zu error(s), %zu warning(s)\n", o.path.c_str(), errors,
                  findings.size() - errors);
    }
  }
  return errors ? uid2::cli::kExitFailure : uid2::cli::kExitOk;
}

void Setup(CLI::App& app, const uid2::cli::Globals&) {
  app.require_subcommand(1);
  CLI::App* check = app.add_subcommand("check", "Lint a Gramine manifest (exit 1 on errors)");
  auto o = std::make_shared<Options>();
  check->add_option("file", o->path, "Manifest (TOML)")->required();
  check->add_option("--base-dir", o->base_dir,
                    "Directory relative file: URIs are resolved against");
  check->add_option("--chroot", o->chroot,
                    "Resolve absolute file: URIs inside this root directory");
  check->add_flag("--no-files", o->no_files, "Do not check that trusted files exist");
  uid2::cli::AddExamples(
      check,
      "  shroud manifest check app.manifest\n"
      "  shroud manifest check app.manifest --json\n"
      "  shroud manifest check rootfs/gramine/app_files/entrypoint.manifest --chroot rootfs");
  uid2::cli::OnRun(check, [o] { return Check(*o); });
}

const uid2::cli::Registration kRegistration(
    {"manifest", "Work with Gramine manifests (check)",
     "  shroud manifest check app.manifest\n  shroud manifest check app.manifest --json", Setup});

}  // namespace
