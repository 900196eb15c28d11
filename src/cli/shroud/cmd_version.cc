// shroud version: the toolchain's version and the Gramine release whose layout it reproduces.
#include "common/cli.h"
#include "common/json.h"

namespace {

void Setup(CLI::App& app, const uid2::cli::Globals& globals) {
  uid2::cli::OnRun(&app, [&globals] {
    if (globals.json) {
      uid2::cli::PrintJson("{\"shroud\":" + uid2::JsonQuote(UID2_VERSION) +
                           ",\"gramine_layout\":\"v1.9\"}");
    } else {
      std::printf("shroud %s (Gramine v1.9 enclave layout)\n", UID2_VERSION);
    }
    return uid2::cli::kExitOk;
  });
}

const uid2::cli::Registration kRegistration({"version", "Print the version",
                                             "  shroud version\n  shroud version --json", Setup});

}  // namespace
