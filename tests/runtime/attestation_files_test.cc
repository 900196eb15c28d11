// AttestationFiles: Gramine's /dev/attestation names, sizes and write rules.
#include <gtest/gtest.h>

#include <cerrno>

#include "runtime/attestation_files.h"

namespace uid2::runtime {
namespace {

EnclaveIdentity Id() {
  EnclaveIdentity id;
  id.mr_enclave.fill(0x11);
  id.mr_signer.fill(0x22);
  id.isv_prod_id = 7;
  id.isv_svn = 3;
  id.flags = 0x4;
  id.xfrm = 0x3;
  return id;
}

TEST(AttestationFilesTest, WritesMustHaveTheExactSizeAndReadOnlyFilesRefuseThem) {
  AttestationFiles a(Id(), nullptr, {}, nullptr);
  EXPECT_EQ(a.Commit("user_report_data", Bytes(63)), -EINVAL);
  EXPECT_EQ(a.Commit("report", Bytes(432)), -EACCES);
  EXPECT_EQ(a.Commit("keys/_sgx_mrenclave", Bytes(16)), -EACCES);
  Bytes out;
  EXPECT_EQ(a.Snapshot("quote", &out), -ENOENT);  // no quoting: no quote file
  EXPECT_EQ(a.Snapshot("attestation_type", &out), 0);
  EXPECT_EQ(AsChars(out), "none");
}

TEST(AttestationFilesTest, ReportCarriesIdentityAndReportData) {
  attest::ReportBody quoted;
  AttestationFiles a(
      Id(),
      [&](const attest::ReportBody& b) -> Result<Bytes> {
        quoted = b;
        return Bytes{1, 2, 3};
      },
      {}, nullptr);
  Bytes data(64, 0xab);
  ASSERT_EQ(a.Commit("user_report_data", data), 0);
  Bytes report;
  ASSERT_EQ(a.Snapshot("report", &report), 0);
  ASSERT_EQ(report.size(), kReportSize);
  auto body = attest::ReportBody::Parse(ByteSpan(report).first(attest::kReportBodySize));
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(body->mr_enclave, Id().mr_enclave);
  EXPECT_EQ(body->mr_signer, Id().mr_signer);
  EXPECT_EQ(body->isv_prod_id, 7);
  EXPECT_EQ(body->isv_svn, 3);
  EXPECT_EQ(body->report_data[63], 0xab);
  EXPECT_EQ(body->flags() & 0x5, 0x5u);  // INITTED | MODE64BIT
  Bytes quote, type;
  ASSERT_EQ(a.Snapshot("quote", &quote), 0);
  EXPECT_EQ(quoted.report_data[0], 0xab);
  ASSERT_EQ(a.Snapshot("attestation_type", &type), 0);
  EXPECT_EQ(AsChars(type), "dcap");
  Bytes ti;
  ASSERT_EQ(a.Snapshot("my_target_info", &ti), 0);
  EXPECT_EQ(ti.size(), kTargetInfoSize);
  EXPECT_EQ(ti[0], 0x11);
}

TEST(AttestationFilesTest, KeysAreSixteenRawBytesAndUnsetKeysReadEmpty) {
  SealKeyFn seal = [](std::string_view name) -> Result<Bytes> {
    if (name == "_sgx_mrenclave") return Bytes(16, 0xe);
    return Error::Io("no secret");
  };
  AttestationFiles a(Id(), nullptr, {{"mine", Bytes(16, 9)}, {"later", Bytes{}}}, seal);
  Bytes k;
  ASSERT_EQ(a.Snapshot("keys/_sgx_mrenclave", &k), 0);
  EXPECT_EQ(k, Bytes(16, 0xe));
  EXPECT_EQ(a.Snapshot("keys/_sgx_mrsigner", &k), -EIO);  // the secret's error, logged
  EXPECT_EQ(a.Commit("keys/_sgx_mrenclave", Bytes(16, 1)), -EACCES);
  ASSERT_EQ(a.Snapshot("keys/later", &k), 0);
  EXPECT_TRUE(k.empty());
  EXPECT_EQ(a.Key("later", &k), -ENOKEY);
  EXPECT_EQ(a.Commit("keys/later", Bytes(32, 1)), -EACCES);  // hex is refused (Gramine: EACCES)
  ASSERT_EQ(a.Commit("keys/later", Bytes(16, 1)), 0);
  ASSERT_EQ(a.Key("later", &k), 0);
  EXPECT_EQ(k, Bytes(16, 1));
  EXPECT_EQ(a.Commit("keys/mine", Bytes(16, 2)), 0);
  EXPECT_EQ(a.Commit("keys/absent", Bytes(16, 1)), -ENOENT);
  EXPECT_EQ(a.Key("absent", &k), -ENOENT);
}

}  // namespace
}  // namespace uid2::runtime
