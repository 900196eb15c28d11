// defaults.cc: the defaults Gramine's signer injects (python/graminelibos/manifest.py,
// Manifest.__init__ of v1.9) and the enclave parameters read from `sgx.*`.
#include <cstdio>

#include "manifest/manifest.h"

namespace uid2::manifest {
namespace {

Error KeyError(std::string_view key, const Value& v, std::string what) {
  std::string where = std::string(key);
  if (v.pos.line) where += " (line " + std::to_string(v.pos.line) + ")";
  return Error::Invalid(where + ": " + what);
}

Status ExpectKind(std::string_view key, const Value* v, Value::Kind kind, std::string_view name) {
  if (!v || v->kind() == kind) return Ok();
  return KeyError(key, *v, "expected " + std::string(name) + ", got " + std::string(v->TypeName()));
}

Status NormalizeTrustedFiles(Value* sgx) {
  Value* tf = sgx->Find("trusted_files");
  if (!tf->is_array()) {
    return KeyError("sgx.trusted_files", *tf,
                    "must be an array of \"file:...\" strings or {uri, sha256} tables (the "
                    "table-of-names syntax of Gramine < 1.3 is not supported)");
  }
  for (size_t i = 0; i < tf->array().size(); i++) {
    Value& e = tf->array()[i];
    std::string key = "sgx.trusted_files[" + std::to_string(i) + "]";
    if (e.is_string()) {
      SourcePos pos = e.pos;
      Value t = Value::MakeTable();
      t.Set("uri", std::move(e));
      t.pos = pos;
      e = std::move(t);
    } else if (!e.is_table() || !e.Find("uri")) {
      return KeyError(key, e, "expected \"file:...\" or { uri = \"file:...\", sha256 = \"...\" }");
    }
  }
  return Ok();
}

}  // namespace

Status ApplyGramineDefaults(Manifest* m) {
  Value& sgx = m->root.SetDefault("sgx", Value::MakeTable());
  if (!sgx.is_table()) return KeyError("sgx", sgx, "expected a table");
  if (const Value* old = sgx.Find("thread_num")) {
    return KeyError("sgx.thread_num", *old,
                    "was renamed sgx.max_threads in Gramine 1.4; write sgx.max_threads = " +
                        (old->is_integer() ? std::to_string(old->integer()) : std::string("N")));
  }
  sgx.SetDefault("trusted_files", Value::MakeArray());
  sgx.SetDefault("max_threads", Value::Integer(4));
  sgx.SetDefault("isvprodid", Value::Integer(0));
  sgx.SetDefault("isvsvn", Value::Integer(0));
  sgx.SetDefault("remote_attestation", Value::String("none"));
  sgx.SetDefault("debug", Value::Boolean(false));
  sgx.SetDefault("enable_stats", Value::Boolean(false));
  const Value& edmm = sgx.SetDefault("edmm_enable", Value::Boolean(false));
  UID2_RETURN_IF_ERROR(ExpectKind("sgx.edmm_enable", &edmm, Value::Kind::kBoolean, "a boolean"));
  sgx.SetDefault("enclave_size", Value::String(edmm.boolean() ? "1024G" : "256M"));
  if (!sgx.Find("require_exinfo")) sgx.SetDefault("use_exinfo", Value::Boolean(false));
  static constexpr std::string_view kDeprecated[] = {"require_avx", "require_avx512", "require_amx",
                                                     "require_mpx", "require_pkru"};
  bool any_deprecated = false;
  for (std::string_view k : kDeprecated) any_deprecated |= sgx.Find(k) != nullptr;
  if (!any_deprecated) {
    Value& cpu = sgx.SetDefault("cpu_features", Value::MakeTable());
    if (!cpu.is_table()) return KeyError("sgx.cpu_features", cpu, "expected a table");
    for (const sgx::CpuFeatureInfo& f : sgx::kCpuFeatures) {
      cpu.SetDefault(f.name, Value::String(f.default_setting == sgx::CpuFeatureSetting::kDisabled
                                               ? "disabled"
                                               : "unspecified"));
    }
  }
  return NormalizeTrustedFiles(&sgx);
}

Result<uint64_t> ParseSize(std::string_view text) {
  std::string t(text);
  uint64_t mult = 1;
  if (!t.empty()) {
    switch (t.back()) {
      case 'K':
      case 'k':
        mult = 1ull << 10;
        break;
      case 'M':
      case 'm':
        mult = 1ull << 20;
        break;
      case 'G':
      case 'g':
        mult = 1ull << 30;
        break;
      default:
        break;
    }
    if (mult != 1) t.pop_back();
  }
  bool digits = !t.empty() && t.size() <= 15;
  for (char c : t) digits &= c >= '0' && c <= '9';
  if (!digits) {
    return Error::Invalid("size '" + std::string(text) +
                          "' is not a number with an optional K, M or G suffix (e.g. \"512M\")");
  }
  return std::stoull(t) * mult;
}

Result<sgx::EnclaveParams> EnclaveParamsFrom(const Manifest& m) {
  sgx::EnclaveParams p;
  const Value* sgx = m.root.Find("sgx");
  if (!sgx) return p;
  if (!sgx->is_table()) return KeyError("sgx", *sgx, "expected a table");
  auto get_bool = [&](std::string_view key, bool* out) -> Status {
    const Value* v = sgx->Find(key);
    UID2_RETURN_IF_ERROR(
        ExpectKind("sgx." + std::string(key), v, Value::Kind::kBoolean, "a boolean"));
    if (v) *out = v->boolean();
    return Ok();
  };
  auto get_int = [&](std::string_view key, int64_t lo, int64_t hi, int64_t* out) -> Status {
    const Value* v = sgx->Find(key);
    std::string name = "sgx." + std::string(key);
    UID2_RETURN_IF_ERROR(ExpectKind(name, v, Value::Kind::kInteger, "an integer"));
    if (!v) return Ok();
    if (v->integer() < lo || v->integer() > hi) {
      return KeyError(name, *v,
                      "value " + std::to_string(v->integer()) + " is outside [" +
                          std::to_string(lo) + ", " + std::to_string(hi) + "]");
    }
    *out = v->integer();
    return Ok();
  };
  UID2_RETURN_IF_ERROR(get_bool("edmm_enable", &p.edmm));
  UID2_RETURN_IF_ERROR(get_bool("debug", &p.debug));
  UID2_RETURN_IF_ERROR(get_bool("use_exinfo", &p.use_exinfo));
  if (sgx->Find("thread_num")) {
    return KeyError("sgx.thread_num", *sgx->Find("thread_num"),
                    "was renamed sgx.max_threads in Gramine 1.4");
  }
  int64_t threads = 4, prod = 0, svn = 0;
  UID2_RETURN_IF_ERROR(get_int("max_threads", 1, 1 << 16, &threads));
  UID2_RETURN_IF_ERROR(get_int("isvprodid", 0, 65535, &prod));
  UID2_RETURN_IF_ERROR(get_int("isvsvn", 0, 65535, &svn));
  p.max_threads = static_cast<uint32_t>(threads);
  p.isv_prod_id = static_cast<uint16_t>(prod);
  p.isv_svn = static_cast<uint16_t>(svn);
  p.enclave_size = p.edmm ? (1024ull << 30) : (256ull << 20);
  if (const Value* size = sgx->Find("enclave_size")) {
    Result<uint64_t> bytes =
        size->is_string()    ? ParseSize(size->str())
        : size->is_integer() ? Result<uint64_t>(static_cast<uint64_t>(size->integer()))
                             : Result<uint64_t>(Error::Invalid("expected a string like \"256M\""));
    if (!bytes.ok()) return KeyError("sgx.enclave_size", *size, bytes.error().message());
    if (*bytes == 0 || (*bytes & (*bytes - 1)) != 0) {
      return KeyError("sgx.enclave_size", *size,
                      "value " +
                          (size->is_string() ? "\"" + size->str() + "\"" : std::to_string(*bytes)) +
                          " is not a power of two (e.g. \"256M\", \"512M\", \"1G\")");
    }
    p.enclave_size = *bytes;
  }
  // The deprecated sgx.require_<feature> booleans: Gramine 1.9's signer ORs their bits into
  // XFRM (mask untouched) when sgx.cpu_features is absent, and refuses the two together.
  for (const sgx::CpuFeatureInfo& f : sgx::kCpuFeatures) {
    std::string key = "require_" + std::string(f.name);
    const Value* v = sgx->Find(key);
    if (v == nullptr) continue;
    if (sgx->Find("cpu_features")) {
      return KeyError("sgx." + key, *v,
                      "cannot coexist with sgx.cpu_features (Gramine refuses both); write "
                      "sgx.cpu_features." +
                          std::string(f.name) + " = \"required\" instead");
    }
    p.cpu_features.fill(sgx::CpuFeatureSetting::kUnspecified);
    if (v->is_bool() && v->boolean()) p.legacy_required_xfrm |= f.xfrm_bits;
  }
  if (const Value* cpu = sgx->Find("cpu_features")) {
    if (!cpu->is_table()) return KeyError("sgx.cpu_features", *cpu, "expected a table");
    for (size_t i = 0; i < sgx::kCpuFeatures.size(); i++) {
      std::string name = "sgx.cpu_features." + std::string(sgx::kCpuFeatures[i].name);
      const Value* v = cpu->Find(sgx::kCpuFeatures[i].name);
      if (!v) continue;
      std::string s = v->is_string() ? v->str() : "";
      // Gramine's collect_cpu_feature_bits runs mpx and pkru with security_hardening = True:
      // any value but "required"/"disabled", "unspecified" included, makes the signer fail.
      const bool hardened =
          sgx::kCpuFeatures[i].name == "mpx" || sgx::kCpuFeatures[i].name == "pkru";
      if (s == "unspecified" && hardened)
        return KeyError(name, *v,
                        "must be \"required\" or \"disabled\" (Gramine's signer refuses "
                        "\"unspecified\" for mpx and pkru)");
      if (s == "unspecified")
        p.cpu_features[i] = sgx::CpuFeatureSetting::kUnspecified;
      else if (s == "required")
        p.cpu_features[i] = sgx::CpuFeatureSetting::kRequired;
      else if (s == "disabled")
        p.cpu_features[i] = sgx::CpuFeatureSetting::kDisabled;
      else
        return KeyError(name, *v, "must be \"unspecified\", \"required\" or \"disabled\"");
    }
  }
  return p;
}

void MergeManifests(Manifest* base, const Manifest& overlay) {
  struct Merger {
    static void Merge(Value* b, const Value& o) {
      for (const auto& [k, v] : o.table()) {
        Value* existing = b->Find(k);
        if (existing && existing->is_table() && v.is_table()) {
          Merge(existing, v);
        } else if (existing && existing->is_array() && v.is_array()) {
          for (const Value& item : v.array()) existing->array().push_back(item);
        } else {
          b->Set(k, v);
        }
      }
    }
  };
  Merger::Merge(&base->root, overlay.root);
}

}  // namespace uid2::manifest
