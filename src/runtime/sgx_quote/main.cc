// sgx_quote: print this enclave's identity and, on request, its DCAP quote, from Gramine's
// /dev/attestation files. A static binary with no dependencies, so it can be copied into any
// bundle (like `occlum run /bin/sgx_quote`):
//
//   shroud run BUNDLE --sim-pki DIR --exec sgx_quote
//   shroud run BUNDLE --sim-pki DIR --exec sgx_quote -- --report-data 00ff... --quote /tmp/q.bin
//
// Works the same inside Gramine on SGX hardware.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "common/bytes.h"

namespace {

// sgx_report_t starts with the 384-byte report body (sgx-attestation.md §1.1):
//   off 48  size 16  attributes (flags u64 LE @48, xfrm u64 LE @56)
//   off 64  size 32  mr_enclave
//   off 128 size 32  mr_signer
//   off 256 size 2   isv_prod_id (u16 LE)
//   off 258 size 2   isv_svn (u16 LE)
//   off 320 size 64  report_data
constexpr size_t kReportBodySize = 384;
constexpr size_t kOffAttributes = 48, kOffMrEnclave = 64, kOffMrSigner = 128;
constexpr size_t kOffIsvProdId = 256, kOffReportData = 320;
constexpr size_t kReportDataSize = 64;
constexpr const char* kDir = "/dev/attestation/";

bool ReadWhole(const std::string& path, uid2::Bytes* out) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return false;
  uint8_t buf[8192];
  size_t n;
  out->clear();
  while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) out->insert(out->end(), buf, buf + n);
  bool ok = !std::ferror(f);
  std::fclose(f);
  return ok;
}

bool WriteWhole(const std::string& path, uid2::ByteSpan data) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return false;
  bool ok = std::fwrite(data.data(), 1, data.size(), f) == data.size();
  return std::fclose(f) == 0 && ok;
}

std::string Hex(uid2::ByteSpan b) {
  static const char kDigits[] = "0123456789abcdef";
  std::string s;
  for (uint8_t c : b) {
    s += kDigits[c >> 4];
    s += kDigits[c & 15];
  }
  return s;
}

bool ParseHex(const char* text, uid2::Bytes* out) {
  size_t len = std::strlen(text);
  if (len % 2 != 0 || len / 2 > kReportDataSize) return false;
  out->assign(kReportDataSize, 0);
  for (size_t i = 0; i < len / 2; i++) {
    unsigned v;
    if (std::sscanf(text + 2 * i, "%2x", &v) != 1) return false;
    (*out)[i] = static_cast<uint8_t>(v);
  }
  return true;
}

int Fail(const std::string& what) {
  std::fprintf(stderr, "sgx_quote: %s: %s\n", what.c_str(), std::strerror(errno));
  return 1;
}

void Usage() {
  std::printf(
      "usage: sgx_quote [--report-data HEX] [--quote FILE] [--quote-hex] [--json]\n"
      "Prints MRENCLAVE, MRSIGNER, ISVPRODID, ISVSVN and DEBUG from /dev/attestation/report.\n"
      "  --report-data HEX  up to 64 bytes written to user_report_data first\n"
      "  --quote FILE       write the DCAP quote (binary) to FILE\n"
      "  --quote-hex        print the quote as hex on stdout\n"
      "  --json             print one JSON object\n");
}

}  // namespace

int main(int argc, char** argv) {
  uid2::Bytes report_data;
  std::string quote_file;
  bool quote_hex = false, json = false;
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    if (a == "--report-data" && i + 1 < argc) {
      if (!ParseHex(argv[++i], &report_data)) {
        std::fprintf(stderr, "sgx_quote: --report-data: up to 128 hex digits\n");
        return 2;
      }
    } else if (a == "--quote" && i + 1 < argc) {
      quote_file = argv[++i];
    } else if (a == "--quote-hex") {
      quote_hex = true;
    } else if (a == "--json") {
      json = true;
    } else {
      Usage();
      return a == "--help" || a == "-h" ? 0 : 2;
    }
  }
  if (!report_data.empty() && !WriteWhole(std::string(kDir) + "user_report_data", report_data)) {
    return Fail(std::string(kDir) + "user_report_data");
  }
  uid2::Bytes type, report;
  if (!ReadWhole(std::string(kDir) + "attestation_type", &type)) {
    return Fail(std::string(kDir) + "attestation_type (not inside an enclave?)");
  }
  if (!ReadWhole(std::string(kDir) + "report", &report)) return Fail(std::string(kDir) + "report");
  if (report.size() < kReportBodySize) {
    std::fprintf(stderr, "sgx_quote: report is %zu bytes, expected 432\n", report.size());
    return 1;
  }
  uid2::ByteReader r(uid2::ByteSpan(report).subspan(kOffAttributes));
  uint64_t flags = 0;
  uint16_t prodid = 0, svn = 0;
  uid2::ByteSpan mrenclave, mrsigner, rdata;
  r.ReadU64LE(&flags);
  uid2::ByteReader(uid2::ByteSpan(report).subspan(kOffMrEnclave)).ReadBytes(32, &mrenclave);
  uid2::ByteReader(uid2::ByteSpan(report).subspan(kOffMrSigner)).ReadBytes(32, &mrsigner);
  uid2::ByteReader ids(uid2::ByteSpan(report).subspan(kOffIsvProdId));
  ids.ReadU16LE(&prodid);
  ids.ReadU16LE(&svn);
  uid2::ByteReader(uid2::ByteSpan(report).subspan(kOffReportData))
      .ReadBytes(kReportDataSize, &rdata);
  uid2::Bytes quote;
  if (!quote_file.empty() || quote_hex) {
    if (!ReadWhole(std::string(kDir) + "quote", &quote)) {
      return Fail(std::string(kDir) + "quote (attestation_type is " +
                  std::string(type.begin(), type.end()) + ")");
    }
    if (!quote_file.empty() && !WriteWhole(quote_file, quote)) return Fail(quote_file);
  }
  bool debug = (flags & 0x2) != 0;
  std::string t(type.begin(), type.end());
  if (json) {
    std::printf(
        "{\"attestation_type\":\"%s\",\"mrenclave\":\"%s\",\"mrsigner\":\"%s\",\"isvprodid\":%u,"
        "\"isvsvn\":%u,\"debug\":%s,\"report_data\":\"%s\"%s%s%s}\n",
        t.c_str(), Hex(mrenclave).c_str(), Hex(mrsigner).c_str(), prodid, svn,
        debug ? "true" : "false", Hex(rdata).c_str(), quote_hex ? ",\"quote\":\"" : "",
        quote_hex ? Hex(quote).c_str() : "", quote_hex ? "\"" : "");
    return 0;
  }
  std::printf(
      "attestation_type: %s\nMRENCLAVE: %s\nMRSIGNER:  %s\nPRODID:    %u\nSVN:       %u\n"
      "DEBUG:     %s\nREPORTDATA: %s\n",
      t.c_str(), Hex(mrenclave).c_str(), Hex(mrsigner).c_str(), prodid, svn, debug ? "yes" : "no",
      Hex(rdata).c_str());
  if (!quote_file.empty())
    std::printf("quote: %zu bytes written to %s\n", quote.size(), quote_file.c_str());
  if (quote_hex) std::printf("quote: %s\n", Hex(quote).c_str());
  return 0;
}
