// maa.h: Microsoft Azure Attestation for SGX (spec: sgx-attestation.md §5): the attest request
// for a quote plus runtime data, and relying-party validation of the JWT MAA returns.
//
//   std::string body = BuildMaaRequest(quote, operator_spki_der);
//   // POST body to MaaAttestUrl(instance) (the caller's HTTP client; nothing here uses the
//   network) UID2_ASSIGN_OR_RETURN(MaaJwks jwks, ParseMaaJwks(certs_json));   // GET
//   <instance>/certs UID2_ASSIGN_OR_RETURN(MaaClaims c, ValidateMaaToken(token, {instance,
//   std::move(jwks)}, now)); UID2_RETURN_IF_ERROR(CheckPolicy(policy, FromMaaClaims(c)));
#pragma once

#include <array>
#include <ctime>
#include <map>
#include <optional>
#include <string>

#include "attest/policy.h"
#include "common/bytes.h"
#include "common/status.h"
#include "crypto/rsa.h"

namespace uid2::attest {

enum class MaaApiVersion {
  k2020_10_01,  // PascalCase keys (Quote, RuntimeData{Data,DataType}); what UID2 used
  k2022_08_01,  // camelCase keys (quote, runtimeData{data,dataType})
};

// MaaAttestUrl: <instance>/attest/SgxEnclave?api-version=...
std::string MaaAttestUrl(std::string_view instance,
                         MaaApiVersion version = MaaApiVersion::k2022_08_01);

// BuildMaaRequest returns the JSON body: the quote and runtime data base64url (no padding),
// dataType "Binary"; `nonce` is added when non-empty. MAA checks that
// report_data[0..32) == SHA-256(runtime_data).
std::string BuildMaaRequest(ByteSpan quote, ByteSpan runtime_data,
                            MaaApiVersion version = MaaApiVersion::k2022_08_01,
                            std::string_view nonce = {});

// MaaJwks: the signing keys of one MAA instance, by kid (from x5c[0] of each RSA key).
struct MaaJwks {
  std::map<std::string, crypto::RsaKey> keys;
};
Result<MaaJwks> ParseMaaJwks(std::string_view json);

struct MaaConfig {
  std::string instance;  // e.g. "https://sharedeus.eus.attest.azure.net" (no trailing '/')
  MaaJwks jwks;
  int64_t skew_seconds = 60;
};

struct MaaClaims {
  std::string issuer;
  int64_t issued_at = 0, not_before = 0, expires = 0;
  std::array<uint8_t, 32> mr_enclave{};
  std::array<uint8_t, 32> mr_signer{};
  uint16_t product_id = 0;
  uint16_t svn = 0;
  bool is_debuggable = true;
  Bytes enclave_held_data;                             // x-ms-sgx-ehd, decoded
  std::optional<std::array<uint8_t, 64>> report_data;  // x-ms-sgx-report-data when present
};

// ValidateMaaToken checks, in order: three parts; header alg RS256 (never none/HS*), typ JWT,
// jku == <instance>/certs, kid in the JWKS; the RS256 signature; iss == instance; nbf/exp
// against `now` with skew; x-ms-ver "1.0" and x-ms-attestation-type "sgx"; then reads the SGX
// claims (a missing one is kInvalid). Signature/issuer/time failures are kVerifyFailed.
Result<MaaClaims> ValidateMaaToken(std::string_view jwt, const MaaConfig& config, time_t now);

namespace internal {
// ParseMaaPayload checks iss/nbf/exp/x-ms-ver/type and reads the claims of a payload part whose
// signature has already been verified (exposed for the fuzzer).
Result<MaaClaims> ParseMaaPayload(std::string_view payload_b64, const MaaConfig& config,
                                  time_t now);
}  // namespace internal

// FromMaaClaims maps the claims for CheckPolicy (MAA verifies under Intel's production root;
// no TCB status is carried, MAA applied its own policy to it).
AttestedEnclave FromMaaClaims(const MaaClaims& claims);

}  // namespace uid2::attest
