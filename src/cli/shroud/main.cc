// shroud: the enclave toolchain. Each command is registered by its own cmd_*.cc file.
#include "common/cli.h"

int main(int argc, char** argv) {
  return uid2::cli::RunMain(
      "shroud",
      "shroud: build, measure, sign, shield, attest, deploy and run SGX enclaves (Gramine-"
      "compatible), with no SGX hardware needed to build or test.",
      uid2::cli::RegisteredCommands(), argc, argv);
}
