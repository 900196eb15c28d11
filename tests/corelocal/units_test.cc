// Unit tests of uid2-core-local's parts: operators file, allowlist, pre-signed URLs, opt-out
// records and names, SIGSTRUCT fields, JWTs.
#include <gtest/gtest.h>

#include <filesystem>

#include "common/encoding.h"
#include "common/file.h"
#include "corelocal/allowlist.h"
#include "corelocal/attest_request.h"
#include "corelocal/core_data.h"
#include "corelocal/jwt.h"
#include "corelocal/operators.h"
#include "corelocal/optout_log.h"
#include "corelocal/presign.h"
#include "corelocal/sessions.h"
#include "corelocal/sigstruct_fields.h"
#include "crypto/cipher.h"
#include "crypto/ec.h"
#include "crypto/hash.h"
#include "crypto/random.h"
#include "crypto/rsa.h"
#include "sgx/sigstruct.h"

namespace uid2::corelocal {
namespace {

std::string Hex(uint8_t fill) { return HexEncode(Bytes(32, fill)); }

// ---- operators ------------------------------------------------------------------------------

TEST(CoreLocalOperators, HashIsSha512OfSaltThenKeyAsTheReferenceKeyHasher) {
  // hashlib.sha512(b"\x01" * 32 + b"UID2-O-L-999-test").digest()
  Bytes salt(32, 0x01);
  Bytes expected_input = salt;
  std::string key = "UID2-O-L-999-test";
  expected_input.insert(expected_input.end(), key.begin(), key.end());
  auto d = crypto::Sha512(expected_input);
  EXPECT_EQ(HashKey(key, salt), Bytes(d.begin(), d.end()));
}

TEST(CoreLocalOperators, AuthenticatesOnlyTheRightKey) {
  NewOperatorKey a = MakeOperatorKey("a", 999, OperatorType::kPublic, "azure-sgx", 1);
  NewOperatorKey b = MakeOperatorKey("b", 123, OperatorType::kPrivate, "azure-sgx", 1);
  EXPECT_NE(a.key, b.key);
  auto parsed = ParseOperators(OperatorsToJson({a.entry, b.entry}));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  ASSERT_EQ(parsed->size(), 2u);
  EXPECT_EQ(Authenticate(*parsed, a.key)->name, "a");
  EXPECT_EQ(Authenticate(*parsed, b.key)->name, "b");
  EXPECT_EQ(Authenticate(*parsed, a.key + "x"), nullptr);
  EXPECT_EQ(Authenticate(*parsed, ""), nullptr);
  EXPECT_EQ((*parsed)[0].operator_type, OperatorType::kPublic);
  // The file never holds the key.
  EXPECT_EQ(OperatorsToJson(*parsed).find(a.key), std::string::npos);
}

TEST(CoreLocalOperators, Sha256HashesAreAccepted) {
  Bytes salt(32, 7);
  std::string key = "k";
  Bytes input = salt;
  input.push_back('k');
  auto d = crypto::Sha256(input);
  std::string json = R"([{"key_hash":")" + Base64Encode(d) + R"(","key_salt":")" +
                     Base64Encode(salt) + R"(","name":"n","protocol":"azure-sgx","site_id":1}])";
  auto ops = ParseOperators(json);
  ASSERT_TRUE(ops.ok()) << ops.error().message();
  EXPECT_NE(Authenticate(*ops, key), nullptr);
  EXPECT_EQ(Authenticate(*ops, "j"), nullptr);
}

TEST(CoreLocalOperators, ErrorsNameEntryAndField) {
  auto r = ParseOperators(R"([{"key_hash":"AAAA","key_salt":"AAAA","name":"n","protocol":"p"}])");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("operator [0]"), std::string::npos) << r.error().message();
  EXPECT_NE(r.error().message().find("key_hash"), std::string::npos) << r.error().message();
  std::string good_hash = Base64Encode(Bytes(64, 1));
  r = ParseOperators(R"([{"key_hash":")" + good_hash +
                     R"(","key_salt":"AAAA","name":"n","protocol":"p"}])");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("site_id"), std::string::npos) << r.error().message();
  r = ParseOperators(
      R"([{"key_hash":")" + good_hash +
      R"(","key_salt":"AAAA","name":"n","protocol":"p","site_id":1,"operator_type":"x"}])");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("operator_type"), std::string::npos);
}

// ---- allowlist ------------------------------------------------------------------------------

attest::AttestedEnclave Enclave(uint8_t mr_enclave, uint8_t mr_signer) {
  attest::AttestedEnclave e;
  e.mr_enclave.fill(mr_enclave);
  e.mr_signer.fill(mr_signer);
  e.isv_prod_id = 770;
  e.isv_svn = 2;
  e.tcb_status = attest::TcbStatus::kUpToDate;
  e.trust_anchor = "simulation";
  e.anchor_kind = attest::AnchorKind::kSimulation;
  return e;
}

TEST(CoreLocalAllowlist, MatchesByMrenclaveOrSigner) {
  auto list = ParseAllowlist(R"({"enclaves":[{"mrenclave":")" + Hex(0xAA) +
                             R"("},{"name":"signer","mrsigner":")" + Hex(0xBB) +
                             R"(","isvprodid":770,"min_isvsvn":2}]})");
  ASSERT_TRUE(list.ok()) << list.error().message();
  EXPECT_TRUE(CheckAllowlist(*list, Enclave(0xAA, 0x00), true).ok());
  EXPECT_TRUE(CheckAllowlist(*list, Enclave(0x00, 0xBB), true).ok());
  Status st = CheckAllowlist(*list, Enclave(0x01, 0x02), true);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message().find("not in the allowlist"), std::string::npos);
  auto old = Enclave(0x00, 0xBB);
  old.isv_svn = 1;
  EXPECT_FALSE(CheckAllowlist(*list, old, true).ok());
  auto other_product = Enclave(0x00, 0xBB);
  other_product.isv_prod_id = 1;
  EXPECT_FALSE(CheckAllowlist(*list, other_product, true).ok());
}

TEST(CoreLocalAllowlist, DebugRefusedUnlessAllowed) {
  auto strict = ParseAllowlist(R"({"enclaves":[{"mrenclave":")" + Hex(0xAA) + R"("}]})");
  auto lax =
      ParseAllowlist(R"({"enclaves":[{"mrenclave":")" + Hex(0xAA) + R"(","allow_debug":true}]})");
  ASSERT_TRUE(strict.ok() && lax.ok());
  auto debug = Enclave(0xAA, 0);
  debug.debug = true;
  Status st = CheckAllowlist(*strict, debug, true);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message().find("DEBUG"), std::string::npos);
  EXPECT_TRUE(CheckAllowlist(*lax, debug, true).ok());
}

TEST(CoreLocalAllowlist, SimulationOnlyWhenAllowedAndTcbStatusChecked) {
  auto list = ParseAllowlist(R"({"enclaves":[{"mrenclave":")" + Hex(0xAA) + R"("}]})");
  ASSERT_TRUE(list.ok());
  EXPECT_FALSE(CheckAllowlist(*list, Enclave(0xAA, 0), false).ok());
  auto out_of_date = Enclave(0xAA, 0);
  out_of_date.tcb_status = attest::TcbStatus::kOutOfDate;
  EXPECT_FALSE(CheckAllowlist(*list, out_of_date, true).ok());
  auto lax = ParseAllowlist(R"({"enclaves":[{"mrenclave":")" + Hex(0xAA) +
                            R"("}],"accepted_tcb_statuses":["UpToDate","OutOfDate"]})");
  ASSERT_TRUE(lax.ok()) << lax.error().message();
  EXPECT_TRUE(CheckAllowlist(*lax, out_of_date, true).ok());
}

TEST(CoreLocalAllowlist, RefusesUnknownKeysAndEmptyEntries) {
  for (std::string bad :
       {R"({"enclaves":[{"mr_enclave":")" + Hex(1) + R"("}]})", std::string(R"({"enclaves":[{}]})"),
        std::string(R"({"enclaves":[{"mrenclave":"abcd"}]})"), std::string(R"({"enclave":[]})"),
        R"({"enclaves":[{"mrenclave":")" + Hex(1) + R"(","isvprodid":1}]})",
        std::string(R"([])")}) {
    auto r = ParseAllowlist(bad);
    EXPECT_FALSE(r.ok()) << bad;
  }
  auto r = ParseAllowlist(R"({"enclaves":[{"mrenclave":")" + Hex(1) + R"("},{"allow_debug":1}]})");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("enclaves[1]"), std::string::npos) << r.error().message();
  auto empty = ParseAllowlist(R"({"enclaves":[]})");
  ASSERT_TRUE(empty.ok());
  EXPECT_FALSE(CheckAllowlist(*empty, Enclave(1, 1), true).ok());
}

TEST(CoreLocalAllowlist, RoundTrips) {
  auto list = ParseAllowlist(R"({"enclaves":[{"name":"x","mrsigner":")" + Hex(0xBB) +
                             R"(","isvprodid":7,"min_isvsvn":3,"allow_debug":true}]})");
  ASSERT_TRUE(list.ok());
  auto again = ParseAllowlist(AllowlistToJson(*list));
  ASSERT_TRUE(again.ok()) << again.error().message();
  ASSERT_EQ(again->entries.size(), 1u);
  EXPECT_EQ(again->entries[0].isv_prod_id, 7);
  EXPECT_EQ(again->entries[0].min_isv_svn, 3);
  EXPECT_TRUE(again->entries[0].allow_debug);
}

// ---- attest request -------------------------------------------------------------------------

TEST(CoreLocalAttestRequest, ParsesAndRefuses) {
  auto ok = ParseAttestRequest(
      R"({"attestation_request":"AAEC","public_key":"AQID","operator_type":"public","application_version":"5.0"})");
  ASSERT_TRUE(ok.ok()) << ok.error().message();
  EXPECT_EQ(ok->document, (Bytes{0, 1, 2}));
  EXPECT_EQ(ok->public_key, (Bytes{1, 2, 3}));
  EXPECT_EQ(*ok->operator_type, "public");
  EXPECT_FALSE(ParseAttestRequest("not json").ok());
  EXPECT_FALSE(ParseAttestRequest("[]").ok());
  EXPECT_FALSE(ParseAttestRequest(R"({"public_key":"AQID"})").ok());
  EXPECT_FALSE(ParseAttestRequest(R"({"attestation_request":"","public_key":"AQID"})").ok());
  EXPECT_FALSE(ParseAttestRequest(R"({"attestation_request":"AAEC"})").ok());
  EXPECT_FALSE(ParseAttestRequest(R"({"attestation_request":"!!","public_key":"AQID"})").ok());
  EXPECT_FALSE(ParseAttestRequest(R"({"attestation_request":1,"public_key":"AQID"})").ok());
}

// ---- pre-signed URLs ------------------------------------------------------------------------

HttpRequest Get(const std::string& url) {
  HttpRequest r;
  r.method = "GET";
  r.target = url.substr(url.find("/s/"));
  size_t q = r.target.find('?');
  r.path = r.target.substr(0, q);
  r.query = q == std::string::npos ? "" : r.target.substr(q + 1);
  return r;
}

TEST(CoreLocalPresign, VerifiesAndRefusesTampering) {
  Presigner p("http://127.0.0.1:1", crypto::RandomBytes(32));
  std::string url = p.Sign("sites/sites.json", std::nullopt, 1000);
  EXPECT_EQ(url.rfind("http://127.0.0.1:1/s/sites/sites.json?expires=1000&sig=", 0), 0u) << url;
  auto ok = p.Verify(Get(url), 999);
  ASSERT_TRUE(ok.ok()) << ok.error().message();
  EXPECT_EQ(ok->path, "sites/sites.json");
  EXPECT_FALSE(ok->key_id);

  auto refused = [&](const std::string& u, time_t now, std::string_view why) {
    auto r = p.Verify(Get(u), now);
    ASSERT_FALSE(r.ok()) << u;
    EXPECT_NE(r.error().message().find(why), std::string::npos) << r.error().message();
  };
  refused(url, 1001, "expired");
  std::string other_path = url;
  other_path.replace(other_path.find("sites/sites.json"), 16, "clients/clien.json");
  refused(other_path, 999, "signature");
  std::string later = url;
  later.replace(later.find("expires=1000"), 12, "expires=9000");
  refused(later, 999, "signature");
  refused(url + "&key_id=1", 999, "signature");
  refused(url + "&x=1", 999, "unexpected");
  refused(url.substr(0, url.find("&sig=")), 999, "missing");
  std::string flipped = url;
  flipped.back() = flipped.back() == '0' ? '1' : '0';
  refused(flipped, 999, "signature");

  std::string enc = p.Sign("salts/salts.txt.1", 3, 1000);
  auto e = p.Verify(Get(enc), 10);
  ASSERT_TRUE(e.ok()) << e.error().message();
  EXPECT_EQ(*e->key_id, 3);
  std::string other_key = enc;
  other_key.replace(other_key.find("key_id=3"), 8, "key_id=4");
  refused(other_key, 10, "signature");
  // Another server's key.
  Presigner q("http://127.0.0.1:1", crypto::RandomBytes(32));
  EXPECT_FALSE(q.Verify(Get(url), 999).ok());
}

// ---- core data ------------------------------------------------------------------------------

TEST(CoreLocalCoreData, MapsClasspathLocationsAndRefusesEscapes) {
  EXPECT_EQ(*MapLocation("/com.uid2.core/test/sites/sites.json"), "sites/sites.json");
  EXPECT_EQ(*MapLocation("salts/salts.txt.1"), "salts/salts.txt.1");
  EXPECT_FALSE(MapLocation("/etc/passwd").ok());
  EXPECT_FALSE(MapLocation("/com.uid2.core/test/../../etc/passwd").ok());
  EXPECT_FALSE(MapLocation("sites/../../x").ok());
  EXPECT_FALSE(MapLocation("sites//x").ok());
  EXPECT_FALSE(MapLocation("").ok());
}

TEST(CoreLocalCoreData, EncryptedContentIsIvCiphertextTag) {
  CloudEncryptionKey key;
  key.id = 9;
  key.secret = crypto::RandomBytes(32);
  auto json = EncryptContent(key, "[1,2,3]");
  ASSERT_TRUE(json.ok());
  EXPECT_EQ(json->find("{\"key_id\":9,\"encrypted_payload\":\""), 0u) << *json;
  std::string b64 = json->substr(json->find(":\"") + 2);
  b64 = b64.substr(0, b64.find('"'));
  auto payload = Base64Decode(b64);
  ASSERT_TRUE(payload);
  EXPECT_EQ(payload->size(), 12 + 7 + 16u);
  auto plain = crypto::AesGcmOpen(key.secret, *payload);
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(std::string(AsChars(*plain)), "[1,2,3]");
}

TEST(CoreLocalCoreData, BundledDatasetLoads) {
  auto data = CoreData::Load(std::string(UID2_SOURCE_DIR) + "/data/uid2/core");
  ASSERT_TRUE(data.ok()) << data.error().message();
  EXPECT_FALSE(data->KeysForSite(999).empty());
  const CloudEncryptionKey* newest = data->NewestActiveKey(999, 2000000000);
  ASSERT_NE(newest, nullptr);
  for (const auto& k : data->KeysForSite(999)) EXPECT_LE(k.activates, newest->activates);
  EXPECT_EQ(data->NewestActiveKey(999, 0), nullptr);  // none active yet
  EXPECT_EQ(data->NewestActiveKey(424242, 2000000000), nullptr);
}

// ---- opt-out --------------------------------------------------------------------------------

TEST(CoreLocalOptOut, RecordLayout) {
  Bytes id(32, 0x11), adv(32, 0x22);
  auto r = EncodeOptOutRecord(id, adv, 0x0102030405);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), kOptOutRecordSize);
  EXPECT_EQ((*r)[0], 0x11);
  EXPECT_EQ((*r)[kOptOutAdvertisingIdOffset], 0x22);
  EXPECT_EQ((*r)[kOptOutTimestampOffset], 0x05);
  EXPECT_EQ((*r)[kOptOutTimestampOffset + 4], 0x01);
  EXPECT_EQ((*r)[kOptOutTimestampOffset + 6], 0x00);
  EXPECT_EQ((*r)[kOptOutMetaOffset], 0x00);
  Bytes v4(33, 0x33);
  v4[0] = 0xC5;
  auto r1 = EncodeOptOutRecord(id, v4, 1);
  ASSERT_TRUE(r1.ok());
  EXPECT_EQ((*r1)[kOptOutMetaOffset], 0x40 | 0x05);
  EXPECT_EQ((*r1)[kOptOutAdvertisingIdOffset], 0x33);
  EXPECT_FALSE(EncodeOptOutRecord(Bytes(31), adv, 1).ok());
  EXPECT_FALSE(EncodeOptOutRecord(id, Bytes(34), 1).ok());
}

TEST(CoreLocalOptOut, Names) {
  auto n = ParseOptOutFileName("optout-delta-000_2026-12-07T21.10.05Z_0a1b2c3d.dat");
  ASSERT_TRUE(n);
  EXPECT_TRUE(n->delta);
  EXPECT_EQ(n->from, 1796677805);
  auto p = ParseOptOutFileName("optout-partition-002_2026-12-07T21.10.05Z_0a1b2c3d.dat");
  ASSERT_TRUE(p);
  EXPECT_FALSE(p->delta);
  EXPECT_FALSE(ParseOptOutFileName("optout-delta-000_2026-12-07T21.10.05Z_0a1b2c3x.dat"));
  EXPECT_FALSE(ParseOptOutFileName("optout-delta-000_2026-12-07 21.10.05Z_0a1b2c3d.dat"));
  EXPECT_FALSE(ParseOptOutFileName("salts.txt"));
}

TEST(CoreLocalOptOut, RefreshSealsAndLists) {
  std::string dir = testing::TempDir() + "corelocal-optout-" + std::to_string(getpid());
  std::filesystem::remove_all(dir);
  auto log = OptOutLog::Open(dir, 300);
  ASSERT_TRUE(log.ok());
  EXPECT_TRUE((*log)->Refresh(1000)->empty());
  ASSERT_TRUE((*log)->Append(Bytes(32, 1), Bytes(32, 2), 1000).ok());
  ASSERT_TRUE((*log)->Append(Bytes(32, 3), Bytes(32, 4), 1001).ok());
  auto files = (*log)->Refresh(1002);
  ASSERT_TRUE(files.ok());
  ASSERT_EQ(files->size(), 1u);
  EXPECT_EQ((*files)[0].path.rfind("delta/1970-01-01/optout-delta-000_1970-01-01T00.16.40Z_", 0),
            0u)
      << (*files)[0].path;
  auto bytes = (*log)->Read((*files)[0].path);
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(bytes->size(), 2 * kOptOutRecordSize);
  // Sealed: the next logout starts a new file; the listed one never changes.
  ASSERT_TRUE((*log)->Append(Bytes(32, 5), Bytes(32, 6), 1003).ok());
  EXPECT_EQ((*log)->Read((*files)[0].path)->size(), 2 * kOptOutRecordSize);
  EXPECT_EQ((*log)->Refresh(1004)->size(), 2u);
  EXPECT_FALSE((*log)->Read("../x").ok());
  EXPECT_FALSE((*log)->Read("delta/notes.txt").ok());
  std::filesystem::remove_all(dir);
}

TEST(CoreLocalOptOut, RotatesAfterTheInterval) {
  std::string dir = testing::TempDir() + "corelocal-rotate-" + std::to_string(getpid());
  std::filesystem::remove_all(dir);
  auto log = OptOutLog::Open(dir, 10);
  ASSERT_TRUE(log.ok());
  ASSERT_TRUE((*log)->Append(Bytes(32, 1), Bytes(32, 2), 1000).ok());
  ASSERT_TRUE((*log)->Append(Bytes(32, 1), Bytes(32, 2), 1011).ok());
  EXPECT_EQ((*log)->Refresh(1012)->size(), 2u);
  std::filesystem::remove_all(dir);
}

// ---- SIGSTRUCT fields -----------------------------------------------------------------------

TEST(CoreLocalSigstruct, FieldsMatchTheToolchainParser) {
  auto key = crypto::RsaKey::Generate(3072, 3);
  ASSERT_TRUE(key.ok());
  sgx::EnclaveParams params;
  params.isv_prod_id = 770;
  params.isv_svn = 2;
  params.debug = true;
  sgx::Measurement mr;
  mr.fill(0x5A);
  auto date = sgx::ParseSigstructDate("2026-01-01");
  ASSERT_TRUE(date.ok());
  auto sig = sgx::SignSigstruct(sgx::BuildUnsignedSigstruct(params, mr, *date), *key);
  ASSERT_TRUE(sig.ok());
  auto expected = sgx::ParseSigstruct(*sig);
  ASSERT_TRUE(expected.ok());
  auto id = ReadSigstructIdentity(*sig);
  ASSERT_TRUE(id.ok()) << id.error().message();
  EXPECT_EQ(id->mr_enclave, expected->mr_enclave);
  EXPECT_EQ(id->mr_signer, expected->mr_signer);
  EXPECT_EQ(id->isv_prod_id, 770);
  EXPECT_EQ(id->isv_svn, 2);
  EXPECT_TRUE(id->debug);
  Bytes bad = *sig;
  bad[0] ^= 1;
  EXPECT_FALSE(ReadSigstructIdentity(bad).ok());
  EXPECT_FALSE(ReadSigstructIdentity(Bytes(100)).ok());
}

// ---- attestation tokens --------------------------------------------------------------------

TEST(CoreLocalSessions, TokenIsBoundToTheOperatorAndExpires) {
  NewOperatorKey a = MakeOperatorKey("a", 999, OperatorType::kPublic, "azure-sgx", 1);
  NewOperatorKey b = MakeOperatorKey("b", 999, OperatorType::kPublic, "azure-sgx", 1);
  SessionStore store;
  std::string token = store.Create(a.entry, 200, "mr", 100);
  auto ok = store.Check(token, a.entry, 199);
  ASSERT_TRUE(ok.ok()) << ok.error().message();
  EXPECT_EQ(ok->site_id, 999);
  EXPECT_EQ(ok->enclave_id, "mr");
  auto other = store.Check(token, b.entry, 150);
  ASSERT_FALSE(other.ok());
  EXPECT_NE(other.error().message().find("another operator"), std::string::npos);
  auto expired = store.Check(token, a.entry, 200);
  ASSERT_FALSE(expired.ok());
  EXPECT_NE(expired.error().message().find("expired"), std::string::npos);
  EXPECT_FALSE(store.Check("", a.entry, 150).ok());
  EXPECT_FALSE(store.Check(token + "x", a.entry, 150).ok());
  // Expired sessions are dropped when the next one is made.
  std::string second = store.Create(a.entry, 500, "mr", 300);
  EXPECT_FALSE(store.Check(token, a.entry, 150).ok());
  EXPECT_TRUE(store.Check(second, a.entry, 301).ok());
}

// ---- JWT ------------------------------------------------------------------------------------

TEST(CoreLocalJwt, SignsAndVerifiesBothAlgorithms) {
  for (std::string alg : {"RS256", "ES256"}) {
    auto s = JwtSigner::Generate(alg);
    ASSERT_TRUE(s.ok());
    auto jwt = (*s)->Sign(R"({"sub":"x"})");
    ASSERT_TRUE(jwt.ok());
    auto payload = (*s)->Verify(*jwt);
    ASSERT_TRUE(payload.ok()) << payload.error().message();
    EXPECT_EQ(*payload, R"({"sub":"x"})");
    std::string tampered = *jwt;
    tampered[tampered.find('.') + 2] ^= 1;
    EXPECT_FALSE((*s)->Verify(tampered).ok()) << alg;
    auto other = JwtSigner::Generate(alg);
    EXPECT_FALSE((*other)->Verify(*jwt).ok()) << alg;
    // alg confusion: a token claiming another algorithm is refused.
    std::string none = Base64UrlEncode(AsBytes(R"({"alg":"none"})")) + jwt->substr(jwt->find('.'));
    EXPECT_FALSE((*s)->Verify(none).ok());
  }
  EXPECT_FALSE(JwtSigner::Generate("HS256").ok());
}

TEST(CoreLocalJwt, OperatorClaims) {
  std::string ok = R"({"aud":"http://core","sub":"UID2-O-L-1-abc","exp":100})";
  EXPECT_TRUE(CheckOperatorClaims(ok, "http://core", "UID2-O-L-1-abc", 99).ok());
  EXPECT_FALSE(CheckOperatorClaims(ok, "http://optout", "UID2-O-L-1-abc", 99).ok());
  EXPECT_FALSE(CheckOperatorClaims(ok, "http://core", "UID2-O-L-2-xyz", 99).ok());
  EXPECT_FALSE(CheckOperatorClaims(ok, "http://core", "UID2-O-L-1-abc", 100).ok());
  EXPECT_FALSE(
      CheckOperatorClaims(R"({"aud":"http://core","sub":"s"})", "http://core", "s", 1).ok());
  EXPECT_FALSE(
      CheckOperatorClaims(R"({"aud":"http://core","sub":"s","exp":"9"})", "http://core", "s", 1)
          .ok());
  EXPECT_FALSE(CheckOperatorClaims("[]", "", "", 0).ok());
}

TEST(CoreLocalJwt, KeyFromPemPicksTheAlgorithm) {
  auto rsa = crypto::RsaKey::Generate(2048, 65537);
  auto from_rsa = JwtSigner::FromPem(rsa->PrivatePem());
  ASSERT_TRUE(from_rsa.ok()) << from_rsa.error().message();
  EXPECT_EQ((*from_rsa)->alg(), "RS256");
  EXPECT_EQ((*from_rsa)->PublicPem(), rsa->PublicPem());
  auto ec = crypto::EcKeyP256::Generate();
  auto from_ec = JwtSigner::FromPem(ec->PrivatePem());
  ASSERT_TRUE(from_ec.ok()) << from_ec.error().message();
  EXPECT_EQ((*from_ec)->alg(), "ES256");
  EXPECT_FALSE(JwtSigner::FromPem(rsa->PublicPem()).ok());  // a public key cannot sign
  EXPECT_FALSE(JwtSigner::FromPem("garbage").ok());
}

}  // namespace
}  // namespace uid2::corelocal
