// Fuzz target: request envelope decode (spec §2.1) and CSTG request parsing.
// Byte 0 selects the mode, the rest is the input:
//   0: body as base64 text        1: body as binary (with the base64 fallback)
//   2: the rest is the PLAINTEXT (ts | nonce | JSON); it is sealed with the client secret and
//      decoded, so the timestamp and JSON paths behind GCM are reached
//   3: CSTG outer JSON parse and payload opening (the request cannot decrypt, but every
//      check before the GCM tag runs)
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "crypto/ec.h"
#include "fuzz_keys.h"
#include "operator/identity/cstg.h"
#include "operator/identity/envelope.h"

using namespace uid2;
using namespace uid2::operator_identity;

namespace {
constexpr int64_t kNow = 1710907366130;

const crypto::EcKeyP256& ServerKey() {
  static const crypto::EcKeyP256 key =
      ParseCstgPrivateKey(
          "UID2-Y-L-MEECAQAwEwYHKoZIzj0CAQYIKoZIzj0DAQcEJzAlAgEBBCC5kOSRVD+"
          "qhAZqf0L4LGbmAhdy5HpIptwXE7"
          "2jxhwo6w==")
          .value();
  return key;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t mode = data[0] % 4;
  ByteSpan in(data + 1, size - 1);
  DecodedRequest req;
  switch (mode) {
    case 0:
      DecodeRequestEnvelope(in, BodyEncoding::kBase64Text, fuzz::ClientSecret(), kNow, &req);
      break;
    case 1:
      DecodeRequestEnvelope(in, BodyEncoding::kBinary, fuzz::ClientSecret(), kNow, &req);
      break;
    case 2: {
      if (in.size() < 16) return 0;
      ByteReader r(in);
      uint64_t ts;
      std::array<uint8_t, 8> nonce;
      if (!r.ReadU64BE(&ts) || !r.ReadInto(nonce)) return 0;
      std::string env = EncodeRequestEnvelope(AsChars(r.rest()), nonce, fuzz::ClientSecret(),
                                              static_cast<int64_t>(ts), BodyEncoding::kBinary);
      DecodeRequestEnvelope(AsBytes(env), BodyEncoding::kBinary, fuzz::ClientSecret(), kNow, &req);
      break;
    }
    case 3: {
      CstgRequest cstg;
      if (ParseCstgRequest(AsChars(in), &cstg) != CstgError::kOk) return 0;
      CstgPayload payload;
      OpenCstgPayload(cstg, ServerKey(), true, &payload);
      if (cstg.app_name) {
        IsAppNameAllowed(*cstg.app_name, {"com.example.app"});
        RegistrableDomain(*cstg.app_name);  // any string as an Origin
      }
      break;
    }
  }
  return 0;
}
