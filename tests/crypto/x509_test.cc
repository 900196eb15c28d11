// x509_test.cc: certificate parsing, extensions, and chain verification with CRLs at a pinned
// time, on Intel's QVL sample chain and on a small PKI built here with OpenSSL.
#include "crypto/x509.h"

#include <gtest/gtest.h>
#include <openssl/x509v3.h>

#include "crypto/ec.h"
#include "crypto_test_util.h"

namespace uid2::crypto {
namespace {

using testing::H;
using testing::Hex;
using testing::ReadData;
using testing::ReadText;

// --- Intel SGX DCAP QVL sample (tests/data/crypto/NOTICE) ------------------------------------

constexpr time_t kQvlTime = 1735689600;  // 2025-01-01T00:00:00Z
constexpr char kSgxPckExtensionOid[] = "1.2.840.113741.1.13.1";

struct QvlSample {
  std::vector<Certificate> chain;  // [0] Processor CA (intermediate), [1] root
  Certificate leaf;
  Certificate root;
  Crl root_crl;
  Crl intermediate_crl;

  static QvlSample Load() {
    auto chain = Certificate::ChainFromPem(ReadText("intel-qvl-sample/pckSignChain.pem"));
    auto leaf = Certificate::FromPem(ReadText("intel-qvl-sample/pckCert.pem"));
    auto root = Certificate::FromPem(ReadText("intel-qvl-sample/trustedRootCaCert.pem"));
    auto root_crl = Crl::FromDer(ReadData("intel-qvl-sample/rootCaCrl.der"));
    auto int_crl = Crl::FromDer(ReadData("intel-qvl-sample/intermediateCaCrl.der"));
    EXPECT_TRUE(chain.ok() && leaf.ok() && root.ok() && root_crl.ok() && int_crl.ok());
    return QvlSample{std::move(chain).value(), std::move(leaf).value(), std::move(root).value(),
                     std::move(root_crl).value(), std::move(int_crl).value()};
  }

  ChainCheck Check() const {
    ChainCheck c;
    c.leaf = &leaf;
    c.intermediates = {&chain[0]};
    c.trusted_root = &root;
    c.crls = {&root_crl, &intermediate_crl};
    c.require_crls = true;
    c.now = kQvlTime;
    return c;
  }
};

TEST(CryptoCertificate, QvlSampleFields) {
  QvlSample s = QvlSample::Load();
  ASSERT_EQ(s.chain.size(), 2u);
  EXPECT_EQ(s.leaf.SubjectName(),
            "C=US,ST=CA,L=Santa Clara,O=Intel Corporation,CN=Intel SGX PCK Certificate");
  EXPECT_EQ(s.leaf.IssuerName(), s.chain[0].SubjectName());
  EXPECT_EQ(Hex(s.leaf.SerialNumber()), "ba27043775e12ff5cdf754f99b5f3ac23e9e02d5");
  EXPECT_EQ(s.leaf.NotBefore(), 1567669626);  // 2019-09-05T07:47:06Z
  EXPECT_EQ(s.leaf.NotAfter(), 1788594426);   // 2026-09-05T07:47:06Z
  EXPECT_EQ(s.root_crl.IssuerName(), s.root.SubjectName());
  EXPECT_EQ(s.intermediate_crl.NextUpdate(), 1883288827);  // 2029-09-05T07:47:07Z
  // The PCK key is a P-256 key usable for quote verification.
  Result<EcKeyP256> pck = EcKeyP256::FromPublicSpkiDer(s.leaf.PublicKeySpkiDer());
  EXPECT_TRUE(pck.ok());
  // DER round trip and PEM re-parse.
  Result<Certificate> again = Certificate::FromDer(s.leaf.Der());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->Der(), s.leaf.Der());
  EXPECT_EQ(Certificate::FromPem(s.leaf.Pem())->Der(), s.leaf.Der());
  EXPECT_EQ(s.leaf.Clone().Der(), s.leaf.Der());
}

TEST(CryptoCertificate, FindSgxPckExtension) {
  QvlSample s = QvlSample::Load();
  Result<Bytes> ext = s.leaf.FindExtension(kSgxPckExtensionOid);
  ASSERT_TRUE(ext.ok()) << ext.error().message();
  // The value is a DER SEQUENCE of 0x1c0 bytes whose first element is the PPID
  // (OID 1.2.840.113741.1.13.1.1, OCTET STRING of 16 bytes).
  ASSERT_EQ(ext->size(), 0x1c4u);
  EXPECT_EQ(Hex(ByteSpan(*ext).first(20)), "308201c0301e060a2a864886f84d010d01010410");
  Result<Bytes> missing = s.root.FindExtension(kSgxPckExtensionOid);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(s.leaf.FindExtension("not an oid").error().code(), ErrorCode::kInvalid);
  // Basic constraints (2.5.29.19) of the leaf: SEQUENCE { BOOLEAN FALSE? absent } = 3000.
  EXPECT_EQ(Hex(*s.leaf.FindExtension("2.5.29.19")), "3000");
}

TEST(CryptoCertificate, MalformedInputIsInvalid) {
  EXPECT_EQ(Certificate::FromDer(AsBytes("junk")).error().code(), ErrorCode::kInvalid);
  EXPECT_EQ(Certificate::FromPem("junk").error().code(), ErrorCode::kInvalid);
  EXPECT_FALSE(Certificate::ChainFromPem("").ok());
  EXPECT_FALSE(Crl::FromDer(AsBytes("junk")).ok());
  QvlSample sample = QvlSample::Load();
  Bytes der = sample.leaf.Der();
  der.push_back(0);
  EXPECT_FALSE(Certificate::FromDer(der).ok());  // trailing data
  // A bundle whose second block is corrupt is refused, not silently truncated.
  std::string bundle =
      sample.leaf.Pem() + "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
  Result<std::vector<Certificate>> chain = Certificate::ChainFromPem(bundle);
  ASSERT_FALSE(chain.ok());
  EXPECT_EQ(chain.error().code(), ErrorCode::kInvalid);
}

TEST(CryptoVerifyChain, QvlSampleVerifiesAtPinnedTime) {
  QvlSample s = QvlSample::Load();
  Status st = VerifyChain(s.Check());
  EXPECT_TRUE(st.ok()) << st.error().message();
}

TEST(CryptoVerifyChain, QvlSampleUnderRealIntelRootFails) {
  // Intel's real root has the same subject name but another key.
  QvlSample s = QvlSample::Load();
  Result<Certificate> real_root = Certificate::FromDer(ReadData("intel-sgx-root-ca.der"));
  ASSERT_TRUE(real_root.ok());
  ASSERT_EQ(real_root->SubjectName(), s.root.SubjectName());
  ChainCheck c = s.Check();
  c.trusted_root = &*real_root;
  c.crls = {};
  c.require_crls = false;
  Status st = VerifyChain(c);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code(), ErrorCode::kVerifyFailed);
  EXPECT_NE(st.error().message().find("Intel SGX PCK Processor CA"), std::string::npos)
      << st.error().message();
  // OpenSSL finds no issuer whose key (authority key identifier) matches the pinned root.
  EXPECT_NE(st.error().message().find("pinned root"), std::string::npos) << st.error().message();
}

TEST(CryptoVerifyChain, QvlSampleLeafExpiredAtPinnedTime) {
  QvlSample s = QvlSample::Load();
  ChainCheck c = s.Check();
  c.now = s.leaf.NotAfter() + 1;
  Status st = VerifyChain(c);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message().find("Intel SGX PCK Certificate"), std::string::npos)
      << st.error().message();
  EXPECT_NE(st.error().message().find("expired"), std::string::npos) << st.error().message();
}

TEST(CryptoVerifyChain, QvlSampleMissingCrlWhenRequired) {
  QvlSample s = QvlSample::Load();
  ChainCheck c = s.Check();
  c.crls = {&s.root_crl};  // the Processor CA's CRL (covering the leaf) is missing
  Status st = VerifyChain(c);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message().find("CRL"), std::string::npos) << st.error().message();
  c.require_crls = false;  // then the CRLs present are checked, the missing one tolerated
  EXPECT_TRUE(VerifyChain(c).ok());
}

TEST(CryptoVerifyChain, RequiresLeafRootAndTime) {
  QvlSample s = QvlSample::Load();
  ChainCheck c = s.Check();
  c.now = 0;
  EXPECT_EQ(VerifyChain(c).error().code(), ErrorCode::kInvalid);
  c = s.Check();
  c.trusted_root = nullptr;
  EXPECT_EQ(VerifyChain(c).error().code(), ErrorCode::kInvalid);
}

// --- A small PKI built here: root -> intermediate -> leaf, with CRLs ------------------------

constexpr time_t kDay = 86400;
constexpr time_t kT0 = 1767225600;  // 2026-01-01T00:00:00Z: every "now" below is relative

using X509ExtPtr = OpenSslPtr<X509_EXTENSION, X509_EXTENSION_free>;
using RevokedPtr = OpenSslPtr<X509_REVOKED, X509_REVOKED_free>;
using Asn1IntPtr = OpenSslPtr<ASN1_INTEGER, ASN1_INTEGER_free>;
using Asn1TimePtr = OpenSslPtr<ASN1_TIME, ASN1_TIME_free>;

struct Party {
  EcKeyP256 key;
  Certificate cert;
};

void AddExt(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509ExtPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  ASSERT_TRUE(ext != nullptr);
  ASSERT_EQ(X509_add_ext(cert, ext.get(), -1), 1);
}

// MakeCert issues a certificate for `cn` valid [not_before, not_after], signed by `issuer`
// (self-signed when null). Serial numbers are unique per call.
Party MakeCert(const std::string& cn, const Party* issuer, bool is_ca, time_t not_before,
               time_t not_after) {
  static long serial = 1000;
  EcKeyP256 key = EcKeyP256::Generate().value();
  X509Ptr x(X509_new());
  X509_set_version(x.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x.get()), ++serial);
  X509_NAME* name = X509_get_subject_name(x.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(x.get(), issuer ? X509_get_subject_name(issuer->cert.get()) : name);
  ASN1_TIME_set(X509_getm_notBefore(x.get()), not_before);
  ASN1_TIME_set(X509_getm_notAfter(x.get()), not_after);
  X509_set_pubkey(x.get(), key.get());
  X509* issuer_x = issuer ? issuer->cert.get() : x.get();
  AddExt(x.get(), issuer_x, NID_basic_constraints, is_ca ? "critical,CA:TRUE" : "CA:FALSE");
  AddExt(x.get(), issuer_x, NID_key_usage,
         is_ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
  AddExt(x.get(), issuer_x, NID_subject_key_identifier, "hash");
  AddExt(x.get(), issuer_x, NID_authority_key_identifier, "keyid");
  EVP_PKEY* signer = issuer ? issuer->key.get() : key.get();
  EXPECT_GT(X509_sign(x.get(), signer, EVP_sha256()), 0);
  Bytes der;
  unsigned char* p = nullptr;
  int n = i2d_X509(x.get(), &p);
  der.assign(p, p + n);
  OPENSSL_free(p);
  return Party{std::move(key), Certificate::FromDer(der).value()};
}

Crl MakeCrl(const Party& issuer, time_t this_update, time_t next_update,
            const std::vector<const Party*>& revoked) {
  X509CrlPtr crl(X509_CRL_new());
  X509_CRL_set_version(crl.get(), 1);
  X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(issuer.cert.get()));
  Asn1TimePtr last(ASN1_TIME_set(nullptr, this_update));
  Asn1TimePtr next(ASN1_TIME_set(nullptr, next_update));
  X509_CRL_set1_lastUpdate(crl.get(), last.get());
  X509_CRL_set1_nextUpdate(crl.get(), next.get());
  for (const Party* r : revoked) {
    RevokedPtr entry(X509_REVOKED_new());
    Asn1IntPtr serial(ASN1_INTEGER_dup(X509_get0_serialNumber(r->cert.get())));
    X509_REVOKED_set_serialNumber(entry.get(), serial.get());
    X509_REVOKED_set_revocationDate(entry.get(), last.get());
    X509_CRL_add0_revoked(crl.get(), entry.release());
  }
  X509_CRL_sort(crl.get());
  EXPECT_GT(X509_CRL_sign(crl.get(), issuer.key.get(), EVP_sha256()), 0);
  unsigned char* p = nullptr;
  int n = i2d_X509_CRL(crl.get(), &p);
  Bytes der(p, p + n);
  OPENSSL_free(p);
  return Crl::FromDer(der).value();
}

class CryptoTestPki : public ::testing::Test {
 protected:
  void SetUp() override {
    root_.emplace(MakeCert("Test Root", nullptr, true, kT0, kT0 + 3650 * kDay));
    inter_.emplace(MakeCert("Test Intermediate", &*root_, true, kT0, kT0 + 1825 * kDay));
    leaf_.emplace(MakeCert("Test Leaf", &*inter_, false, kT0, kT0 + 365 * kDay));
    other_leaf_.emplace(MakeCert("Revoked Leaf", &*inter_, false, kT0, kT0 + 365 * kDay));
    root_crl_.emplace(MakeCrl(*root_, kT0, kT0 + 30 * kDay, {}));
    inter_crl_.emplace(MakeCrl(*inter_, kT0, kT0 + 30 * kDay, {&*other_leaf_}));
  }

  ChainCheck Check(const Party& leaf) const {
    ChainCheck c;
    c.leaf = &leaf.cert;
    c.intermediates = {&inter_->cert};
    c.trusted_root = &root_->cert;
    c.crls = {&*root_crl_, &*inter_crl_};
    c.require_crls = true;
    c.now = kT0 + 10 * kDay;
    return c;
  }

  std::optional<Party> root_, inter_, leaf_, other_leaf_;
  std::optional<Crl> root_crl_, inter_crl_;
};

TEST_F(CryptoTestPki, ValidChainVerifies) {
  Status st = VerifyChain(Check(*leaf_));
  EXPECT_TRUE(st.ok()) << st.error().message();
}

TEST_F(CryptoTestPki, RevokedLeafIsRejected) {
  Status st = VerifyChain(Check(*other_leaf_));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code(), ErrorCode::kVerifyFailed);
  EXPECT_NE(st.error().message().find("CN=Revoked Leaf"), std::string::npos)
      << st.error().message();
  EXPECT_NE(st.error().message().find("revoked"), std::string::npos) << st.error().message();
}

TEST_F(CryptoTestPki, RevokedIntermediateIsRejected) {
  Crl root_crl = MakeCrl(*root_, kT0, kT0 + 30 * kDay, {&*inter_});
  ChainCheck c = Check(*leaf_);
  c.crls = {&root_crl, &*inter_crl_};
  Status st = VerifyChain(c);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message().find("CN=Test Intermediate"), std::string::npos)
      << st.error().message();
  EXPECT_NE(st.error().message().find("revoked"), std::string::npos) << st.error().message();
}

TEST_F(CryptoTestPki, RootRevokedByItsOwnCrlIsRejected) {
  // CRL_CHECK_ALL covers the whole chain, the pinned root included.
  Crl root_crl = MakeCrl(*root_, kT0, kT0 + 30 * kDay, {&*root_});
  ChainCheck c = Check(*leaf_);
  c.crls = {&root_crl, &*inter_crl_};
  Status st = VerifyChain(c);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message().find("CN=Test Root"), std::string::npos) << st.error().message();
}

TEST_F(CryptoTestPki, MissingCrlOfIntermediateIssuer) {
  ChainCheck c = Check(*leaf_);
  c.crls = {&*inter_crl_};  // the root's CRL (covering the intermediate) is missing
  Status st = VerifyChain(c);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message().find("unable to get certificate CRL"), std::string::npos)
      << st.error().message();
  c.require_crls = false;
  EXPECT_TRUE(VerifyChain(c).ok());
  // ... but the CRLs that are given are still enforced.
  Status revoked = VerifyChain([&] {
    ChainCheck r = Check(*other_leaf_);
    r.crls = {&*inter_crl_};
    r.require_crls = false;
    return r;
  }());
  EXPECT_FALSE(revoked.ok());
}

TEST_F(CryptoTestPki, ExpiredCrlIsRejected) {
  ChainCheck c = Check(*leaf_);
  c.now = kT0 + 31 * kDay;  // certificates valid, both CRLs past nextUpdate
  Status st = VerifyChain(c);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message().find("CRL has expired"), std::string::npos)
      << st.error().message();
}

TEST_F(CryptoTestPki, CrlNotYetValidIsRejected) {
  Crl future = MakeCrl(*inter_, kT0 + 20 * kDay, kT0 + 40 * kDay, {});
  ChainCheck c = Check(*leaf_);
  c.crls = {&*root_crl_, &future};
  Status st = VerifyChain(c);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message().find("CRL is not yet valid"), std::string::npos)
      << st.error().message();
}

TEST_F(CryptoTestPki, CrlSignedByWrongKeyIsRejected) {
  // Same issuer name, another key: the CRL's signature does not verify.
  Party impostor = MakeCert("Test Intermediate", &*root_, true, kT0, kT0 + 1825 * kDay);
  Crl forged = MakeCrl(impostor, kT0, kT0 + 30 * kDay, {});
  ChainCheck c = Check(*other_leaf_);
  c.crls = {&*root_crl_, &forged};
  Status st = VerifyChain(c);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message().find("CRL"), std::string::npos) << st.error().message();
}

TEST_F(CryptoTestPki, ExpiredLeafAndNotYetValidAreRejected) {
  ChainCheck c = Check(*leaf_);
  c.crls = {};
  c.require_crls = false;
  c.now = kT0 + 366 * kDay;
  Status st = VerifyChain(c);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message().find("CN=Test Leaf"), std::string::npos) << st.error().message();
  EXPECT_NE(st.error().message().find("expired"), std::string::npos) << st.error().message();
  c.now = kT0 - kDay;
  st = VerifyChain(c);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message().find("not yet valid"), std::string::npos) << st.error().message();
}

TEST_F(CryptoTestPki, WrongRootIsRejected) {
  Party other_root = MakeCert("Test Root", nullptr, true, kT0, kT0 + 3650 * kDay);
  ChainCheck c = Check(*leaf_);
  c.trusted_root = &other_root.cert;
  c.crls = {};
  c.require_crls = false;
  Status st = VerifyChain(c);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code(), ErrorCode::kVerifyFailed);
  EXPECT_NE(st.error().message().find("CN=Test Intermediate"), std::string::npos)
      << st.error().message();
}

TEST_F(CryptoTestPki, MissingIntermediateIsRejected) {
  ChainCheck c = Check(*leaf_);
  c.intermediates = {};
  Status st = VerifyChain(c);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message().find("CN=Test Leaf"), std::string::npos) << st.error().message();
}

TEST_F(CryptoTestPki, UntrustedCertificatesAreNeverAnchors) {
  // The real root passed among the untrusted intermediates must not anchor the chain when
  // another root is pinned (and there is no system store to fall back to).
  Party stranger_root = MakeCert("Stranger", nullptr, true, kT0, kT0 + kDay * 100);
  ChainCheck c = Check(*leaf_);
  c.intermediates = {&inter_->cert, &root_->cert};
  c.trusted_root = &stranger_root.cert;
  c.crls = {};
  c.require_crls = false;
  Status st = VerifyChain(c);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message().find("CN=Test Root"), std::string::npos) << st.error().message();
  // Control: pinning an intermediate as the root is not enough either (no partial chains).
  c.intermediates = {};
  c.trusted_root = &inter_->cert;
  EXPECT_FALSE(VerifyChain(c).ok());
}

}  // namespace
}  // namespace uid2::crypto
