// hashids.cc: Hashids as org.hashids 1.0.x (Java) computes it; see hashids.h.
#include "operator/identity/hashids.h"

#include <cmath>
#include <cstdint>
#include <vector>

namespace uid2::operator_identity {
namespace {

constexpr std::string_view kDefaultAlphabet =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ1234567890";
constexpr std::string_view kDefaultSeps = "cfhistuCFHISTU";
constexpr double kSepDiv = 3.5;
constexpr double kGuardDiv = 12;

bool Contains(std::string_view s, char c) { return s.find(c) != std::string_view::npos; }

// Digits writes `n` in base |alphabet| with the alphabet's characters (most significant first).
std::string Digits(int64_t n, std::string_view alphabet) {
  std::string out;
  const int64_t base = static_cast<int64_t>(alphabet.size());
  do {
    out.insert(out.begin(), alphabet[static_cast<size_t>(n % base)]);
    n /= base;
  } while (n > 0);
  return out;
}

// Undigits reverses Digits; -1 for a character outside the alphabet or an overflow.
int64_t Undigits(std::string_view text, std::string_view alphabet) {
  int64_t n = 0;
  const int64_t base = static_cast<int64_t>(alphabet.size());
  for (char c : text) {
    size_t pos = alphabet.find(c);
    if (pos == std::string_view::npos) return -1;
    if (n > (INT64_MAX - static_cast<int64_t>(pos)) / base) return -1;
    n = n * base + static_cast<int64_t>(pos);
  }
  return n;
}

}  // namespace

void HashidsConsistentShuffle(std::string* alphabet, std::string_view salt) {
  if (salt.empty()) return;
  std::string& a = *alphabet;
  // Walk i from the end down to 1; v cycles through the salt, p sums the salt codes seen.
  int64_t p = 0;
  size_t v = 0;
  for (size_t i = a.size() - 1; i > 0; i--, v++) {
    v %= salt.size();
    int64_t code = static_cast<unsigned char>(salt[v]);
    p += code;
    size_t j = static_cast<size_t>((code + static_cast<int64_t>(v) + p) % static_cast<int64_t>(i));
    std::swap(a[i], a[j]);
  }
}

Hashids::Hashids(std::string_view salt, size_t min_length) : salt_(salt), min_length_(min_length) {
  // Separators are the default seps present in the alphabet; the alphabet loses them.
  for (char c : kDefaultSeps) {
    if (Contains(kDefaultAlphabet, c)) seps_.push_back(c);
  }
  for (char c : kDefaultAlphabet) {
    if (!Contains(seps_, c)) alphabet_.push_back(c);
  }
  HashidsConsistentShuffle(&seps_, salt_);

  // Keep the alphabet/seps ratio near kSepDiv (Java compares as float).
  if (seps_.empty() ||
      static_cast<float>(alphabet_.size()) / static_cast<float>(seps_.size()) > kSepDiv) {
    size_t seps_len = static_cast<size_t>(std::ceil(alphabet_.size() / kSepDiv));
    if (seps_len == 1) seps_len++;
    if (seps_len > seps_.size()) {
      size_t diff = seps_len - seps_.size();
      seps_ += alphabet_.substr(0, diff);
      alphabet_.erase(0, diff);
    } else {
      seps_.resize(seps_len);
    }
  }

  HashidsConsistentShuffle(&alphabet_, salt_);
  size_t guard_count = static_cast<size_t>(std::ceil(alphabet_.size() / kGuardDiv));
  if (alphabet_.size() < 3) {
    guards_ = seps_.substr(0, guard_count);
    seps_.erase(0, guard_count);
  } else {
    guards_ = alphabet_.substr(0, guard_count);
    alphabet_.erase(0, guard_count);
  }
}

std::string Hashids::Encode(int64_t number) const {
  if (number < 0) return "";
  const int64_t number_hash = number % 100;  // sum of numbers[i] % (i + 100), one number
  std::string alphabet = alphabet_;
  const char lottery = alphabet[static_cast<size_t>(number_hash) % alphabet.size()];
  std::string out(1, lottery);

  std::string shuffle_salt = std::string(1, lottery) + salt_ + alphabet;
  shuffle_salt.resize(alphabet.size());
  HashidsConsistentShuffle(&alphabet, shuffle_salt);
  out += Digits(number, alphabet);

  if (out.size() < min_length_) {
    auto guard_at = [&](char c) {
      return guards_[static_cast<size_t>(number_hash + static_cast<unsigned char>(c)) %
                     guards_.size()];
    };
    out.insert(out.begin(), guard_at(out[0]));
    if (out.size() < min_length_) out.push_back(guard_at(out[2]));
  }

  const size_t half = alphabet.size() / 2;
  while (out.size() < min_length_) {
    std::string self = alphabet;
    HashidsConsistentShuffle(&alphabet, self);
    out = alphabet.substr(half) + out + alphabet.substr(0, half);
    if (out.size() > min_length_) {
      size_t excess = out.size() - min_length_;
      out = out.substr(excess / 2, min_length_);
    }
  }
  return out;
}

int64_t Hashids::Decode(std::string_view hash) const {
  if (hash.empty()) return -1;
  // Split on guards: the payload is part 1 when there are 2 or 3 parts, else part 0.
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t i = 0; i <= hash.size(); i++) {
    if (i == hash.size() || Contains(guards_, hash[i])) {
      parts.push_back(hash.substr(start, i - start));
      start = i + 1;
    }
  }
  std::string_view core = (parts.size() == 2 || parts.size() == 3) ? parts[1] : parts[0];
  if (core.empty()) return -1;
  for (char c : core) {
    if (Contains(seps_, c)) return -1;  // more than one number: not a bucket id
  }
  const char lottery = core[0];
  std::string alphabet = alphabet_;
  std::string shuffle_salt = std::string(1, lottery) + salt_ + alphabet;
  shuffle_salt.resize(alphabet.size());
  HashidsConsistentShuffle(&alphabet, shuffle_salt);
  int64_t n = Undigits(core.substr(1), alphabet);
  if (n < 0 || core.size() < 2 || Encode(n) != hash) return -1;
  return n;
}

}  // namespace uid2::operator_identity
