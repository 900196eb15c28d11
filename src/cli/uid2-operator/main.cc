// uid2-operator: the UID2 operator service. `uid2-operator --profile local` serves the bundled
// local dataset; see docs/operator.md.
#include "common/cli.h"

int main(int argc, char** argv) {
  return uid2::cli::RunMain(
      "uid2-operator",
      "uid2-operator: the UID2 Operator service (HTTP API on :8080, Prometheus on :9091).",
      uid2::cli::RegisteredCommands(), argc, argv);
}
