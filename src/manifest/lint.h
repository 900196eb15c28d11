// lint.h: `shroud manifest check`: finds what Gramine would refuse or what is likely a mistake,
// each finding naming the key, its value and the fix.
#pragma once

#include <string>
#include <vector>

#include "manifest/manifest.h"

namespace uid2::manifest {

enum class Severity { kError, kWarning };

struct Finding {
  Severity severity;
  std::string key;      // dotted key ("sgx.enclave_size")
  std::string value;    // the value as written (TOML text, may be empty)
  std::string message;  // what is wrong
  std::string fix;      // what to do
  SourcePos pos;        // where (0 = unknown / missing)
};

struct LintOptions {
  ExpandOptions files;      // to resolve trusted files and loader.entrypoint
  bool check_files = true;  // report missing trusted files
};

// LintManifest checks a parsed (not yet defaulted) manifest: key names (unknown keys get the
// closest known one), types, sizes (K/M/G, power of two), option exclusivity (argv sources,
// env passthrough with use_host_env), deprecated keys (sgx.thread_num), trusted files that do not
// exist, encrypted mounts (file: URI, key name known or provisioned at run time, 16-byte
// fs.insecure__keys), and values outside their sets.
std::vector<Finding> LintManifest(const Manifest& m, const LintOptions& options);

// FormatFinding renders "error: sgx.enclave_size = \"100M\": ... (line 3); fix: ...".
std::string FormatFinding(const Finding& f, const std::string& origin);

}  // namespace uid2::manifest
