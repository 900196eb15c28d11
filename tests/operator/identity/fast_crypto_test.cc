// The per-thread crypto machinery: the keyed GCM context cache (more keys than slots, alternating
// keys, wrong keys still fail).
#include "operator/identity/fast_crypto.h"

#include <gtest/gtest.h>

#include <cstring>
#include <set>

#include "crypto/cipher.h"
#include "crypto/hash.h"
#include "crypto/random.h"

namespace uid2::operator_identity::internal {
namespace {

TEST(GcmCache, ManyKeysAlternatingAndWrongKeys) {
  std::vector<KeySecret> keys(20);
  for (auto& k : keys) crypto::RandomFill(k);
  const std::string msg = "the same plaintext under many keys";
  std::vector<Bytes> sealed;
  for (int round = 0; round < 3; round++) {
    for (size_t i = 0; i < keys.size(); i++) {
      Bytes out(msg.size() + kGcmOverhead);
      GcmSeal(keys[i], AsBytes(msg), out.data());
      // Cross-check with the general-purpose API.
      auto plain = crypto::AesGcmOpen(keys[i], out);
      ASSERT_TRUE(plain.ok());
      EXPECT_EQ(std::string(AsChars(*plain)), msg);
      sealed.push_back(out);
    }
  }
  for (size_t j = 0; j < sealed.size(); j++) {
    const KeySecret& right = keys[j % keys.size()];
    const KeySecret& wrong = keys[(j + 1) % keys.size()];
    std::string out(msg.size(), '\0');
    EXPECT_TRUE(GcmOpen(right.data(), sealed[j], reinterpret_cast<uint8_t*>(out.data())));
    EXPECT_EQ(out, msg);
    EXPECT_FALSE(GcmOpen(wrong.data(), sealed[j], reinterpret_cast<uint8_t*>(out.data())));
    EXPECT_TRUE(GcmOpen(right.data(), sealed[j], reinterpret_cast<uint8_t*>(out.data())));
  }
}

TEST(GcmCache, AadAndFixedIvMatchGeneralApi) {
  KeySecret key;
  crypto::RandomFill(key);
  uint8_t iv[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  const std::string msg = "payload", aad = "[1700000000000]";
  Bytes out(msg.size() + kGcmOverhead);
  GcmSealWithIv(key, iv, AsBytes(msg), out.data(), AsBytes(aad));
  auto expect = crypto::AesGcmEncrypt(key, ByteSpan(iv, 12), AsBytes(msg), AsBytes(aad));
  ASSERT_TRUE(expect.ok());
  EXPECT_EQ(Bytes(out.begin() + 12, out.end()), *expect);
  std::string back(msg.size(), '\0');
  EXPECT_TRUE(GcmOpen(key.data(), out, reinterpret_cast<uint8_t*>(back.data()), AsBytes(aad)));
  EXPECT_FALSE(GcmOpen(key.data(), out, reinterpret_cast<uint8_t*>(back.data()), AsBytes("[2]")));
  EXPECT_FALSE(
      GcmOpen(key.data(), ByteSpan(out).first(27), reinterpret_cast<uint8_t*>(back.data())));
}

TEST(Sha256Parts, ProviderDispatchMatchesEvpForEveryLengthAndSplit) {
  // On a standard OpenSSL 3 the direct provider path is taken; the fallback is EVP itself.
  EXPECT_TRUE(Sha256UsesProviderDispatch());
  Bytes data(300);
  crypto::RandomFill(data);
  for (size_t n = 0; n <= data.size(); n += 7) {
    ByteSpan all(data.data(), n);
    crypto::Sha256Digest expect = crypto::Sha256(all);
    uint8_t one[32], split[32];
    Sha256Parts({all}, one);
    Sha256Parts({all.first(n / 3), all.subspan(n / 3, n / 2 - n / 3), all.subspan(n / 2)}, split);
    EXPECT_EQ(0, std::memcmp(one, expect.data(), 32)) << n;
    EXPECT_EQ(0, std::memcmp(split, expect.data(), 32)) << n;
  }
}

TEST(CtrCache, ManyKeysAlternatingMatchGeneralApi) {
  // More keys than cache slots, revisited in a different order: every call must use its own key
  // and a counter starting at its own IV, never state left over from a previous call.
  std::vector<KeySecret> keys(12);
  for (auto& k : keys) crypto::RandomFill(k);
  Bytes data(40);
  crypto::RandomFill(data);
  for (int round = 0; round < 3; round++) {
    for (size_t j = 0; j < keys.size(); j++) {
      size_t i = round == 1 ? keys.size() - 1 - j : j;
      uint8_t iv[16];
      crypto::RandomFill(std::span<uint8_t>(iv, 16));
      iv[15] = 0xFE;  // the counter crosses a byte boundary inside the 40 bytes
      for (size_t len : {size_t{16}, size_t{40}}) {
        Bytes out(len);
        AesCtr(keys[i].data(), iv, data.data(), len, out.data());
        auto expect = crypto::AesCtr(keys[i], ByteSpan(iv, 16), ByteSpan(data.data(), len));
        ASSERT_TRUE(expect.ok());
        EXPECT_EQ(out, *expect) << "key " << i << " len " << len;
      }
    }
  }
}

TEST(GcmSealInPlace, MatchesGeneralApiOpen) {
  KeySecret key;
  crypto::RandomFill(key);
  const std::string msg = "sealed where it lies";
  Bytes buf(kGcmIv + msg.size() + kGcmTag);
  std::copy(msg.begin(), msg.end(), buf.begin() + kGcmIv);
  GcmSealInPlace(key, buf.data(), msg.size());
  auto plain = crypto::AesGcmOpen(key, buf);
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(std::string(AsChars(*plain)), msg);
  // And opened in place again.
  ASSERT_TRUE(GcmOpen(key.data(), buf, buf.data() + kGcmIv));
  EXPECT_EQ(std::string(AsChars(ByteSpan(buf).subspan(kGcmIv, msg.size()))), msg);
}

}  // namespace
}  // namespace uid2::operator_identity::internal
