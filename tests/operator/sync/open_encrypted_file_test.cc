// EnvelopeReader / OpenEncryptedFile (the streaming path for large core files) against the
// reference pair ParseEncryptedEnvelope + DecryptEnvelope: the same plaintext for every valid
// envelope, the same error code and message for every bad one, for every split into pieces,
// including shapes its streaming path must not take.
#include <gtest/gtest.h>

#include <vector>

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

void ExpectSameResult(const Result<std::string>& got, const Result<std::string>& want,
                      const std::string& what) {
  ASSERT_EQ(got.ok(), want.ok()) << what << (want.ok() ? "" : " want: " + want.error().message())
                                 << (got.ok() ? "" : " got: " + got.error().message());
  if (want.ok()) {
    EXPECT_EQ(*got, *want) << what;
  } else {
    EXPECT_EQ(got.error().code(), want.error().code()) << what;
    EXPECT_EQ(got.error().message(), want.error().message()) << what;
  }
}

// Split feeds `json` to an EnvelopeReader in pieces cut at `cuts` (ascending offsets).
Result<std::string> Split(std::string_view json, const CloudKeys& keys,
                          const std::vector<size_t>& cuts, size_t expected = 0) {
  EnvelopeReader reader(keys);
  size_t at = 0;
  for (size_t cut : cuts) {
    reader.Append(json.substr(at, cut - at), expected);
    at = cut;
  }
  reader.Append(json.substr(at), expected);
  return reader.Finish();
}

// ExpectSame: the reader agrees with the reference (value, or error code and message), given the
// envelope whole, byte by byte, and in pieces of a few sizes.
void ExpectSame(const std::string& json, const CloudKeys& keys) {
  auto want = Reference(json, keys);
  const std::string what = json.substr(0, 120);
  ExpectSameResult(OpenEncryptedFile(json, keys), want, what + " (whole)");
  if (json.size() <= 20'000) {
    std::vector<size_t> cuts;
    for (size_t i = 1; i < json.size(); i++) cuts.push_back(i);
    ExpectSameResult(Split(json, keys, cuts), want, what + " (bytewise)");
  }
  for (size_t step : {size_t{3}, size_t{61}, size_t{4099}, size_t{65'537}}) {
    std::vector<size_t> cuts;
    for (size_t i = step; i < json.size(); i += step) cuts.push_back(i);
    ExpectSameResult(Split(json, keys, cuts, json.size()), want,
                     what + " (pieces of " + std::to_string(step) + ")");
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

TEST(EnvelopeReader, LargeFileInPieces) {
  // 3 MB of content in download-sized pieces (curl hands over up to 512 KiB at a time).
  CloudKeys keys = OneKey(7, 0x11);
  const std::string content = Content(3'000'017);
  std::string json = Envelope(7, Base64Encode(*crypto::AesGcmSeal(keys[7], AsBytes(content))));
  std::vector<size_t> cuts;
  for (size_t i = 16'384; i < json.size(); i += 16'384 + i % 7) cuts.push_back(i);
  auto got = Split(json, keys, cuts, json.size());
  ASSERT_TRUE(got.ok()) << got.error().message();
  EXPECT_EQ(*got, content);
  ExpectSame(json, keys);
  // A wrong tag: the same error as the reference, and no text.
  std::string bad = json;
  bad[bad.size() - 4] = bad[bad.size() - 4] == 'A' ? 'B' : 'A';
  auto refused = Split(bad, keys, cuts, bad.size());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), ErrorCode::kVerifyFailed);
  ExpectSame(bad, keys);
}

TEST(EnvelopeReader, EverySplitOfASmallEnvelope) {
  CloudKeys keys = OneKey(7, 0x11);
  const std::string json =
      Envelope(7, Base64Encode(*crypto::AesGcmSeal(keys[7], AsBytes(std::string("[1,2,3,4]")))));
  auto want = Reference(json, keys);
  ASSERT_TRUE(want.ok());
  for (size_t i = 0; i <= json.size(); i++) {
    for (size_t j = i; j <= json.size(); j++) {
      ExpectSameResult(Split(json, keys, {i, j}), want,
                       "cuts " + std::to_string(i) + "," + std::to_string(j));
    }
  }
}

TEST(EnvelopeReader, EveryTruncationAndEveryTamperedCharacter) {
  CloudKeys keys = OneKey(7, 0x11);
  const std::string json =
      Envelope(7, Base64Encode(*crypto::AesGcmSeal(keys[7], AsBytes(Content(40)))));
  for (size_t n = 0; n < json.size(); n++) ExpectSame(json.substr(0, n), keys);
  for (size_t i = 0; i < json.size(); i++) {
    for (char c : {'A', 'z', '=', '"', '\\', ' ', '\n', '\0', '}'}) {
      std::string bad = json;
      if (bad[i] == c) continue;
      bad[i] = c;
      ExpectSame(bad, keys);
    }
  }
}

TEST(EnvelopeReader, KeyIdAfterThePayloadWhitespaceAndUnknownKeys) {
  CloudKeys keys = OneKey(7, 0x11);
  std::string b64 = Base64Encode(*crypto::AesGcmSeal(keys[7], AsBytes(Content(5'000))));
  const std::vector<std::string> shapes = {
      "{\"encrypted_payload\":\"" + b64 + "\",\"key_id\":7}",
      " \r\n{ \"key_id\" :\t7 ,\n\"encrypted_payload\"\n:\r \"" + b64 + "\" \n} \n",
      "{\"key_id\":7,\"key_id\":8,\"encrypted_payload\":\"" + b64 + "\"}",
      "{\"key_id\":8,\"key_id\":7,\"encrypted_payload\":\"" + b64 + "\"}",
      "{\"key_id\":7,\"encrypted_payload\":\"" + b64 + "\",\"encrypted_payload\":\"AAAA\"}",
      "{\"key_id\":7,\"encrypted\\u005fpayload\":\"AAAA\",\"encrypted_payload\":\"" + b64 + "\"}",
      "{\"key_id\":7.0,\"encrypted_payload\":\"" + b64 + "\"}",
      "{\"key_id\":7,\"note\":\"encrypted_payload\",\"encrypted_payload\":\"" + b64 + "\"}",
      "{\"key_id\":7,\"encrypted_payload\":\"" + b64 + "\",\"x\":[1,{\"y\":null}]}",
      "{\"key_id\":7,\"encrypted_payload\":\"" + b64 + "\"}{}",
      "{\"key_id\":7,\"encrypted_payload\":\"" + b64 + std::string("\"}\0", 3),
      "[{\"key_id\":7,\"encrypted_payload\":\"" + b64 + "\"}]",
      "{\"key_id\":7,\"encrypted_payload\":\"" + b64 + "\"",
      "{\"key_id\":7,\"encrypted_payload\":\"" + b64,
      "{\"key_id\":7,\"encrypted_payload\":\"" + b64 + "AAAA\"}",
      "{\"key_id\":7,\"encrypted_payload\":\"" + b64.substr(0, 2000) + "\\/" + b64.substr(2001) +
          "\"}",
      "{\"key_id\":7,\"encrypted_payload\":\"" + b64.substr(0, 2000) + "\\u0041" +
          b64.substr(2001) + "\"}",
      "{\"key_id\":7,\"encrypted_payload\":\"" + b64.substr(0, 2000) + "\\x" + b64.substr(2001) +
          "\"}",
      "{\"key_id\":7,\"encrypted_payload\":\"" + b64.substr(0, 2000) + "\\uD800" +
          b64.substr(2001) + "\"}",
      "{\"key_id\":7,\"encrypted_payload\":\"" + b64.substr(0, 2000) + "\t" + b64.substr(2001) +
          "\"}",
      "{\"key_id\":7,\"encrypted_payload\":\"" + b64.substr(0, 2000) + "==" + b64.substr(2002) +
          "\"}",
      Envelope(8, b64),
      Envelope(7, b64.substr(0, 32)),
      Envelope(7, ""),
      Envelope(-1, b64),
      "{\"key_id\":99999999999999999999,\"encrypted_payload\":\"" + b64 + "\"}",
  };
  for (const std::string& json : shapes) ExpectSame(json, keys);
  EXPECT_TRUE(OpenEncryptedFile(shapes[0], keys).ok());
  EXPECT_TRUE(OpenEncryptedFile(shapes[1], keys).ok());
  EXPECT_EQ(OpenEncryptedFile(shapes[3], keys).error().code(), ErrorCode::kNotFound);
  // A key of the wrong size: AES-GCM's error, as the reference.
  CloudKeys short_key{{7, Bytes(16, 0x11)}};
  ExpectSame(Envelope(7, b64), short_key);
  ExpectSame(Envelope(7, "%%%%"), short_key);
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
