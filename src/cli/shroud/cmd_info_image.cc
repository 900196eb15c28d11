// shroud info-image: gsc info-image without Docker: prints the embedded SIGSTRUCT's identity.
#include <cstdio>

#include "common/cli.h"
#include "common/encoding.h"
#include "common/json.h"
#include "sgx/sigstruct.h"
#include "shield/shield.h"

namespace {

struct Args {
  std::string image;
  bool toml = false;
};

int Run(Args& a) {
  const auto& g = uid2::cli::CurrentGlobals();
  auto sig = uid2::shield::ReadImageSignature(a.image, uid2::oci::Limits{});
  if (!sig.ok()) return uid2::cli::ReportError(sig.error());
  uid2::Status v = uid2::sgx::VerifySigstruct(sig->sigstruct);
  if (!v.ok())
    return uid2::cli::ReportError(std::move(v).error().Context(a.image + ": entrypoint.sig"));
  auto f = uid2::sgx::ParseSigstruct(sig->sigstruct);
  if (!f.ok()) return uid2::cli::ReportError(f.error());
  std::string mre = uid2::HexEncode(f->mr_enclave), mrs = uid2::HexEncode(f->mr_signer);
  // The labels are unsigned metadata: they must agree with the signed structure.
  const std::map<std::string, std::string> want = {
      {"com.shroud.mrenclave", mre},
      {"com.shroud.mrsigner", mrs},
      {"com.shroud.isvprodid", std::to_string(f->isv_prod_id)},
      {"com.shroud.isvsvn", std::to_string(f->isv_svn)}};
  for (const auto& [k, val] : want) {
    auto it = sig->labels.find(k);
    if (it != sig->labels.end() && it->second != val) {
      return uid2::cli::ReportError(
          uid2::Error::VerifyFailed(a.image + ": label " + k + " = " + it->second +
                                    " disagrees with entrypoint.sig (" + val + ")"));
    }
  }
  char attrs[80];
  std::snprintf(attrs, sizeof attrs, "%016llx%016llx",
                static_cast<unsigned long long>(f->attributes_flags),
                static_cast<unsigned long long>(f->attributes_xfrm));
  if (g.json) {
    uid2::cli::PrintJson(
        "{\"mr_enclave\":" + uid2::JsonQuote(mre) + ",\"mr_signer\":" + uid2::JsonQuote(mrs) +
        ",\"isv_prod_id\":" + std::to_string(f->isv_prod_id) + ",\"isv_svn\":" +
        std::to_string(f->isv_svn) + ",\"debug\":" + (f->debug() ? "true" : "false") +
        ",\"date\":" + uid2::JsonQuote(f->date.ToString()) + ",\"misc_select\":" +
        std::to_string(f->misc_select) + ",\"attributes\":" + uid2::JsonQuote(attrs) + "}");
    return uid2::cli::kExitOk;
  }
  if (a.toml) {
    std::printf(
        "mr_enclave = \"%s\"\nmr_signer = \"%s\"\nisv_prod_id = %u\nisv_svn = %u\n"
        "debug = %s\ndate = \"%s\"\nmisc_select = %u\nattributes = \"%s\"\n",
        mre.c_str(), mrs.c_str(), f->isv_prod_id, f->isv_svn, f->debug() ? "true" : "false",
        f->date.ToString().c_str(), f->misc_select, attrs);
    return uid2::cli::kExitOk;
  }
  std::printf(
      "Attributes:\n    mr_signer: %s\n    mr_enclave: %s\n    isv_prod_id: %u\n"
      "    isv_svn: %u\n    debug_enclave: %s\n    date: %s\n",
      mrs.c_str(), mre.c_str(), f->isv_prod_id, f->isv_svn, f->debug() ? "True" : "False",
      f->date.ToString().c_str());
  return uid2::cli::kExitOk;
}

void Setup(CLI::App& app, const uid2::cli::Globals&) {
  static Args a;
  app.add_option("IMAGE", a.image, "Signed image (docker-archive or OCI layout)")->required();
  app.add_flag("--toml", a.toml, "Print TOML (as gsc info-image)");
  uid2::cli::OnRun(&app, [] { return Run(a); });
}

const uid2::cli::Registration kRegistration(
    {"info-image", "Print MRENCLAVE, MRSIGNER and ISV ids of a signed image (gsc info-image)",
     "  shroud info-image app-signed.tar\n  shroud info-image app-signed.tar --toml\n"
     "  shroud info-image oci-dir --json",
     Setup});

}  // namespace
