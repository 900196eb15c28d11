// OpenEncryptedFile (the piecewise path for large core files) against the reference pair
// ParseEncryptedEnvelope + DecryptEnvelope: the same plaintext for every valid envelope, the
// same error code for every bad one, including shapes its fast path must not take.
#include <gtest/gtest.h>

#include "common/encoding.h"
#include "crypto/cipher.h"
#include "operator/sync/encrypted_file.h"

namespace uid2::sync {
namespace {

CloudKeys OneKey(int64_t id, uint8_t fill) { return CloudKeys{{id, Bytes(32, fill)}}; }

std::string Envelope(int64_t id, const std::string& b64) {
  return "{\"key_id\":" + std::to_string(id) + ",\"encrypted_payload\":\"" + b64 + "\"}";
}

Result<std::string> Reference(std::string_view json, const CloudKeys& keys) {
  UID2_ASSIGN_OR_RETURN(EncryptedEnvelope env, ParseEncryptedEnvelope(json));
  return DecryptEnvelope(env, keys);
}

// ExpectSame: both paths agree (value or error code).
void ExpectSame(const std::string& json, const CloudKeys& keys) {
  auto want = Reference(json, keys);
  auto got = OpenEncryptedFile(json, keys);
  ASSERT_EQ(got.ok(), want.ok()) << json.substr(0, 120)
                                 << (want.ok() ? "" : " want: " + want.error().message());
  if (want.ok()) {
    EXPECT_EQ(*got, *want);
  } else {
    EXPECT_EQ(got.error().code(), want.error().code())
        << got.error().message() << " / " << want.error().message();
  }
  // The in-place variant gives the same answer.
  auto in_place = OpenEncryptedFileInPlace(json, keys);
  ASSERT_EQ(in_place.ok(), want.ok()) << json.substr(0, 120);
  if (want.ok()) {
    EXPECT_EQ(*in_place, *want);
  } else {
    EXPECT_EQ(in_place.error().code(), want.error().code()) << in_place.error().message();
  }
}

std::string Content(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; i++) s[i] = static_cast<char>('a' + (i * 7) % 26);
  return s;
}

TEST(OpenEncryptedFile, MatchesTheReferenceAcrossPieceBoundaries) {
  CloudKeys keys = OneKey(7, 0x11);
  // 0 bytes, tiny, and sizes around the 64 KiB-character (48 KiB-byte) pieces.
  for (size_t n : {size_t{0}, size_t{1}, size_t{100}, size_t{49'152 - 28}, size_t{49'152 - 12},
                   size_t{49'152}, size_t{49'152 + 5}, size_t{3 * 49'152 + 17}}) {
    Bytes sealed = *crypto::AesGcmSeal(keys[7], AsBytes(Content(n)));
    std::string json = Envelope(7, Base64Encode(sealed));
    auto got = OpenEncryptedFile(json, keys);
    ASSERT_TRUE(got.ok()) << n << ": " << got.error().message();
    EXPECT_EQ(*got, Content(n)) << n;
    ExpectSame(json, keys);
  }
}

TEST(OpenEncryptedFileInPlace, LargeFileReturnsItsOwnBufferWithTheText) {
  // 3 MB of content: several hundred pieces, and a tail over 1 MiB that is released.
  CloudKeys keys = OneKey(7, 0x11);
  const std::string content = Content(3'000'017);
  std::string json = Envelope(7, Base64Encode(*crypto::AesGcmSeal(keys[7], AsBytes(content))));
  const char* buffer = json.data();
  auto got = OpenEncryptedFileInPlace(std::move(json), keys);
  ASSERT_TRUE(got.ok()) << got.error().message();
  EXPECT_EQ(got->data(), buffer);  // no second buffer
  EXPECT_EQ(*got, content);
  got->append(std::string(1'500'000, 'z'));  // released pages are usable again
  EXPECT_EQ(got->substr(content.size(), 3), "zzz");
  // A wrong tag: the same error as the reference.
  std::string bad = Envelope(7, Base64Encode(*crypto::AesGcmSeal(keys[7], AsBytes(content))));
  bad[bad.size() - 4] = bad[bad.size() - 4] == 'A' ? 'B' : 'A';
  auto refused = OpenEncryptedFileInPlace(bad, keys);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), Reference(bad, keys).error().code());
}

TEST(OpenEncryptedFile, OtherShapesOfAValidEnvelope) {
  CloudKeys keys = OneKey(7, 0x11);
  std::string b64 = Base64Encode(*crypto::AesGcmSeal(keys[7], AsBytes(std::string("[1,2,3]"))));
  // The payload first, spaces, another member.
  std::string a = " {\"encrypted_payload\" : \"" + b64 + "\" ,\n \"key_id\": 7, \"x\": [1]} ";
  ExpectSame(a, keys);
  EXPECT_EQ(*OpenEncryptedFile(a, keys), "[1,2,3]");
  // An escaped '/' in the payload is valid JSON: the fast path must not take it.
  std::string escaped = b64;
  size_t slash = escaped.find('/');
  if (slash == std::string::npos) {
    escaped = b64;  // no '/' in this payload: escape a letter instead ("\u0041" = 'A')
    size_t pos = escaped.find('A');
    if (pos != std::string::npos) escaped.replace(pos, 1, "\\u0041");
  } else {
    escaped.replace(slash, 1, "\\/");
  }
  ExpectSame(Envelope(7, escaped), keys);
  EXPECT_TRUE(OpenEncryptedFile(Envelope(7, escaped), keys).ok());
  // The member name in a nested object first, with a payload-like value the fast path must not
  // take for the envelope's.
  std::string decoy = "{\"meta\":{\"encrypted_payload\":\"" + Base64Encode(Bytes(40)) +
                      "\"},\"key_id\":7,\"encrypted_payload\":\"" + b64 + "\"}";
  ExpectSame(decoy, keys);
  EXPECT_EQ(*OpenEncryptedFile(decoy, keys), "[1,2,3]");
}

TEST(OpenEncryptedFile, RefusesWhatTheReferenceRefuses) {
  CloudKeys keys = OneKey(7, 0x11);
  Bytes sealed = *crypto::AesGcmSeal(keys[7], AsBytes(Content(100'000)));
  std::string b64 = Base64Encode(sealed);
  std::vector<std::string> bad = {
      "",
      "[]",
      R"({"encrypted_payload":"AAAA"})",
      "{\"key_id\":\"7\",\"encrypted_payload\":\"" + b64 + "\"}",
      "{\"key_id\":7,\"encrypted_payload\":\"" + b64 + "\"",     // unterminated object
      "{\"key_id\":7,\"encrypted_payload\":\"" + b64 + "\"} x",  // trailing garbage
      "{\"key_id\":7 \"encrypted_payload\":\"" + b64 + "\"}",    // missing comma
      Envelope(8, b64),                                          // unknown key: kNotFound
      Envelope(7, Base64Encode(Bytes(27))),                      // shorter than IV + tag
      Envelope(7, b64.substr(0, b64.size() - 4)),                // tag cut: kVerifyFailed
      Envelope(7, b64.substr(0, b64.size() - 1)),                // not a multiple of 4
  };
  std::string mid = b64;
  mid[70'000] = '%';  // a bad character in the second piece
  bad.push_back(Envelope(7, mid));
  bad.push_back(Envelope(8, mid));  // bad payload and unknown key: the payload is reported
  std::string pad = b64;
  pad[65'535] = '=';  // '=' closing the first piece (only the last may be padded)
  bad.push_back(Envelope(7, pad));
  std::string flipped = b64;
  flipped[40'000] = flipped[40'000] == 'A' ? 'B' : 'A';  // tampered ciphertext
  bad.push_back(Envelope(7, flipped));
  std::string ctrl = b64;
  ctrl[10] = '\n';  // a raw control character inside the string
  bad.push_back(Envelope(7, ctrl));
  for (const std::string& json : bad) {
    SCOPED_TRACE(json.substr(0, 60));
    EXPECT_FALSE(OpenEncryptedFile(json, keys).ok());
    ExpectSame(json, keys);
  }
  EXPECT_EQ(OpenEncryptedFile(Envelope(8, b64), keys).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(OpenEncryptedFile(Envelope(7, flipped), keys).error().code(), ErrorCode::kVerifyFailed);
  EXPECT_EQ(OpenEncryptedFile(Envelope(7, b64), OneKey(7, 0x22)).error().code(),
            ErrorCode::kVerifyFailed);
}

}  // namespace
}  // namespace uid2::sync
