// Trust anchors: the pinned Intel root, the simulated root and custom test roots.
#include "attest/trust.h"

#include <algorithm>

#include "attest/sim.h"
#include "common/file.h"

namespace uid2::attest {

const std::array<uint8_t, 32> kIntelRootSha256 = {
    0x44, 0xa0, 0x19, 0x6b, 0x2b, 0x99, 0xf8, 0x89, 0xb8, 0xe1, 0x49, 0xe9, 0x5b, 0x80, 0x7a, 0x35,
    0x0e, 0x74, 0x24, 0x96, 0x43, 0x99, 0xe8, 0x85, 0xa7, 0xcb, 0xb8, 0xcc, 0xfa, 0xb6, 0x74, 0xd3};

TrustAnchor TrustAnchor::Clone() const {
  return TrustAnchor{kind, label, root.Clone(), fingerprint, spki};
}

Result<TrustAnchor> MakeAnchor(const crypto::Certificate& root, AnchorKind kind,
                               std::string label) {
  TrustAnchor a{kind, std::move(label), root.Clone(), crypto::Sha256(root.Der()),
                root.PublicKeySpkiDer()};
  return a;
}

Result<TrustAnchor> IntelRootAnchor() {
  ByteSpan der(kIntelRootDer, kIntelRootDerSize);
  if (crypto::Sha256(der) != kIntelRootSha256) {
    return Error::Internal("compiled-in Intel root does not match its pinned SHA-256");
  }
  UID2_ASSIGN_OR_RETURN(crypto::Certificate root, crypto::Certificate::FromDer(der));
  return MakeAnchor(root, AnchorKind::kIntelProduction, std::string(kIntelAnchorLabel));
}

namespace {
bool MarkedSimulated(const crypto::Certificate& c) {
  return c.SubjectName().find(kSimOrganization) != std::string::npos;
}
}  // namespace

Result<TrustAnchor> SimulationAnchor(const std::string& pki_dir) {
  UID2_ASSIGN_OR_RETURN(std::string pem, ReadFile(pki_dir + "/root.pem"));
  Result<crypto::Certificate> root = crypto::Certificate::FromPem(pem);
  if (!root.ok()) return std::move(root).error().Context(pki_dir + "/root.pem");
  if (!MarkedSimulated(*root)) {
    return Error::VerifyFailed(pki_dir + "/root.pem: not a simulated root (subject lacks O=" +
                               std::string(kSimOrganization) + ")");
  }
  if (crypto::Sha256(root->Der()) == kIntelRootSha256) {
    return Error::VerifyFailed(pki_dir + "/root.pem: is Intel's root, not a simulated one");
  }
  return MakeAnchor(*root, AnchorKind::kSimulation, std::string(kSimulationAnchorLabel));
}

Result<TrustAnchor> CustomAnchor(const crypto::Certificate& root, std::string label) {
  if (crypto::Sha256(root.Der()) == kIntelRootSha256) {
    return Error::Invalid("custom anchor is Intel's production root; use IntelRootAnchor");
  }
  if (MarkedSimulated(root)) {
    return Error::Invalid("custom anchor is a simulated root; use SimulationAnchor");
  }
  if (label == kIntelAnchorLabel || label == kSimulationAnchorLabel) {
    return Error::Invalid("custom anchor label '" + label + "' is reserved");
  }
  return MakeAnchor(root, AnchorKind::kCustom, std::move(label));
}

}  // namespace uid2::attest
