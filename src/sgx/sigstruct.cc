// sigstruct.cc: SIGSTRUCT (Intel SDM Vol. 3D 34.13; Gramine python/graminelibos/sigstruct.py).
//
//   off   size  field              value written here
//   0     16    HEADER             06000000 e1000000 00000100 00000000
//   16    4     VENDOR             0
//   20    4     DATE               BCD: day@20, month@21, year u16@22
//   24    16    HEADER2            01010000 60000000 60000000 01000000
//   40    4     SWDEFINED          0
//   44    84    reserved           0
//   128   384   MODULUS            little-endian
//   512   4     EXPONENT           3
//   516   384   SIGNATURE          little-endian
//   900   4     MISCSELECT         1 if sgx.use_exinfo
//   904   4     MISCMASK           0xffffffff
//   908   1     CET_ATTRIBUTES     0
//   909   1     CET_ATTRIBUTES_MASK 0
//   910   2     reserved
//   912   16    ISVFAMILYID        0
//   928   16    ATTRIBUTES         flags u64, xfrm u64
//   944   16    ATTRIBUTEMASK      flags u64, xfrm u64
//   960   32    ENCLAVEHASH        MRENCLAVE
//   992   16    reserved
//   1008  16    ISVEXTPRODID       0
//   1024  2     ISVPRODID
//   1026  2     ISVSVN
//   1028  12    reserved
//   1040  384   Q1                 little-endian
//   1424  384   Q2                 little-endian
// Signed data: [0,128) || [900,1028).
#include "sgx/sigstruct.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "crypto/hash.h"

namespace uid2::sgx {
namespace {

constexpr size_t kHeader = 0, kVendor = 16, kDate = 20, kHeader2 = 24, kSwDefined = 40;
constexpr size_t kModulus = 128, kExponent = 512, kSignature = 516;
constexpr size_t kMiscSelect = 900, kMiscMask = 904;
constexpr size_t kAttributes = 928, kAttributeMask = 944, kEnclaveHash = 960;
constexpr size_t kIsvProdId = 1024, kIsvSvn = 1026, kQ1 = 1040, kQ2 = 1424;
constexpr size_t kSignedPart1End = 128, kSignedPart2Begin = 900, kSignedPart2End = 1028;

constexpr uint8_t kHeaderBytes[16] = {6, 0, 0, 0, 0xe1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0};
constexpr uint8_t kHeader2Bytes[16] = {1, 1, 0, 0, 0x60, 0, 0, 0, 0x60, 0, 0, 0, 1, 0, 0, 0};
constexpr uint64_t kXfrmLegacy = 0x3;
constexpr uint64_t kXfrmMaskBase = 0xfffffffffff9ff1bull;
constexpr uint32_t kMiscExinfo = 0x1;

uint8_t ToBcd(unsigned v) { return static_cast<uint8_t>(((v / 10) << 4) | (v % 10)); }
unsigned FromBcd(unsigned v) { return (v >> 4) * 10 + (v & 0xf); }

Bytes Reversed(ByteSpan b) { return Bytes(b.rbegin(), b.rend()); }

void Put(std::span<uint8_t> s, size_t off, ByteSpan b) {
  std::copy(b.begin(), b.end(), s.begin() + off);
}

bool ValidDate(unsigned y, unsigned m, unsigned d) {
  if (y == 0 && m == 0 && d == 0) return true;
  static constexpr unsigned kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1 || d > kDays[m - 1]) return false;
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return !(m == 2 && d == 29 && !leap);
}

}  // namespace

std::string SigstructDate::ToString() const {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04u-%02u-%02u", unsigned{year}, unsigned{month}, unsigned{day});
  return buf;
}

Result<SigstructDate> ParseSigstructDate(std::string_view text) {
  if (text == "today") {
    std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    return SigstructDate{static_cast<uint16_t>(tm.tm_year + 1900),
                         static_cast<uint8_t>(tm.tm_mon + 1), static_cast<uint8_t>(tm.tm_mday)};
  }
  unsigned y = 0, m = 0, d = 0;
  bool shape = text.size() == 10 && text[4] == '-' && text[7] == '-';
  for (size_t i = 0; shape && i < text.size(); i++) {
    if (i != 4 && i != 7 && (text[i] < '0' || text[i] > '9')) shape = false;
  }
  if (shape) {
    std::string s(text);
    std::sscanf(s.c_str(), "%4u-%2u-%2u", &y, &m, &d);
  }
  if (!shape || !ValidDate(y, m, d)) {
    return Error::Invalid("date '" + std::string(text) +
                          "' is not YYYY-MM-DD (a calendar date, 0000-00-00 or 'today')");
  }
  return SigstructDate{static_cast<uint16_t>(y), static_cast<uint8_t>(m), static_cast<uint8_t>(d)};
}

SigstructAttributes AttributesFor(const EnclaveParams& p) {
  SigstructAttributes a{};
  a.flags = kAttrMode64Bit | (p.debug ? kAttrDebug : 0);
  a.flags_mask = ~uint64_t{0};
  a.xfrm = kXfrmLegacy | p.legacy_required_xfrm;
  a.xfrm_mask = kXfrmMaskBase;
  // Gramine's collect_cpu_feature_bits, feature after feature on the same value (order matters:
  // AVX-512's bits include AVX's).
  for (size_t i = 0; i < kCpuFeatures.size(); i++) {
    uint64_t bits = kCpuFeatures[i].xfrm_bits;
    switch (p.cpu_features[i]) {
      case CpuFeatureSetting::kRequired:
        a.xfrm |= bits;
        a.xfrm_mask |= bits;
        break;
      case CpuFeatureSetting::kDisabled:
        a.xfrm &= ~bits;
        a.xfrm_mask |= bits;
        break;
      case CpuFeatureSetting::kUnspecified:
        break;
    }
  }
  a.misc_select = p.use_exinfo ? kMiscExinfo : 0;
  a.misc_mask = 0xffffffff;
  return a;
}

Bytes BuildUnsignedSigstruct(const EnclaveParams& p, const Measurement& mr_enclave,
                             const SigstructDate& date) {
  Bytes s(kSigstructSize, 0);
  Put(s, kHeader, kHeaderBytes);
  StoreU32LE(s, kVendor, 0);
  s[kDate] = ToBcd(date.day);
  s[kDate + 1] = ToBcd(date.month);
  StoreU16LE(s, kDate + 2,
             static_cast<uint16_t>((ToBcd(date.year / 100) << 8) | ToBcd(date.year % 100)));
  Put(s, kHeader2, kHeader2Bytes);
  StoreU32LE(s, kSwDefined, 0);
  SigstructAttributes a = AttributesFor(p);
  StoreU32LE(s, kMiscSelect, a.misc_select);
  StoreU32LE(s, kMiscMask, a.misc_mask);
  StoreU64LE(s, kAttributes, a.flags);
  StoreU64LE(s, kAttributes + 8, a.xfrm);
  StoreU64LE(s, kAttributeMask, a.flags_mask);
  StoreU64LE(s, kAttributeMask + 8, a.xfrm_mask);
  Put(s, kEnclaveHash, mr_enclave);
  StoreU16LE(s, kIsvProdId, p.isv_prod_id);
  StoreU16LE(s, kIsvSvn, p.isv_svn);
  return s;
}

Bytes SigningData(ByteSpan s) {
  Bytes d(kSigningDataSize);
  std::copy(s.begin(), s.begin() + kSignedPart1End, d.begin());
  std::copy(s.begin() + kSignedPart2Begin, s.begin() + kSignedPart2End,
            d.begin() + kSignedPart1End);
  return d;
}

Status CheckSigningKey(const crypto::RsaKey& key) {
  if (key.bits() != 3072) {
    return Error::Invalid("signing key is RSA-" + std::to_string(key.bits()) +
                          "; SGX needs RSA-3072 with exponent 3 (make one with `shroud keygen`)");
  }
  if (key.PublicExponent() != kSgxRsaExponent) {
    return Error::Invalid("signing key has public exponent " +
                          std::to_string(key.PublicExponent()) +
                          "; SGX needs exponent 3 (make one with `shroud keygen`)");
  }
  return Ok();
}

Result<Bytes> AssembleSigstruct(ByteSpan unsigned_sigstruct, const crypto::RsaKey& key,
                                ByteSpan signature_be) {
  if (unsigned_sigstruct.size() != kSigstructSize) {
    return Error::Invalid("SIGSTRUCT must be 1808 bytes");
  }
  UID2_RETURN_IF_ERROR(CheckSigningKey(key));
  if (signature_be.size() != kRsaBytes) {
    return Error::Invalid("signature is " + std::to_string(signature_be.size()) +
                          " bytes; an RSA-3072 signature is 384 bytes (raw, big-endian)");
  }
  Bytes data = SigningData(unsigned_sigstruct);
  Status v = key.VerifyPkcs1Sha256(data, signature_be);
  if (!v.ok()) {
    return Error::VerifyFailed(
        "the signature does not verify with the public key over the SIGSTRUCT signing data "
        "(RSASSA-PKCS1-v1_5, SHA-256); was it made over the exported bytes with this key?");
  }
  Bytes modulus = key.ModulusBigEndian();
  UID2_ASSIGN_OR_RETURN(crypto::SigstructQ q,
                        crypto::ComputeSigstructQ(signature_be, modulus, kRsaBytes));
  Bytes s(unsigned_sigstruct.begin(), unsigned_sigstruct.end());
  Put(s, kModulus, Reversed(modulus));
  StoreU32LE(s, kExponent, kSgxRsaExponent);
  Put(s, kSignature, Reversed(signature_be));
  Put(s, kQ1, Reversed(q.q1));
  Put(s, kQ2, Reversed(q.q2));
  return s;
}

Result<Bytes> SignSigstruct(ByteSpan unsigned_sigstruct, const crypto::RsaKey& key) {
  if (unsigned_sigstruct.size() != kSigstructSize) {
    return Error::Invalid("SIGSTRUCT must be 1808 bytes");
  }
  UID2_RETURN_IF_ERROR(CheckSigningKey(key));
  if (!key.has_private()) return Error::Invalid("signing key has no private part");
  UID2_ASSIGN_OR_RETURN(Bytes sig, key.SignPkcs1Sha256(SigningData(unsigned_sigstruct)));
  return AssembleSigstruct(unsigned_sigstruct, key, sig);
}

Result<SigstructFields> ParseSigstruct(ByteSpan s) {
  if (s.size() != kSigstructSize) {
    return Error::Invalid("SIGSTRUCT is " + std::to_string(s.size()) + " bytes, expected 1808");
  }
  if (!std::equal(std::begin(kHeaderBytes), std::end(kHeaderBytes), s.begin() + kHeader) ||
      !std::equal(std::begin(kHeader2Bytes), std::end(kHeader2Bytes), s.begin() + kHeader2)) {
    return Error::Invalid("not a SIGSTRUCT (HEADER/HEADER2 constants differ)");
  }
  SigstructFields f;
  f.vendor = LoadU32LE(s, kVendor);
  f.date.day = static_cast<uint8_t>(FromBcd(s[kDate]));
  f.date.month = static_cast<uint8_t>(FromBcd(s[kDate + 1]));
  uint16_t y = LoadU16LE(s, kDate + 2);
  f.date.year = static_cast<uint16_t>(FromBcd(y >> 8) * 100 + FromBcd(y & 0xff));
  f.swdefined = LoadU32LE(s, kSwDefined);
  f.modulus_le.assign(s.begin() + kModulus, s.begin() + kModulus + kRsaBytes);
  f.exponent = LoadU32LE(s, kExponent);
  f.signature_le.assign(s.begin() + kSignature, s.begin() + kSignature + kRsaBytes);
  f.misc_select = LoadU32LE(s, kMiscSelect);
  f.misc_mask = LoadU32LE(s, kMiscMask);
  f.attributes_flags = LoadU64LE(s, kAttributes);
  f.attributes_xfrm = LoadU64LE(s, kAttributes + 8);
  f.attribute_mask_flags = LoadU64LE(s, kAttributeMask);
  f.attribute_mask_xfrm = LoadU64LE(s, kAttributeMask + 8);
  std::copy(s.begin() + kEnclaveHash, s.begin() + kEnclaveHash + 32, f.mr_enclave.begin());
  f.mr_signer = crypto::Sha256(f.modulus_le);
  f.isv_prod_id = LoadU16LE(s, kIsvProdId);
  f.isv_svn = LoadU16LE(s, kIsvSvn);
  return f;
}

Status VerifySigstruct(ByteSpan s) {
  UID2_ASSIGN_OR_RETURN(SigstructFields f, ParseSigstruct(s));
  if (f.exponent != kSgxRsaExponent) {
    return Error::VerifyFailed("SIGSTRUCT exponent is " + std::to_string(f.exponent) + ", not 3");
  }
  Bytes modulus = Reversed(f.modulus_le), sig = Reversed(f.signature_le);
  UID2_ASSIGN_OR_RETURN(crypto::RsaKey key, crypto::RsaKey::FromPublicModulus(modulus, 3));
  if (!key.VerifyPkcs1Sha256(SigningData(s), sig).ok()) {
    return Error::VerifyFailed("SIGSTRUCT signature does not verify with its modulus");
  }
  UID2_ASSIGN_OR_RETURN(crypto::SigstructQ q, crypto::ComputeSigstructQ(sig, modulus, kRsaBytes));
  if (Reversed(q.q1) != Bytes(s.begin() + kQ1, s.begin() + kQ1 + kRsaBytes) ||
      Reversed(q.q2) != Bytes(s.begin() + kQ2, s.begin() + kQ2 + kRsaBytes)) {
    return Error::VerifyFailed("SIGSTRUCT q1/q2 do not match the signature and modulus");
  }
  return Ok();
}

}  // namespace uid2::sgx
