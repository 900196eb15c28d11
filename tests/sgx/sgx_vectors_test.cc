// The four Gramine v1.9 vectors: MRENCLAVE and every byte of the SIGSTRUCT.
#include <gtest/gtest.h>

#include "common/encoding.h"
#include "crypto/hash.h"
#include "sgx/measure.h"
#include "sgx/sigstruct.h"
#include "vectors.h"

namespace uid2::sgx {
namespace {

using testing::VectorDir;
using testing::VectorJson;

class VectorTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    dir_ = VectorDir(GetParam());
    manifest_sgx_ = ReadFileBytes(dir_ + "/app.manifest.sgx").value();
    libpal_ = ReadFileBytes(dir_ + "/libpal.so").value();
    Result<manifest::Manifest> m =
        manifest::ParseManifest(AsChars(manifest_sgx_), dir_ + "/app.manifest.sgx");
    ASSERT_TRUE(m.ok()) << m.error().message();
    Result<EnclaveParams> p = manifest::EnclaveParamsFrom(*m);
    ASSERT_TRUE(p.ok()) << p.error().message();
    params_ = *p;
    json_ = VectorJson(GetParam());
  }
  std::string Expected(const char* field) { return json_[field].GetString(); }

  std::string dir_;
  Bytes manifest_sgx_, libpal_;
  EnclaveParams params_;
  rapidjson::Document json_;
};

TEST_P(VectorTest, ParamsMatchExpectedJson) {
  EXPECT_EQ(params_.enclave_size, json_["enclave_size"].GetUint64());
  EXPECT_EQ(params_.max_threads, json_["max_threads"].GetUint());
  EXPECT_EQ(params_.edmm, json_["edmm"].GetBool());
  EXPECT_EQ(params_.debug, json_["debug"].GetBool());
  EXPECT_EQ(params_.isv_prod_id, json_["isvprodid"].GetUint());
  EXPECT_EQ(params_.isv_svn, json_["isvsvn"].GetUint());
}

TEST_P(VectorTest, Mrenclave) {
  Result<Measurement> mr = MeasureEnclave(manifest_sgx_, libpal_, params_);
  ASSERT_TRUE(mr.ok()) << mr.error().message();
  EXPECT_EQ(HexEncode(*mr), Expected("mrenclave"));
}

TEST_P(VectorTest, SigstructBitExact) {
  Measurement mr = MeasureEnclave(manifest_sgx_, libpal_, params_).value();
  Result<crypto::RsaKey> key = crypto::RsaKey::FromPem(ReadFile(dir_ + "/key.pem").value());
  ASSERT_TRUE(key.ok()) << key.error().message();
  Bytes unsigned_s = BuildUnsignedSigstruct(params_, mr, ParseSigstructDate("2026-01-15").value());
  Result<Bytes> sig = SignSigstruct(unsigned_s, *key);
  ASSERT_TRUE(sig.ok()) << sig.error().message();
  Bytes expected = ReadFileBytes(dir_ + "/expected.sig").value();
  ASSERT_EQ(sig->size(), kSigstructSize);
  for (size_t i = 0; i < kSigstructSize; i++) {
    ASSERT_EQ((*sig)[i], expected[i]) << "first difference at SIGSTRUCT offset " << i;
  }
  EXPECT_EQ(HexEncode(crypto::Sha256(*sig)), Expected("sig_sha256"));
  EXPECT_TRUE(VerifySigstruct(*sig).ok());
  // Reproducible: signing again gives the same bytes.
  EXPECT_EQ(SignSigstruct(unsigned_s, *key).value(), *sig);
}

TEST_P(VectorTest, ParseExpectedSig) {
  Bytes expected = ReadFileBytes(dir_ + "/expected.sig").value();
  Result<SigstructFields> f = ParseSigstruct(expected);
  ASSERT_TRUE(f.ok()) << f.error().message();
  EXPECT_EQ(HexEncode(f->mr_enclave), Expected("mrenclave"));
  EXPECT_EQ(HexEncode(f->mr_signer), Expected("mrsigner"));
  EXPECT_EQ(f->date.ToString(), "2026-01-15");
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%016llx", static_cast<unsigned long long>(f->attributes_flags));
  EXPECT_EQ(buf, Expected("attributes_flags"));
  std::snprintf(buf, sizeof buf, "0x%016llx", static_cast<unsigned long long>(f->attributes_xfrm));
  EXPECT_EQ(buf, Expected("attributes_xfrm"));
  std::snprintf(buf, sizeof buf, "0x%016llx",
                static_cast<unsigned long long>(f->attribute_mask_xfrm));
  EXPECT_EQ(buf, Expected("attributes_xfrm_mask"));
  std::snprintf(buf, sizeof buf, "0x%08x", f->misc_select);
  EXPECT_EQ(buf, Expected("miscselect"));
  EXPECT_EQ(f->isv_prod_id, json_["isvprodid"].GetUint());
  EXPECT_EQ(f->isv_svn, json_["isvsvn"].GetUint());
  EXPECT_EQ(f->exponent, 3u);
  EXPECT_TRUE(VerifySigstruct(expected).ok());
}

TEST_P(VectorTest, TwoStepSigningMatches) {
  Measurement mr = MeasureEnclave(manifest_sgx_, libpal_, params_).value();
  crypto::RsaKey key = crypto::RsaKey::FromPem(ReadFile(dir_ + "/key.pem").value()).value();
  Bytes unsigned_s = BuildUnsignedSigstruct(params_, mr, ParseSigstructDate("2026-01-15").value());
  Bytes data = SigningData(unsigned_s);
  ASSERT_EQ(data.size(), kSigningDataSize);
  Bytes signature = key.SignPkcs1Sha256(data).value();  // "the HSM"
  crypto::RsaKey pub = crypto::RsaKey::FromPem(key.PublicPem()).value();
  Result<Bytes> sig = AssembleSigstruct(unsigned_s, pub, signature);
  ASSERT_TRUE(sig.ok()) << sig.error().message();
  EXPECT_EQ(*sig, ReadFileBytes(dir_ + "/expected.sig").value());
  signature[10] ^= 1;
  Result<Bytes> bad = AssembleSigstruct(unsigned_s, pub, signature);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), ErrorCode::kVerifyFailed);
}

INSTANTIATE_TEST_SUITE_P(Gramine19, VectorTest, ::testing::ValuesIn(testing::VectorNames()),
                         [](const auto& info) { return "v" + info.param.substr(0, 2); });

}  // namespace
}  // namespace uid2::sgx
