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
//     "unspecified" -> nothing for avx/avx512/amx; for mpx and pkru the second call passes
//                      security_hardening=True, whose branch raises KeyError ("has a disallowed
//                      value") for anything but "required"/"disabled": "unspecified" included.
//                      Those 135 rows (U in the mpx or pkru column) are refused (kRefused).
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

// xfrm/xfrm_mask of a combination Gramine's signer refuses.
constexpr uint64_t kRefused = ~uint64_t{0} - 1;

struct Row {
  // Settings of avx, avx512, amx, mpx, pkru: U = "unspecified", R = "required", D = "disabled".
  const char* features;
  uint64_t xfrm, xfrm_mask;
};

// clang-format off
constexpr Row kGramineTable[] = {
    {"UUUUU", kRefused, kRefused},
    {"UUUUD", kRefused, kRefused},
    {"UUUUR", kRefused, kRefused},
    {"UUUDU", kRefused, kRefused},
    {"UUUDD", 0x3, 0xfffffffffff9ff1b},
    {"UUUDR", 0x203, 0xfffffffffff9ff1b},
    {"UUURU", kRefused, kRefused},
    {"UUURD", 0x1b, 0xfffffffffff9ff1b},
    {"UUURR", 0x21b, 0xfffffffffff9ff1b},
    {"UUDUU", kRefused, kRefused},
    {"UUDUD", kRefused, kRefused},
    {"UUDUR", kRefused, kRefused},
    {"UUDDU", kRefused, kRefused},
    {"UUDDD", 0x3, 0xffffffffffffff1b},
    {"UUDDR", 0x203, 0xffffffffffffff1b},
    {"UUDRU", kRefused, kRefused},
    {"UUDRD", 0x1b, 0xffffffffffffff1b},
    {"UUDRR", 0x21b, 0xffffffffffffff1b},
    {"UURUU", kRefused, kRefused},
    {"UURUD", kRefused, kRefused},
    {"UURUR", kRefused, kRefused},
    {"UURDU", kRefused, kRefused},
    {"UURDD", 0x60003, 0xffffffffffffff1b},
    {"UURDR", 0x60203, 0xffffffffffffff1b},
    {"UURRU", kRefused, kRefused},
    {"UURRD", 0x6001b, 0xffffffffffffff1b},
    {"UURRR", 0x6021b, 0xffffffffffffff1b},
    {"UDUUU", kRefused, kRefused},
    {"UDUUD", kRefused, kRefused},
    {"UDUUR", kRefused, kRefused},
    {"UDUDU", kRefused, kRefused},
    {"UDUDD", 0x3, 0xfffffffffff9ffff},
    {"UDUDR", 0x203, 0xfffffffffff9ffff},
    {"UDURU", kRefused, kRefused},
    {"UDURD", 0x1b, 0xfffffffffff9ffff},
    {"UDURR", 0x21b, 0xfffffffffff9ffff},
    {"UDDUU", kRefused, kRefused},
    {"UDDUD", kRefused, kRefused},
    {"UDDUR", kRefused, kRefused},
    {"UDDDU", kRefused, kRefused},
    {"UDDDD", 0x3, 0xffffffffffffffff},
    {"UDDDR", 0x203, 0xffffffffffffffff},
    {"UDDRU", kRefused, kRefused},
    {"UDDRD", 0x1b, 0xffffffffffffffff},
    {"UDDRR", 0x21b, 0xffffffffffffffff},
    {"UDRUU", kRefused, kRefused},
    {"UDRUD", kRefused, kRefused},
    {"UDRUR", kRefused, kRefused},
    {"UDRDU", kRefused, kRefused},
    {"UDRDD", 0x60003, 0xffffffffffffffff},
    {"UDRDR", 0x60203, 0xffffffffffffffff},
    {"UDRRU", kRefused, kRefused},
    {"UDRRD", 0x6001b, 0xffffffffffffffff},
    {"UDRRR", 0x6021b, 0xffffffffffffffff},
    {"URUUU", kRefused, kRefused},
    {"URUUD", kRefused, kRefused},
    {"URUUR", kRefused, kRefused},
    {"URUDU", kRefused, kRefused},
    {"URUDD", 0xe7, 0xfffffffffff9ffff},
    {"URUDR", 0x2e7, 0xfffffffffff9ffff},
    {"URURU", kRefused, kRefused},
    {"URURD", 0xff, 0xfffffffffff9ffff},
    {"URURR", 0x2ff, 0xfffffffffff9ffff},
    {"URDUU", kRefused, kRefused},
    {"URDUD", kRefused, kRefused},
    {"URDUR", kRefused, kRefused},
    {"URDDU", kRefused, kRefused},
    {"URDDD", 0xe7, 0xffffffffffffffff},
    {"URDDR", 0x2e7, 0xffffffffffffffff},
    {"URDRU", kRefused, kRefused},
    {"URDRD", 0xff, 0xffffffffffffffff},
    {"URDRR", 0x2ff, 0xffffffffffffffff},
    {"URRUU", kRefused, kRefused},
    {"URRUD", kRefused, kRefused},
    {"URRUR", kRefused, kRefused},
    {"URRDU", kRefused, kRefused},
    {"URRDD", 0x600e7, 0xffffffffffffffff},
    {"URRDR", 0x602e7, 0xffffffffffffffff},
    {"URRRU", kRefused, kRefused},
    {"URRRD", 0x600ff, 0xffffffffffffffff},
    {"URRRR", 0x602ff, 0xffffffffffffffff},
    {"DUUUU", kRefused, kRefused},
    {"DUUUD", kRefused, kRefused},
    {"DUUUR", kRefused, kRefused},
    {"DUUDU", kRefused, kRefused},
    {"DUUDD", 0x3, 0xfffffffffff9ff1f},
    {"DUUDR", 0x203, 0xfffffffffff9ff1f},
    {"DUURU", kRefused, kRefused},
    {"DUURD", 0x1b, 0xfffffffffff9ff1f},
    {"DUURR", 0x21b, 0xfffffffffff9ff1f},
    {"DUDUU", kRefused, kRefused},
    {"DUDUD", kRefused, kRefused},
    {"DUDUR", kRefused, kRefused},
    {"DUDDU", kRefused, kRefused},
    {"DUDDD", 0x3, 0xffffffffffffff1f},
    {"DUDDR", 0x203, 0xffffffffffffff1f},
    {"DUDRU", kRefused, kRefused},
    {"DUDRD", 0x1b, 0xffffffffffffff1f},
    {"DUDRR", 0x21b, 0xffffffffffffff1f},
    {"DURUU", kRefused, kRefused},
    {"DURUD", kRefused, kRefused},
    {"DURUR", kRefused, kRefused},
    {"DURDU", kRefused, kRefused},
    {"DURDD", 0x60003, 0xffffffffffffff1f},
    {"DURDR", 0x60203, 0xffffffffffffff1f},
    {"DURRU", kRefused, kRefused},
    {"DURRD", 0x6001b, 0xffffffffffffff1f},
    {"DURRR", 0x6021b, 0xffffffffffffff1f},
    {"DDUUU", kRefused, kRefused},
    {"DDUUD", kRefused, kRefused},
    {"DDUUR", kRefused, kRefused},
    {"DDUDU", kRefused, kRefused},
    {"DDUDD", 0x3, 0xfffffffffff9ffff},
    {"DDUDR", 0x203, 0xfffffffffff9ffff},
    {"DDURU", kRefused, kRefused},
    {"DDURD", 0x1b, 0xfffffffffff9ffff},
    {"DDURR", 0x21b, 0xfffffffffff9ffff},
    {"DDDUU", kRefused, kRefused},
    {"DDDUD", kRefused, kRefused},
    {"DDDUR", kRefused, kRefused},
    {"DDDDU", kRefused, kRefused},
    {"DDDDD", 0x3, 0xffffffffffffffff},
    {"DDDDR", 0x203, 0xffffffffffffffff},
    {"DDDRU", kRefused, kRefused},
    {"DDDRD", 0x1b, 0xffffffffffffffff},
    {"DDDRR", 0x21b, 0xffffffffffffffff},
    {"DDRUU", kRefused, kRefused},
    {"DDRUD", kRefused, kRefused},
    {"DDRUR", kRefused, kRefused},
    {"DDRDU", kRefused, kRefused},
    {"DDRDD", 0x60003, 0xffffffffffffffff},
    {"DDRDR", 0x60203, 0xffffffffffffffff},
    {"DDRRU", kRefused, kRefused},
    {"DDRRD", 0x6001b, 0xffffffffffffffff},
    {"DDRRR", 0x6021b, 0xffffffffffffffff},
    {"DRUUU", kRefused, kRefused},
    {"DRUUD", kRefused, kRefused},
    {"DRUUR", kRefused, kRefused},
    {"DRUDU", kRefused, kRefused},
    {"DRUDD", 0xe7, 0xfffffffffff9ffff},
    {"DRUDR", 0x2e7, 0xfffffffffff9ffff},
    {"DRURU", kRefused, kRefused},
    {"DRURD", 0xff, 0xfffffffffff9ffff},
    {"DRURR", 0x2ff, 0xfffffffffff9ffff},
    {"DRDUU", kRefused, kRefused},
    {"DRDUD", kRefused, kRefused},
    {"DRDUR", kRefused, kRefused},
    {"DRDDU", kRefused, kRefused},
    {"DRDDD", 0xe7, 0xffffffffffffffff},
    {"DRDDR", 0x2e7, 0xffffffffffffffff},
    {"DRDRU", kRefused, kRefused},
    {"DRDRD", 0xff, 0xffffffffffffffff},
    {"DRDRR", 0x2ff, 0xffffffffffffffff},
    {"DRRUU", kRefused, kRefused},
    {"DRRUD", kRefused, kRefused},
    {"DRRUR", kRefused, kRefused},
    {"DRRDU", kRefused, kRefused},
    {"DRRDD", 0x600e7, 0xffffffffffffffff},
    {"DRRDR", 0x602e7, 0xffffffffffffffff},
    {"DRRRU", kRefused, kRefused},
    {"DRRRD", 0x600ff, 0xffffffffffffffff},
    {"DRRRR", 0x602ff, 0xffffffffffffffff},
    {"RUUUU", kRefused, kRefused},
    {"RUUUD", kRefused, kRefused},
    {"RUUUR", kRefused, kRefused},
    {"RUUDU", kRefused, kRefused},
    {"RUUDD", 0x7, 0xfffffffffff9ff1f},
    {"RUUDR", 0x207, 0xfffffffffff9ff1f},
    {"RUURU", kRefused, kRefused},
    {"RUURD", 0x1f, 0xfffffffffff9ff1f},
    {"RUURR", 0x21f, 0xfffffffffff9ff1f},
    {"RUDUU", kRefused, kRefused},
    {"RUDUD", kRefused, kRefused},
    {"RUDUR", kRefused, kRefused},
    {"RUDDU", kRefused, kRefused},
    {"RUDDD", 0x7, 0xffffffffffffff1f},
    {"RUDDR", 0x207, 0xffffffffffffff1f},
    {"RUDRU", kRefused, kRefused},
    {"RUDRD", 0x1f, 0xffffffffffffff1f},
    {"RUDRR", 0x21f, 0xffffffffffffff1f},
    {"RURUU", kRefused, kRefused},
    {"RURUD", kRefused, kRefused},
    {"RURUR", kRefused, kRefused},
    {"RURDU", kRefused, kRefused},
    {"RURDD", 0x60007, 0xffffffffffffff1f},
    {"RURDR", 0x60207, 0xffffffffffffff1f},
    {"RURRU", kRefused, kRefused},
    {"RURRD", 0x6001f, 0xffffffffffffff1f},
    {"RURRR", 0x6021f, 0xffffffffffffff1f},
    {"RDUUU", kRefused, kRefused},
    {"RDUUD", kRefused, kRefused},
    {"RDUUR", kRefused, kRefused},
    {"RDUDU", kRefused, kRefused},
    {"RDUDD", 0x3, 0xfffffffffff9ffff},
    {"RDUDR", 0x203, 0xfffffffffff9ffff},
    {"RDURU", kRefused, kRefused},
    {"RDURD", 0x1b, 0xfffffffffff9ffff},
    {"RDURR", 0x21b, 0xfffffffffff9ffff},
    {"RDDUU", kRefused, kRefused},
    {"RDDUD", kRefused, kRefused},
    {"RDDUR", kRefused, kRefused},
    {"RDDDU", kRefused, kRefused},
    {"RDDDD", 0x3, 0xffffffffffffffff},
    {"RDDDR", 0x203, 0xffffffffffffffff},
    {"RDDRU", kRefused, kRefused},
    {"RDDRD", 0x1b, 0xffffffffffffffff},
    {"RDDRR", 0x21b, 0xffffffffffffffff},
    {"RDRUU", kRefused, kRefused},
    {"RDRUD", kRefused, kRefused},
    {"RDRUR", kRefused, kRefused},
    {"RDRDU", kRefused, kRefused},
    {"RDRDD", 0x60003, 0xffffffffffffffff},
    {"RDRDR", 0x60203, 0xffffffffffffffff},
    {"RDRRU", kRefused, kRefused},
    {"RDRRD", 0x6001b, 0xffffffffffffffff},
    {"RDRRR", 0x6021b, 0xffffffffffffffff},
    {"RRUUU", kRefused, kRefused},
    {"RRUUD", kRefused, kRefused},
    {"RRUUR", kRefused, kRefused},
    {"RRUDU", kRefused, kRefused},
    {"RRUDD", 0xe7, 0xfffffffffff9ffff},
    {"RRUDR", 0x2e7, 0xfffffffffff9ffff},
    {"RRURU", kRefused, kRefused},
    {"RRURD", 0xff, 0xfffffffffff9ffff},
    {"RRURR", 0x2ff, 0xfffffffffff9ffff},
    {"RRDUU", kRefused, kRefused},
    {"RRDUD", kRefused, kRefused},
    {"RRDUR", kRefused, kRefused},
    {"RRDDU", kRefused, kRefused},
    {"RRDDD", 0xe7, 0xffffffffffffffff},
    {"RRDDR", 0x2e7, 0xffffffffffffffff},
    {"RRDRU", kRefused, kRefused},
    {"RRDRD", 0xff, 0xffffffffffffffff},
    {"RRDRR", 0x2ff, 0xffffffffffffffff},
    {"RRRUU", kRefused, kRefused},
    {"RRRUD", kRefused, kRefused},
    {"RRRUR", kRefused, kRefused},
    {"RRRDU", kRefused, kRefused},
    {"RRRDD", 0x600e7, 0xffffffffffffffff},
    {"RRRDR", 0x602e7, 0xffffffffffffffff},
    {"RRRRU", kRefused, kRefused},
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
      if (row.xfrm == kRefused) {
        ASSERT_FALSE(p.ok());
        EXPECT_NE(p.error().message().find(row.features[3] == 'U' ? "sgx.cpu_features.mpx"
                                                                  : "sgx.cpu_features.pkru"),
                  std::string::npos)
            << p.error().message();
        continue;
      }
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
