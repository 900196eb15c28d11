// sgx_report_body_t (384 bytes), little-endian integers:
//
//   Off  Size  Field
//   0    16    cpu_svn
//   16   4     misc_select (u32)
//   20   12    reserved1
//   32   16    isv_ext_prod_id
//   48   16    attributes (flags u64 @48, xfrm u64 @56)
//   64   32    mr_enclave
//   96   32    reserved2
//   128  32    mr_signer
//   160  32    reserved3
//   192  64    config_id
//   256  2     isv_prod_id (u16)
//   258  2     isv_svn (u16)
//   260  2     config_svn (u16)
//   262  42    reserved4
//   304  16    isv_family_id
//   320  64    report_data
#include "attest/report_body.h"

namespace uid2::attest {

Result<ReportBody> ReportBody::Parse(ByteSpan bytes) {
  if (bytes.size() != kReportBodySize) {
    return Error::Invalid("report body must be 384 bytes, got " + std::to_string(bytes.size()));
  }
  ReportBody b;
  ByteReader r(bytes);
  bool ok = r.ReadInto(b.cpu_svn) && r.ReadU32LE(&b.misc_select) && r.ReadInto(b.reserved1) &&
            r.ReadInto(b.isv_ext_prod_id) && r.ReadInto(b.attributes) && r.ReadInto(b.mr_enclave) &&
            r.ReadInto(b.reserved2) && r.ReadInto(b.mr_signer) && r.ReadInto(b.reserved3) &&
            r.ReadInto(b.config_id) && r.ReadU16LE(&b.isv_prod_id) && r.ReadU16LE(&b.isv_svn) &&
            r.ReadU16LE(&b.config_svn) && r.ReadInto(b.reserved4) && r.ReadInto(b.isv_family_id) &&
            r.ReadInto(b.report_data) && r.empty();
  if (!ok) return Error::Internal("report body layout does not add up to 384 bytes");
  return b;
}

Bytes ReportBody::Serialize() const {
  ByteWriter w(kReportBodySize);
  w.PutBytes(cpu_svn);
  w.PutU32LE(misc_select);
  w.PutBytes(reserved1);
  w.PutBytes(isv_ext_prod_id);
  w.PutBytes(attributes);
  w.PutBytes(mr_enclave);
  w.PutBytes(reserved2);
  w.PutBytes(mr_signer);
  w.PutBytes(reserved3);
  w.PutBytes(config_id);
  w.PutU16LE(isv_prod_id);
  w.PutU16LE(isv_svn);
  w.PutU16LE(config_svn);
  w.PutBytes(reserved4);
  w.PutBytes(isv_family_id);
  w.PutBytes(report_data);
  return w.Take();
}

}  // namespace uid2::attest
