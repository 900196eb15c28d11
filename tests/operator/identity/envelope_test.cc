// Request/response envelopes: the V2RequestUtilTest vector (spec §2.2), every error message,
// the 2-minute window edges, binary bodies and the base64 fallback, and response round trips.
#include "operator/identity/envelope.h"

#include <gtest/gtest.h>

#include "common/encoding.h"
#include "common/json.h"

namespace uid2::operator_identity {
namespace {

// Values of uid2-operator's V2RequestUtilTest.
constexpr std::string_view kSecret = "YGdzZw9oM2RzBgB8THMyAEe408lvdfsTsGteaLAGayY=";
constexpr int64_t kVectorNow = 1710907366130;  // 2024-03-20T04:02:46.130Z
constexpr std::string_view kVectorEnvelope =
    "ATDX9gBKxgQaLwUi9ZDbSqo1b66u55jEN322XSR+aCvOy/c3ZiaVOh8VG22pDUSSNaUqfUwwxxYT0pS9zjW7oVPCeluHU5"
    "GCc+6A+LUTIQ8vOR+1CN7ds/61Bp82RzKf5wPABMNtqr1XkoN6d5FU/R0vpxf2hfo1cYYmW0ziCy15pPh17GN2vNTn6Y"
    "K6g+MAi/dDC7mG+Mxnh9ZaEz+3IetgDPWfp5zHh/T3LWhDAA+2drlDn8KwcQE/TYKh5raR4BDHmhgBUCU6+nymoWruNY"
    "xzcII63xMTLMTGzpinNnTL3iBPII9lKRJJ2ZrGjjgMMXi066iaDDpBHH3xY+bAwriU+6GEsE8bveRMwRqT83gmkYp6mn"
    "+75Yrpdw==";
constexpr std::string_view kVectorToken =
    "AdvertisingTokenmZ4dZgeuXXl6DhoXqbRXQbHlHhA96leN94U1uavZVspwKXlfWETZ3b%2FbesPFFvJxNLLySg4QEY"
    "HUAiyUrNncgnm7ppu0mi6wU2CW6hssiuEkKfstbo9XWgRUbWNTM%2BewMzXXM8G9j8Q%3D";
constexpr std::string_view kVectorEmailHash = "LdhtUlMQ58ZZy5YUqGPRQw5xUMS5dXG5ocJHYJHbAKI=";
constexpr int64_t kMalformedNow = 1710916395627;  // 2024-03-20T06:33:15.627Z
constexpr std::string_view kMalformedJsonEnvelope =
    "AWDCc1W2zSIJUFbCF1Ti7FxS9Vq4xywgUxHWm60+aaNIbk9k1c3GLjcezo6ZGx3J9TUEKdCXLVi+t2d4T17acgSZYRhfTU"
    "C6OfxEHxzSkhDLviQ6BXqrx0Ute5PWT55FYG5dR8YM8CAUfLuWSxCq4yB+aJ/Sojpl2nmDO7sn7D6K+dAsdCtyciM+8i"
    "hxzOb7obhlOhjS5159XqkQTcAQvbfLXi/QJRtFPoDBpwQQZ3TvBFPUvh8uiT0Zb708Xt7zt9NHziqkwAcJWIvnTgLkxB"
    "dACpbGGl3mNcwJhHwBM0m9zlSy050yyx/b+U1mJxjj5yqBwaNSzTKiGHs+M1+vhmVD8w7J13Ec+jAUa8rUeN7c61GD/R"
    "h7GndeEBo4WVLvfw==";

KeySecret Secret() { return ParseKeySecret(kSecret).value(); }

EnvelopeError Decode(std::string_view body, int64_t now, DecodedRequest* out,
                     BodyEncoding enc = BodyEncoding::kBase64Text,
                     const KeySecret& secret = Secret()) {
  return DecodeRequestEnvelope(AsBytes(body), enc, secret, now, out);
}

TEST(Envelope, ReferenceVectorDecrypts) {
  DecodedRequest req;
  ASSERT_EQ(Decode(kVectorEnvelope, kVectorNow, &req), EnvelopeError::kOk);
  EXPECT_EQ(req.timestamp_ms, 1710907366130);
  EXPECT_EQ(HexEncode(req.nonce), "30e8280192351c0c");
  ASSERT_TRUE(req.payload.has_value());
  const rapidjson::Document& doc = *req.payload;
  ASSERT_TRUE(doc.IsObject());
  EXPECT_EQ(doc.MemberCount(), 2u);
  EXPECT_EQ(std::string_view(doc["token"].GetString()), kVectorToken);
  EXPECT_EQ(std::string_view(doc["email_hash"].GetString()), kVectorEmailHash);
  EXPECT_EQ(req.response_encoding, BodyEncoding::kBase64Text);
}

TEST(Envelope, ReferenceErrorMessages) {
  DecodedRequest req;
  EXPECT_EQ(Decode("", kVectorNow, &req), EnvelopeError::kBodyMissing);
  EXPECT_EQ(Decode("test string", kVectorNow, &req), EnvelopeError::kNotBase64);
  EXPECT_EQ(Decode("dGVzdA==", kVectorNow, &req), EnvelopeError::kTooShort);
  EXPECT_EQ(Decode(kMalformedJsonEnvelope, kMalformedNow, &req), EnvelopeError::kBadJson);
  std::string v2 = Base64Encode(Bytes(64, 2));
  EXPECT_EQ(Decode(v2, kVectorNow, &req), EnvelopeError::kVersionMismatch);
  KeySecret wrong = ParseKeySecret("gXQbQ460HNwOHOauI2R+g2gHG3GV6pQXHwTWHVewwlU=").value();
  EXPECT_EQ(Decode(kVectorEnvelope, kVectorNow, &req, BodyEncoding::kBase64Text, wrong),
            EnvelopeError::kWrongSecret);
  EXPECT_EQ(Decode(kVectorEnvelope, kVectorNow + 3600000, &req), EnvelopeError::kStaleTimestamp);

  EXPECT_EQ(EnvelopeErrorMessage(EnvelopeError::kBodyMissing), "Invalid body: Body is missing.");
  EXPECT_EQ(EnvelopeErrorMessage(EnvelopeError::kNotBase64),
            "Invalid body: Body is not valid base64.");
  EXPECT_EQ(EnvelopeErrorMessage(EnvelopeError::kTooShort),
            "Invalid body: Body too short. Check encryption method.");
  EXPECT_EQ(EnvelopeErrorMessage(EnvelopeError::kVersionMismatch),
            "Invalid body: Version mismatch.");
  EXPECT_EQ(EnvelopeErrorMessage(EnvelopeError::kWrongSecret),
            "Invalid body: Check encryption key (ClientSecret).");
  EXPECT_EQ(EnvelopeErrorMessage(EnvelopeError::kStaleTimestamp),
            "Invalid timestamp: Request too old or client time drift.");
  EXPECT_EQ(EnvelopeErrorMessage(EnvelopeError::kBadJson),
            "Invalid payload in body: Data is not valid json string.");
}

TEST(Envelope, MinimumSizeIs45Bytes) {
  std::array<uint8_t, 8> nonce{};
  // 16-byte plaintext (no JSON, as the cpp11 client sends): 1 + 12 + 16 + 16 = 45 bytes.
  std::string env = EncodeRequestEnvelope("", nonce, Secret(), kVectorNow, BodyEncoding::kBinary);
  ASSERT_EQ(env.size(), 45u);
  DecodedRequest req;
  EXPECT_EQ(Decode(env, kVectorNow, &req, BodyEncoding::kBinary), EnvelopeError::kOk);
  EXPECT_FALSE(req.payload.has_value());
  EXPECT_EQ(Decode(env.substr(0, 44), kVectorNow, &req, BodyEncoding::kBinary),
            EnvelopeError::kTooShort);
}

TEST(Envelope, TimestampWindowEdges) {
  const int64_t now = 1710907366130;
  EXPECT_TRUE(IsTimestampFresh(now, now));
  EXPECT_TRUE(IsTimestampFresh(now - 119999, now));   // 1 min 59.999 s old
  EXPECT_FALSE(IsTimestampFresh(now - 120000, now));  // 2 min old
  EXPECT_TRUE(IsTimestampFresh(now + 119000, now));   // 1 min 59 s ahead
  EXPECT_FALSE(IsTimestampFresh(now + 119001, now));  // floors to -120 s
  EXPECT_FALSE(IsTimestampFresh(INT64_MIN, now));
  EXPECT_FALSE(IsTimestampFresh(INT64_MAX, -now));
  // Fuzzer finding: the difference must not overflow (INT64_MIN + now was let through).
  EXPECT_FALSE(IsTimestampFresh(INT64_MIN + now, now));
  EXPECT_FALSE(IsTimestampFresh(INT64_MIN + now - 1, now));
  EXPECT_FALSE(IsTimestampFresh(INT64_MAX, INT64_MIN));
  EXPECT_FALSE(IsTimestampFresh(INT64_MIN, INT64_MAX));
  // And through the decoder, with a fresh envelope.
  std::array<uint8_t, 8> nonce{1, 2, 3, 4, 5, 6, 7, 8};
  std::string env = EncodeRequestEnvelope("{}", nonce, Secret(), now, BodyEncoding::kBase64Text);
  DecodedRequest req;
  EXPECT_EQ(Decode(env, now + 119999, &req), EnvelopeError::kOk);
  EXPECT_EQ(Decode(env, now + 120000, &req), EnvelopeError::kStaleTimestamp);
  EXPECT_EQ(Decode(env, now - 119001, &req), EnvelopeError::kStaleTimestamp);
}

TEST(Envelope, JsonMustBeAnObject) {
  std::array<uint8_t, 8> nonce{};
  DecodedRequest req;
  for (std::string_view json : {"[]", "1", "\"s\"", "{", "{} x", "null", "{\"a\":\"\xff\"}"}) {
    std::string env =
        EncodeRequestEnvelope(json, nonce, Secret(), kVectorNow, BodyEncoding::kBase64Text);
    EXPECT_EQ(Decode(env, kVectorNow, &req), EnvelopeError::kBadJson) << json;
  }
}

TEST(Envelope, BinaryBodiesAndFallback) {
  std::array<uint8_t, 8> nonce{9, 9, 9, 9, 9, 9, 9, 9};
  std::string bin =
      EncodeRequestEnvelope("{\"a\":1}", nonce, Secret(), kVectorNow, BodyEncoding::kBinary);
  DecodedRequest req;
  ASSERT_EQ(Decode(bin, kVectorNow, &req, BodyEncoding::kBinary), EnvelopeError::kOk);
  EXPECT_EQ(req.response_encoding, BodyEncoding::kBinary);
  EXPECT_EQ((*req.payload)["a"].GetInt(), 1);
  // Base64 text sent as octet-stream: parsed as text, answered as text.
  ASSERT_EQ(Decode(kVectorEnvelope, kVectorNow, &req, BodyEncoding::kBinary), EnvelopeError::kOk);
  EXPECT_EQ(req.response_encoding, BodyEncoding::kBase64Text);
  // Corrupt binary that is not base64: the binary error.
  std::string corrupt(64, '\x02');
  EXPECT_EQ(Decode(corrupt, kVectorNow, &req, BodyEncoding::kBinary),
            EnvelopeError::kVersionMismatch);
  // Base64 of a corrupt envelope as octet-stream: the decoded bytes' error wins.
  EXPECT_EQ(Decode(Base64Encode(Bytes(64, 2)), kVectorNow, &req, BodyEncoding::kBinary),
            EnvelopeError::kVersionMismatch);
  // A binary envelope sent as text is not base64.
  EXPECT_EQ(Decode(bin, kVectorNow, &req), EnvelopeError::kNotBase64);
}

TEST(Envelope, TamperedBytesFailAuthentication) {
  Bytes env = *Base64Decode(kVectorEnvelope);
  DecodedRequest req;
  for (size_t i = 1; i < env.size(); i += 5) {
    Bytes t = env;
    t[i] ^= 0x01;
    EXPECT_EQ(Decode(Base64Encode(t), kVectorNow, &req), EnvelopeError::kWrongSecret) << i;
  }
}

TEST(Response, RoundTripTextAndBinary) {
  std::array<uint8_t, 8> nonce{0x30, 0xe8, 0x28, 0x01, 0x92, 0x35, 0x1c, 0x0c};
  const std::string json = "{\"status\":\"success\",\"body\":{}}";
  for (BodyEncoding enc : {BodyEncoding::kBase64Text, BodyEncoding::kBinary}) {
    std::string body = EncodeResponseEnvelope(json, nonce, Secret(), 1710907366999, enc);
    // IV 12 + (8 + 8 + json) + tag 16, no version byte.
    size_t raw_size = 12 + 16 + json.size() + 16;
    if (enc == BodyEncoding::kBinary) {
      EXPECT_EQ(body.size(), raw_size);
    } else {
      EXPECT_EQ(Base64Decode(body)->size(), raw_size);
    }
    auto dec = DecodeResponseEnvelope(AsBytes(body), enc, Secret());
    ASSERT_TRUE(dec.ok()) << dec.error().message();
    EXPECT_EQ(dec->timestamp_ms, 1710907366999);
    EXPECT_EQ(dec->nonce, nonce);
    EXPECT_EQ(dec->json, json);
  }
  KeySecret wrong{};
  std::string body = EncodeResponseEnvelope(json, nonce, Secret(), 1, BodyEncoding::kBase64Text);
  EXPECT_FALSE(DecodeResponseEnvelope(AsBytes(body), BodyEncoding::kBase64Text, wrong).ok());
}

TEST(Envelope, InSituParseAcceptsExactlyWhatALengthBoundedParseAccepts) {
  // The payload is parsed in place (strings unescaped into the decrypted buffer) and the parse
  // ends at a NUL written over the tag: the verdicts and values must be those of an ordinary
  // parse of the JSON bytes, including escapes and embedded NULs.
  std::array<uint8_t, 8> nonce{};
  const std::string cases[] = {
      R"({"email":["a@b.com","c\"d@e.com","\u00e9@x.fr"]})",
      std::string("{\"a\":1}\0garbage", 16),
      std::string("{\"a\":\"x\0y\"}", 11),
      std::string("\0{}", 3),
      R"({"a":[1,2,{"b":null}]}  )",
      "{\"a\":\"\xc3\xa9\"}",
      "{\"a\":\"\xc3\"}",
  };
  for (const std::string& json : cases) {
    rapidjson::Document expect;
    expect.Parse<rapidjson::kParseValidateEncodingFlag>(json.data(), json.size());
    bool expect_ok = !expect.HasParseError() && expect.IsObject();
    for (BodyEncoding enc : {BodyEncoding::kBase64Text, BodyEncoding::kBinary}) {
      std::string env = EncodeRequestEnvelope(json, nonce, Secret(), kVectorNow, enc);
      DecodedRequest req;
      EnvelopeError err = Decode(env, kVectorNow, &req, enc);
      ASSERT_EQ(err == EnvelopeError::kOk, expect_ok) << HexEncode(AsBytes(json));
      if (!expect_ok) {
        EXPECT_EQ(err, EnvelopeError::kBadJson);
        continue;
      }
      EXPECT_TRUE(*req.payload == expect) << json;
    }
  }
  DecodedRequest req;
  std::string env = EncodeRequestEnvelope(R"({"email":["a\"b@c.com"]})", nonce, Secret(),
                                          kVectorNow, BodyEncoding::kBase64Text);
  ASSERT_EQ(Decode(env, kVectorNow, &req), EnvelopeError::kOk);
  EXPECT_EQ(std::string_view((*req.payload)["email"][0].GetString()), "a\"b@c.com");
}

TEST(Response, FrameSealedInPlaceEqualsEncodedEnvelope) {
  std::array<uint8_t, 8> nonce{1, 2, 3, 4, 5, 6, 7, 8};
  const std::string json = R"({"status":"success","body":{"email":[]}})";
  for (BodyEncoding enc : {BodyEncoding::kBase64Text, BodyEncoding::kBinary}) {
    std::string frame;
    ResponseFrameStart(&frame, json.size());
    ASSERT_EQ(frame.size(), kResponseFrameHeader);
    frame += json;
    std::string body = SealResponseFrame(std::move(frame), nonce, Secret(), 1710907366999, enc);
    std::string other = EncodeResponseEnvelope(json, nonce, Secret(), 1710907366999, enc);
    EXPECT_EQ(body.size(), other.size());
    EXPECT_NE(body, other);  // fresh random IVs
    auto dec = DecodeResponseEnvelope(AsBytes(body), enc, Secret());
    ASSERT_TRUE(dec.ok()) << dec.error().message();
    EXPECT_EQ(dec->timestamp_ms, 1710907366999);
    EXPECT_EQ(dec->nonce, nonce);
    EXPECT_EQ(dec->json, json);
  }
}

TEST(KeyedReply, RoundTripNoTimestampNoNonce) {
  KeySecret key = Secret();
  const std::string json = "{\"status\":\"optout\"}";
  std::string reply = EncodeKeyedReply(json, key);
  EXPECT_EQ(Base64Decode(reply)->size(), 12 + json.size() + 16);
  auto back = DecodeKeyedReply(reply, key);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, json);
  KeySecret wrong{};
  EXPECT_EQ(DecodeKeyedReply(reply, wrong).error().code(), ErrorCode::kVerifyFailed);
  EXPECT_FALSE(DecodeKeyedReply("!!", key).ok());
  EXPECT_FALSE(DecodeKeyedReply("AAAA", key).ok());
}

TEST(ParseKeySecret, ThirtyTwoBytesOnly) {
  EXPECT_TRUE(ParseKeySecret(kSecret).has_value());
  EXPECT_FALSE(ParseKeySecret("dGVzdA==").has_value());
  EXPECT_FALSE(ParseKeySecret("not base64!").has_value());
}

}  // namespace
}  // namespace uid2::operator_identity
