// shroud quote: DCAP quotes: show, verify (with collateral and policy), a simulated quoting PKI
// and quotes, and Microsoft Azure Attestation requests and tokens. See docs/attestation.md.
#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include "attest/maa.h"
#include "attest/policy.h"
#include "attest/quote.h"
#include "attest/sim.h"
#include "attest/verify.h"
#include "common/cli.h"
#include "common/encoding.h"
#include "common/file.h"
#include "common/json.h"
#include "crypto/hash.h"
#include "sgx/sigstruct.h"

namespace {

using uid2::Bytes;
using uid2::Error;
using uid2::Result;
using uid2::Status;
namespace attest = uid2::attest;
namespace cli = uid2::cli;

template <size_t N>
Status ParseHexArray(const std::string& text, std::string_view what, std::array<uint8_t, N>* out) {
  std::optional<Bytes> b = uid2::HexDecode(text);
  if (!b || b->size() != N) {
    return Error::Invalid(std::string(what) + " must be " + std::to_string(2 * N) + " hex digits");
  }
  std::copy(b->begin(), b->end(), out->begin());
  return uid2::Ok();
}

// --- show --------------------------------------------------------------------------------

std::string BodyJson(const attest::ReportBody& b) {
  return "{\"mr_enclave\":" + uid2::JsonQuote(uid2::HexEncode(b.mr_enclave)) +
         ",\"mr_signer\":" + uid2::JsonQuote(uid2::HexEncode(b.mr_signer)) +
         ",\"isv_prod_id\":" + std::to_string(b.isv_prod_id) +
         ",\"isv_svn\":" + std::to_string(b.isv_svn) +
         ",\"attributes\":" + uid2::JsonQuote(uid2::HexEncode(b.attributes)) +
         ",\"debug\":" + (b.debug() ? "true" : "false") +
         ",\"misc_select\":" + std::to_string(b.misc_select) +
         ",\"cpu_svn\":" + uid2::JsonQuote(uid2::HexEncode(b.cpu_svn)) +
         ",\"report_data\":" + uid2::JsonQuote(uid2::HexEncode(b.report_data)) + "}";
}

int RunShow(const std::string& path) {
  Result<Bytes> bytes = uid2::ReadFileBytes(path);
  if (!bytes.ok()) return cli::ReportError(bytes.error());
  Result<attest::Quote> q = attest::Quote::Parse(*bytes);
  if (!q.ok()) return cli::ReportError(Error(q.error()).Context(path));
  const attest::QuoteParts& p = q->parts();
  bool sim = attest::HasSimulationMarkers(*q);
  if (cli::CurrentGlobals().json) {
    cli::PrintJson("{\"version\":" + std::to_string(p.header.version) +
                   ",\"qe_svn\":" + std::to_string(p.header.qe_svn) +
                   ",\"pce_svn\":" + std::to_string(p.header.pce_svn) +
                   ",\"qe_vendor_id\":" + uid2::JsonQuote(uid2::HexEncode(p.header.qe_vendor_id)) +
                   ",\"user_data\":" + uid2::JsonQuote(uid2::HexEncode(p.header.user_data)) +
                   ",\"simulation_markers\":" + (sim ? "true" : "false") +
                   ",\"body\":" + BodyJson(p.body) + ",\"qe_report\":" + BodyJson(p.qe_report) +
                   ",\"qe_auth_data_size\":" + std::to_string(p.qe_auth_data.size()) +
                   ",\"cert_data_type\":" + std::to_string(p.cert_data_type) +
                   ",\"cert_data_size\":" + std::to_string(p.cert_data.size()) + "}");
    return cli::kExitOk;
  }
  const attest::ReportBody& b = p.body;
  std::printf("quote v%u (%zu bytes)%s\n", p.header.version, bytes->size(),
              sim ? "  ** SIMULATED QUOTE **" : "");
  std::printf("  mr_enclave   %s\n  mr_signer    %s\n", uid2::HexEncode(b.mr_enclave).c_str(),
              uid2::HexEncode(b.mr_signer).c_str());
  std::printf("  isv_prod_id  %u\n  isv_svn      %u\n  attributes   %s%s\n", b.isv_prod_id,
              b.isv_svn, uid2::HexEncode(b.attributes).c_str(), b.debug() ? " (DEBUG)" : "");
  std::printf("  report_data  %s\n", uid2::HexEncode(b.report_data).c_str());
  std::printf(
      "  qe_svn %u, pce_svn %u, QE isv_svn %u, certification data type %u (%s, %zu bytes)\n",
      p.header.qe_svn, p.header.pce_svn, p.qe_report.isv_svn, p.cert_data_type,
      std::string(attest::CertDataTypeName(p.cert_data_type)).c_str(), p.cert_data.size());
  return cli::kExitOk;
}

// --- verify ------------------------------------------------------------------------------

struct VerifyOptions {
  std::string quote, collateral, policy, sim_root, root_ca;
  int64_t now = 0;
};

Result<attest::TrustAnchor> ChooseAnchor(const VerifyOptions& o, const attest::Policy* policy) {
  if (!o.sim_root.empty()) return attest::SimulationAnchor(o.sim_root);
  if (policy != nullptr && policy->allow_simulation && !policy->sim_root.empty()) {
    return attest::SimulationAnchor(policy->sim_root);
  }
  if (!o.root_ca.empty()) {
    UID2_ASSIGN_OR_RETURN(std::string pem, uid2::ReadFile(o.root_ca));
    UID2_ASSIGN_OR_RETURN(uid2::crypto::Certificate c, uid2::crypto::Certificate::FromPem(pem));
    std::string fp = uid2::HexEncode(uid2::crypto::Sha256(c.Der())).substr(0, 16);
    return attest::CustomAnchor(c, "custom-root:" + fp);
  }
  return attest::IntelRootAnchor();
}

void PrintResult(const attest::VerificationResult& r) {
  std::printf("status:        %s\n", std::string(attest::TcbStatusName(r.status)).c_str());
  std::printf("  platform:    %s (TCB date %s)\n",
              std::string(attest::TcbStatusName(r.platform_status)).c_str(), r.tcb_date.c_str());
  std::printf("  QE:          %s\n", std::string(attest::TcbStatusName(r.qe_status)).c_str());
  std::string adv;
  for (const auto& a : r.advisories) adv += (adv.empty() ? "" : ", ") + a;
  std::printf("advisories:    %s\n", adv.empty() ? "(none)" : adv.c_str());
  std::printf("trust anchor:  %s\n", r.trust_anchor.c_str());
  std::printf("mr_enclave:    %s\nmr_signer:     %s\n", uid2::HexEncode(r.body.mr_enclave).c_str(),
              uid2::HexEncode(r.body.mr_signer).c_str());
  std::printf("isv_prod_id:   %u\nisv_svn:       %u\ndebug:         %s\n", r.body.isv_prod_id,
              r.body.isv_svn, r.body.debug() ? "yes" : "no");
  std::printf("report_data:   %s\n", uid2::HexEncode(r.body.report_data).c_str());
}

int RunVerify(const VerifyOptions& o) {
  const bool json = cli::CurrentGlobals().json;
  std::optional<attest::Policy> policy;
  if (!o.policy.empty()) {
    Result<attest::Policy> p = attest::LoadPolicy(o.policy);
    if (!p.ok()) return cli::ReportError(p.error());
    policy = std::move(p).value();
  }
  Result<attest::TrustAnchor> anchor = ChooseAnchor(o, policy ? &*policy : nullptr);
  if (!anchor.ok()) return cli::ReportError(anchor.error());
  Result<Bytes> quote = uid2::ReadFileBytes(o.quote);
  if (!quote.ok()) return cli::ReportError(quote.error());
  Result<std::string> ctext = uid2::ReadFile(o.collateral);
  if (!ctext.ok()) return cli::ReportError(ctext.error());
  Result<attest::CollateralBundle> bundle = attest::ParseCollateralJson(*ctext);
  if (!bundle.ok()) return cli::ReportError(Error(bundle.error()).Context(o.collateral));
  time_t now = o.now ? static_cast<time_t>(o.now) : time(nullptr);
  Result<attest::VerificationResult> r = attest::VerifyQuote(*quote, *bundle, *anchor, now);
  if (!r.ok()) {
    return cli::ReportError(Error(r.error()).Context("verification failed"));
  }
  if (r->anchor_kind == attest::AnchorKind::kSimulation) {
    std::fprintf(stderr,
                 "WARNING: verified under the SIMULATED root; this is not evidence of "
                 "a genuine SGX platform\n");
  }
  Status decision = uid2::Ok();
  if (policy) {
    decision = attest::CheckPolicy(*policy, attest::FromVerification(*r));
  } else if (r->status == attest::TcbStatus::kRevoked) {
    decision = Error::VerifyFailed("TCB status Revoked (no --policy given; Revoked always fails)");
  }
  if (json) {
    std::string out = "{\"ok\":" + std::string(decision.ok() ? "true" : "false") +
                      ",\"verification\":" + attest::VerificationResultToJson(*r) +
                      ",\"policy\":" + (policy ? "\"checked\"" : "null");
    if (!decision.ok()) out += ",\"error\":" + uid2::JsonQuote(decision.error().message());
    cli::PrintJson(out + "}");
  } else {
    PrintResult(*r);
    std::printf("verification:  ok\npolicy:        %s\n", !policy         ? "(none given)"
                                                          : decision.ok() ? "ok"
                                                                          : "FAILED");
  }
  if (!decision.ok()) {
    std::fprintf(stderr, "shroud: error: %s\n", decision.error().message().c_str());
    return cli::kExitFailure;
  }
  return cli::kExitOk;
}

// --- sim-pki init and sim ----------------------------------------------------------------

struct SimPkiOptions {
  std::string dir, fmspc, components;
  int pce_svn = -1, qe_svn = -1;
};

int RunSimPkiInit(const SimPkiOptions& o) {
  attest::SimPkiOptions po;
  if (!o.fmspc.empty()) {
    Status s = ParseHexArray(o.fmspc, "--fmspc", &po.platform.fmspc);
    if (!s.ok()) return cli::ReportError(s.error());
  }
  if (!o.components.empty()) {
    Status s = ParseHexArray(o.components, "--tcb-components", &po.platform.tcb_components);
    if (!s.ok()) return cli::ReportError(s.error());
  }
  if (o.pce_svn >= 0) po.platform.pce_svn = static_cast<uint16_t>(o.pce_svn);
  if (o.qe_svn >= 0) po.platform.qe_isv_svn = static_cast<uint16_t>(o.qe_svn);
  Result<attest::SimPki> pki = attest::CreateSimPki(po);
  if (!pki.ok()) return cli::ReportError(pki.error());
  Status s = attest::SaveSimPki(*pki, o.dir);
  if (!s.ok()) return cli::ReportError(s.error());
  if (cli::CurrentGlobals().json) {
    cli::PrintJson("{\"ok\":true,\"dir\":" + uid2::JsonQuote(o.dir) + "}");
  } else if (!cli::CurrentGlobals().quiet) {
    std::printf("simulated SGX PKI written to %s (test material: never ship its keys)\n",
                o.dir.c_str());
  }
  return cli::kExitOk;
}

struct SimOptions {
  std::string pki, mrenclave, mrsigner, sig, report_data, out, collateral_out;
  int isvprodid = 0, isvsvn = 0, version = 3, cert_type = 5;
  bool debug = false, no_matching_level = false, break_binding = false, pck_chain = false;
  int64_t now = 0;
  std::string tcb_status = "UpToDate", qe_status = "UpToDate", tcb_info_fmspc, tcb_info_pce_id;
  std::vector<std::string> advisories, revoke, expire;
};

// SigstructBody fills the identity fields from a SIGSTRUCT (mrenclave, mrsigner, ids, attributes).
Status SigstructBody(const std::string& path, attest::ReportBody* body) {
  UID2_ASSIGN_OR_RETURN(Bytes bytes, uid2::ReadFileBytes(path));
  Result<uid2::sgx::SigstructFields> f = uid2::sgx::ParseSigstruct(bytes);
  if (!f.ok()) return Error(f.error()).Context(path);
  body->mr_enclave = f->mr_enclave;
  body->mr_signer = f->mr_signer;
  body->isv_prod_id = f->isv_prod_id;
  body->isv_svn = f->isv_svn;
  uid2::StoreU64LE(body->attributes, 0, f->attributes_flags | attest::kAttributeInitted);
  uid2::StoreU64LE(body->attributes, 8, f->attributes_xfrm);
  body->misc_select = f->misc_select;
  return uid2::Ok();
}

Result<attest::ReportBody> SimBody(const SimOptions& o) {
  attest::ReportBody body;
  if (!o.sig.empty()) {
    UID2_RETURN_IF_ERROR(SigstructBody(o.sig, &body));
  } else {
    if (o.mrenclave.empty() || o.mrsigner.empty()) {
      return Error::Invalid("give --sig app.sig, or --mrenclave and --mrsigner");
    }
    UID2_RETURN_IF_ERROR(ParseHexArray(o.mrenclave, "--mrenclave", &body.mr_enclave));
    UID2_RETURN_IF_ERROR(ParseHexArray(o.mrsigner, "--mrsigner", &body.mr_signer));
    body.isv_prod_id = static_cast<uint16_t>(o.isvprodid);
    body.isv_svn = static_cast<uint16_t>(o.isvsvn);
    body.attributes[0] = attest::kAttributeInitted | attest::kAttributeMode64Bit;
    body.attributes[8] = 0x07;
  }
  if (o.debug) body.attributes[0] |= attest::kAttributeDebug;
  std::optional<Bytes> rd = uid2::HexDecode(o.report_data);
  if (!rd || rd->size() > attest::kReportDataSize) {
    return Error::Invalid("--report-data must be hex of at most 64 bytes (zero-padded)");
  }
  std::copy(rd->begin(), rd->end(), body.report_data.begin());
  return body;
}

Result<attest::SimCollateralOptions> SimCollateral(const SimOptions& o) {
  attest::SimCollateralOptions c;
  c.now = static_cast<time_t>(o.now);
  UID2_ASSIGN_OR_RETURN(c.tcb_status, attest::ParseTcbStatus(o.tcb_status));
  UID2_ASSIGN_OR_RETURN(c.qe_status, attest::ParseTcbStatus(o.qe_status));
  c.tcb_advisories = o.advisories;
  c.no_matching_level = o.no_matching_level;
  c.tcb_info_fmspc = o.tcb_info_fmspc;
  c.tcb_info_pce_id = o.tcb_info_pce_id;
  c.include_pck_chain = o.pck_chain || o.cert_type != 5;
  for (const std::string& r : o.revoke) (r == "pck" ? c.revoke_pck : c.revoke_pck_ca) = true;
  for (const std::string& e : o.expire) {
    if (e == "tcb-info") c.expire_tcb_info = true;
    if (e == "qe-identity") c.expire_qe_identity = true;
    if (e == "root-crl") c.expire_root_crl = true;
    if (e == "pck-crl") c.expire_pck_crl = true;
  }
  return c;
}

int RunSim(const SimOptions& o) {
  Result<attest::SimPki> pki = attest::LoadSimPki(o.pki);
  if (!pki.ok()) return cli::ReportError(pki.error());
  Result<attest::ReportBody> body = SimBody(o);
  if (!body.ok()) return cli::ReportError(body.error());
  attest::SimQuoteOptions qo;
  qo.version = static_cast<uint16_t>(o.version);
  qo.cert_data_type = static_cast<uint16_t>(o.cert_type);
  qo.break_qe_binding = o.break_binding;
  Result<Bytes> quote = attest::SimulateQuote(*pki, *body, qo);
  if (!quote.ok()) return cli::ReportError(quote.error());
  Result<attest::SimCollateralOptions> co = SimCollateral(o);
  if (!co.ok()) return cli::ReportError(co.error());
  Result<attest::CollateralBundle> bundle = attest::SimulateCollateral(*pki, *co);
  if (!bundle.ok()) return cli::ReportError(bundle.error());
  std::string collateral_path =
      o.collateral_out.empty() ? o.out + ".collateral.json" : o.collateral_out;
  Status s = uid2::WriteFileAtomic(o.out, *quote);
  if (s.ok()) s = uid2::WriteFileAtomic(collateral_path, attest::CollateralToJson(*bundle));
  if (!s.ok()) return cli::ReportError(s.error());
  if (cli::CurrentGlobals().json) {
    cli::PrintJson("{\"ok\":true,\"quote\":" + uid2::JsonQuote(o.out) +
                   ",\"collateral\":" + uid2::JsonQuote(collateral_path) + "}");
  } else if (!cli::CurrentGlobals().quiet) {
    std::printf("SIMULATED quote written to %s (%zu bytes), collateral to %s\n", o.out.c_str(),
                quote->size(), collateral_path.c_str());
  }
  return cli::kExitOk;
}

// --- MAA ---------------------------------------------------------------------------------

struct MaaOptions {
  std::string quote, runtime_data, api_version = "2022-08-01", token, instance, jwks, policy;
  int64_t now = 0, skew = 60;
};

int RunMaaRequest(const MaaOptions& o) {
  Result<Bytes> quote = uid2::ReadFileBytes(o.quote);
  if (!quote.ok()) return cli::ReportError(quote.error());
  std::optional<Bytes> data = uid2::HexDecode(o.runtime_data);
  if (!data) return cli::ReportError(Error::Invalid("--runtime-data must be hex"));
  auto v = o.api_version == "2020-10-01" ? attest::MaaApiVersion::k2020_10_01
                                         : attest::MaaApiVersion::k2022_08_01;
  cli::PrintJson(attest::BuildMaaRequest(*quote, *data, v));
  return cli::kExitOk;
}

int RunMaaVerify(const MaaOptions& o) {
  Result<std::string> token = uid2::ReadFile(o.token);
  Result<std::string> jwks_text = uid2::ReadFile(o.jwks);
  if (!token.ok()) return cli::ReportError(token.error());
  if (!jwks_text.ok()) return cli::ReportError(jwks_text.error());
  Result<attest::MaaJwks> jwks = attest::ParseMaaJwks(*jwks_text);
  if (!jwks.ok()) return cli::ReportError(Error(jwks.error()).Context(o.jwks));
  attest::MaaConfig config{o.instance, std::move(jwks).value(), o.skew};
  std::string t = *token;
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r' || t.back() == ' ')) t.pop_back();
  time_t now = o.now ? static_cast<time_t>(o.now) : time(nullptr);
  Result<attest::MaaClaims> claims = attest::ValidateMaaToken(t, config, now);
  if (!claims.ok()) return cli::ReportError(claims.error());
  if (!o.policy.empty()) {
    Result<attest::Policy> p = attest::LoadPolicy(o.policy);
    if (!p.ok()) return cli::ReportError(p.error());
    Status s = attest::CheckPolicy(*p, attest::FromMaaClaims(*claims));
    if (!s.ok()) return cli::ReportError(s.error());
  }
  if (cli::CurrentGlobals().json) {
    cli::PrintJson(
        "{\"ok\":true,\"mr_enclave\":" + uid2::JsonQuote(uid2::HexEncode(claims->mr_enclave)) +
        ",\"mr_signer\":" + uid2::JsonQuote(uid2::HexEncode(claims->mr_signer)) +
        ",\"product_id\":" + std::to_string(claims->product_id) +
        ",\"svn\":" + std::to_string(claims->svn) +
        ",\"is_debuggable\":" + (claims->is_debuggable ? "true" : "false") + "}");
  } else {
    std::printf(
        "MAA token valid (issuer %s)\nmr_enclave: %s\nproduct_id: %u svn: %u debuggable: %s\n",
        claims->issuer.c_str(), uid2::HexEncode(claims->mr_enclave).c_str(), claims->product_id,
        claims->svn, claims->is_debuggable ? "yes" : "no");
  }
  return cli::kExitOk;
}

// --- setup -------------------------------------------------------------------------------

void SetupVerify(CLI::App* v) {
  auto o = std::make_shared<VerifyOptions>();
  v->add_option("quote", o->quote, "Quote file (binary)")->required();
  v->add_option("--collateral", o->collateral, "Collateral bundle JSON (docs/attestation.md)")
      ->required();
  v->add_option("--now", o->now, "Verification time, Unix seconds (default: the clock)");
  v->add_option("--policy", o->policy, "Policy file, TOML or JSON");
  v->add_option("--sim-root", o->sim_root, "Trust the SIMULATED root of this sim PKI directory");
  v->add_option("--root-ca", o->root_ca, "Trust this PEM root instead of Intel's (tests)");
  cli::AddExamples(
      v,
      "  shroud quote verify q.bin --collateral c.json --now 1750400000\n"
      "  shroud quote verify q.bin --collateral c.json --policy policy.toml --json\n"
      "  shroud quote verify sim.bin --collateral sim.bin.collateral.json --sim-root pki/");
  cli::OnRun(v, [o] { return RunVerify(*o); });
}

void SetupSim(CLI::App* s) {
  auto o = std::make_shared<SimOptions>();
  s->add_option("--pki", o->pki, "Simulated PKI directory (shroud quote sim-pki init)")->required();
  s->add_option("--mrenclave", o->mrenclave, "MRENCLAVE, 64 hex digits");
  s->add_option("--mrsigner", o->mrsigner, "MRSIGNER, 64 hex digits");
  s->add_option("--isvprodid", o->isvprodid, "ISVPRODID")->check(CLI::Range(0, 65535));
  s->add_option("--isvsvn", o->isvsvn, "ISVSVN")->check(CLI::Range(0, 65535));
  s->add_option("--sig", o->sig, "Take the identity from this SIGSTRUCT instead");
  s->add_flag("--debug", o->debug, "Set the DEBUG attribute");
  s->add_option("--report-data", o->report_data, "Report data, hex, up to 64 bytes")->required();
  s->add_option("-o,--output", o->out, "Quote output file")->required();
  s->add_option("--collateral-out", o->collateral_out,
                "Collateral output (default <output>.collateral.json)");
  s->add_option("--now", o->now, "Collateral issue time, Unix seconds (default: the clock)");
  s->add_option("--tcb-status", o->tcb_status, "Status of the platform's TCB level");
  s->add_option("--qe-status", o->qe_status, "Status of the QE's level");
  s->add_option("--advisory", o->advisories, "Advisory ID on the platform level (repeatable)");
  s->add_flag("--no-matching-level", o->no_matching_level, "Every TCB level above the platform");
  s->add_option("--revoke", o->revoke, "Revoke pck or pck-ca in the CRLs")
      ->check(CLI::IsMember({"pck", "pck-ca"}));
  s->add_option("--expire", o->expire, "Expire tcb-info, qe-identity, root-crl or pck-crl")
      ->check(CLI::IsMember({"tcb-info", "qe-identity", "root-crl", "pck-crl"}));
  s->add_option("--tcb-info-fmspc", o->tcb_info_fmspc,
                "FMSPC written in TCB Info (mismatch tests)");
  s->add_option("--tcb-info-pce-id", o->tcb_info_pce_id, "PCE-ID written in TCB Info");
  s->add_option("--quote-version", o->version, "3 (default), 4 or 5")->check(CLI::Range(3, 5));
  s->add_option("--cert-type", o->cert_type, "Certification data type 1..5 (default 5)")
      ->check(CLI::Range(1, 5));
  s->add_flag("--break-qe-binding", o->break_binding, "Wrong QE report_data (auth data mismatch)");
  cli::AddExamples(s,
                   "  shroud quote sim --pki pki --mrenclave $(printf 11%.0s {1..32}) \\\n"
                   "      --mrsigner $(printf 22%.0s {1..32}) --isvprodid 770 --isvsvn 2 \\\n"
                   "      --report-data 00 -o q.bin\n"
                   "  shroud quote sim --pki pki --sig app.sig --report-data ab12 -o q.bin "
                   "--tcb-status OutOfDate");
  cli::OnRun(s, [o] { return RunSim(*o); });
}

void SetupMaa(CLI::App& app) {
  auto o = std::make_shared<MaaOptions>();
  CLI::App* req =
      app.add_subcommand("maa-request", "Print the MAA attest request body for a quote");
  req->add_option("quote", o->quote, "Quote file")->required();
  req->add_option("--runtime-data", o->runtime_data,
                  "Runtime data, hex (SHA-256 of it is in report_data)")
      ->required();
  req->add_option("--api-version", o->api_version, "2022-08-01 (default) or 2020-10-01")
      ->check(CLI::IsMember({"2022-08-01", "2020-10-01"}));
  cli::AddExamples(req, "  shroud quote maa-request q.bin --runtime-data $(xxd -p -c0 key.der)");
  cli::OnRun(req, [o] { return RunMaaRequest(*o); });
  CLI::App* ver = app.add_subcommand("maa-verify", "Validate an MAA JWT and apply a policy");
  ver->add_option("token", o->token, "File holding the JWT")->required();
  ver->add_option("--instance", o->instance, "MAA instance URL (issuer; jku = <instance>/certs)")
      ->required();
  ver->add_option("--jwks", o->jwks, "The instance's JWKS (GET <instance>/certs), a file")
      ->required();
  ver->add_option("--now", o->now, "Time, Unix seconds (default: the clock)");
  ver->add_option("--skew", o->skew, "Allowed clock skew, seconds (default 60)");
  ver->add_option("--policy", o->policy, "Policy file, TOML or JSON");
  cli::AddExamples(ver,
                   "  shroud quote maa-verify token.jwt --instance https://x.attest.azure.net "
                   "--jwks certs.json");
  cli::OnRun(ver, [o] { return RunMaaVerify(*o); });
}

void Setup(CLI::App& app, const cli::Globals&) {
  app.require_subcommand(1);
  auto show_path = std::make_shared<std::string>();
  CLI::App* show = app.add_subcommand("show", "Print a quote's fields");
  show->add_option("quote", *show_path, "Quote file")->required();
  cli::AddExamples(show, "  shroud quote show q.bin\n  shroud quote show q.bin --json");
  cli::OnRun(show, [show_path] { return RunShow(*show_path); });

  SetupVerify(app.add_subcommand("verify", "Verify a quote with its collateral, then a policy"));
  SetupSim(app.add_subcommand("sim", "Write a SIMULATED quote and its collateral"));

  CLI::App* pki = app.add_subcommand("sim-pki", "Manage a simulated quoting PKI");
  pki->require_subcommand(1);
  auto po = std::make_shared<SimPkiOptions>();
  CLI::App* init = pki->add_subcommand("init", "Create a simulated PKI in DIR");
  init->add_option("dir", po->dir, "Directory to create")->required();
  init->add_option("--fmspc", po->fmspc, "Platform FMSPC, 12 hex digits (default 53494D000000)");
  init->add_option("--tcb-components", po->components, "16 TCB component SVNs, 32 hex digits");
  init->add_option("--pce-svn", po->pce_svn, "PCESVN")->check(CLI::Range(0, 65535));
  init->add_option("--qe-svn", po->qe_svn, "Simulated QE isv_svn")->check(CLI::Range(0, 65535));
  cli::AddExamples(init, "  shroud quote sim-pki init ./sim-pki");
  cli::OnRun(init, [po] { return RunSimPkiInit(*po); });
  SetupMaa(app);
}

const cli::Registration kRegistration(
    {"quote", "DCAP quotes: show, verify, simulate; MAA tokens",
     "  shroud quote sim-pki init pki\n"
     "  shroud quote sim --pki pki --sig app.sig --report-data 00 -o q.bin\n"
     "  shroud quote verify q.bin --collateral q.bin.collateral.json --sim-root pki\n"
     "  shroud quote show q.bin --json",
     Setup});

}  // namespace
