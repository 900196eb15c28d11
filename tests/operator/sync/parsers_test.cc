// The attested sync's parsers: attest reply, ISO times, encrypted envelopes, cloud keys,
// opt-out metadata. Each check has a case that fails when the check is removed.
#include <gtest/gtest.h>

#include "attest/tcb.h"
#include "common/encoding.h"
#include "crypto/cipher.h"
#include "operator/sync/attest_reply.h"
#include "operator/sync/encrypted_file.h"
#include "operator/sync/optout_sync.h"

namespace uid2::sync {
namespace {

std::string Reply(const std::string& body, const std::string& status = "success") {
  return "{\"status\":\"" + status + "\",\"body\":" + body + "}";
}

TEST(AttestReply, ParsesEveryField) {
  auto r = ParseAttestReply(Reply(
      R"({"attestation_token":"AAEC","expiresAt":"2026-12-07T22:00:00Z","optout_url":"http://o",
          "attestation_jwt_optout":"jo","attestation_jwt_core":"jc"})"));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->encrypted_token, (Bytes{0, 1, 2}));
  EXPECT_EQ(r->expires_at_ms, 1796680800000);
  EXPECT_EQ(*r->optout_url, "http://o");
  EXPECT_EQ(*r->jwt_optout, "jo");
  EXPECT_EQ(*r->jwt_core, "jc");
}

TEST(AttestReply, OptionalFieldsMayBeAbsent) {
  auto r =
      ParseAttestReply(Reply(R"({"attestation_token":"AAEC","expiresAt":"2026-12-07T22:00:00Z"})"));
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->optout_url);
  EXPECT_FALSE(r->jwt_core);
}

TEST(AttestReply, RefusesBadReplies) {
  const char* ok_body = R"({"attestation_token":"AAEC","expiresAt":"2026-12-07T22:00:00Z"})";
  EXPECT_FALSE(ParseAttestReply(Reply(ok_body, "failure")).ok());
  EXPECT_FALSE(ParseAttestReply(R"({"body":{}})").ok());
  EXPECT_FALSE(ParseAttestReply(R"({"status":"success"})").ok());
  EXPECT_FALSE(ParseAttestReply(R"({"status":"success","body":[]})").ok());
  EXPECT_FALSE(ParseAttestReply(Reply(R"({"expiresAt":"2026-12-07T22:00:00Z"})")).ok());
  EXPECT_FALSE(ParseAttestReply(Reply(R"({"attestation_token":"AAEC"})")).ok());
  EXPECT_FALSE(
      ParseAttestReply(Reply(R"({"attestation_token":"!!","expiresAt":"2026-12-07T22:00:00Z"})"))
          .ok());
  EXPECT_FALSE(
      ParseAttestReply(Reply(R"({"attestation_token":"AAEC","expiresAt":"tomorrow"})")).ok());
  EXPECT_FALSE(
      ParseAttestReply(
          Reply(
              R"({"attestation_token":"AAEC","expiresAt":"2026-12-07T22:00:00Z","optout_url":5})"))
          .ok());
  EXPECT_FALSE(ParseAttestReply("not json").ok());
}

TEST(IsoTime, ParsesUtcForms) {
  EXPECT_EQ(*ParseIsoUtcMs("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(*ParseIsoUtcMs("2026-12-07T22:00:00.250Z"), 1796680800250);
  EXPECT_EQ(*ParseIsoUtcMs("2026-12-07T22:00:00.123456789Z"), 1796680800123);
  EXPECT_EQ(*ParseIsoUtcMs("2026-12-07T22:00:00+00:00"), 1796680800000);
  EXPECT_EQ(attest::FormatIsoTime(1796680800999 / 1000), "2026-12-07T22:00:00Z");
  for (const char* bad : {"", "2026-12-07", "2026-12-07T22:00:00", "2026-12-07T22:00:00+01:00",
                          "2026-13-07T22:00:00Z", "2026-12-07T24:00:00Z", "2026-12-07 22:00:00Z",
                          "2026-12-07T22:00:00.Z", "20x6-12-07T22:00:00Z"}) {
    EXPECT_FALSE(ParseIsoUtcMs(bad).ok()) << bad;
  }
}

TEST(AttestRequest, CarriesTheDocumentKeyAndVersions) {
  std::string body = BuildAttestRequest(Bytes{0}, Bytes{1, 2, 3}, "private");
  EXPECT_NE(body.find("\"attestation_request\":\"AA==\""), std::string::npos);
  EXPECT_NE(body.find("\"public_key\":\"AQID\""), std::string::npos);
  EXPECT_NE(body.find("\"application_name\":\"uid2-operator\""), std::string::npos);
  EXPECT_NE(body.find("\"operator_type\":\"private\""), std::string::npos);
  EXPECT_NE(body.find("\"components\":{"), std::string::npos);
  EXPECT_EQ(AppVersionHeader().rfind("uid2-operator=", 0), 0u);
}

CloudKeys OneKey(int64_t id, uint8_t fill) { return CloudKeys{{id, Bytes(32, fill)}}; }

std::string Envelope(int64_t id, ByteSpan payload) {
  return "{\"key_id\":" + std::to_string(id) + ",\"encrypted_payload\":\"" + Base64Encode(payload) +
         "\"}";
}

TEST(EncryptedFile, RoundTrip) {
  CloudKeys keys = OneKey(7, 0x11);
  Bytes sealed = *crypto::AesGcmSeal(keys[7], AsBytes(std::string("[1,2,3]")));
  auto env = ParseEncryptedEnvelope(Envelope(7, sealed));
  ASSERT_TRUE(env.ok()) << env.error().message();
  auto plain = DecryptEnvelope(*env, keys);
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(*plain, "[1,2,3]");
}

TEST(EncryptedFile, UnknownKeyIdIsNotFound) {
  CloudKeys keys = OneKey(7, 0x11);
  Bytes sealed = *crypto::AesGcmSeal(keys[7], AsBytes(std::string("x")));
  auto plain = DecryptEnvelope(*ParseEncryptedEnvelope(Envelope(8, sealed)), keys);
  ASSERT_FALSE(plain.ok());
  EXPECT_EQ(plain.error().code(), ErrorCode::kNotFound);
}

TEST(EncryptedFile, TamperedOrWrongKeyFailsVerification) {
  CloudKeys keys = OneKey(7, 0x11);
  Bytes sealed = *crypto::AesGcmSeal(keys[7], AsBytes(std::string("content")));
  Bytes tampered = sealed;
  tampered[14] ^= 1;
  auto a = DecryptEnvelope(*ParseEncryptedEnvelope(Envelope(7, tampered)), keys);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().code(), ErrorCode::kVerifyFailed);
  auto b = DecryptEnvelope(*ParseEncryptedEnvelope(Envelope(7, sealed)), OneKey(7, 0x22));
  EXPECT_FALSE(b.ok());
}

TEST(EncryptedFile, RefusesMalformedEnvelopes) {
  EXPECT_FALSE(ParseEncryptedEnvelope("[]").ok());
  EXPECT_FALSE(ParseEncryptedEnvelope(R"({"encrypted_payload":"AAAA"})").ok());
  EXPECT_FALSE(ParseEncryptedEnvelope(R"({"key_id":"7","encrypted_payload":"AAAA"})").ok());
  EXPECT_FALSE(ParseEncryptedEnvelope(R"({"key_id":7})").ok());
  EXPECT_FALSE(ParseEncryptedEnvelope(R"({"key_id":7,"encrypted_payload":"%%%"})").ok());
  // 27 bytes: shorter than IV + tag.
  EXPECT_FALSE(ParseEncryptedEnvelope(Envelope(7, Bytes(27))).ok());
  EXPECT_TRUE(ParseEncryptedEnvelope(Envelope(7, Bytes(28))).ok());
}

TEST(CloudKeys, ParsesTheRetrieveReplyAndTheBareArray) {
  const std::string rec =
      R"([{"id":1,"site_id":999,"activates":1,"created":1,"secret":"mydrCudb2PZOm01Qn0SpthltmexHUAA11Hy1m+uxjVw="}])";
  auto a = ParseCloudEncryptionKeys("{\"s3Keys\":" + rec + "}");
  ASSERT_TRUE(a.ok()) << a.error().message();
  EXPECT_EQ(a->at(1).size(), 32u);
  EXPECT_TRUE(ParseCloudEncryptionKeys(rec).ok());
  // uid2-core's current reply.
  auto c = ParseCloudEncryptionKeys("{\"cloud_encryption_keys\":" + rec + "}");
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_EQ(c->at(1).size(), 32u);
  EXPECT_FALSE(ParseCloudEncryptionKeys("{}").ok());
  EXPECT_FALSE(ParseCloudEncryptionKeys("{\"keys\":" + rec + "}").ok());
  EXPECT_FALSE(ParseCloudEncryptionKeys(R"([{"secret":"AAAA"}])").ok());
  EXPECT_FALSE(ParseCloudEncryptionKeys(R"([{"id":1,"secret":"AAAA"}])").ok());  // 3 bytes
  EXPECT_FALSE(ParseCloudEncryptionKeys(R"([{"id":1}])").ok());
  EXPECT_FALSE(ParseCloudEncryptionKeys(R"([5])").ok());
}

TEST(OptOutMetadata, ParsesLogs) {
  auto m = ParseOptOutMetadata(
      R"({"version":3,"generated":9,"optout_logs":[{"type":"delta","from":1,"to":2,"location":"http://h/a.dat?x=1"}]})");
  ASSERT_TRUE(m.ok()) << m.error().message();
  EXPECT_EQ(m->version, 3);
  ASSERT_EQ(m->logs.size(), 1u);
  EXPECT_EQ(m->logs[0].location, "http://h/a.dat?x=1");
  EXPECT_FALSE(ParseOptOutMetadata(R"({"optout_logs":[]})").ok());
  EXPECT_FALSE(ParseOptOutMetadata(R"({"version":1})").ok());
  EXPECT_FALSE(
      ParseOptOutMetadata(R"({"version":1,"optout_logs":[{"type":"x","location":"l"}]})").ok());
  EXPECT_FALSE(ParseOptOutMetadata(R"({"version":1,"optout_logs":[{"type":"delta"}]})").ok());
  EXPECT_FALSE(ParseOptOutMetadata(R"({"version":1,"optout_logs":[7]})").ok());
}

TEST(OptOutMetadata, FileNamesMustBeOptOutNames) {
  const char* good = "optout-delta-001_2026-12-07T21.00.00Z_0000abcd.dat";
  EXPECT_EQ(OptOutFileNameOf(std::string("http://h/x/") + good + "?sig=1"), good);
  EXPECT_EQ(OptOutFileNameOf("http://h/x/../../etc/passwd"), "");
  EXPECT_EQ(OptOutFileNameOf("http://h/x/evil.dat"), "");
  EXPECT_EQ(OptOutFileNameOf(std::string("http://h/x/") + good + "/.."), "");
}

}  // namespace
}  // namespace uid2::sync
