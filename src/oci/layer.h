// layer.h: apply an image layer (a tar, plain or compressed) to a root filesystem, safely.
//
// Entries are applied in archive order with OCI/Docker whiteouts: ".wh.NAME" deletes NAME from
// the lower layers, ".wh..wh..opq" empties its directory of everything the lower layers put
// there. Nothing can land outside the root (see safe_root.h): absolute names and ".."
// components are refused, parents are resolved inside the root, hard links must point to an
// entry that already exists inside the root. Device nodes, FIFOs and sockets are skipped with a
// warning. Files are written rootless: ownership is not applied, setuid/setgid/sticky bits are
// dropped and directories stay owner-writable (the tree is for hashing and repackaging).
// Every refusal names the layer and the entry:
//   "layer 2 (sha256:ab12...): entry 'evil/passwd': a symlink leads outside the root"
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/status.h"
#include "oci/safe_root.h"

namespace uid2::oci {

// Limits bound what an untrusted archive may make us write. Defaults fit real images.
struct Limits {
  uint64_t max_entry_bytes = uint64_t{8} << 30;   // one file
  uint64_t max_total_bytes = uint64_t{64} << 30;  // all layers of one image
  uint64_t max_entries = 2'000'000;               // all layers of one image
  size_t max_path_bytes = 4096;                   // entry and link names
};

// Budget counts what has been written so far against Limits (shared by the layers of an image).
struct Budget {
  uint64_t bytes = 0;
  uint64_t entries = 0;
  uint64_t skipped_special = 0;  // device nodes, FIFOs, sockets
};

// ApplyLayerFile applies the layer archive at `path`. `layer_name` is used in messages.
Status ApplyLayerFile(const std::string& path, std::string_view layer_name, const SafeRoot& root,
                      const Limits& limits, Budget* budget);

// ApplyLayerBuffer applies a layer held in memory (tests and the fuzzer).
Status ApplyLayerBuffer(ByteSpan data, std::string_view layer_name, const SafeRoot& root,
                        const Limits& limits, Budget* budget);

}  // namespace uid2::oci
