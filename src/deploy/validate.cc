// validate.cc: option checks and parsers shared by the generators (see deploy.h).
#include <cctype>

#include "deploy/deploy.h"

namespace uid2::deploy {

Status CheckDnsLabel(std::string_view what, std::string_view name) {
  bool ok = !name.empty() && name.size() <= 63 && name.front() != '-' && name.back() != '-';
  for (char c : name) {
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-');
  }
  if (!ok) {
    return Error::Invalid(std::string(what) + " '" + std::string(name) +
                          "' must be 1-63 characters of a-z, 0-9 and '-', not starting or "
                          "ending with '-'");
  }
  return Ok();
}

Status CheckEnvName(std::string_view name) {
  bool ok = !name.empty() && !std::isdigit(static_cast<unsigned char>(name.front()));
  for (char c : name) {
    ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-');
  }
  if (!ok)
    return Error::Invalid("environment variable name '" + std::string(name) + "' is invalid");
  return Ok();
}

Status CheckPort(int port) {
  if (port < 1 || port > 65535) {
    return Error::Invalid("port " + std::to_string(port) + " is outside 1-65535");
  }
  return Ok();
}

Result<std::pair<std::string, std::string>> ParseEnv(std::string_view text) {
  size_t eq = text.find('=');
  if (eq == std::string_view::npos) {
    return Error::Invalid("--env '" + std::string(text) + "': expected K=V");
  }
  std::pair<std::string, std::string> kv{std::string(text.substr(0, eq)),
                                         std::string(text.substr(eq + 1))};
  UID2_RETURN_IF_ERROR(CheckEnvName(kv.first));
  return kv;
}

Result<SecretEnv> ParseSecretEnv(std::string_view text) {
  size_t colon = text.find(':');
  size_t eq = text.find('=', colon == std::string_view::npos ? 0 : colon);
  if (colon == std::string_view::npos || eq == std::string_view::npos || colon == 0 ||
      eq == colon + 1 || eq + 1 == text.size()) {
    return Error::Invalid("--env-from-secret '" + std::string(text) + "': expected SECRET:KEY=ENV");
  }
  SecretEnv s{std::string(text.substr(0, colon)),
              std::string(text.substr(colon + 1, eq - colon - 1)),
              std::string(text.substr(eq + 1))};
  UID2_RETURN_IF_ERROR(CheckDnsLabel("secret name", s.secret));
  for (char c : s.key) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') {
      return Error::Invalid("secret key '" + s.key +
                            "' may hold only a-z, A-Z, 0-9, '-', '_', '.'");
    }
  }
  UID2_RETURN_IF_ERROR(CheckEnvName(s.env));
  return s;
}

}  // namespace uid2::deploy
