// service.h: uid2-core-local, a UID2 Core + Opt-out relying party for one machine
// (docs/core-local.md, CONTRACT-12). Two HTTP servers:
//
//   core (default 127.0.0.1:8088)
//     POST /attest                     operator key + DCAP quote -> attestation token + JWTs
//     GET  /<store>/refresh ...        metadata with pre-signed locations (401 unless attested)
//     GET  /cloud_encryption_keys/retrieve, /operator/config
//     GET  /s/<path>?expires&sig       content (encrypted per site when asked)
//     GET  /ops/healthcheck
//   opt-out (default 127.0.0.1:8089)
//     GET  /optout/refresh             delta/partition files with pre-signed locations
//     POST /optout/replicate?identity_hash=..&advertising_id=..   a logout
//     GET  /s/<path>?expires&sig, /ops/healthcheck
//
// Every refusal is logged with its reason (never a key, token or secret).
#pragma once

#include <cstdint>
#include <ctime>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "corelocal/http.h"

namespace uid2::corelocal {

struct CoreLocalOptions {
  std::string data_dir;        // laid out like data/uid2/core
  std::string operators_file;  // operators.h
  std::string allowlist_file;  // allowlist.h; may be empty when allow_mrenclaves is not
  std::vector<std::string> allow_mrenclaves;  // hex, added to the allowlist
  std::string sim_pki_dir;                    // trust this simulated PKI (else Intel's root)
  std::string collateral_file;                // Intel root: the collateral bundle
  std::string optout_dir;                     // created if missing
  std::string jwt_key_file;                   // PEM private key; empty: generate one (jwt_alg)
  std::string jwt_alg = "RS256";
  std::string address = "127.0.0.1";
  uint16_t core_port = 8088;  // 0: any free port
  uint16_t optout_port = 8089;
  std::string public_host;   // host in URLs handed out; default: the address (0.0.0.0 -> 127.0.0.1)
  int64_t token_ttl = 3600;  // attestation token and JWT lifetime (s)
  int64_t url_ttl = 900;     // pre-signed URL lifetime (s)
  int64_t delta_rotate = 300;     // opt-out delta rotation (s), the reference's default
  std::function<time_t()> clock;  // default: the wall clock (tests inject one)
};

class CoreLocal {
 public:
  // Start loads and checks every input (errors name the file and field), then listens.
  static Result<std::unique_ptr<CoreLocal>> Start(CoreLocalOptions options);
  ~CoreLocal();

  uint16_t core_port() const;
  uint16_t optout_port() const;
  const std::string& core_url() const;
  const std::string& optout_url() const;
  // JwtPublicPem: the public key that verifies the JWTs issued (for relying services).
  std::string JwtPublicPem() const;
  // Summary is a one-line JSON status (ports, anchor, allowlist size, operators).
  std::string SummaryJson() const;
  void Stop();

  struct Impl;

 private:
  explicit CoreLocal(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace uid2::corelocal
