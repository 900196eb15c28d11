// uid2-core-local allow: add an enclave to an allowlist file, from hex or from a SIGSTRUCT
// (`.sig`, or a signed bundle directory holding exactly one).
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>

#include "common/cli.h"
#include "common/encoding.h"
#include "common/file.h"
#include "common/json.h"
#include "corelocal/allowlist.h"
#include "corelocal/sigstruct_fields.h"

namespace {

struct Options {
  std::string allowlist;
  std::string sig;
  std::string mrenclave;
  std::string mrsigner;
  int isvprodid = -1;
  int min_isvsvn = 0;
  bool allow_debug = false;
  bool by_signer = false;
  std::string name;
};

uid2::Result<std::string> FindSig(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_directory(path, ec)) return path;
  std::string found;
  // A shroud bundle keeps it at gramine/app_files/entrypoint.sig.
  for (auto it = std::filesystem::recursive_directory_iterator(path, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it.depth() >= 3) it.disable_recursion_pending();
    const auto& e = *it;
    if (!e.is_regular_file() || e.path().extension() != ".sig") continue;
    if (!found.empty()) {
      return uid2::Error::Invalid(path + ": more than one .sig (" + found + ", " +
                                  e.path().string() + "); name the file");
    }
    found = e.path().string();
  }
  if (found.empty()) return uid2::Error::NotFound(path + ": no .sig file in the bundle");
  return found;
}

uid2::Result<std::array<uint8_t, 32>> Hex32(const std::string& flag, const std::string& hex) {
  auto b = uid2::HexDecode(hex);
  if (!b || b->size() != 32)
    return uid2::Error::Invalid(flag + " '" + hex + "': expected 64 hex digits");
  std::array<uint8_t, 32> out;
  std::copy(b->begin(), b->end(), out.begin());
  return out;
}

int Run(const Options& o) {
  using namespace uid2::corelocal;
  Allowlist list;
  struct stat st;
  if (::stat(o.allowlist.c_str(), &st) == 0) {
    auto loaded = LoadAllowlist(o.allowlist);
    if (!loaded.ok()) return uid2::cli::ReportError(loaded.error());
    list = std::move(*loaded);
  }
  AllowlistEntry e;
  e.name = o.name;
  e.min_isv_svn = static_cast<uint16_t>(o.min_isvsvn);
  e.allow_debug = o.allow_debug;
  if (!o.sig.empty()) {
    auto path = FindSig(o.sig);
    if (!path.ok()) return uid2::cli::ReportError(path.error());
    auto bytes = uid2::ReadFileBytes(*path);
    if (!bytes.ok()) return uid2::cli::ReportError(bytes.error());
    auto id = ReadSigstructIdentity(*bytes);
    if (!id.ok()) return uid2::cli::ReportError(std::move(id).error().Context(*path));
    if (o.by_signer) {
      e.mrsigner = id->mr_signer;
      e.isv_prod_id = id->isv_prod_id;
      if (o.min_isvsvn == 0) e.min_isv_svn = id->isv_svn;
    } else {
      e.mrenclave = id->mr_enclave;
    }
    if (e.name.empty()) e.name = std::filesystem::path(*path).filename().string();
  }
  if (!o.mrenclave.empty()) {
    auto h = Hex32("--mrenclave", o.mrenclave);
    if (!h.ok()) return uid2::cli::ReportError(h.error());
    e.mrenclave = *h;
  }
  if (!o.mrsigner.empty()) {
    auto h = Hex32("--mrsigner", o.mrsigner);
    if (!h.ok()) return uid2::cli::ReportError(h.error());
    e.mrsigner = *h;
  }
  if (o.isvprodid >= 0) e.isv_prod_id = static_cast<uint16_t>(o.isvprodid);
  if (!e.mrenclave && !e.mrsigner) {
    return uid2::cli::ReportError(
        uid2::Error::Invalid("give --sig FILE, --mrenclave HEX or --mrsigner HEX"));
  }
  list.entries.push_back(e);
  if (auto w = uid2::WriteFileAtomic(o.allowlist, AllowlistToJson(list) + "\n"); !w.ok()) {
    return uid2::cli::ReportError(w.error());
  }
  std::string what = e.mrenclave ? "mrenclave " + uid2::HexEncode(*e.mrenclave)
                                 : "mrsigner " + uid2::HexEncode(*e.mrsigner);
  if (uid2::cli::CurrentGlobals().json) {
    uid2::cli::PrintJson("{\"ok\":true,\"allowlist\":" + uid2::JsonQuote(o.allowlist) +
                         ",\"entries\":" + std::to_string(list.entries.size()) +
                         ",\"added\":" + uid2::JsonQuote(what) + "}");
  } else {
    std::printf("allowed %s in %s (%zu entries)\n", what.c_str(), o.allowlist.c_str(),
                list.entries.size());
  }
  return uid2::cli::kExitOk;
}

void Setup(CLI::App& app, const uid2::cli::Globals&) {
  auto o = std::make_shared<Options>();
  app.add_option("--allowlist", o->allowlist, "Allowlist file (created if missing)")->required();
  app.add_option("--sig", o->sig, "SIGSTRUCT (.sig) or a signed bundle directory holding one");
  app.add_option("--mrenclave", o->mrenclave, "MRENCLAVE (64 hex)");
  app.add_option("--mrsigner", o->mrsigner, "MRSIGNER (64 hex)");
  app.add_option("--isvprodid", o->isvprodid, "ISVPRODID (with --mrsigner)")
      ->check(CLI::Range(0, 65535));
  app.add_option("--min-isvsvn", o->min_isvsvn, "Minimum ISVSVN")->check(CLI::Range(0, 65535));
  app.add_flag("--by-signer", o->by_signer,
               "With --sig: allow the signer (MRSIGNER, ISVPRODID, ISVSVN) instead of MRENCLAVE");
  app.add_flag("--allow-debug", o->allow_debug, "Accept DEBUG enclaves (never in production)");
  app.add_option("--name", o->name, "Entry name (for logs)");
  uid2::cli::OnRun(&app, [o] { return Run(*o); });
}

const uid2::cli::Registration kRegistration(
    {"allow", "Add an enclave (MRENCLAVE or signer) to an allowlist file",
     "  uid2-core-local allow --allowlist allow.json --sig build/bundle/uid2-operator.sig\n"
     "  uid2-core-local allow --allowlist allow.json --sig build/bundle --by-signer\n"
     "  uid2-core-local allow --allowlist allow.json --mrenclave $(shroud sigstruct-view app.sig "
     "--json | jq -r .mr_enclave)",
     Setup});

}  // namespace
