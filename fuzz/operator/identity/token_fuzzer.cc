// Fuzz target: advertising token decode (v2/v3/v4), refresh token decode (v2/v3) and the
// 388-char refresh wrapper. Byte 0 selects the mode, the rest is the input:
//   0: advertising token text       1: refresh token text       2: refresh wrapper text
//   3: the rest is a v3/v4 master payload plaintext whose site part (after byte 33) is sealed
//      with the site key; both layers are sealed and decoded (reaches the parsers behind GCM)
//   4: the rest is a refresh token v3 payload plaintext, sealed and decoded
//   5: the rest is a wrapper JSON plaintext, sealed and unwrapped
#include <cstddef>
#include <cstdint>
#include <string>

#include "common/encoding.h"
#include "fuzz_keys.h"
#include "operator/identity/advertising_token.h"
#include "operator/identity/fast_crypto.h"
#include "operator/identity/refresh_token.h"

using namespace uid2;
using namespace uid2::operator_identity;

namespace {

Bytes Seal(const TokenKey& key, ByteSpan plain) {
  Bytes out(plain.size() + internal::kGcmOverhead);
  internal::GcmSeal(key.secret, plain, out.data());
  return out;
}

void Header(ByteWriter* w, uint8_t b0, uint8_t b1, int32_t key_id) {
  w->PutU8(b0);
  w->PutU8(b1);
  w->PutU32BE(static_cast<uint32_t>(key_id));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const uint8_t mode = data[0] % 6;
  const uint8_t flags = data[1];
  ByteSpan in(data + 2, size - 2);
  std::string_view text = AsChars(in);
  KeyLookup keys = fuzz::Lookup();
  switch (mode) {
    case 0:
      (void)DecodeAdvertisingToken(text, keys);
      break;
    case 1:
      (void)DecodeRefreshToken(text, keys);
      break;
    case 2: {
      UnwrappedRefreshToken out;
      UnwrapRefreshToken(text, keys, &out);
      break;
    }
    case 3: {
      if (in.size() < 33) return 0;
      Bytes master_plain(in.begin(), in.begin() + 29);
      ByteWriter m;
      m.PutBytes(master_plain);
      m.PutU32BE(103);
      m.PutBytes(Seal(fuzz::Site(), in.subspan(33)));
      ByteWriter t;
      Header(&t, flags, (flags & 1) ? 0x80 : 0x70, 101);
      t.PutBytes(Seal(fuzz::Master(), m.bytes()));
      std::string s = (flags & 1) ? Base64UrlEncode(t.bytes()) : Base64Encode(t.bytes());
      (void)DecodeAdvertisingToken(s, keys);
      break;
    }
    case 4: {
      ByteWriter t;
      Header(&t, flags, 0x70, 102);
      t.PutBytes(Seal(fuzz::Refresh(), in));
      (void)DecodeRefreshToken(Base64Encode(t.bytes()), keys);
      break;
    }
    case 5: {
      ByteWriter t;
      t.PutU8(flags);
      t.PutU32BE(102);
      t.PutBytes(Seal(fuzz::Refresh(), in));
      UnwrappedRefreshToken out;
      UnwrapRefreshToken(Base64Encode(t.bytes()), keys, &out);
      break;
    }
  }
  return 0;
}
