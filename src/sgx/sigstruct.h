// sigstruct.h: SGX SIGSTRUCT (1808 bytes) as Gramine's signer writes it (`app.sig`).
//
// Build an unsigned structure from the enclave parameters and MRENCLAVE, then either sign it
// with a private key (SignSigstruct) or export the 256 signed bytes for an HSM
// (SigningData) and assemble the result from the returned signature (AssembleSigstruct).
// The layout table is in sigstruct.cc.
//
//   Bytes s = BuildUnsignedSigstruct(params, mrenclave, date);
//   UID2_ASSIGN_OR_RETURN(Bytes sig, SignSigstruct(s, key));
//   UID2_ASSIGN_OR_RETURN(SigstructFields f, ParseSigstruct(sig));
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/status.h"
#include "crypto/rsa.h"
#include "sgx/enclave_params.h"

namespace uid2::sgx {

inline constexpr size_t kSigstructSize = 1808;
inline constexpr size_t kSigningDataSize = 256;  // bytes [0,128) + [900,1028)
inline constexpr size_t kRsaBytes = 384;         // RSA-3072
inline constexpr unsigned kSgxRsaExponent = 3;

// SIGSTRUCT ATTRIBUTES.FLAGS bits.
inline constexpr uint64_t kAttrDebug = 0x2;
inline constexpr uint64_t kAttrMode64Bit = 0x4;

struct SigstructDate {
  uint16_t year = 0;  // 0 with month 0 and day 0 = Gramine's reproducible "0000-00-00"
  uint8_t month = 0;
  uint8_t day = 0;
  std::string ToString() const;  // "YYYY-MM-DD"
};
// ParseSigstructDate accepts "YYYY-MM-DD" (a valid calendar date, or "0000-00-00") and
// "today" (UTC). Error names the text.
Result<SigstructDate> ParseSigstructDate(std::string_view text);

// Every field of a SIGSTRUCT, decoded.
struct SigstructFields {
  uint32_t vendor = 0;
  SigstructDate date;
  uint32_t swdefined = 0;
  Bytes modulus_le;  // 384 bytes as stored
  uint32_t exponent = 0;
  Bytes signature_le;  // 384 bytes as stored
  uint32_t misc_select = 0, misc_mask = 0;
  uint64_t attributes_flags = 0, attributes_xfrm = 0;
  uint64_t attribute_mask_flags = 0, attribute_mask_xfrm = 0;
  Measurement mr_enclave{};
  Measurement mr_signer{};  // SHA-256 of modulus_le
  uint16_t isv_prod_id = 0, isv_svn = 0;
  bool debug() const { return (attributes_flags & kAttrDebug) != 0; }
};

// SigstructAttributes computes ATTRIBUTES / ATTRIBUTEMASK / MISCSELECT from the parameters.
struct SigstructAttributes {
  uint64_t flags, xfrm, flags_mask, xfrm_mask;
  uint32_t misc_select, misc_mask;
};
SigstructAttributes AttributesFor(const EnclaveParams& params);

// BuildUnsignedSigstruct returns 1808 bytes with everything but modulus, exponent, signature,
// q1 and q2 filled in.
Bytes BuildUnsignedSigstruct(const EnclaveParams& params, const Measurement& mr_enclave,
                             const SigstructDate& date);

// SigningData returns the 256 bytes that are signed: s[0,128) || s[900,1028).
// REQUIRES: s.size() == kSigstructSize.
Bytes SigningData(ByteSpan s);

// CheckSigningKey fails (kInvalid) unless `key` is RSA-3072 with public exponent 3, saying
// which and how to make a suitable key (`shroud keygen`).
Status CheckSigningKey(const crypto::RsaKey& key);

// SignSigstruct signs `unsigned_sigstruct` with `key` (RSASSA-PKCS1-v1_5, SHA-256) and fills
// modulus, exponent, signature, q1, q2. Fails if the key is not RSA-3072/e=3 or has no private
// part.
Result<Bytes> SignSigstruct(ByteSpan unsigned_sigstruct, const crypto::RsaKey& key);

// AssembleSigstruct fills in a signature made elsewhere (big-endian, 384 bytes, as OpenSSL,
// PKCS#11 and `openssl pkeyutl` produce it) for `public_key`, after verifying it over the
// signing data. Fails with kVerifyFailed if it does not verify.
Result<Bytes> AssembleSigstruct(ByteSpan unsigned_sigstruct, const crypto::RsaKey& public_key,
                                ByteSpan signature_be);

// ParseSigstruct decodes 1808 bytes (kInvalid on any other size or a bad header).
Result<SigstructFields> ParseSigstruct(ByteSpan s);

// VerifySigstruct checks the header, exponent 3, the signature over the signing data with the
// stored modulus, and q1/q2. kVerifyFailed names what does not match.
Status VerifySigstruct(ByteSpan s);

}  // namespace uid2::sgx
