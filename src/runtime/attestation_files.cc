#include "runtime/attestation_files.h"

#include <cerrno>

#include "common/log.h"
#include "runtime/run_spec.h"

namespace uid2::runtime {
namespace {

// sgx_target_info_t (512 bytes):
//   off 0   size 32  mr_enclave
//   off 32  size 16  attributes (flags u64 LE, xfrm u64 LE)
//   off 48  size 2   reserved1
//   off 50  size 2   config_svn
//   off 52  size 4   misc_select
//   off 56  size 8   reserved2
//   off 64  size 64  config_id
//   off 128 size 384 reserved3
constexpr size_t kTiMrEnclave = 0, kTiAttributes = 32, kTiMiscSelect = 52;
// sgx_report_t (432 bytes): body 384 | key_id 32 @384 | mac 16 @416.

constexpr std::string_view kSealKeys[] = {kSealKeyMrEnclave, kSealKeyMrSigner};

bool IsSealKey(std::string_view name) { return name == kSealKeys[0] || name == kSealKeys[1]; }

}  // namespace

AttestationFiles::AttestationFiles(EnclaveIdentity id, QuoteFn quote,
                                   std::map<std::string, Bytes> keys, SealKeyFn seal_keys)
    : id_(id), quote_(std::move(quote)), keys_(std::move(keys)), seal_keys_(std::move(seal_keys)) {}

int AttestationFiles::Key(const std::string& name, Bytes* out) const {
  if (IsSealKey(name)) {
    if (!seal_keys_) return -ENOKEY;
    Result<Bytes> key = seal_keys_(name);
    if (!key.ok()) {
      log::Error("sealing_key_unavailable", {{"key", name}, {"error", key.error().message()}});
      return -EIO;
    }
    *out = std::move(key).value();
    return 0;
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto it = keys_.find(name);
  if (it == keys_.end()) return -ENOENT;
  if (it->second.empty()) return -ENOKEY;
  *out = it->second;
  return 0;
}

attest::ReportBody AttestationFiles::CurrentBody() const {
  attest::ReportBody b;
  b.misc_select = id_.misc_select;
  StoreU64LE(b.attributes, 0, id_.flags | attest::kAttributeInitted);
  StoreU64LE(b.attributes, 8, id_.xfrm);
  b.mr_enclave = id_.mr_enclave;
  b.mr_signer = id_.mr_signer;
  b.isv_prod_id = id_.isv_prod_id;
  b.isv_svn = id_.isv_svn;
  std::lock_guard<std::mutex> lock(mu_);
  b.report_data = report_data_;
  return b;
}

Bytes AttestationFiles::MyTargetInfo() const {
  Bytes ti(kTargetInfoSize);
  std::copy(id_.mr_enclave.begin(), id_.mr_enclave.end(), ti.begin() + kTiMrEnclave);
  StoreU64LE(ti, kTiAttributes, id_.flags | attest::kAttributeInitted);
  StoreU64LE(ti, kTiAttributes + 8, id_.xfrm);
  StoreU32LE(ti, kTiMiscSelect, id_.misc_select);
  return ti;
}

int AttestationFiles::Stat(const std::string& name, Node* out) const {
  *out = Node{};
  if (name.empty() || name == "keys") {
    out->dir = true;
    return 0;
  }
  if (name == "attestation_type") {
    out->size = 4;  // "dcap" or "none"
  } else if (name == "user_report_data") {
    out->writable = true;
    out->size = attest::kReportDataSize;
  } else if (name == "target_info") {
    out->writable = true;
    out->size = kTargetInfoSize;
  } else if (name == "my_target_info") {
    out->size = kTargetInfoSize;
  } else if (name == "report") {
    out->size = kReportSize;
  } else if (name == "quote" && quote_) {
    out->size = 0;  // known only once made; reads are not bounded by it
  } else if (name.rfind("keys/", 0) == 0) {
    std::string key = name.substr(5);
    std::lock_guard<std::mutex> lock(mu_);
    if (IsSealKey(key)) {
      out->size = kKeySize;
      return 0;
    }
    auto it = keys_.find(key);
    if (it == keys_.end()) return -ENOENT;
    out->writable = true;
    out->size = it->second.size();  // 0 until set
  } else {
    return -ENOENT;
  }
  return 0;
}

std::vector<std::string> AttestationFiles::List(const std::string& dir) const {
  if (dir == "keys") {
    std::vector<std::string> names(std::begin(kSealKeys), std::end(kSealKeys));
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [name, key] : keys_) names.push_back(name);
    return names;
  }
  std::vector<std::string> names = {"attestation_type", "user_report_data", "target_info",
                                    "my_target_info",   "report",           "keys"};
  if (quote_) names.push_back("quote");
  return names;
}

int AttestationFiles::Snapshot(const std::string& name, Bytes* out) const {
  Node node;
  if (int rc = Stat(name, &node); rc != 0) return rc;
  if (node.dir) return -EISDIR;
  if (name == "attestation_type") {
    *out = ToBytes(quote_ ? "dcap" : "none");
  } else if (name == "user_report_data") {
    std::lock_guard<std::mutex> lock(mu_);
    out->assign(report_data_.begin(), report_data_.end());
  } else if (name == "target_info") {
    std::lock_guard<std::mutex> lock(mu_);
    *out = target_info_;
  } else if (name == "my_target_info") {
    *out = MyTargetInfo();
  } else if (name == "report") {
    *out = CurrentBody().Serialize();
    out->resize(kReportSize, 0);  // KEYID and MAC: zero (no report key without SGX)
  } else if (name == "quote") {
    Result<Bytes> quote = quote_(CurrentBody());
    if (!quote.ok()) return -EIO;
    *out = std::move(quote).value();
  } else {
    int rc = Key(name.substr(5), out);
    if (rc == -ENOKEY)
      out->clear();  // a key not set yet reads as empty, as in Gramine
    else if (rc != 0)
      return rc;
  }
  return 0;
}

int AttestationFiles::Commit(const std::string& name, ByteSpan content) {
  Node node;
  if (int rc = Stat(name, &node); rc != 0) return rc;
  if (!node.writable) return -EACCES;
  bool key = name.rfind("keys/", 0) == 0;
  if (key && content.size() != kKeySize) return -EACCES;  // as Gramine's key_save
  if (!key && content.size() != node.size) return -EINVAL;
  std::lock_guard<std::mutex> lock(mu_);
  if (name == "user_report_data") {
    std::copy(content.begin(), content.end(), report_data_.begin());
  } else if (name == "target_info") {
    target_info_.assign(content.begin(), content.end());
  } else {
    keys_[name.substr(5)] = Bytes(content.begin(), content.end());
  }
  return 0;
}

}  // namespace uid2::runtime
