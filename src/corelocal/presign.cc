#include "corelocal/presign.h"

#include "common/encoding.h"
#include "crypto/hash.h"

namespace uid2::corelocal {
namespace {

constexpr std::string_view kPrefix = "/s/";

bool AllDigits(const std::string& s) {
  if (s.empty() || s.size() > 18) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

Bytes Presigner::Mac(const std::string& path, const std::string& expires,
                     const std::string& key_id) const {
  std::string input = "GET\n" + std::string(kPrefix) + path + "\n" + expires + "\n" + key_id;
  return crypto::Hmac(crypto::HashAlg::kSha256, key_, AsBytes(input));
}

std::string Presigner::Sign(const std::string& path, std::optional<int64_t> key_id,
                            time_t expires) const {
  std::string exp = std::to_string(expires);
  std::string kid = key_id ? std::to_string(*key_id) : "";
  std::string url = base_url_ + std::string(kPrefix) + path + "?expires=" + exp;
  if (key_id) url += "&key_id=" + kid;
  return url + "&sig=" + HexEncode(Mac(path, exp, kid));
}

Result<PresignedTarget> Presigner::Verify(const HttpRequest& request, time_t now) const {
  if (request.path.rfind(kPrefix, 0) != 0) return Error::VerifyFailed("not a pre-signed path");
  std::string path = request.path.substr(kPrefix.size());
  auto params = ParseQuery(request.query);
  if (!params) return Error::VerifyFailed("malformed query");
  std::optional<std::string> expires, key_id, sig;
  for (auto& [name, value] : *params) {
    std::optional<std::string>* slot = name == "expires"  ? &expires
                                       : name == "key_id" ? &key_id
                                       : name == "sig"    ? &sig
                                                          : nullptr;
    if (slot == nullptr) return Error::VerifyFailed("unexpected query parameter '" + name + "'");
    if (slot->has_value()) return Error::VerifyFailed("repeated query parameter '" + name + "'");
    *slot = value;
  }
  if (!expires || !sig) return Error::VerifyFailed("missing expires or sig");
  auto mac = HexDecode(*sig);
  Bytes expected = Mac(path, *expires, key_id.value_or(""));
  if (!mac || !ConstantTimeEquals(*mac, expected)) {
    return Error::VerifyFailed("signature does not match");
  }
  if (!AllDigits(*expires) || (key_id && !AllDigits(*key_id))) {
    return Error::VerifyFailed("malformed expires or key_id");
  }
  if (std::stoll(*expires) < now) return Error::VerifyFailed("URL expired");
  PresignedTarget t;
  t.path = std::move(path);
  if (key_id) t.key_id = std::stoll(*key_id);
  return t;
}

}  // namespace uid2::corelocal
