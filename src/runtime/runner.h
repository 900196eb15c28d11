// runner.h: `shroud run` end to end: open and verify the bundle, build the view, serve it over
// FUSE, start the app confined in it, and return its exit status.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "runtime/measurement_cache.h"
#include "runtime/sealing.h"

namespace uid2::runtime {

struct RunOptions {
  std::string bundle = ".";       // directory, bundle tar or signed image
  std::vector<std::string> args;  // after `--` (used only if the manifest allows them)
  std::string sim_pki_dir;        // simulated quoting PKI: /dev/attestation/quote exists
  std::string trace_out;          // trace mode: write the manifest snippet here
  std::string exec_path;          // run this program of the view instead of libos.entrypoint
  bool print_identity = false;    // log MRENCLAVE/MRSIGNER before starting
  // Verified MRENCLAVEs (measurement_cache.h); empty = no cache.
  std::string measurement_cache_dir = std::string(kDefaultMeasurementCacheDir);
  // The host secret the sealing keys _sgx_mrenclave/_sgx_mrsigner derive from (sealing.h);
  // created on first use.
  std::string sealing_secret = std::string(kDefaultSealingSecretPath);
};

// RunBundle returns the app's exit status (128 + N if killed by signal N), or an Error when
// the bundle is refused or the host cannot run it (kUnsupported names what is missing).
Result<int> RunBundle(const RunOptions& options);

}  // namespace uid2::runtime
