#include "runtime/sealing.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "crypto/hash.h"
#include "crypto/random.h"
#include "runtime/run_spec.h"

namespace uid2::runtime {
namespace {

constexpr uint16_t kPolicyMrEnclave = 1, kPolicyMrSigner = 2;

Result<Bytes> ReadSecret(const std::string& path, int fd) {
  struct stat st;
  if (fstat(fd, &st) != 0) return Error::Errno("sealing secret " + path + ": fstat", errno);
  if (!S_ISREG(st.st_mode)) return Error::VerifyFailed("sealing secret " + path + ": not a file");
  if (st.st_uid != geteuid()) {
    return Error::VerifyFailed("sealing secret " + path + ": owned by uid " +
                               std::to_string(st.st_uid) + ", not by the user running shroud");
  }
  if ((st.st_mode & 077) != 0) {
    return Error::VerifyFailed("sealing secret " + path +
                               ": readable or writable by group or others (chmod 600 it)");
  }
  if (st.st_size != static_cast<off_t>(kSealingSecretSize)) {
    return Error::VerifyFailed("sealing secret " + path + ": " + std::to_string(st.st_size) +
                               " bytes, expected " + std::to_string(kSealingSecretSize));
  }
  Bytes secret(kSealingSecretSize);
  ssize_t n = pread(fd, secret.data(), secret.size(), 0);
  if (n != static_cast<ssize_t>(secret.size())) {
    return Error::Errno("sealing secret " + path + ": read", n < 0 ? errno : EIO);
  }
  return secret;
}

}  // namespace

Result<Bytes> LoadOrCreateSealingSecret(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0 && errno == ENOENT) {
    std::filesystem::path parent = std::filesystem::path(path).parent_path();
    if (!parent.empty() && mkdir(parent.c_str(), 0700) != 0 && errno != EEXIST) {
      return Error::Errno("sealing secret " + path + ": creating " + parent.string(), errno);
    }
    // Written to a temporary name and linked in place, so that no reader ever sees a short
    // file, and two runs racing to create it agree on the winner's bytes.
    std::string tmp = path + ".tmp." + std::to_string(getpid());
    int wfd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (wfd < 0) return Error::Errno("sealing secret " + path + ": creating " + tmp, errno);
    Bytes secret = crypto::RandomBytes(kSealingSecretSize);
    bool ok = write(wfd, secret.data(), secret.size()) == static_cast<ssize_t>(secret.size()) &&
              fsync(wfd) == 0;
    int err = errno;
    close(wfd);
    if (!ok) {
      unlink(tmp.c_str());
      return Error::Errno("sealing secret " + path + ": writing " + tmp, err);
    }
    int rc = link(tmp.c_str(), path.c_str());
    err = errno;
    unlink(tmp.c_str());
    if (rc != 0 && err != EEXIST) return Error::Errno("sealing secret " + path + ": link", err);
    fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  }
  if (fd < 0) return Error::Errno("sealing secret " + path, errno);
  Result<Bytes> secret = ReadSecret(path, fd);
  close(fd);
  return secret;
}

Bytes DeriveSealKey(ByteSpan secret, std::string_view key_name, const EnclaveIdentity& id) {
  bool enclave = key_name == kSealKeyMrEnclave;
  Bytes msg(kSealLabel.begin(), kSealLabel.end());
  Bytes field(2);
  StoreU16LE(field, 0, enclave ? kPolicyMrEnclave : kPolicyMrSigner);
  msg.insert(msg.end(), field.begin(), field.end());
  const auto& mr = enclave ? id.mr_enclave : id.mr_signer;
  msg.insert(msg.end(), mr.begin(), mr.end());
  Bytes tail(2 + 2 + 8 + 4);
  StoreU16LE(tail, 0, id.isv_prod_id);
  StoreU16LE(tail, 2, id.isv_svn);
  StoreU64LE(tail, 4, id.flags);
  StoreU32LE(tail, 12, id.misc_select);
  msg.insert(msg.end(), tail.begin(), tail.end());
  Bytes mac = crypto::Hmac(crypto::HashAlg::kSha256, secret, msg);
  mac.resize(kKeySize);
  return mac;
}

Result<Bytes> SealingKeys::Get(std::string_view key_name) {
  if (key_name != kSealKeyMrEnclave && key_name != kSealKeyMrSigner) {
    return Error::Invalid("'" + std::string(key_name) + "' is not a sealing key");
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (!secret_) {
    UID2_ASSIGN_OR_RETURN(Bytes secret, LoadOrCreateSealingSecret(path_));
    secret_ = std::move(secret);
  }
  return DeriveSealKey(*secret_, key_name, id_);
}

}  // namespace uid2::runtime
