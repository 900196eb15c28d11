// uid2-core-local add-operator: a new operator key. The key is printed once; only its salted
// SHA-512 is stored in the operators file (created if missing, mode 0600).
#include <sys/stat.h>

#include <cstdio>
#include <ctime>

#include "common/cli.h"
#include "common/file.h"
#include "common/json.h"
#include "corelocal/operators.h"

namespace {

struct Options {
  std::string operators;
  std::string name;
  int site_id = 0;
  std::string operator_type = "private";
  std::string protocol = "azure-sgx";
  std::string contact;
  std::string key_out;
};

int Run(const Options& o) {
  using namespace uid2::corelocal;
  std::vector<OperatorEntry> entries;
  struct stat st;
  if (::stat(o.operators.c_str(), &st) == 0) {
    auto loaded = LoadOperators(o.operators);
    if (!loaded.ok()) return uid2::cli::ReportError(loaded.error());
    entries = std::move(*loaded);
  }
  for (const auto& e : entries) {
    if (e.name == o.name) {
      return uid2::cli::ReportError(
          uid2::Error::Invalid(o.operators + ": an operator named '" + o.name + "' exists"));
    }
  }
  NewOperatorKey k =
      MakeOperatorKey(o.name, o.site_id,
                      o.operator_type == "public" ? OperatorType::kPublic : OperatorType::kPrivate,
                      o.protocol, time(nullptr));
  k.entry.contact = o.contact;
  entries.push_back(k.entry);
  if (auto w = uid2::WriteFileAtomic(o.operators, OperatorsToJson(entries), 0600); !w.ok()) {
    return uid2::cli::ReportError(w.error());
  }
  if (!o.key_out.empty()) {
    if (auto w = uid2::WriteFileAtomic(o.key_out, k.key + "\n", 0600); !w.ok()) {
      return uid2::cli::ReportError(w.error());
    }
  }
  if (uid2::cli::CurrentGlobals().json) {
    uid2::cli::PrintJson("{\"ok\":true,\"operators\":" + uid2::JsonQuote(o.operators) +
                         ",\"name\":" + uid2::JsonQuote(o.name) + ",\"site_id\":" +
                         std::to_string(o.site_id) + ",\"key\":" + uid2::JsonQuote(k.key) + "}");
  } else {
    std::printf("added operator '%s' (site %d, %s, %s) to %s\n", o.name.c_str(), o.site_id,
                o.operator_type.c_str(), o.protocol.c_str(), o.operators.c_str());
    std::printf("operator key (shown once; use it as core_api_token and optout_api_token):\n%s\n",
                k.key.c_str());
  }
  return uid2::cli::kExitOk;
}

void Setup(CLI::App& app, const uid2::cli::Globals&) {
  auto o = std::make_shared<Options>();
  app.add_option("--operators", o->operators, "Operators file (created if missing)")->required();
  app.add_option("--name", o->name, "Operator name (unique)")->required();
  app.add_option("--site-id", o->site_id, "Site id of the operator")->required();
  app.add_option("--operator-type", o->operator_type, "public or private")
      ->check(CLI::IsMember({"public", "private"}))
      ->capture_default_str();
  app.add_option("--protocol", o->protocol, "Attestation protocol")
      ->check(CLI::IsMember({"azure-sgx"}))
      ->capture_default_str();
  app.add_option("--contact", o->contact, "Contact (free text)");
  app.add_option("--key-out", o->key_out, "Also write the key to this file (mode 0600)");
  uid2::cli::OnRun(&app, [o] { return Run(*o); });
}

const uid2::cli::Registration kRegistration(
    {"add-operator", "Add an operator key (prints the key once; stores its salted hash)",
     "  uid2-core-local add-operator --operators ops.json --name demo --site-id 999 "
     "--operator-type public\n"
     "  uid2-core-local add-operator --operators ops.json --name ci --site-id 123 --key-out "
     "ci.key --json",
     Setup});

}  // namespace
