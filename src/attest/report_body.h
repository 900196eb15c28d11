// report_body.h: sgx_report_body_t, the 384-byte enclave report body that both the ISV enclave's
// report and the quoting enclave's report use (spec: sgx-attestation.md §1.1).
#pragma once

#include <array>
#include <cstdint>

#include "common/bytes.h"
#include "common/status.h"

namespace uid2::attest {

constexpr size_t kReportBodySize = 384;
constexpr size_t kReportDataSize = 64;

// Attribute flag bits (the low byte of attributes.flags, report body byte 48).
constexpr uint8_t kAttributeInitted = 0x01;
constexpr uint8_t kAttributeDebug = 0x02;
constexpr uint8_t kAttributeMode64Bit = 0x04;
constexpr uint8_t kAttributeProvisionKey = 0x10;
constexpr uint8_t kAttributeEinittokenKey = 0x20;
constexpr uint8_t kAttributeKss = 0x80;

// ReportBody holds every field of the 384-byte body, reserved ones included, so that
// Serialize(Parse(b)) == b for any 384 bytes.
struct ReportBody {
  std::array<uint8_t, 16> cpu_svn{};
  uint32_t misc_select = 0;
  std::array<uint8_t, 12> reserved1{};
  std::array<uint8_t, 16> isv_ext_prod_id{};
  std::array<uint8_t, 16> attributes{};  // flags (u64 LE) || xfrm (u64 LE), kept as bytes
  std::array<uint8_t, 32> mr_enclave{};
  std::array<uint8_t, 32> reserved2{};
  std::array<uint8_t, 32> mr_signer{};
  std::array<uint8_t, 32> reserved3{};
  std::array<uint8_t, 64> config_id{};
  uint16_t isv_prod_id = 0;
  uint16_t isv_svn = 0;
  uint16_t config_svn = 0;
  std::array<uint8_t, 42> reserved4{};
  std::array<uint8_t, 16> isv_family_id{};
  std::array<uint8_t, 64> report_data{};

  // Parse reads exactly kReportBodySize bytes; kInvalid on any other size.
  static Result<ReportBody> Parse(ByteSpan bytes);
  // Serialize writes the 384-byte layout.
  Bytes Serialize() const;

  uint64_t flags() const { return LoadU64LE(attributes, 0); }
  uint64_t xfrm() const { return LoadU64LE(attributes, 8); }
  bool debug() const { return (attributes[0] & kAttributeDebug) != 0; }
};

}  // namespace uid2::attest
