// shroud export occlum: the same app and policy as an Occlum instance skeleton (src/occlum).
#include <cstdio>
#include <memory>

#include "common/cli.h"
#include "common/json.h"
#include "occlum/export.h"

namespace {

namespace cli = uid2::cli;

std::string JsonArray(const std::vector<std::string>& v) {
  std::string out = "[";
  for (const std::string& s : v) out += (out.size() > 1 ? "," : "") + uid2::JsonQuote(s);
  return out + "]";
}

int RunOcclum(const uid2::occlum::ExportOptions& o) {
  const auto& g = cli::CurrentGlobals();
  auto r = uid2::occlum::Export(o);
  if (!r.ok()) return cli::ReportError(r.error());
  if (g.json) {
    cli::PrintJson("{\"ok\":true,\"output\":" + uid2::JsonQuote(o.output_dir) + ",\"mr_enclave\":" +
                   uid2::JsonQuote(r->mr_enclave) + ",\"files\":" + std::to_string(r->files) +
                   ",\"bytes\":" + std::to_string(r->bytes) + ",\"entry_points\":" +
                   JsonArray(r->entry_points) + ",\"occlum_run\":" + JsonArray(r->occlum_run) +
                   ",\"not_carried\":" + JsonArray(r->not_carried) + "}");
    return cli::kExitOk;
  }
  if (g.quiet) return cli::kExitOk;
  std::string run;
  for (const std::string& a : r->occlum_run) run += " " + a;
  std::printf(
      "exported %s (MRENCLAVE %s) -> %s\n  %s/Occlum.json, %zu files (%.1f MiB) in "
      "%s/image\n  next: cd %s && occlum build && occlum run%s\n",
      o.input.c_str(), r->mr_enclave.c_str(), o.output_dir.c_str(), o.output_dir.c_str(), r->files,
      double(r->bytes) / (1 << 20), o.output_dir.c_str(), o.output_dir.c_str(), run.c_str());
  if (!r->not_carried.empty()) {
    std::printf("  not carried over (docs/runtime.md):\n");
    for (const std::string& n : r->not_carried) std::printf("    - %s\n", n.c_str());
  }
  return cli::kExitOk;
}

void Setup(CLI::App& app, const cli::Globals&) {
  app.require_subcommand(1);
  auto o = std::make_shared<uid2::occlum::ExportOptions>();
  CLI::App* occ = app.add_subcommand(
      "occlum",
      "Write an Occlum instance skeleton (Occlum.json + image/) for the same app and policy");
  occ->add_option("input", o->input,
                  "Signed bundle (directory or tar) or signed image (docker-archive / OCI); its "
                  "signature is verified first")
      ->required();
  occ->add_option("-o,--output", o->output_dir,
                  "Instance directory to create (must not exist, or be empty)")
      ->required();
  cli::AddExamples(occ,
                   "  shroud export occlum app-signed.tar -o occlum-app\n"
                   "  shroud export occlum out/helloworld -o occlum-hello --json\n"
                   "  cd occlum-app && occlum build && occlum run /usr/bin/app ARGS");
  cli::OnRun(occ, [o] { return RunOcclum(*o); });
}

const cli::Registration kRegistration(
    {"export", "Export a signed bundle/image to another LibOS (occlum)",
     "  shroud export occlum app-signed.tar -o occlum-app\n"
     "  shroud export occlum out/helloworld -o occlum-hello --json",
     Setup});

}  // namespace
