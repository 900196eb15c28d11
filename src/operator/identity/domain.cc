// domain.cc: the Origin check of CSTG: registrable domain through the public suffix list.
//
// Reference behaviour (Guava's InternetDomainName as the reference operator uses it): the host
// of the Origin URL, lowercased, must be a valid domain name (labels of letters, digits, '-'
// and '_', not starting or ending with '-', the last label not starting with a digit, so IP
// addresses are refused) that lies under an explicitly listed public suffix (ICANN or private
// section; no implicit "*" rule); its registrable domain is the suffix plus one label.
// "localhost" and "<label>.localhost" map to "localhost".
#include <libpsl.h>

#include <cctype>
#include <cstring>
#include <string>

#include "operator/identity/cstg.h"

namespace uid2::operator_identity {
namespace {

constexpr std::string_view kLocalhost = "localhost";
constexpr size_t kMaxDomainLength = 253;
constexpr size_t kMaxLabelLength = 63;

const psl_ctx_t* Psl() {
  // psl_latest picks the newer of the system list (Debian's publicsuffix package) and the
  // list built into libpsl. Read-only after creation, so shared by all threads.
  static const psl_ctx_t* psl = [] {
    const psl_ctx_t* p = psl_latest(nullptr);
    return p != nullptr ? p : psl_builtin();
  }();
  return psl;
}

// HostOfOrigin extracts the host of "scheme://[userinfo@]host[:port][/...]", lowercased.
std::optional<std::string> HostOfOrigin(std::string_view origin) {
  size_t sep = origin.find("://");
  if (sep == std::string_view::npos || sep == 0) return std::nullopt;
  for (size_t i = 0; i < sep; i++) {
    char c = origin[i];
    bool ok = std::isalpha(static_cast<unsigned char>(c)) ||
              (i > 0 &&
               (std::isdigit(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.'));
    if (!ok) return std::nullopt;
  }
  std::string_view authority = origin.substr(sep + 3);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  size_t at = authority.rfind('@');
  if (at != std::string_view::npos) authority = authority.substr(at + 1);
  size_t colon = authority.rfind(':');
  if (colon != std::string_view::npos) {
    std::string_view port = authority.substr(colon + 1);
    for (char c : port) {
      if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    }
    authority = authority.substr(0, colon);
  }
  std::string host(authority);
  for (char& c : host) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
  if (!host.empty() && host.back() == '.') host.pop_back();
  if (host.empty()) return std::nullopt;
  return host;
}

bool IsValidDomainName(std::string_view host) {
  if (host.size() > kMaxDomainLength) return false;
  size_t start = 0;
  while (true) {
    size_t dot = host.find('.', start);
    std::string_view label = host.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (label.empty() || label.size() > kMaxLabelLength || label.front() == '-' ||
        label.back() == '-') {
      return false;
    }
    for (char c : label) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
    }
    if (dot == std::string_view::npos) {
      return !std::isdigit(static_cast<unsigned char>(label.front()));  // final label
    }
    start = dot + 1;
  }
}

}  // namespace

std::optional<std::string> RegistrableDomain(std::string_view origin) {
  std::optional<std::string> host = HostOfOrigin(origin);
  if (!host || !IsValidDomainName(*host)) return std::nullopt;
  if (*host == kLocalhost) return std::string(kLocalhost);
  size_t first_dot = host->find('.');
  if (first_dot != std::string::npos && host->substr(first_dot + 1) == kLocalhost) {
    return std::string(kLocalhost);
  }
  const char* reg = psl_registrable_domain(Psl(), host->c_str());
  if (reg == nullptr) return std::nullopt;
  // libpsl applies the implicit "*" rule; the reference needs a listed suffix.
  const char* suffix = std::strchr(reg, '.');
  if (suffix == nullptr ||
      !psl_is_public_suffix2(Psl(), suffix + 1, PSL_TYPE_ANY | PSL_TYPE_NO_STAR_RULE)) {
    return std::nullopt;
  }
  return std::string(reg);
}

bool IsOriginAllowed(std::string_view origin, const std::set<std::string>& domain_names) {
  std::optional<std::string> domain = RegistrableDomain(origin);
  return domain && domain_names.count(*domain) > 0;
}

}  // namespace uid2::operator_identity
