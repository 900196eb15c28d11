// trust.h: trust anchors for DCAP verification. A quote's PCK chain, the TCB signing chain and
// the CRLs must all lead to the anchor's root, which is pinned by the SHA-256 of its DER (never
// by subject name: Intel's own QVL sample data uses a test root with Intel's subject).
//
// Production pins Intel's SGX Root CA, compiled in. The simulated root (spec §6) is loaded only
// by an explicit call (SimulationAnchor) and results verified under it are labelled
// "simulation".
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "common/bytes.h"
#include "common/status.h"
#include "crypto/hash.h"
#include "crypto/x509.h"

namespace uid2::attest {

// SHA-256 of Intel's root DER: 44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3.
extern const std::array<uint8_t, 32> kIntelRootSha256;
extern const uint8_t kIntelRootDer[];
extern const size_t kIntelRootDerSize;

constexpr std::string_view kIntelAnchorLabel = "intel-sgx-prod";
constexpr std::string_view kSimulationAnchorLabel = "simulation";

enum class AnchorKind { kIntelProduction, kSimulation, kCustom };

struct TrustAnchor {
  AnchorKind kind = AnchorKind::kCustom;
  std::string label;
  crypto::Certificate root;
  crypto::Sha256Digest fingerprint{};  // SHA-256 of root's DER
  Bytes spki;                          // root's SubjectPublicKeyInfo DER

  TrustAnchor Clone() const;
};

// IntelRootAnchor returns the compiled-in Intel root (checked against kIntelRootSha256).
Result<TrustAnchor> IntelRootAnchor();
// SimulationAnchor loads DIR/root.pem of a simulated PKI; the certificate must carry
// O=SIMULATION ONLY - NOT INTEL, else kVerifyFailed.
Result<TrustAnchor> SimulationAnchor(const std::string& pki_dir);
// CustomAnchor pins `root` under `label` (e.g. Intel's QVL test root in tests). Refuses a
// certificate whose fingerprint is Intel's (use IntelRootAnchor) or that is marked simulated.
Result<TrustAnchor> CustomAnchor(const crypto::Certificate& root, std::string label);
// AnchorFromCertificate is the common builder (no marker checks).
Result<TrustAnchor> MakeAnchor(const crypto::Certificate& root, AnchorKind kind, std::string label);

}  // namespace uid2::attest
