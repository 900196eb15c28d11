// encoding.cc: table-driven base64 and hex (see encoding.h).
#include "common/encoding.h"

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>

namespace uid2 {
namespace {

constexpr std::string_view kStdChars =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kUrlChars =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// Encoding: one lookup per 12 bits yields two characters (4096 entries x 2 chars = 8 KiB).
using PairTable = std::array<std::array<char, 2>, 4096>;

constexpr PairTable MakePairs(std::string_view chars) {
  PairTable t{};
  for (size_t i = 0; i < t.size(); i++) t[i] = {chars[i >> 6], chars[i & 63]};
  return t;
}
constexpr PairTable kStdPairs = MakePairs(kStdChars);
constexpr PairTable kUrlPairs = MakePairs(kUrlChars);

// Decoding: four tables, one per position in a 4-character quantum, hold the character's six
// bits already shifted into place, so a quantum is d0[c0] | d1[c1] | d2[c2] | d3[c3]. A
// character outside the alphabet maps to kBad in every table (bit 24, above the 24 data bits).
constexpr uint32_t kBad = 1u << 24;

struct DecodeTables {
  std::array<uint32_t, 256> pos[4];
};

constexpr DecodeTables MakeDecodeTables(std::string_view chars) {
  DecodeTables t{};
  for (auto& table : t.pos) {
    for (auto& v : table) v = kBad;
  }
  for (size_t i = 0; i < chars.size(); i++) {
    uint8_t c = static_cast<uint8_t>(chars[i]);
    uint32_t v = static_cast<uint32_t>(i);
    t.pos[0][c] = v << 18;
    t.pos[1][c] = v << 12;
    t.pos[2][c] = v << 6;
    t.pos[3][c] = v;
  }
  return t;
}
constexpr DecodeTables kStdDecode = MakeDecodeTables(kStdChars);
constexpr DecodeTables kUrlDecode = MakeDecodeTables(kUrlChars);

inline uint32_t Quantum(const DecodeTables& t, const uint8_t* p) {
  return t.pos[0][p[0]] | t.pos[1][p[1]] | t.pos[2][p[2]] | t.pos[3][p[3]];
}

}  // namespace

size_t Base64EncodeTo(ByteSpan data, char* out, Base64Alphabet alphabet, bool pad) {
  const PairTable& pairs = alphabet == Base64Alphabet::kStandard ? kStdPairs : kUrlPairs;
  const uint8_t* in = data.data();
  const size_t n = data.size();
  char* o = out;
  size_t i = 0;
  // Six bytes (two quanta) per step from one big-endian 8-byte load while 8 bytes remain.
  for (; i + 8 <= n; i += 6, o += 8) {
    uint64_t v;
    std::memcpy(&v, in + i, 8);
    if constexpr (std::endian::native == std::endian::little) v = __builtin_bswap64(v);
    std::memcpy(o, pairs[(v >> 52) & 0xFFF].data(), 2);
    std::memcpy(o + 2, pairs[(v >> 40) & 0xFFF].data(), 2);
    std::memcpy(o + 4, pairs[(v >> 28) & 0xFFF].data(), 2);
    std::memcpy(o + 6, pairs[(v >> 16) & 0xFFF].data(), 2);
  }
  for (; i + 3 <= n; i += 3, o += 4) {
    uint32_t v = uint32_t{in[i]} << 16 | uint32_t{in[i + 1]} << 8 | in[i + 2];
    std::memcpy(o, pairs[v >> 12].data(), 2);
    std::memcpy(o + 2, pairs[v & 0xFFF].data(), 2);
  }
  const size_t rest = n - i;
  if (rest > 0) {
    uint32_t v = uint32_t{in[i]} << 16 | (rest == 2 ? uint32_t{in[i + 1]} << 8 : 0);
    std::memcpy(o, pairs[v >> 12].data(), 2);
    o += 2;
    if (rest == 2) *o++ = pairs[v & 0xFFF][0];
    if (pad) {
      *o++ = '=';
      if (rest == 1) *o++ = '=';
    }
  }
  return static_cast<size_t>(o - out);
}

std::string Base64Encode(ByteSpan data, Base64Alphabet alphabet, bool pad) {
  std::string out(Base64EncodedSize(data.size(), pad), '\0');
  Base64EncodeTo(data, out.data(), alphabet, pad);
  return out;
}

bool Base64DecodeTo(std::string_view text, Base64Alphabet alphabet, Base64Mode mode, Bytes* out) {
  const DecodeTables& t = alphabet == Base64Alphabet::kStandard ? kStdDecode : kUrlDecode;
  const bool strict = mode == Base64Mode::kStrict;

  size_t padding = 0;
  while (padding < 2 && padding < text.size() && text[text.size() - 1 - padding] == '=') {
    padding++;
  }
  const size_t body = text.size() - padding;
  if (padding > 0) {
    // Padding may only complete the last quantum to exactly four characters.
    if (text.size() % 4 != 0) return false;
    if (strict && alphabet == Base64Alphabet::kUrlSafe) return false;
  } else if (strict && alphabet == Base64Alphabet::kStandard && text.size() % 4 != 0) {
    return false;
  }
  const size_t tail = body % 4;
  if (tail == 1) return false;  // one char carries only 6 bits: never valid
  if (padding > 0 && padding != (4 - tail) % 4) return false;

  const size_t quanta = body / 4;
  out->resize(quanta * 3 + (tail == 0 ? 0 : tail - 1));
  const uint8_t* p = reinterpret_cast<const uint8_t*>(text.data());
  uint8_t* o = out->data();
  uint32_t bad = 0;
  for (size_t q = 0; q < quanta; q++, p += 4, o += 3) {
    uint32_t v = Quantum(t, p);
    bad |= v;
    o[0] = static_cast<uint8_t>(v >> 16);
    o[1] = static_cast<uint8_t>(v >> 8);
    o[2] = static_cast<uint8_t>(v);
  }
  if (tail > 0) {
    // 2 chars = 12 bits (1 byte + 4 spare bits); 3 chars = 18 bits (2 bytes + 2 spare bits).
    uint32_t v = t.pos[0][p[0]] | t.pos[1][p[1]] | (tail == 3 ? t.pos[2][p[2]] : 0);
    bad |= v;
    o[0] = static_cast<uint8_t>(v >> 16);
    if (tail == 3) o[1] = static_cast<uint8_t>(v >> 8);
    // Leftover bits must be zero in canonical encodings.
    uint32_t spare = tail == 2 ? (v >> 12) & 0xF : (v >> 6) & 0x3;
    if (strict && spare != 0) return false;
  }
  return (bad & kBad) == 0;
}

std::optional<Bytes> Base64Decode(std::string_view text, Base64Alphabet alphabet, Base64Mode mode) {
  Bytes out;
  if (!Base64DecodeTo(text, alphabet, mode, &out)) return std::nullopt;
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
