// normalize.cc: email/phone normalization and hash inputs (spec §3.1).
#include "operator/identity/normalize.h"

#include "common/encoding.h"
#include "operator/identity/fast_crypto.h"

namespace uid2::operator_identity {
namespace {

constexpr std::string_view kGmailDomain = "gmail.com";
constexpr size_t kMinPhoneDigits = 10;
constexpr size_t kMaxPhoneDigits = 15;
constexpr size_t kHashB64Chars = 44;
constexpr size_t kHashHexChars = 64;

char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

}  // namespace

std::string_view InputFieldName(InputKind kind) {
  switch (kind) {
    case InputKind::kEmail:
      return "email";
    case InputKind::kEmailHash:
      return "email_hash";
    case InputKind::kPhone:
      return "phone";
    case InputKind::kPhoneHash:
      return "phone_hash";
  }
  return "";
}

// One pass over the input. Before '@': spaces dropped, everything else kept (lowercased);
// `special` collects the gmail form (no '.', nothing from the first '+'). After '@': the
// domain, with runs of spaces kept only when a non-space follows.
bool NormalizeEmail(std::string_view email, std::string* out) {
  out->clear();
  size_t at = email.find('@');
  if (at == std::string_view::npos) return false;
  std::string_view local = email.substr(0, at);
  std::string_view domain_in = email.substr(at + 1);
  if (domain_in.find('@') != std::string_view::npos) return false;

  // Domain first (it decides the local part's form): lowercase, trailing spaces trimmed.
  size_t domain_end = domain_in.find_last_not_of(' ');
  if (domain_end == std::string_view::npos) return false;  // empty or only spaces
  domain_in = domain_in.substr(0, domain_end + 1);
  bool gmail = domain_in.size() == kGmailDomain.size();
  for (size_t i = 0; gmail && i < domain_in.size(); i++) {
    gmail = AsciiLower(domain_in[i]) == kGmailDomain[i];
  }

  bool in_extension = false;
  for (char c : local) {
    if (c == ' ') continue;
    if (gmail) {
      if (c == '+') in_extension = true;
      if (c == '.' || in_extension) continue;
    }
    out->push_back(AsciiLower(c));
  }
  if (out->empty()) return false;
  out->push_back('@');
  for (char c : domain_in) out->push_back(AsciiLower(c));
  return true;
}

std::optional<std::string> NormalizeEmail(std::string_view email) {
  std::string out;
  if (!NormalizeEmail(email, &out)) return std::nullopt;
  return out;
}

bool IsNormalizedPhone(std::string_view phone) {
  if (phone.empty() || phone[0] != '+') return false;
  size_t digits = phone.size() - 1;
  if (digits < kMinPhoneDigits || digits > kMaxPhoneDigits) return false;
  for (size_t i = 1; i < phone.size(); i++) {
    if (phone[i] < '0' || phone[i] > '9') return false;
  }
  return true;
}

std::optional<IdentityBytes> DecodeHashInput(std::string_view text) {
  std::optional<Bytes> decoded;
  if (text.size() == kHashB64Chars) {
    decoded = Base64Decode(text, Base64Alphabet::kStandard, Base64Mode::kLenient);
  } else if (text.size() == kHashHexChars) {
    decoded = HexDecode(text);
  }
  if (!decoded || decoded->empty() || decoded->size() > 33) return std::nullopt;
  IdentityBytes id;
  std::copy(decoded->begin(), decoded->end(), id.data.begin());
  id.size = static_cast<uint8_t>(decoded->size());
  return id;
}

IdentityBytes HashIdentity(std::string_view normalized) {
  IdentityBytes id;
  internal::Sha256Parts({AsBytes(normalized)}, id.data.data());
  id.size = 32;
  return id;
}

std::optional<IdentityBytes> ResolveIdentity(InputKind kind, std::string_view value,
                                             std::string* scratch) {
  switch (kind) {
    case InputKind::kEmail: {
      std::string local;
      std::string* buf = scratch != nullptr ? scratch : &local;
      if (!NormalizeEmail(value, buf)) return std::nullopt;
      return HashIdentity(*buf);
    }
    case InputKind::kPhone:
      if (!IsNormalizedPhone(value)) return std::nullopt;
      return HashIdentity(value);
    case InputKind::kEmailHash:
    case InputKind::kPhoneHash:
      return DecodeHashInput(value);
  }
  return std::nullopt;
}

}  // namespace uid2::operator_identity
