#include "corelocal/sessions.h"

#include "common/encoding.h"
#include "crypto/hash.h"
#include "crypto/random.h"

namespace uid2::corelocal {
namespace {

constexpr size_t kTokenBytes = 32;

Bytes Digest(std::string_view token) {
  auto d = crypto::Sha256(AsBytes(token));
  return Bytes(d.begin(), d.end());
}

}  // namespace

std::string SessionStore::Create(const OperatorEntry& op, time_t expires, std::string enclave_id,
                                 time_t now) {
  std::string token = Base64UrlEncode(crypto::RandomBytes(kTokenBytes));
  AttestSession s{op.key_hash, op.site_id, expires, std::move(enclave_id)};
  std::lock_guard lock(mu_);
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    it = it->second.expires < now ? sessions_.erase(it) : std::next(it);
  }
  sessions_[Digest(token)] = std::move(s);
  return token;
}

Result<AttestSession> SessionStore::Check(std::string_view token, const OperatorEntry& op,
                                          time_t now) {
  if (token.empty()) return Error::VerifyFailed("no Attestation-Token");
  std::lock_guard lock(mu_);
  auto it = sessions_.find(Digest(token));
  if (it == sessions_.end()) return Error::VerifyFailed("unknown attestation token");
  if (!ConstantTimeEquals(it->second.operator_key_hash, op.key_hash)) {
    return Error::VerifyFailed("attestation token was issued to another operator key");
  }
  if (it->second.expires <= now) return Error::VerifyFailed("attestation token expired");
  return it->second;
}

}  // namespace uid2::corelocal
