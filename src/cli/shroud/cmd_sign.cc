// shroud sign: measure an enclave and write its .manifest.sgx and SIGSTRUCT (.sig), exactly as
// Gramine v1.9's gramine-sgx-sign does; also two-step signing for keys held in an HSM.
#include <string>

#include "common/cli.h"
#include "common/encoding.h"
#include "common/file.h"
#include "common/json.h"
#include "manifest/manifest.h"
#include "sgx/signing.h"

namespace {

using uid2::Error;
using uid2::Result;

struct Options {
  std::string manifest, sgx_manifest, key, libpal, date = "today", output, sig, chroot;
  std::string export_data, signature, public_key;
};

// "app.manifest" -> "app.manifest.sgx"; "x/app.manifest.sgx" -> "x/app.sig".
std::string SigPathFor(const std::string& sgx_path) {
  const std::string suffix = ".manifest.sgx";
  if (sgx_path.size() > suffix.size() &&
      sgx_path.compare(sgx_path.size() - suffix.size(), suffix.size(), suffix) == 0) {
    return sgx_path.substr(0, sgx_path.size() - suffix.size()) + ".sig";
  }
  return sgx_path + ".sig";
}

Result<uid2::manifest::MeasuredManifest> Input(const Options& o, std::string* sgx_out) {
  if (!o.sgx_manifest.empty()) return uid2::manifest::FromManifestSgxFile(o.sgx_manifest);
  uid2::manifest::ExpandOptions expand;
  expand.chroot = o.chroot;
  expand.quiet = uid2::cli::CurrentGlobals().quiet;
  UID2_ASSIGN_OR_RETURN(uid2::manifest::MeasuredManifest m,
                        uid2::manifest::FromManifestFile(o.manifest, expand));
  *sgx_out = o.output.empty() ? o.manifest + ".sgx" : o.output;
  return m;
}

void Report(const std::string& what, const std::string& sgx_path, const std::string& out_path,
            const uid2::sgx::SignedEnclave& s, bool signed_) {
  if (uid2::cli::CurrentGlobals().json) {
    std::string j = "{\"ok\":true,\"mr_enclave\":" + uid2::JsonQuote(uid2::HexEncode(s.mr_enclave));
    if (signed_) j += ",\"mr_signer\":" + uid2::JsonQuote(uid2::HexEncode(s.mr_signer));
    if (!sgx_path.empty()) j += ",\"manifest_sgx\":" + uid2::JsonQuote(sgx_path);
    j += ",\"" + what + "\":" + uid2::JsonQuote(out_path) + "}";
    uid2::cli::PrintJson(j);
    return;
  }
  if (!sgx_path.empty()) std::printf("wrote %s\n", sgx_path.c_str());
  std::printf("wrote %s\nmr_enclave: %s\n", out_path.c_str(),
              uid2::HexEncode(s.mr_enclave).c_str());
  if (signed_) std::printf("mr_signer:  %s\n", uid2::HexEncode(s.mr_signer).c_str());
}

uid2::Status Validate(const Options& o) {
  if (o.manifest.empty() == o.sgx_manifest.empty()) {
    return Error::Invalid("give exactly one of -m/--manifest and --sgx-manifest");
  }
  bool two_step = !o.export_data.empty() || !o.signature.empty();
  if (!o.export_data.empty() && !o.signature.empty()) {
    return Error::Invalid("--export-signing-data and --signature are the two separate steps");
  }
  if (!o.signature.empty() && o.public_key.empty()) {
    return Error::Invalid("--signature needs --public-key PEM (the HSM key's public half)");
  }
  if (!two_step && o.key.empty()) {
    return Error::Invalid("-k/--key PEM is required (or use --export-signing-data for an HSM)");
  }
  return uid2::Ok();
}

int Run(const Options& o) {
  if (uid2::Status v = Validate(o); !v.ok()) return uid2::cli::ReportError(v.error());
  Result<uid2::sgx::SigstructDate> date = uid2::sgx::ParseSigstructDate(o.date);
  if (!date.ok()) return uid2::cli::ReportError(Error(date.error()).Context("--date"));
  std::string sgx_path;
  Result<uid2::manifest::MeasuredManifest> m = Input(o, &sgx_path);
  if (!m.ok()) return uid2::cli::ReportError(m.error());
  Result<uid2::sgx::SignedEnclave> s =
      uid2::sgx::UnsignedEnclave(uid2::AsBytes(m->manifest_sgx), m->params, o.libpal, *date);
  if (!s.ok()) return uid2::cli::ReportError(s.error());
  if (!o.export_data.empty()) {
    if (!sgx_path.empty()) {
      if (auto w = uid2::WriteFileAtomic(sgx_path, m->manifest_sgx); !w.ok()) {
        return uid2::cli::ReportError(w.error());
      }
    }
    auto w = uid2::WriteFileAtomic(o.export_data, uid2::sgx::SigningData(s->sigstruct));
    if (!w.ok()) return uid2::cli::ReportError(w.error());
    Report("signing_data", sgx_path, o.export_data, *s, false);
    return uid2::cli::kExitOk;
  }
  if (!o.signature.empty()) {
    Result<uid2::crypto::RsaKey> pub = uid2::sgx::LoadPublicKey(o.public_key);
    if (!pub.ok()) return uid2::cli::ReportError(pub.error());
    Result<uid2::Bytes> sig_bytes = uid2::ReadFileBytes(o.signature);
    if (!sig_bytes.ok()) return uid2::cli::ReportError(sig_bytes.error());
    Result<uid2::Bytes> full = uid2::sgx::AssembleSigstruct(s->sigstruct, *pub, *sig_bytes);
    if (!full.ok()) {
      return uid2::cli::ReportError(
          Error(full.error())
              .Context(o.signature + " (same manifest, libpal and --date as the export step?)"));
    }
    s->sigstruct = std::move(full).value();
    s->mr_signer = uid2::sgx::MrSignerOf(*pub);
  } else {
    Result<uid2::crypto::RsaKey> key = uid2::sgx::LoadSigningKey(o.key);
    if (!key.ok()) return uid2::cli::ReportError(key.error());
    Result<uid2::Bytes> full = uid2::sgx::SignSigstruct(s->sigstruct, *key);
    if (!full.ok()) return uid2::cli::ReportError(full.error());
    s->sigstruct = std::move(full).value();
    s->mr_signer = uid2::sgx::MrSignerOf(*key);
  }
  std::string sig_path =
      !o.sig.empty() ? o.sig : SigPathFor(sgx_path.empty() ? o.sgx_manifest : sgx_path);
  if (!sgx_path.empty()) {
    if (auto w = uid2::WriteFileAtomic(sgx_path, m->manifest_sgx); !w.ok()) {
      return uid2::cli::ReportError(w.error());
    }
  }
  if (auto w = uid2::WriteFileAtomic(sig_path, s->sigstruct); !w.ok()) {
    return uid2::cli::ReportError(w.error());
  }
  Report("sig", sgx_path, sig_path, *s, true);
  return uid2::cli::kExitOk;
}

void Setup(CLI::App& app, const uid2::cli::Globals&) {
  auto o = std::make_shared<Options>();
  app.add_option("-m,--manifest", o->manifest, "Unsigned manifest (TOML) to expand, measure, sign");
  app.add_option("--sgx-manifest", o->sgx_manifest,
                 "Already expanded .manifest.sgx, signed exactly as given (bytes untouched)");
  app.add_option("-k,--key", o->key, "RSA-3072 private key with exponent 3 (PEM; shroud keygen)");
  app.add_option("-l,--libpal", o->libpal,
                 "Gramine's SGX libpal.so (its PT_LOAD segments are measured)")
      ->required();
  app.add_option("--date", o->date,
                 "SIGSTRUCT date YYYY-MM-DD, 'today' (UTC, default) or 0000-00-00 (reproducible)");
  app.add_option("-o,--output", o->output,
                 "Where to write the .manifest.sgx (default: MANIFEST.sgx)");
  app.add_option("-s,--sig", o->sig, "Where to write the SIGSTRUCT (default: <name>.sig)");
  app.add_option("--chroot", o->chroot,
                 "Resolve absolute file: URIs inside this root directory (an image's rootfs)");
  app.add_option("--export-signing-data", o->export_data,
                 "HSM step 1: write the 256 bytes to sign (RSASSA-PKCS1-v1_5, SHA-256) and stop");
  app.add_option("--signature", o->signature,
                 "HSM step 2: 384-byte big-endian signature over the exported bytes");
  app.add_option("--public-key", o->public_key, "HSM step 2: the signing key's public PEM");
  uid2::cli::OnRun(&app, [o] { return Run(*o); });
}

const uid2::cli::Registration kRegistration(
    {"sign", "Measure and sign an enclave like gramine-sgx-sign (MRENCLAVE, SIGSTRUCT)",
     "  shroud sign -m app.manifest -k enclave-key.pem --libpal "
     "/usr/lib/x86_64-linux-gnu/gramine/sgx/libpal.so\n"
     "  shroud sign -m app.manifest -k key.pem --libpal libpal.so --date 0000-00-00 -o "
     "app.manifest.sgx -s app.sig\n"
     "  shroud sign --sgx-manifest app.manifest.sgx -k key.pem --libpal libpal.so -s app.sig\n"
     "  # HSM, step 1 then step 2 (same inputs and --date):\n"
     "  shroud sign -m app.manifest --libpal libpal.so --date 2026-01-15 --export-signing-data "
     "tbs.bin\n"
     "  openssl dgst -sha256 -sign hsm-key.pem -out tbs.sig tbs.bin   # or your HSM's tool\n"
     "  shroud sign --sgx-manifest app.manifest.sgx --libpal libpal.so --date 2026-01-15 \\\n"
     "      --signature tbs.sig --public-key hsm-pub.pem -s app.sig",
     Setup});

}  // namespace
