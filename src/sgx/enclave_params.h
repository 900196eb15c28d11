// enclave_params.h: the enclave attributes that Gramine's signer reads from a manifest and that
// go into MRENCLAVE (size, threads, EDMM) and SIGSTRUCT (debug, ISV ids, EXINFO, CPU features).
//
// The manifest library fills this from `sgx.*` keys (manifest::EnclaveParamsFrom); the
// measurement and the SIGSTRUCT take it as plain values so they never parse TOML.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace uid2::sgx {

// A SHA-256 digest: MRENCLAVE, MRSIGNER.
using Measurement = std::array<uint8_t, 32>;

// sgx.cpu_features.<name> = "unspecified" | "required" | "disabled".
enum class CpuFeatureSetting { kUnspecified, kRequired, kDisabled };

// The five features Gramine v1.9 knows, in the order its signer applies them
// (sgx_sign.py get_enclave_attributes: avx, avx512, amx, then mpx, pkru). `xfrm_bits` are the
// XFRM bits (sgx_arch.h SGX_XFRM_*): "required" sets them in ATTRIBUTES.XFRM, "disabled" clears
// them, and both set them in ATTRIBUTEMASK.XFRM; "unspecified" touches neither. The features are
// applied one after the other on the same value, so AVX-512's bits (0xe4) include AVX's (0x4):
// avx = "required" with avx512 = "disabled" ends with the AVX bit cleared, as Gramine writes it.
struct CpuFeatureInfo {
  std::string_view name;
  uint64_t xfrm_bits;
  CpuFeatureSetting default_setting;
};
inline constexpr std::array<CpuFeatureInfo, 5> kCpuFeatures = {{
    {"avx", 0x4, CpuFeatureSetting::kUnspecified},
    {"avx512", 0xe4, CpuFeatureSetting::kUnspecified},
    {"amx", 0x60000, CpuFeatureSetting::kUnspecified},
    {"mpx", 0x18, CpuFeatureSetting::kDisabled},
    {"pkru", 0x200, CpuFeatureSetting::kDisabled},
}};

struct EnclaveParams {
  uint64_t enclave_size = 256ull << 20;  // bytes, a power of two
  uint32_t max_threads = 4;
  bool edmm = false;
  bool debug = false;
  uint16_t isv_prod_id = 0;
  uint16_t isv_svn = 0;
  bool use_exinfo = false;
  // Indexed like kCpuFeatures.
  std::array<CpuFeatureSetting, 5> cpu_features = {
      CpuFeatureSetting::kUnspecified, CpuFeatureSetting::kUnspecified,
      CpuFeatureSetting::kUnspecified, CpuFeatureSetting::kDisabled, CpuFeatureSetting::kDisabled};
  // The deprecated sgx.require_{avx,avx512,amx,mpx,pkru} = true (Gramine < 1.6 syntax, still read
  // by 1.9's signer when sgx.cpu_features is absent): their bits are ORed into XFRM and the mask
  // stays the default (cpu_features are then all "unspecified").
  uint64_t legacy_required_xfrm = 0;
};

}  // namespace uid2::sgx
