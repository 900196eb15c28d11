// shroud image create: a one-layer container image from a directory, reproducibly (src/oci).
// Used by deploy/azure/build.sh to package the operator's root filesystem without Docker.
#include <cstdio>

#include "common/cli.h"
#include "common/json.h"
#include "oci/image.h"
#include "oci/writer.h"

namespace {

struct Args {
  std::string rootfs, output, format = "docker-archive";
  uid2::oci::RuntimeConfig rc;
  std::vector<std::string> labels;
  bool gzip = false;
  int64_t mtime = -1;
  std::string tag;
};

int Run(Args& a) {
  auto fmt = uid2::oci::ParseImageFormat(a.format);
  if (!fmt.ok()) return uid2::cli::ReportError(fmt.error());
  for (const std::string& l : a.labels) {
    size_t eq = l.find('=');
    if (eq == std::string::npos) {
      return uid2::cli::ReportError(uid2::Error::Invalid("--label '" + l + "': expected K=V"));
    }
    a.rc.labels[l.substr(0, eq)] = l.substr(eq + 1);
  }
  uid2::oci::WriteOptions w;
  w.format = *fmt;
  w.gzip = a.gzip;
  w.tag = a.tag;
  w.mtime = a.mtime >= 0 ? a.mtime : uid2::oci::SourceDateEpoch(0);
  auto img = uid2::oci::NewImageFromTree(a.rootfs, a.rc, w.mtime);
  if (!img.ok()) return uid2::cli::ReportError(img.error());
  uid2::Status s = uid2::oci::WriteImage(*img, a.output, w);
  if (!s.ok()) return uid2::cli::ReportError(s.error());
  if (uid2::cli::CurrentGlobals().json) {
    uid2::cli::PrintJson("{\"ok\":true,\"output\":" + uid2::JsonQuote(a.output) +
                         ",\"diff_id\":" + uid2::JsonQuote(img->layers[0].diff_id) + "}");
  } else if (!uid2::cli::CurrentGlobals().quiet) {
    std::printf("wrote %s (layer %s)\n", a.output.c_str(), img->layers[0].diff_id.c_str());
  }
  return uid2::cli::kExitOk;
}

void Setup(CLI::App& app, const uid2::cli::Globals&) {
  app.require_subcommand(1);
  static Args a;
  CLI::App* c = app.add_subcommand("create", "Make a one-layer image from a directory");
  c->add_option("--rootfs", a.rootfs, "Directory that becomes the image's root")->required();
  c->add_option("-o,--output", a.output, "Output image")->required();
  c->add_option("--entrypoint", a.rc.entrypoint, "Entrypoint argument (repeatable, in order)");
  c->add_option("--cmd", a.rc.cmd, "Cmd argument (repeatable, in order)");
  c->add_option("--env", a.rc.env, "K=V (repeatable)");
  c->add_option("--workdir", a.rc.working_dir, "WorkingDir");
  c->add_option("--user", a.rc.user, "User");
  c->add_option("--label", a.labels, "K=V (repeatable)");
  c->add_option("--format", a.format, "docker-archive (default), oci (directory), oci-archive");
  c->add_flag("--gzip", a.gzip, "gzip the output archive");
  c->add_option("--tag", a.tag, "Tag / ref name (name:tag)");
  c->add_option("--mtime", a.mtime, "Timestamp of every entry (default $SOURCE_DATE_EPOCH or 0)");
  uid2::cli::AddExamples(c,
                         "  shroud image create --rootfs ./rootfs --entrypoint /usr/bin/app "
                         "--workdir /app -o app.tar --tag app:1");
  uid2::cli::OnRun(c, [] { return Run(a); });
}

const uid2::cli::Registration kRegistration(
    {"image", "Container image utilities without Docker (create from a directory)",
     "  shroud image create --rootfs ./rootfs --entrypoint /usr/bin/app -o app.tar", Setup});

}  // namespace
