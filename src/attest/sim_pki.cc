// The simulated PKI (spec §6): keys, certificates and the directory that holds them.
#include <sys/stat.h>
#include <filesystem>

#include "attest/json_fields.h"
#include "attest/pck_extension.h"
#include "attest/sim.h"
#include "attest/sim_x509.h"
#include "common/encoding.h"
#include "common/file.h"
#include "common/json.h"
#include "crypto/hash.h"
#include "crypto/random.h"

namespace uid2::attest {

namespace {

constexpr time_t kTwentyYears = 20LL * 365 * 24 * 3600;

Result<crypto::Certificate> IssuePck(const SimPki& pki, const SimPlatform& platform,
                                     time_t not_before, time_t not_after) {
  PckExtension ext;
  ext.ppid = pki.ppid;
  ext.tcb_components = platform.tcb_components;
  ext.pce_svn = platform.pce_svn;
  ext.cpu_svn = platform.cpu_svn;
  ext.pce_id = platform.pce_id;
  ext.fmspc = platform.fmspc;
  sim::CertSpec spec{"SIMULATED SGX PCK Certificate", not_before, not_after, false, -1,
                     EncodePckExtension(ext),         {}};
  return sim::IssueCertificate(spec, pki.pck_key, &pki.pck_ca, pki.pck_ca_key);
}

std::string PlatformJson(const SimPki& pki) {
  return "{\"ppid\":" + JsonQuote(HexEncode(pki.ppid)) +
         ",\"tcb_components\":" + JsonQuote(HexEncode(pki.platform.tcb_components)) +
         ",\"pce_svn\":" + std::to_string(pki.platform.pce_svn) +
         ",\"cpu_svn\":" + JsonQuote(HexEncode(pki.platform.cpu_svn)) +
         ",\"pce_id\":" + JsonQuote(HexEncode(pki.platform.pce_id)) +
         ",\"fmspc\":" + JsonQuote(HexEncode(pki.platform.fmspc)) +
         ",\"qe_isv_svn\":" + std::to_string(pki.platform.qe_isv_svn) + "}\n";
}

Status ReadPlatformJson(std::string_view text, SimPki* pki) {
  UID2_ASSIGN_OR_RETURN(rapidjson::Document doc, ParseJson(text));
  UID2_RETURN_IF_ERROR(json::Hex(doc, "ppid", &pki->ppid));
  UID2_RETURN_IF_ERROR(json::Hex(doc, "tcb_components", &pki->platform.tcb_components));
  UID2_ASSIGN_OR_RETURN(int64_t pce_svn, json::Int(doc, "pce_svn", 0, 0xFFFF));
  pki->platform.pce_svn = static_cast<uint16_t>(pce_svn);
  UID2_RETURN_IF_ERROR(json::Hex(doc, "cpu_svn", &pki->platform.cpu_svn));
  UID2_RETURN_IF_ERROR(json::Hex(doc, "pce_id", &pki->platform.pce_id));
  UID2_RETURN_IF_ERROR(json::Hex(doc, "fmspc", &pki->platform.fmspc));
  UID2_ASSIGN_OR_RETURN(int64_t qe_svn, json::Int(doc, "qe_isv_svn", 0, 0xFFFF));
  pki->platform.qe_isv_svn = static_cast<uint16_t>(qe_svn);
  return Ok();
}

Result<crypto::Certificate> LoadCert(const std::string& dir, const char* name) {
  UID2_ASSIGN_OR_RETURN(std::string pem, ReadFile(dir + "/" + name));
  Result<crypto::Certificate> c = crypto::Certificate::FromPem(pem);
  if (!c.ok()) return std::move(c).error().Context(dir + "/" + name);
  return c;
}

Result<crypto::EcKeyP256> LoadKey(const std::string& dir, const char* name) {
  UID2_ASSIGN_OR_RETURN(std::string pem, ReadFile(dir + "/" + name));
  Result<crypto::EcKeyP256> k = crypto::EcKeyP256::FromPrivatePem(pem);
  if (!k.ok()) return std::move(k).error().Context(dir + "/" + name);
  return k;
}

}  // namespace

std::array<uint8_t, 32> SimQeMrSigner() { return crypto::Sha256(AsBytes(kSimQeSignerSeed)); }

Result<SimPki> CreateSimPki(const SimPkiOptions& options) {
  time_t from = options.not_before ? options.not_before : time(nullptr) - 24 * 3600;
  time_t to = options.not_after ? options.not_after : from + kTwentyYears;
  UID2_ASSIGN_OR_RETURN(crypto::EcKeyP256 root_key, crypto::EcKeyP256::Generate());
  UID2_ASSIGN_OR_RETURN(crypto::EcKeyP256 ca_key, crypto::EcKeyP256::Generate());
  UID2_ASSIGN_OR_RETURN(crypto::EcKeyP256 pck_key, crypto::EcKeyP256::Generate());
  UID2_ASSIGN_OR_RETURN(crypto::EcKeyP256 tcb_key, crypto::EcKeyP256::Generate());
  UID2_ASSIGN_OR_RETURN(crypto::EcKeyP256 ak, crypto::EcKeyP256::Generate());
  UID2_ASSIGN_OR_RETURN(crypto::Certificate root,
                        sim::IssueCertificate({"SIMULATED SGX Root CA", from, to, true, -1, {}, {}},
                                              root_key, nullptr, root_key));
  UID2_ASSIGN_OR_RETURN(
      crypto::Certificate ca,
      sim::IssueCertificate({"SIMULATED SGX PCK Processor CA", from, to, true, 0, {}, {}}, ca_key,
                            &root, root_key));
  UID2_ASSIGN_OR_RETURN(
      crypto::Certificate tcb,
      sim::IssueCertificate({"SIMULATED SGX TCB Signing", from, to, false, -1, {}, {}}, tcb_key,
                            &root, root_key));
  // The PCK leaf is issued below once the struct holds the CA.
  SimPki pki{std::move(root_key),
             std::move(ca_key),
             std::move(pck_key),
             std::move(tcb_key),
             std::move(ak),
             root.Clone(),
             ca.Clone(),
             tcb.Clone(),
             tcb.Clone(),
             options.platform,
             {}};
  crypto::RandomFill(pki.ppid);
  UID2_ASSIGN_OR_RETURN(pki.pck, IssuePck(pki, options.platform, from, to));
  return pki;
}

Result<SimPki> ReissuePck(const SimPki& pki, const SimPlatform& platform, time_t not_before,
                          time_t not_after) {
  auto clone = [](const crypto::EcKeyP256& k) {
    return crypto::EcKeyP256::FromPrivatePkcs8Der(k.PrivatePkcs8Der());
  };
  UID2_ASSIGN_OR_RETURN(crypto::EcKeyP256 root_key, clone(pki.root_key));
  UID2_ASSIGN_OR_RETURN(crypto::EcKeyP256 ca_key, clone(pki.pck_ca_key));
  UID2_ASSIGN_OR_RETURN(crypto::EcKeyP256 pck_key, clone(pki.pck_key));
  UID2_ASSIGN_OR_RETURN(crypto::EcKeyP256 tcb_key, clone(pki.tcb_signer_key));
  UID2_ASSIGN_OR_RETURN(crypto::EcKeyP256 ak, clone(pki.attestation_key));
  SimPki out{std::move(root_key),
             std::move(ca_key),
             std::move(pck_key),
             std::move(tcb_key),
             std::move(ak),
             pki.root.Clone(),
             pki.pck_ca.Clone(),
             pki.pck.Clone(),
             pki.tcb_signer.Clone(),
             platform,
             pki.ppid};
  UID2_ASSIGN_OR_RETURN(out.pck,
                        IssuePck(out, platform, not_before ? not_before : pki.pck.NotBefore(),
                                 not_after ? not_after : pki.pck.NotAfter()));
  return out;
}

Status SaveSimPki(const SimPki& pki, const std::string& dir) {
  // Missing parents are created as `mkdir -p` does (umask applies); the PKI directory itself is
  // private (0700): it holds the keys.
  std::error_code ec;
  std::filesystem::path parent = std::filesystem::path(dir).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  if (ec) return Error::Io("mkdir " + parent.string() + ": " + ec.message());
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return Error::Errno("mkdir " + dir, errno);
  struct Item {
    const char* name;
    std::string text;
    mode_t mode;
  };
  const Item items[] = {
      {"root.pem", pki.root.Pem(), 0644},
      {"root.key.pem", pki.root_key.PrivatePem(), 0600},
      {"pck-ca.pem", pki.pck_ca.Pem(), 0644},
      {"pck-ca.key.pem", pki.pck_ca_key.PrivatePem(), 0600},
      {"pck.pem", pki.pck.Pem(), 0644},
      {"pck.key.pem", pki.pck_key.PrivatePem(), 0600},
      {"tcb-signer.pem", pki.tcb_signer.Pem(), 0644},
      {"tcb-signer.key.pem", pki.tcb_signer_key.PrivatePem(), 0600},
      {"attestation-key.pem", pki.attestation_key.PrivatePem(), 0600},
      {"sim-pki.json", PlatformJson(pki), 0644},
  };
  for (const Item& item : items) {
    UID2_RETURN_IF_ERROR(WriteFileAtomic(dir + "/" + item.name, item.text, item.mode));
  }
  return Ok();
}

Result<SimPki> LoadSimPki(const std::string& dir) {
  UID2_ASSIGN_OR_RETURN(crypto::EcKeyP256 root_key, LoadKey(dir, "root.key.pem"));
  UID2_ASSIGN_OR_RETURN(crypto::EcKeyP256 ca_key, LoadKey(dir, "pck-ca.key.pem"));
  UID2_ASSIGN_OR_RETURN(crypto::EcKeyP256 pck_key, LoadKey(dir, "pck.key.pem"));
  UID2_ASSIGN_OR_RETURN(crypto::EcKeyP256 tcb_key, LoadKey(dir, "tcb-signer.key.pem"));
  UID2_ASSIGN_OR_RETURN(crypto::EcKeyP256 ak, LoadKey(dir, "attestation-key.pem"));
  UID2_ASSIGN_OR_RETURN(crypto::Certificate root, LoadCert(dir, "root.pem"));
  UID2_ASSIGN_OR_RETURN(crypto::Certificate ca, LoadCert(dir, "pck-ca.pem"));
  UID2_ASSIGN_OR_RETURN(crypto::Certificate pck, LoadCert(dir, "pck.pem"));
  UID2_ASSIGN_OR_RETURN(crypto::Certificate tcb, LoadCert(dir, "tcb-signer.pem"));
  SimPki pki{std::move(root_key),
             std::move(ca_key),
             std::move(pck_key),
             std::move(tcb_key),
             std::move(ak),
             std::move(root),
             std::move(ca),
             std::move(pck),
             std::move(tcb),
             {},
             {}};
  UID2_ASSIGN_OR_RETURN(std::string json_text, ReadFile(dir + "/sim-pki.json"));
  Status s = ReadPlatformJson(json_text, &pki);
  if (!s.ok()) return std::move(s).error().Context(dir + "/sim-pki.json");
  if (pki.root.SubjectName().find(kSimOrganization) == std::string::npos) {
    return Error::Invalid(dir + "/root.pem is not a simulated root");
  }
  return pki;
}

}  // namespace uid2::attest
