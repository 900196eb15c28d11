#include "corelocal/sigstruct_fields.h"

#include <algorithm>

#include "crypto/hash.h"

namespace uid2::corelocal {
namespace {

constexpr uint8_t kHeader[16] = {0x06, 0x00, 0x00, 0x00, 0xE1, 0x00, 0x00, 0x00,
                                 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00};
constexpr size_t kModulusOffset = 128, kModulusSize = 384;
constexpr size_t kAttributesOffset = 928;
constexpr size_t kEnclaveHashOffset = 960;
constexpr size_t kIsvProdIdOffset = 1024;
constexpr uint64_t kAttrDebug = 0x2;

}  // namespace

Result<SigstructIdentity> ReadSigstructIdentity(ByteSpan sig) {
  if (sig.size() != kSigstructSize) {
    return Error::Invalid("SIGSTRUCT must be " + std::to_string(kSigstructSize) + " bytes, got " +
                          std::to_string(sig.size()));
  }
  ByteReader r(sig);
  ByteSpan header, modulus, hash;
  uint64_t flags = 0;
  SigstructIdentity id;
  bool ok = r.ReadBytes(16, &header) && r.Skip(kModulusOffset - 16) &&
            r.ReadBytes(kModulusSize, &modulus) &&
            r.Skip(kAttributesOffset - kModulusOffset - kModulusSize) && r.ReadU64LE(&flags) &&
            r.Skip(kEnclaveHashOffset - kAttributesOffset - 8) && r.ReadBytes(32, &hash) &&
            r.Skip(kIsvProdIdOffset - kEnclaveHashOffset - 32) && r.ReadU16LE(&id.isv_prod_id) &&
            r.ReadU16LE(&id.isv_svn);
  if (!ok) return Error::Invalid("SIGSTRUCT truncated");
  if (!std::equal(header.begin(), header.end(), std::begin(kHeader))) {
    return Error::Invalid("not a SIGSTRUCT (bad header)");
  }
  std::copy(hash.begin(), hash.end(), id.mr_enclave.begin());
  id.mr_signer = crypto::Sha256(modulus);
  id.debug = (flags & kAttrDebug) != 0;
  return id;
}

}  // namespace uid2::corelocal
