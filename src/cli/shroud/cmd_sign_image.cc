// shroud sign-image: gsc sign-image without Docker (src/shield).
#include <cstdio>

#include "common/cli.h"
#include "common/json.h"
#include "oci/writer.h"
#include "shield/shield.h"

namespace {

struct Args {
  uid2::shield::SignOptions o;
  std::string format = "docker-archive";
  bool gzip = false;
  int64_t mtime = -1;
};

int Run(Args& a) {
  const auto& g = uid2::cli::CurrentGlobals();
  auto fmt = uid2::oci::ParseImageFormat(a.format);
  if (!fmt.ok()) return uid2::cli::ReportError(fmt.error());
  a.o.write.format = *fmt;
  a.o.write.gzip = a.gzip;
  a.o.write.mtime = a.mtime >= 0 ? a.mtime : uid2::oci::SourceDateEpoch(0);
  a.o.quiet = g.quiet || g.json;
  auto r = uid2::shield::SignImage(a.o);
  if (!r.ok()) return uid2::cli::ReportError(r.error());
  if (g.json) {
    uid2::cli::PrintJson("{\"ok\":true,\"output\":" + uid2::JsonQuote(a.o.output) +
                         ",\"mr_enclave\":" + uid2::JsonQuote(r->mrenclave) +
                         ",\"mr_signer\":" + uid2::JsonQuote(r->mrsigner) +
                         ",\"isv_prod_id\":" + std::to_string(r->isv_prod_id) +
                         ",\"isv_svn\":" + std::to_string(r->isv_svn) +
                         ",\"debug\":" + (r->debug ? "true" : "false") + "}");
  } else if (!g.quiet) {
    std::printf(
        "signed %s -> %s\nmr_enclave = %s\nmr_signer = %s\nisv_prod_id = %u\n"
        "isv_svn = %u\ndebug = %s\n",
        a.o.image.c_str(), a.o.output.c_str(), r->mrenclave.c_str(), r->mrsigner.c_str(),
        r->isv_prod_id, r->isv_svn, r->debug ? "true" : "false");
  }
  return uid2::cli::kExitOk;
}

void Setup(CLI::App& app, const uid2::cli::Globals&) {
  static Args a;
  app.add_option("UNSIGNED", a.o.image, "Image made by `shroud shield`")->required();
  app.add_option("KEY", a.o.key_pem,
                 "RSA-3072 private key with exponent 3 (PEM); never copied "
                 "into the image")
      ->required();
  app.add_option("-o,--output", a.o.output, "Signed image")->required();
  app.add_option("--date", a.o.date,
                 "SIGSTRUCT date YYYY-MM-DD or today (default 0000-00-00, "
                 "reproducible)");
  app.add_option("--bundle", a.o.bundle_dir,
                 "Also write the signed root filesystem here (a bundle for `shroud run`)");
  app.add_option("--format", a.format, "docker-archive (default), oci (directory), oci-archive");
  app.add_flag("--gzip", a.gzip, "gzip the output archive");
  app.add_option("--tag", a.o.write.tag, "Tag / ref name of the output (e.g. gsc-app:1)");
  app.add_option("--mtime", a.mtime, "Timestamp for new entries (default $SOURCE_DATE_EPOCH or 0)");
  uid2::cli::OnRun(&app, [] { return Run(a); });
}

const uid2::cli::Registration kRegistration(
    {"sign-image", "Measure and sign a shielded image (gsc sign-image); the key stays outside",
     "  shroud sign-image app-unsigned.tar enclave-key.pem -o app-signed.tar\n"
     "  shroud sign-image app-unsigned.tar key.pem -o app.tar --bundle ./app-bundle --json",
     Setup});

}  // namespace
