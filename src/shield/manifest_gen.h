// manifest_gen.h: the entrypoint manifest GSC's template would produce (private to
// src/shield; see shield.h for the rules).
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "manifest/manifest.h"
#include "oci/image.h"
#include "shield/shield.h"

namespace uid2::shield {

struct TemplateInputs {
  oci::RuntimeConfig config;
  std::string binary;  // resolved absolute path in the image
  bool insecure_args = false;
  bool debug = false;
  std::string runtime_lib_dirs;  // LD_LIBRARY_PATH for the engine's runtime ("" for none)
};

// BuildManifest merges image Env < template < user manifest (see shield.h). `user` may be
// null. Returns the merged manifest without trusted files.
Result<manifest::Manifest> BuildManifest(const TemplateInputs& in, const manifest::Manifest* user);

// AppendTrustedFiles adds {uri = "file:<path>", sha256 = <hex>} entries to sgx.trusted_files.
void AppendTrustedFiles(manifest::Manifest* m,
                        const std::vector<std::pair<std::string, std::string>>& path_and_hash);

// WantsFileWalk is false when sgx.file_check_policy = "allow_all_but_log" (GSC skips the walk).
bool WantsFileWalk(const manifest::Manifest& m);

}  // namespace uid2::shield
