// Every sgx.cpu_features combination (3^5 = 243) against the SIGSTRUCT attributes Gramine v1.9's
// signer writes. The expected values are a literal table derived by hand-transcribing Gramine's
// rules below (not by calling AttributesFor); each row goes through the manifest parser
// (EnclaveParamsFrom) and BuildUnsignedSigstruct, and the bytes at the SIGSTRUCT offsets are
// compared.
//
// Gramine v1.9, python/graminelibos/sgx_sign.py, get_enclave_attributes():
//   xfrm, mask = SGX_XFRM_LEGACY (0x3), SGX_XFRM_MASK_CONST (0xfffffffffff9ff1b)
//   collect_cpu_feature_bits() over {avx, avx512, amx}, then over {mpx, pkru}, in that order,
//   updating the SAME (xfrm, mask) pair feature after feature:
//     "required"    -> xfrm |= bits;  mask |= bits
//     "disabled"    -> xfrm &= ~bits; mask |= bits
//     "unspecified" -> nothing (mpx/pkru only differ by refusing other strings, "security
//                      hardening", which the manifest parser does for all five)
//   misc_select = SGX_MISCSELECT_EXINFO (0x1) if sgx.use_exinfo else 0; the SIGSTRUCT's misc mask
//   is SGX_MISCSELECT_MASK_CONST (0xffffffff) whatever the features; flags = MODE64BIT (0x4)
//   | DEBUG (0x2) if sgx.debug, mask 0xffffffffffffffff.
// Bits (pal/src/host/linux-sgx/sgx_arch.h): AVX 0x4, AVX512 0xe4 (bits 2,5,6,7: it INCLUDES the
// AVX bit), AMX 0x60000, MPX 0x18, PKRU 0x200.
//
// Consequences visible in the table:
//   - MASK_CONST already holds MPX (bits 3,4) and PKRU (bit 9), so mpx/pkru never change the
//     mask; only avx/avx512/amx do: any non-"unspecified" avx ORs 0x4, avx512 ORs 0xe4 (so
//     0x...ff1b -> 0x...ffff), amx ORs 0x60000 (0x...f9.... -> 0x...ff....).
//   - Order matters because AVX512 contains AVX: avx = "required" then avx512 = "disabled" clears
//     bit 2 again (row "RD...": xfrm 0x3, not 0x7); avx = "disabled" then avx512 = "required"
//     sets it (row "DR...": 0xe7).
//   - Worked row "RDUDD" (avx required, avx512 disabled, amx unspecified, mpx/pkru disabled =
//     their defaults): xfrm 0x3 -> |0x4 = 0x7 -> &~0xe4 = 0x3 -> (amx) 0x3 -> &~0x18 = 0x3
//     -> &~0x200 = 0x3; mask 0xfffffffffff9ff1b | 0x4 | 0xe4 | 0x18 | 0x200 = 0xfffffffffff9ffff.
//   - Worked row "URRRR": xfrm 0x3 |0xe4 = 0xe7 |0x60000 = 0x600e7 |0x18 = 0x600ff |0x200 =
//     0x602ff; mask 0xfffffffffff9ff1b | 0xe4 | 0x60000 = 0xffffffffffffffff.
#include <gtest/gtest.h>

#include <iterator>
#include <set>
#include <string>

#include "common/bytes.h"
#include "manifest/manifest.h"
#include "sgx/sigstruct.h"

namespace uid2::sgx {
namespace {

struct Row {
  // Settings of avx, avx512, amx, mpx, pkru: U = "unspecified", R = "required", D = "disabled".
  const char* features;
  uint64_t xfrm, xfrm_mask;
};

// clang-format off
constexpr Row kGramineTable[] = {
    {"UUUUU", 0x3, 0xfffffffffff9ff1b},
    {"UUUUD", 0x3, 0xfffffffffff9ff1b},
    {"UUUUR", 0x203, 0xfffffffffff9ff1b},
    {"UUUDU", 0x3, 0xfffffffffff9ff1b},
    {"UUUDD", 0x3, 0xfffffffffff9ff1b},
    {"UUUDR", 0x203, 0xfffffffffff9ff1b},
    {"UUURU", 0x1b, 0xfffffffffff9ff1b},
    {"UUURD", 0x1b, 0xfffffffffff9ff1b},
    {"UUURR", 0x21b, 0xfffffffffff9ff1b},
    {"UUDUU", 0x3, 0xffffffffffffff1b},
    {"UUDUD", 0x3, 0xffffffffffffff1b},
    {"UUDUR", 0x203, 0xffffffffffffff1b},
    {"UUDDU", 0x3, 0xffffffffffffff1b},
    {"UUDDD", 0x3, 0xffffffffffffff1b},
    {"UUDDR", 0x203, 0xffffffffffffff1b},
    {"UUDRU", 0x1b, 0xffffffffffffff1b},
    {"UUDRD", 0x1b, 0xffffffffffffff1b},
    {"UUDRR", 0x21b, 0xffffffffffffff1b},
    {"UURUU", 0x60003, 0xffffffffffffff1b},
    {"UURUD", 0x60003, 0xffffffffffffff1b},
    {"UURUR", 0x60203, 0xffffffffffffff1b},
    {"UURDU", 0x60003, 0xffffffffffffff1b},
    {"UURDD", 0x60003, 0xffffffffffffff1b},
    {"UURDR", 0x60203, 0xffffffffffffff1b},
    {"UURRU", 0x6001b, 0xffffffffffffff1b},
    {"UURRD", 0x6001b, 0xffffffffffffff1b},
    {"UURRR", 0x6021b, 0xffffffffffffff1b},
    {"UDUUU", 0x3, 0xfffffffffff9ffff},
    {"UDUUD", 0x3, 0xfffffffffff9ffff},
    {"UDUUR", 0x203, 0xfffffffffff9ffff},
    {"UDUDU", 0x3, 0xfffffffffff9ffff},
    {"UDUDD", 0x3, 0xfffffffffff9ffff},
    {"UDUDR", 0x203, 0xfffffffffff9ffff},
    {"UDURU", 0x1b, 0xfffffffffff9ffff},
    {"UDURD", 0x1b, 0xfffffffffff9ffff},
    {"UDURR", 0x21b, 0xfffffffffff9ffff},
    {"UDDUU", 0x3, 0xffffffffffffffff},
    {"UDDUD", 0x3, 0xffffffffffffffff},
    {"UDDUR", 0x203, 0xffffffffffffffff},
    {"UDDDU", 0x3, 0xffffffffffffffff},
    {"UDDDD", 0x3, 0xffffffffffffffff},
    {"UDDDR", 0x203, 0xffffffffffffffff},
    {"UDDRU", 0x1b, 0xffffffffffffffff},
    {"UDDRD", 0x1b, 0xffffffffffffffff},
    {"UDDRR", 0x21b, 0xffffffffffffffff},
    {"UDRUU", 0x60003, 0xffffffffffffffff},
    {"UDRUD", 0x60003, 0xffffffffffffffff},
    {"UDRUR", 0x60203, 0xffffffffffffffff},
    {"UDRDU", 0x60003, 0xffffffffffffffff},
    {"UDRDD", 0x60003, 0xffffffffffffffff},
    {"UDRDR", 0x60203, 0xffffffffffffffff},
    {"UDRRU", 0x6001b, 0xffffffffffffffff},
    {"UDRRD", 0x6001b, 0xffffffffffffffff},
    {"UDRRR", 0x6021b, 0xffffffffffffffff},
    {"URUUU", 0xe7, 0xfffffffffff9ffff},
    {"URUUD", 0xe7, 0xfffffffffff9ffff},
    {"URUUR", 0x2e7, 0xfffffffffff9ffff},
    {"URUDU", 0xe7, 0xfffffffffff9ffff},
    {"URUDD", 0xe7, 0xfffffffffff9ffff},
    {"URUDR", 0x2e7, 0xfffffffffff9ffff},
    {"URURU", 0xff, 0xfffffffffff9ffff},
    {"URURD", 0xff, 0xfffffffffff9ffff},
    {"URURR", 0x2ff, 0xfffffffffff9ffff},
    {"URDUU", 0xe7, 0xffffffffffffffff},
    {"URDUD", 0xe7, 0xffffffffffffffff},
    {"URDUR", 0x2e7, 0xffffffffffffffff},
    {"URDDU", 0xe7, 0xffffffffffffffff},
    {"URDDD", 0xe7, 0xffffffffffffffff},
    {"URDDR", 0x2e7, 0xffffffffffffffff},
    {"URDRU", 0xff, 0xffffffffffffffff},
    {"URDRD", 0xff, 0xffffffffffffffff},
    {"URDRR", 0x2ff, 0xffffffffffffffff},
    {"URRUU", 0x600e7, 0xffffffffffffffff},
    {"URRUD", 0x600e7, 0xffffffffffffffff},
    {"URRUR", 0x602e7, 0xffffffffffffffff},
    {"URRDU", 0x600e7, 0xffffffffffffffff},
    {"URRDD", 0x600e7, 0xffffffffffffffff},
    {"URRDR", 0x602e7, 0xffffffffffffffff},
    {"URRRU", 0x600ff, 0xffffffffffffffff},
    {"URRRD", 0x600ff, 0xffffffffffffffff},
    {"URRRR", 0x602ff, 0xffffffffffffffff},
    {"DUUUU", 0x3, 0xfffffffffff9ff1f},
    {"DUUUD", 0x3, 0xfffffffffff9ff1f},
    {"DUUUR", 0x203, 0xfffffffffff9ff1f},
    {"DUUDU", 0x3, 0xfffffffffff9ff1f},
    {"DUUDD", 0x3, 0xfffffffffff9ff1f},
    {"DUUDR", 0x203, 0xfffffffffff9ff1f},
    {"DUURU", 0x1b, 0xfffffffffff9ff1f},
    {"DUURD", 0x1b, 0xfffffffffff9ff1f},
    {"DUURR", 0x21b, 0xfffffffffff9ff1f},
    {"DUDUU", 0x3, 0xffffffffffffff1f},
    {"DUDUD", 0x3, 0xffffffffffffff1f},
    {"DUDUR", 0x203, 0xffffffffffffff1f},
    {"DUDDU", 0x3, 0xffffffffffffff1f},
    {"DUDDD", 0x3, 0xffffffffffffff1f},
    {"DUDDR", 0x203, 0xffffffffffffff1f},
    {"DUDRU", 0x1b, 0xffffffffffffff1f},
    {"DUDRD", 0x1b, 0xffffffffffffff1f},
    {"DUDRR", 0x21b, 0xffffffffffffff1f},
    {"DURUU", 0x60003, 0xffffffffffffff1f},
    {"DURUD", 0x60003, 0xffffffffffffff1f},
    {"DURUR", 0x60203, 0xffffffffffffff1f},
    {"DURDU", 0x60003, 0xffffffffffffff1f},
    {"DURDD", 0x60003, 0xffffffffffffff1f},
    {"DURDR", 0x60203, 0xffffffffffffff1f},
    {"DURRU", 0x6001b, 0xffffffffffffff1f},
    {"DURRD", 0x6001b, 0xffffffffffffff1f},
    {"DURRR", 0x6021b, 0xffffffffffffff1f},
    {"DDUUU", 0x3, 0xfffffffffff9ffff},
    {"DDUUD", 0x3, 0xfffffffffff9ffff},
    {"DDUUR", 0x203, 0xfffffffffff9ffff},
    {"DDUDU", 0x3, 0xfffffffffff9ffff},
    {"DDUDD", 0x3, 0xfffffffffff9ffff},
    {"DDUDR", 0x203, 0xfffffffffff9ffff},
    {"DDURU", 0x1b, 0xfffffffffff9ffff},
    {"DDURD", 0x1b, 0xfffffffffff9ffff},
    {"DDURR", 0x21b, 0xfffffffffff9ffff},
    {"DDDUU", 0x3, 0xffffffffffffffff},
    {"DDDUD", 0x3, 0xffffffffffffffff},
    {"DDDUR", 0x203, 0xffffffffffffffff},
    {"DDDDU", 0x3, 0xffffffffffffffff},
    {"DDDDD", 0x3, 0xffffffffffffffff},
    {"DDDDR", 0x203, 0xffffffffffffffff},
    {"DDDRU", 0x1b, 0xffffffffffffffff},
    {"DDDRD", 0x1b, 0xffffffffffffffff},
    {"DDDRR", 0x21b, 0xffffffffffffffff},
    {"DDRUU", 0x60003, 0xffffffffffffffff},
    {"DDRUD", 0x60003, 0xffffffffffffffff},
    {"DDRUR", 0x60203, 0xffffffffffffffff},
    {"DDRDU", 0x60003, 0xffffffffffffffff},
    {"DDRDD", 0x60003, 0xffffffffffffffff},
    {"DDRDR", 0x60203, 0xffffffffffffffff},
    {"DDRRU", 0x6001b, 0xffffffffffffffff},
    {"DDRRD", 0x6001b, 0xffffffffffffffff},
    {"DDRRR", 0x6021b, 0xffffffffffffffff},
    {"DRUUU", 0xe7, 0xfffffffffff9ffff},
    {"DRUUD", 0xe7, 0xfffffffffff9ffff},
    {"DRUUR", 0x2e7, 0xfffffffffff9ffff},
    {"DRUDU", 0xe7, 0xfffffffffff9ffff},
    {"DRUDD", 0xe7, 0xfffffffffff9ffff},
    {"DRUDR", 0x2e7, 0xfffffffffff9ffff},
    {"DRURU", 0xff, 0xfffffffffff9ffff},
    {"DRURD", 0xff, 0xfffffffffff9ffff},
    {"DRURR", 0x2ff, 0xfffffffffff9ffff},
    {"DRDUU", 0xe7, 0xffffffffffffffff},
    {"DRDUD", 0xe7, 0xffffffffffffffff},
    {"DRDUR", 0x2e7, 0xffffffffffffffff},
    {"DRDDU", 0xe7, 0xffffffffffffffff},
    {"DRDDD", 0xe7, 0xffffffffffffffff},
    {"DRDDR", 0x2e7, 0xffffffffffffffff},
    {"DRDRU", 0xff, 0xffffffffffffffff},
    {"DRDRD", 0xff, 0xffffffffffffffff},
    {"DRDRR", 0x2ff, 0xffffffffffffffff},
    {"DRRUU", 0x600e7, 0xffffffffffffffff},
    {"DRRUD", 0x600e7, 0xffffffffffffffff},
    {"DRRUR", 0x602e7, 0xffffffffffffffff},
    {"DRRDU", 0x600e7, 0xffffffffffffffff},
    {"DRRDD", 0x600e7, 0xffffffffffffffff},
    {"DRRDR", 0x602e7, 0xffffffffffffffff},
    {"DRRRU", 0x600ff, 0xffffffffffffffff},
    {"DRRRD", 0x600ff, 0xffffffffffffffff},
    {"DRRRR", 0x602ff, 0xffffffffffffffff},
    {"RUUUU", 0x7, 0xfffffffffff9ff1f},
    {"RUUUD", 0x7, 0xfffffffffff9ff1f},
    {"RUUUR", 0x207, 0xfffffffffff9ff1f},
    {"RUUDU", 0x7, 0xfffffffffff9ff1f},
    {"RUUDD", 0x7, 0xfffffffffff9ff1f},
    {"RUUDR", 0x207, 0xfffffffffff9ff1f},
    {"RUURU", 0x1f, 0xfffffffffff9ff1f},
    {"RUURD", 0x1f, 0xfffffffffff9ff1f},
    {"RUURR", 0x21f, 0xfffffffffff9ff1f},
    {"RUDUU", 0x7, 0xffffffffffffff1f},
    {"RUDUD", 0x7, 0xffffffffffffff1f},
    {"RUDUR", 0x207, 0xffffffffffffff1f},
    {"RUDDU", 0x7, 0xffffffffffffff1f},
    {"RUDDD", 0x7, 0xffffffffffffff1f},
    {"RUDDR", 0x207, 0xffffffffffffff1f},
    {"RUDRU", 0x1f, 0xffffffffffffff1f},
    {"RUDRD", 0x1f, 0xffffffffffffff1f},
    {"RUDRR", 0x21f, 0xffffffffffffff1f},
    {"RURUU", 0x60007, 0xffffffffffffff1f},
    {"RURUD", 0x60007, 0xffffffffffffff1f},
    {"RURUR", 0x60207, 0xffffffffffffff1f},
    {"RURDU", 0x60007, 0xffffffffffffff1f},
    {"RURDD", 0x60007, 0xffffffffffffff1f},
    {"RURDR", 0x60207, 0xffffffffffffff1f},
    {"RURRU", 0x6001f, 0xffffffffffffff1f},
    {"RURRD", 0x6001f, 0xffffffffffffff1f},
    {"RURRR", 0x6021f, 0xffffffffffffff1f},
    {"RDUUU", 0x3, 0xfffffffffff9ffff},
    {"RDUUD", 0x3, 0xfffffffffff9ffff},
    {"RDUUR", 0x203, 0xfffffffffff9ffff},
    {"RDUDU", 0x3, 0xfffffffffff9ffff},
    {"RDUDD", 0x3, 0xfffffffffff9ffff},
    {"RDUDR", 0x203, 0xfffffffffff9ffff},
    {"RDURU", 0x1b, 0xfffffffffff9ffff},
    {"RDURD", 0x1b, 0xfffffffffff9ffff},
    {"RDURR", 0x21b, 0xfffffffffff9ffff},
    {"RDDUU", 0x3, 0xffffffffffffffff},
    {"RDDUD", 0x3, 0xffffffffffffffff},
    {"RDDUR", 0x203, 0xffffffffffffffff},
    {"RDDDU", 0x3, 0xffffffffffffffff},
    {"RDDDD", 0x3, 0xffffffffffffffff},
    {"RDDDR", 0x203, 0xffffffffffffffff},
    {"RDDRU", 0x1b, 0xffffffffffffffff},
    {"RDDRD", 0x1b, 0xffffffffffffffff},
    {"RDDRR", 0x21b, 0xffffffffffffffff},
    {"RDRUU", 0x60003, 0xffffffffffffffff},
    {"RDRUD", 0x60003, 0xffffffffffffffff},
    {"RDRUR", 0x60203, 0xffffffffffffffff},
    {"RDRDU", 0x60003, 0xffffffffffffffff},
    {"RDRDD", 0x60003, 0xffffffffffffffff},
    {"RDRDR", 0x60203, 0xffffffffffffffff},
    {"RDRRU", 0x6001b, 0xffffffffffffffff},
    {"RDRRD", 0x6001b, 0xffffffffffffffff},
    {"RDRRR", 0x6021b, 0xffffffffffffffff},
    {"RRUUU", 0xe7, 0xfffffffffff9ffff},
    {"RRUUD", 0xe7, 0xfffffffffff9ffff},
    {"RRUUR", 0x2e7, 0xfffffffffff9ffff},
    {"RRUDU", 0xe7, 0xfffffffffff9ffff},
    {"RRUDD", 0xe7, 0xfffffffffff9ffff},
    {"RRUDR", 0x2e7, 0xfffffffffff9ffff},
    {"RRURU", 0xff, 0xfffffffffff9ffff},
    {"RRURD", 0xff, 0xfffffffffff9ffff},
    {"RRURR", 0x2ff, 0xfffffffffff9ffff},
    {"RRDUU", 0xe7, 0xffffffffffffffff},
    {"RRDUD", 0xe7, 0xffffffffffffffff},
    {"RRDUR", 0x2e7, 0xffffffffffffffff},
    {"RRDDU", 0xe7, 0xffffffffffffffff},
    {"RRDDD", 0xe7, 0xffffffffffffffff},
    {"RRDDR", 0x2e7, 0xffffffffffffffff},
    {"RRDRU", 0xff, 0xffffffffffffffff},
    {"RRDRD", 0xff, 0xffffffffffffffff},
    {"RRDRR", 0x2ff, 0xffffffffffffffff},
    {"RRRUU", 0x600e7, 0xffffffffffffffff},
    {"RRRUD", 0x600e7, 0xffffffffffffffff},
    {"RRRUR", 0x602e7, 0xffffffffffffffff},
    {"RRRDU", 0x600e7, 0xffffffffffffffff},
    {"RRRDD", 0x600e7, 0xffffffffffffffff},
    {"RRRDR", 0x602e7, 0xffffffffffffffff},
    {"RRRRU", 0x600ff, 0xffffffffffffffff},
    {"RRRRD", 0x600ff, 0xffffffffffffffff},
    {"RRRRR", 0x602ff, 0xffffffffffffffff},
};
// clang-format on

std::string Setting(char c) {
  return c == 'R' ? "required" : c == 'D' ? "disabled" : "unspecified";
}

std::string ManifestFor(const Row& row, bool exinfo) {
  static constexpr const char* kNames[] = {"avx", "avx512", "amx", "mpx", "pkru"};
  std::string text = "libos.entrypoint = \"/app\"\n[sgx]\nuse_exinfo = ";
  text += exinfo ? "true\n" : "false\n";
  text += "[sgx.cpu_features]\n";
  for (int i = 0; i < 5; i++) {
    text += std::string(kNames[i]) + " = \"" + Setting(row.features[i]) + "\"\n";
  }
  return text;
}

TEST(CpuFeaturesTest, TableCoversEveryCombinationOnce) {
  std::set<std::string> seen;
  for (const Row& row : kGramineTable) {
    ASSERT_EQ(std::string(row.features).size(), 5u) << row.features;
    seen.insert(row.features);
  }
  EXPECT_EQ(seen.size(), 243u);
  EXPECT_EQ(std::size(kGramineTable), 243u);
}

TEST(CpuFeaturesTest, SigstructMatchesGramineForEveryCombination) {
  for (const Row& row : kGramineTable) {
    for (bool exinfo : {false, true}) {
      SCOPED_TRACE(std::string(row.features) + (exinfo ? " exinfo" : ""));
      Result<manifest::Manifest> m = manifest::ParseManifest(ManifestFor(row, exinfo), "test");
      ASSERT_TRUE(m.ok()) << m.error().message();
      Result<EnclaveParams> p = manifest::EnclaveParamsFrom(*m);
      ASSERT_TRUE(p.ok()) << p.error().message();
      Bytes s = BuildUnsignedSigstruct(*p, Measurement{}, SigstructDate{});
      EXPECT_EQ(LoadU32LE(s, 900), exinfo ? 1u : 0u);  // MISCSELECT
      EXPECT_EQ(LoadU32LE(s, 904), 0xffffffffu);       // MISCMASK
      EXPECT_EQ(LoadU64LE(s, 928), 0x4u);              // ATTRIBUTES.FLAGS = MODE64BIT
      EXPECT_EQ(LoadU64LE(s, 936), row.xfrm);          // ATTRIBUTES.XFRM
      EXPECT_EQ(LoadU64LE(s, 944), ~uint64_t{0});      // ATTRIBUTEMASK.FLAGS
      EXPECT_EQ(LoadU64LE(s, 952), row.xfrm_mask);     // ATTRIBUTEMASK.XFRM
    }
  }
}

// Without sgx.cpu_features, Gramine 1.9 still reads the deprecated sgx.require_<feature> = true:
// bits ORed into XFRM, mask MASK_CONST (the mpx/pkru "disabled" defaults are not applied).
TEST(CpuFeaturesTest, DeprecatedRequireKeys) {
  Result<manifest::Manifest> m = manifest::ParseManifest(
      "[sgx]\nrequire_avx = true\nrequire_pkru = true\nrequire_mpx = false\n", "test");
  ASSERT_TRUE(m.ok());
  Result<EnclaveParams> p = manifest::EnclaveParamsFrom(*m);
  ASSERT_TRUE(p.ok()) << p.error().message();
  Bytes s = BuildUnsignedSigstruct(*p, Measurement{}, SigstructDate{});
  EXPECT_EQ(LoadU64LE(s, 936), 0x3u | 0x4u | 0x200u);
  EXPECT_EQ(LoadU64LE(s, 952), 0xfffffffffff9ff1bull);
  // ...and refuses them next to sgx.cpu_features.
  m = manifest::ParseManifest("[sgx]\nrequire_avx = true\ncpu_features.avx = \"required\"\n",
                              "test");
  ASSERT_TRUE(m.ok());
  p = manifest::EnclaveParamsFrom(*m);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message().find("sgx.require_avx"), std::string::npos) << p.error().message();
  EXPECT_NE(p.error().message().find("cannot coexist"), std::string::npos);
}

}  // namespace
}  // namespace uid2::sgx
