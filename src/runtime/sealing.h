// sealing.h: the sealing keys _sgx_mrenclave and _sgx_mrsigner under `shroud run`.
//
// On SGX, EGETKEY derives a sealing key from a secret fused into the CPU and the enclave's
// identity (KEYPOLICY selects MRENCLAVE or MRSIGNER; ISVPRODID, ISVSVN and the attributes are
// mixed in): another enclave, or the same enclave on another CPU, gets another key. Without SGX,
// `shroud run` keeps a per-host secret in a file (the "fuses") and derives each key from it and
// the identity of the verified SIGSTRUCT:
//
//   key = HMAC-SHA256(secret, message)[0:16], message (little-endian):
//     off  0  size 19  kSealLabel "shroud-seal-key-v1\0"
//     off 19  size  2  policy: 1 = MRENCLAVE, 2 = MRSIGNER (SGX's KEYPOLICY bits)
//     off 21  size 32  MRENCLAVE or MRSIGNER, as the policy says
//     off 53  size  2  ISVPRODID
//     off 55  size  2  ISVSVN
//     off 57  size  8  ATTRIBUTES.FLAGS (so a DEBUG enclave gets other keys than a production one)
//     off 65  size  4  MISCSELECT
//
// The secret file (kSealingSecretSize random bytes) is created mode 0600 on first use, in a
// directory created mode 0700; an existing one is used only if it is a regular file of the
// right size, owned by the user running shroud run and not readable by group or others. Whoever
// reads it can derive every enclave's sealing keys on this host: it is as secret as the files
// sealed with it, and losing it loses those files (as replacing the CPU does on SGX).
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/status.h"
#include "runtime/attestation_files.h"

namespace uid2::runtime {

inline constexpr std::string_view kDefaultSealingSecretPath = "/var/lib/shroud/sealing-secret";
inline constexpr size_t kSealingSecretSize = 32;
inline constexpr std::string_view kSealLabel{"shroud-seal-key-v1\0", 19};

// LoadOrCreateSealingSecret reads the secret at `path`, creating it (and its directory) first
// if it does not exist. Errors name the path and the rule that failed.
Result<Bytes> LoadOrCreateSealingSecret(const std::string& path);

// DeriveSealKey derives `key_name` (kSealKeyMrEnclave or kSealKeyMrSigner) for `id`.
// REQUIRES: secret is kSealingSecretSize bytes; key_name is a sealing key.
Bytes DeriveSealKey(ByteSpan secret, std::string_view key_name, const EnclaveIdentity& id);

// SealingKeys derives the two keys of one enclave, reading the secret on first use (so that a
// run that never asks for them never creates the file). Thread-safe.
class SealingKeys {
 public:
  SealingKeys(std::string secret_path, EnclaveIdentity id)
      : path_(std::move(secret_path)), id_(id) {}
  // Get returns the key (kInvalid for another name; the secret's error if it cannot be read).
  Result<Bytes> Get(std::string_view key_name);
  const std::string& secret_path() const { return path_; }

 private:
  std::string path_;
  EnclaveIdentity id_;
  std::mutex mu_;
  std::optional<Bytes> secret_;
};

}  // namespace uid2::runtime
