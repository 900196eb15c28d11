// Normalization vectors: the spec's examples (§3.1) plus the values of the reference operator's
// InputNormalizationTest (email -> normalized -> base64 SHA-256, invalid emails, hashes, phones).
#include "operator/identity/normalize.h"

#include <gtest/gtest.h>

#include "common/encoding.h"

namespace uid2::operator_identity {
namespace {

std::string B64(const IdentityBytes& id) { return Base64Encode(id.span()); }

struct EmailCase {
  const char* input;
  const char* normalized;
  const char* sha256_b64;
};

// Values from uid2-operator's InputNormalizationTest (\uD83D\uDE0A = U+1F60A, as UTF-8 here).
const EmailCase kValidEmails[] = {
    {"TEst.TEST@Test.com ", "test.test@test.com", "dvECjPKZHya0/SIhSGwP0m8SgTv1vzLxPULUOsm880M="},
    {"test.test@test.com", "test.test@test.com", "dvECjPKZHya0/SIhSGwP0m8SgTv1vzLxPULUOsm880M="},
    {"test.test@gmail.com", "testtest@gmail.com", "LkLfFrut8Tc3h/fIvYDiBKSbaMiau/DtaLBPQYszdMw="},
    {"test+test@test.com", "test+test@test.com", "rQ4yzdOz4uG8N54326QyZD6/JwqrXn4lmy34cVCojB8="},
    {"+test@test.com", "+test@test.com", "weFizOVVWKlLfyorbBU8oxYDv4HJtTZCPMyZ4THzUQE="},
    {"test+test@gmail.com", "test@gmail.com", "h5JGBrQTGorO7q6IaFMfu5cSqqB6XTp1aybOD11spnQ="},
    {"testtest@test.com", "testtest@test.com", "d1Lr/s4GLLX3SvQVMoQdIMfbQPMAGZYry+2V+0pZlQg="},
    {" testtest@test.com", "testtest@test.com", "d1Lr/s4GLLX3SvQVMoQdIMfbQPMAGZYry+2V+0pZlQg="},
    {"testtest@test.com ", "testtest@test.com", "d1Lr/s4GLLX3SvQVMoQdIMfbQPMAGZYry+2V+0pZlQg="},
    {" testtest@test.com ", "testtest@test.com", "d1Lr/s4GLLX3SvQVMoQdIMfbQPMAGZYry+2V+0pZlQg="},
    {"  testtest@test.com  ", "testtest@test.com", "d1Lr/s4GLLX3SvQVMoQdIMfbQPMAGZYry+2V+0pZlQg="},
    {" test.test@gmail.com", "testtest@gmail.com", "LkLfFrut8Tc3h/fIvYDiBKSbaMiau/DtaLBPQYszdMw="},
    {"test.test@gmail.com ", "testtest@gmail.com", "LkLfFrut8Tc3h/fIvYDiBKSbaMiau/DtaLBPQYszdMw="},
    {" test.test@gmail.com ", "testtest@gmail.com", "LkLfFrut8Tc3h/fIvYDiBKSbaMiau/DtaLBPQYszdMw="},
    {"  test.test@gmail.com  ", "testtest@gmail.com",
     "LkLfFrut8Tc3h/fIvYDiBKSbaMiau/DtaLBPQYszdMw="},
    {"TEstTEst@gmail.com  ", "testtest@gmail.com", "LkLfFrut8Tc3h/fIvYDiBKSbaMiau/DtaLBPQYszdMw="},
    {"TEstTEst@GMail.Com  ", "testtest@gmail.com", "LkLfFrut8Tc3h/fIvYDiBKSbaMiau/DtaLBPQYszdMw="},
    {" TEstTEst@GMail.Com  ", "testtest@gmail.com", "LkLfFrut8Tc3h/fIvYDiBKSbaMiau/DtaLBPQYszdMw="},
    {"TEstTEst@GMail.Com", "testtest@gmail.com", "LkLfFrut8Tc3h/fIvYDiBKSbaMiau/DtaLBPQYszdMw="},
    {"TEst.TEst@GMail.Com", "testtest@gmail.com", "LkLfFrut8Tc3h/fIvYDiBKSbaMiau/DtaLBPQYszdMw="},
    {"TEst.TEst+123@GMail.Com", "testtest@gmail.com",
     "LkLfFrut8Tc3h/fIvYDiBKSbaMiau/DtaLBPQYszdMw="},
    {"\xF0\x9F\x98\x8Atesttest@test.com", "\xF0\x9F\x98\x8Atesttest@test.com",
     "fAFEUqApQ0V/M9mLj/IO54CgKgtQuARKsOMqtFklD4k="},
    {"testtest@\xF0\x9F\x98\x8Atest.com", "testtest@\xF0\x9F\x98\x8Atest.com",
     "tcng5pttf7Y2z4ylZTROvIMw1+IVrMpR4D1KeXSrdiM="},
    {"testtest@test.com\xF0\x9F\x98\x8A", "testtest@test.com\xF0\x9F\x98\x8A",
     "0qI21FPLkuez/8RswfmircHPYz9Dtf7/Nch1rSWEQf0="},
    // Spec §3.1 examples and §3.2's table inputs.
    {"te st@example.com", "test@example.com", "lz3+Rj7IV4X1+Vr1ujkG7tstkxwk5pgkqJ6mXbpOgTs="},
    {"test@example.com", "test@example.com", "lz3+Rj7IV4X1+Vr1ujkG7tstkxwk5pgkqJ6mXbpOgTs="},
    {"User@Example.com", "user@example.com", "tMmiiTI7IaAcPpQPFQ65uMVCWH8av9jw4cwf/F5HVRQ="},
};

TEST(NormalizeEmail, ReferenceVectors) {
  for (const EmailCase& c : kValidEmails) {
    SCOPED_TRACE(c.input);
    std::optional<std::string> n = NormalizeEmail(c.input);
    ASSERT_TRUE(n.has_value());
    EXPECT_EQ(*n, c.normalized);
    std::optional<IdentityBytes> id = ResolveIdentity(InputKind::kEmail, c.input);
    ASSERT_TRUE(id.has_value());
    EXPECT_EQ(B64(*id), c.sha256_b64);
  }
}

TEST(NormalizeEmail, InvalidReferenceAndSpecCases) {
  for (const char* s : {"", " @", "@", "a@", "@b", "@b.com", "+", " ", "+@gmail.com",
                        ".+@gmail.com", "a@ba@z.com", ".@gmail.com", "a@   ", "noatsign"}) {
    SCOPED_TRACE(s);
    EXPECT_FALSE(NormalizeEmail(s).has_value());
    EXPECT_FALSE(ResolveIdentity(InputKind::kEmail, s).has_value());
  }
}

TEST(NormalizeEmail, DomainSpacesAndOnlyGmailIsSpecial) {
  // Inner (and leading) spaces after '@' are kept, trailing dropped.
  EXPECT_EQ(NormalizeEmail("a@ ex ample.com  "), "a@ ex ample.com");
  // googlemail.com / a gmail subdomain are not special; only ASCII A-Z is lowercased.
  EXPECT_EQ(NormalizeEmail("a.b+c@googlemail.com"), "a.b+c@googlemail.com");
  EXPECT_EQ(NormalizeEmail("a.b+c@mail.gmail.com"), "a.b+c@mail.gmail.com");
  EXPECT_EQ(NormalizeEmail("\xC3\x89T\xC3\xA9@X.com"), "\xC3\x89t\xC3\xA9@x.com");
  // "+" before any other char in a gmail address empties the local part.
  EXPECT_EQ(NormalizeEmail("a+@gmail.com"), "a@gmail.com");
  // Spaces inside the local part are dropped, gmail or not.
  EXPECT_EQ(NormalizeEmail(" t e.s t @gmail.com"), "test@gmail.com");
}

TEST(NormalizeEmail, ScratchBufferIsReused) {
  std::string scratch;
  auto a = ResolveIdentity(InputKind::kEmail, "test@example.com", &scratch);
  auto b = ResolveIdentity(InputKind::kEmail, "TEST@example.com", &scratch);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(*a, *b);
  EXPECT_EQ(scratch, "test@example.com");
}

TEST(HashInput, ValidForms) {
  const std::string master =
      "DH5qQFhi5ALrdqcPiib8cy0Hwykx6frpqxWCkR0uijs=";  // SHA-256(foo@bar.com)
  for (const char* s : {"DH5qQFhi5ALrdqcPiib8cy0Hwykx6frpqxWCkR0uijs=",
                        "0C7E6A405862E402EB76A70F8A26FC732D07C32931E9FAE9AB1582911D2E8A3B",
                        "0c7e6a405862e402eb76a70f8a26fc732d07c32931e9fae9ab1582911d2e8a3b"}) {
    SCOPED_TRACE(s);
    for (InputKind k : {InputKind::kEmailHash, InputKind::kPhoneHash}) {
      std::optional<IdentityBytes> id = ResolveIdentity(k, s);
      ASSERT_TRUE(id.has_value());
      EXPECT_EQ(B64(*id), master);
    }
  }
}

TEST(HashInput, InvalidForms) {
  for (const char* s : {"", "asdaksjdakfj", "DH5qQFhi5ALrdqcPiib8cy0Hwykx6frpqxWCkR0uijs",
                        "QFhi5ALrdqcPiib8cy0Hwykx6frpqxWCkR0uijs",
                        "0Z7E6A405862E402EB76A70F8A26FC732D07C32931E9FAE9AB1582911D2E8A3B",
                        "0C7E6A405862E402EB76A70F8A26FC732D07C32931E9FAE9AB1582911D2E8A3B00",
                        "000C7E6A405862E402EB76A70F8A26FC732D07C32931E9FAE9AB1582911D2E8A3B",
                        "DH5qQFhi5ALrdqcPiib8cy0Hwykx6frpqxWCkR0uij!=",
                        "DH5qQFhi5ALrdqcPiib8cy0Hwykx6frpqxWCkR0u js="}) {
    SCOPED_TRACE(s);
    EXPECT_FALSE(DecodeHashInput(s).has_value());
  }
}

TEST(HashInput, UnpaddedFortyFourCharsDecodeToThirtyThreeBytes) {
  // Java's decoder accepts any 44-char base64; without padding that is 33 bytes.
  std::optional<IdentityBytes> id = DecodeHashInput(std::string(44, 'A'));
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(id->size, 33);
}

TEST(Phone, ReferenceVectors) {
  for (const char* s : {"",
                        "asdaksjdakfj",
                        "DH5qQFhi5ALrdqcPiib8cy0Hwykx6frpqxWCkR0uijs",
                        "QFhi5ALrdqcPiib8cy0Hwykx6frpqxWCkR0uijs",
                        "06a418f467a14e1631a317b107548a1039d26f12ea45301ab14e7684b36ede58",
                        "0C7E6A405862E402EB76A70F8A26FC732D07C32931E9FAE9AB1582911D2E8A3B",
                        "+",
                        "12345678",
                        "123456789",
                        "1234567890",
                        "+12345678",
                        "+123456789",
                        "+ 12345678",
                        "+ 123456789",
                        "+ 1234 5678",
                        "+ 1234 56789",
                        "+1234567890123456",
                        "+1234567890A",
                        "+1234567890 ",
                        "+1234567890+",
                        "+12345+67890",
                        "555-555-5555",
                        "(555) 555-5555",
                        "+\xD9\xA1\xD9\xA2"}) {
    SCOPED_TRACE(s);
    EXPECT_FALSE(IsNormalizedPhone(s));
    EXPECT_FALSE(ResolveIdentity(InputKind::kPhone, s).has_value());
  }
  for (const char* s : {"+1234567890", "+12345678901", "+123456789012", "+1234567890123",
                        "+12345678901234", "+123456789012345"}) {
    SCOPED_TRACE(s);
    EXPECT_TRUE(IsNormalizedPhone(s));
  }
  std::optional<IdentityBytes> id = ResolveIdentity(InputKind::kPhone, "+12345678901");
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(B64(*id), "EObwtHBUqDNZR33LNSMdtt5cafsYFuGmuY4ZLenlue4=");  // spec §3.2 table
}

TEST(InputKinds, TypesAndNames) {
  EXPECT_EQ(TypeOfInput(InputKind::kEmail), IdentityType::kEmail);
  EXPECT_EQ(TypeOfInput(InputKind::kEmailHash), IdentityType::kEmail);
  EXPECT_EQ(TypeOfInput(InputKind::kPhone), IdentityType::kPhone);
  EXPECT_EQ(TypeOfInput(InputKind::kPhoneHash), IdentityType::kPhone);
  EXPECT_EQ(InputFieldName(InputKind::kPhoneHash), "phone_hash");
}

}  // namespace
}  // namespace uid2::operator_identity
