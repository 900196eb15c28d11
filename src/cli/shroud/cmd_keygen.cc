// shroud keygen: a new enclave signing key (RSA-3072, public exponent 3, PKCS#8 PEM, mode 0600).
#include <sys/stat.h>

#include <string>

#include "common/cli.h"
#include "common/encoding.h"
#include "common/file.h"
#include "common/json.h"
#include "crypto/rsa.h"
#include "sgx/signing.h"

namespace {

struct Options {
  std::string output = "enclave-key.pem";
  bool force = false;
};

int Run(const Options& o) {
  struct stat st;
  if (!o.force && ::lstat(o.output.c_str(), &st) == 0) {
    return uid2::cli::ReportError(uid2::Error::Invalid(
        o.output +
        " already exists; refusing to overwrite a signing key (use --force to replace it)"));
  }
  uid2::Result<uid2::crypto::RsaKey> key =
      uid2::crypto::RsaKey::Generate(3072, uid2::sgx::kSgxRsaExponent);
  if (!key.ok()) return uid2::cli::ReportError(key.error());
  if (auto w = uid2::WriteFileAtomic(o.output, key->PrivatePem(), 0600); !w.ok()) {
    return uid2::cli::ReportError(w.error());
  }
  std::string mr_signer = uid2::HexEncode(uid2::sgx::MrSignerOf(*key));
  if (uid2::cli::CurrentGlobals().json) {
    uid2::cli::PrintJson("{\"ok\":true,\"key\":" + uid2::JsonQuote(o.output) +
                         ",\"mr_signer\":" + uid2::JsonQuote(mr_signer) + "}");
  } else {
    std::printf("wrote %s (RSA-3072, e=3, mode 0600)\nmr_signer: %s\n", o.output.c_str(),
                mr_signer.c_str());
  }
  return uid2::cli::kExitOk;
}

void Setup(CLI::App& app, const uid2::cli::Globals&) {
  auto o = std::make_shared<Options>();
  app.add_option("-o,--output", o->output, "Where to write the key (default enclave-key.pem)");
  app.add_flag("--force", o->force, "Overwrite an existing file");
  uid2::cli::OnRun(&app, [o] { return Run(*o); });
}

const uid2::cli::Registration kRegistration(
    {"keygen",
     "Generate an enclave signing key (RSA-3072, exponent 3), like gramine-sgx-gen-private-key",
     "  shroud keygen\n  shroud keygen -o keys/enclave-key.pem\n  shroud keygen -o enclave-key.pem "
     "--force --json",
     Setup});

}  // namespace
