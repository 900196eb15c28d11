#include "common/encoding.h"

#include <array>

namespace uid2 {
namespace {

constexpr std::string_view kStdChars =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kUrlChars =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr int8_t kInvalid = -1;

using DecodeTable = std::array<int8_t, 256>;

constexpr DecodeTable MakeTable(std::string_view chars) {
  DecodeTable t{};
  for (auto& v : t) v = kInvalid;
  for (size_t i = 0; i < chars.size(); i++) t[static_cast<uint8_t>(chars[i])] = int8_t(i);
  return t;
}
constexpr DecodeTable kStdTable = MakeTable(kStdChars);
constexpr DecodeTable kUrlTable = MakeTable(kUrlChars);

}  // namespace

std::string Base64Encode(ByteSpan data, Base64Alphabet alphabet, bool pad) {
  std::string_view chars = alphabet == Base64Alphabet::kStandard ? kStdChars : kUrlChars;
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    uint32_t v = uint32_t(data[i]) << 16 | uint32_t(data[i + 1]) << 8 | data[i + 2];
    out += chars[v >> 18];
    out += chars[(v >> 12) & 63];
    out += chars[(v >> 6) & 63];
    out += chars[v & 63];
  }
  size_t rest = data.size() - i;
  if (rest > 0) {
    uint32_t v = uint32_t(data[i]) << 16 | (rest == 2 ? uint32_t(data[i + 1]) << 8 : 0);
    out += chars[v >> 18];
    out += chars[(v >> 12) & 63];
    if (rest == 2) out += chars[(v >> 6) & 63];
    if (pad) out.append(3 - rest, '=');
  }
  return out;
}

std::optional<Bytes> Base64Decode(std::string_view text, Base64Alphabet alphabet, Base64Mode mode) {
  const DecodeTable& table = alphabet == Base64Alphabet::kStandard ? kStdTable : kUrlTable;
  const bool strict = mode == Base64Mode::kStrict;

  size_t padding = 0;
  while (padding < 2 && padding < text.size() && text[text.size() - 1 - padding] == '=') {
    padding++;
  }
  std::string_view body = text.substr(0, text.size() - padding);
  if (padding > 0) {
    // Padding may only complete the last quantum to exactly four characters.
    if (text.size() % 4 != 0) return std::nullopt;
    if (strict && alphabet == Base64Alphabet::kUrlSafe) return std::nullopt;
  } else if (strict && alphabet == Base64Alphabet::kStandard && text.size() % 4 != 0) {
    return std::nullopt;
  }
  const size_t tail = body.size() % 4;
  if (tail == 1) return std::nullopt;  // one char carries only 6 bits: never valid
  if (padding > 0 && padding != (4 - tail) % 4) return std::nullopt;

  Bytes out;
  out.reserve(body.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : body) {
    int8_t v = table[static_cast<uint8_t>(c)];
    if (v == kInvalid) return std::nullopt;
    acc = (acc << 6) | uint32_t(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<uint8_t>(acc >> bits));
    }
  }
  // Leftover bits (2 or 4) must be zero in canonical encodings.
  if (strict && bits > 0 && (acc & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

std::string HexEncode(ByteSpan data) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(data.size() * 2, '\0');
  for (size_t i = 0; i < data.size(); i++) {
    out[2 * i] = kDigits[data[i] >> 4];
    out[2 * i + 1] = kDigits[data[i] & 15];
  }
  return out;
}

namespace {
int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::optional<Bytes> HexDecode(std::string_view text) {
  if (text.size() % 2 != 0) return std::nullopt;
  Bytes out(text.size() / 2);
  for (size_t i = 0; i < out.size(); i++) {
    int hi = HexValue(text[2 * i]), lo = HexValue(text[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return out;
}

}  // namespace uid2
