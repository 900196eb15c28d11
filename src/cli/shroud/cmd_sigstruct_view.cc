// shroud sigstruct-view: the fields of a SIGSTRUCT (.sig) as text, JSON or TOML.
#include <string>

#include "common/cli.h"
#include "common/encoding.h"
#include "common/file.h"
#include "common/json.h"
#include "sgx/sigstruct.h"

namespace {

struct Options {
  std::string path;
  bool toml = false;
};

std::string Hex64(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%016llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string Hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

// Rows in display order: key, value as TOML/JSON literal, value as text.
std::vector<std::pair<std::string, std::string>> Rows(const uid2::sgx::SigstructFields& f,
                                                      bool valid) {
  auto q = [](const std::string& s) { return uid2::JsonQuote(s); };
  return {
      {"mr_enclave", q(uid2::HexEncode(f.mr_enclave))},
      {"mr_signer", q(uid2::HexEncode(f.mr_signer))},
      {"isv_prod_id", std::to_string(f.isv_prod_id)},
      {"isv_svn", std::to_string(f.isv_svn)},
      {"debug", f.debug() ? "true" : "false"},
      {"date", q(f.date.ToString())},
      {"attributes_flags", q(Hex64(f.attributes_flags))},
      {"attributes_xfrm", q(Hex64(f.attributes_xfrm))},
      {"attributes_flags_mask", q(Hex64(f.attribute_mask_flags))},
      {"attributes_xfrm_mask", q(Hex64(f.attribute_mask_xfrm))},
      {"misc_select", q(Hex32(f.misc_select))},
      {"misc_mask", q(Hex32(f.misc_mask))},
      {"vendor", q(Hex32(f.vendor))},
      {"signature_valid", valid ? "true" : "false"},
  };
}

int Run(const Options& o) {
  uid2::Result<uid2::Bytes> bytes = uid2::ReadFileBytes(o.path);
  if (!bytes.ok()) return uid2::cli::ReportError(bytes.error());
  uid2::Result<uid2::sgx::SigstructFields> f = uid2::sgx::ParseSigstruct(*bytes);
  if (!f.ok()) return uid2::cli::ReportError(uid2::Error(f.error()).Context(o.path));
  bool valid = uid2::sgx::VerifySigstruct(*bytes).ok();
  auto rows = Rows(*f, valid);
  if (uid2::cli::CurrentGlobals().json) {
    std::string j = "{";
    for (size_t i = 0; i < rows.size(); i++) {
      j += (i ? "," : "") + uid2::JsonQuote(rows[i].first) + ":" + rows[i].second;
    }
    uid2::cli::PrintJson(j + "}");
  } else {
    for (const auto& [k, v] : rows) {
      std::string shown = v;
      if (!o.toml && shown.size() >= 2 && shown.front() == '"')
        shown = shown.substr(1, shown.size() - 2);
      std::printf(o.toml ? "%s = %s\n" : "%-22s %s\n", (o.toml ? k : k + ":").c_str(),
                  shown.c_str());
    }
  }
  return uid2::cli::kExitOk;
}

void Setup(CLI::App& app, const uid2::cli::Globals&) {
  auto o = std::make_shared<Options>();
  app.add_option("sig", o->path, "SIGSTRUCT file (1808 bytes, e.g. app.sig)")->required();
  app.add_flag("--toml", o->toml,
               "Print as TOML (like gramine-sgx-sigstruct-view --output-format toml)");
  uid2::cli::OnRun(&app, [o] { return Run(*o); });
}

const uid2::cli::Registration kRegistration(
    {"sigstruct-view", "Show a SIGSTRUCT's fields (MRENCLAVE, MRSIGNER, ISV ids, attributes, date)",
     "  shroud sigstruct-view app.sig\n  shroud sigstruct-view app.sig --json\n"
     "  shroud sigstruct-view app.sig --toml",
     Setup});

}  // namespace
