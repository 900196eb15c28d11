// shroud measure: MRENCLAVE of an enclave (no key needed), from an unsigned manifest or from a
// .manifest.sgx as it is, plus libpal.so.
#include <string>

#include "common/cli.h"
#include "common/encoding.h"
#include "common/file.h"
#include "common/json.h"
#include "manifest/manifest.h"
#include "sgx/measure.h"

namespace {

struct Options {
  std::string manifest, sgx_manifest, libpal, chroot;
  bool verbose = false;
};

int Run(const Options& o) {
  if (o.manifest.empty() == o.sgx_manifest.empty()) {
    return uid2::cli::ReportError(
        uid2::Error::Invalid("give exactly one of -m/--manifest and --sgx-manifest"));
  }
  uid2::manifest::ExpandOptions expand;
  expand.chroot = o.chroot;
  expand.quiet = uid2::cli::CurrentGlobals().quiet;
  uid2::Result<uid2::manifest::MeasuredManifest> m =
      o.manifest.empty() ? uid2::manifest::FromManifestSgxFile(o.sgx_manifest)
                         : uid2::manifest::FromManifestFile(o.manifest, expand);
  if (!m.ok()) return uid2::cli::ReportError(m.error());
  uid2::Result<uid2::Bytes> pal = uid2::ReadFileBytes(o.libpal);
  if (!pal.ok()) return uid2::cli::ReportError(uid2::Error(pal.error()).Context("--libpal"));
  uid2::Result<uid2::sgx::ElfImage> elf = uid2::sgx::ParseElf64(*pal);
  if (!elf.ok()) return uid2::cli::ReportError(uid2::Error(elf.error()).Context(o.libpal));
  const uid2::sgx::EnclaveParams& p = m->params;
  uid2::Result<uid2::sgx::EnclaveLayout> layout =
      uid2::sgx::ComputeLayout(uid2::sgx::kGramineV1_9, p, m->manifest_sgx.size(), *elf);
  if (!layout.ok()) return uid2::cli::ReportError(layout.error());
  uid2::sgx::Measurement mr =
      uid2::sgx::MeasureLayout(*layout, uid2::AsBytes(m->manifest_sgx), *pal, *elf);
  std::string hex = uid2::HexEncode(mr);
  if (uid2::cli::CurrentGlobals().json) {
    uid2::cli::PrintJson(
        "{\"mr_enclave\":" + uid2::JsonQuote(hex) + ",\"enclave_size\":" +
        std::to_string(p.enclave_size) + ",\"max_threads\":" + std::to_string(p.max_threads) +
        ",\"edmm\":" + (p.edmm ? "true" : "false") + ",\"debug\":" + (p.debug ? "true" : "false") +
        ",\"isv_prod_id\":" + std::to_string(p.isv_prod_id) +
        ",\"isv_svn\":" + std::to_string(p.isv_svn) +
        ",\"manifest_sgx_size\":" + std::to_string(m->manifest_sgx.size()) +
        ",\"gramine_layout\":" + uid2::JsonQuote(uid2::sgx::kGramineV1_9.release) + "}");
    return uid2::cli::kExitOk;
  }
  if (o.verbose) {
    std::printf("Memory (Gramine %s layout):\n%s", uid2::sgx::kGramineV1_9.release.data(),
                uid2::sgx::DescribeLayout(*layout).c_str());
  }
  std::printf("%s\n", hex.c_str());
  return uid2::cli::kExitOk;
}

void Setup(CLI::App& app, const uid2::cli::Globals&) {
  auto o = std::make_shared<Options>();
  app.add_option("-m,--manifest", o->manifest, "Unsigned manifest (expanded and hashed in memory)");
  app.add_option("--sgx-manifest", o->sgx_manifest, ".manifest.sgx measured exactly as given");
  app.add_option("-l,--libpal", o->libpal, "Gramine's SGX libpal.so")->required();
  app.add_option("--chroot", o->chroot, "Resolve absolute file: URIs inside this root directory");
  app.add_flag("-v,--verbose", o->verbose, "Print the memory layout (like gramine-sgx-sign)");
  uid2::cli::OnRun(&app, [o] { return Run(*o); });
}

const uid2::cli::Registration kRegistration(
    {"measure", "Print an enclave's MRENCLAVE (Gramine v1.9 layout; no key, no SGX needed)",
     "  shroud measure -m app.manifest --libpal /usr/lib/x86_64-linux-gnu/gramine/sgx/libpal.so\n"
     "  shroud measure --sgx-manifest app.manifest.sgx --libpal libpal.so --json\n"
     "  shroud measure --sgx-manifest app.manifest.sgx --libpal libpal.so --verbose",
     Setup});

}  // namespace
