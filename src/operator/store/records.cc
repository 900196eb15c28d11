#include "operator/store/records.h"

#include <algorithm>

namespace uid2::store {

namespace {
struct RoleName {
  std::string_view name;
  RoleMask bit;
};
constexpr RoleName kRoles[] = {
    {"GENERATOR", kRoleGenerator},
    {"MAPPER", kRoleMapper},
    {"ID_READER", kRoleIdReader},
    {"SHARER", kRoleSharer},
    {"OPTOUT", kRoleOptout},
    {"OPTOUT_CHECKER", kRoleOptoutChecker},
    {"CLIENTKEY_ISSUER", kRoleClientKeyIssuer},
    {"OPERATOR", kRoleOperator},
    {"ADMINISTRATOR", kRoleAdministrator},
};
}  // namespace

RoleMask ParseRole(std::string_view name) {
  for (const auto& r : kRoles) {
    if (r.name == name) return r.bit;
  }
  return 0;
}

std::string RoleNames(RoleMask mask) {
  std::string out;
  for (const auto& r : kRoles) {
    if (!(mask & r.bit)) continue;
    if (!out.empty()) out += ',';
    out += r.name;
  }
  return out;
}

bool Keyset::AllowsSite(int32_t site) const {
  if (!allowed_sites) return false;
  return std::find(allowed_sites->begin(), allowed_sites->end(), site) != allowed_sites->end();
}

}  // namespace uid2::store
