// encoding.cc: table-driven base64 and hex (see encoding.h).
#include "common/encoding.h"

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define UID2_BASE64_AVX2 1
#endif

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

#ifdef UID2_BASE64_AVX2
// AVX2 decoding of the standard alphabet, 32 characters -> 24 bytes per step (the method of
// Mula and Lemire, "Faster Base64 Encoding and Decoding Using AVX2 Instructions", 2018): the
// low and high nibble of each character index two 16-entry class tables whose AND is zero only
// for alphabet characters; a third table, indexed by the high nibble ('/' moved down by one),
// gives the offset that maps the character to its 6-bit value; two multiply-adds pack four
// 6-bit values into 24 bits and two shuffles gather the 24 bytes. Used only when the CPU has
// AVX2 (checked once at run time). A block holding any character outside the alphabet is left
// to the scalar loop, so acceptance, rejection and output are exactly the scalar decoder's.
bool HasAvx2() {
  static const bool has = [] {
    __builtin_cpu_init();  // safe even if a static initializer gets here first
    return __builtin_cpu_supports("avx2") != 0;
  }();
  return has;
}

// DecodeBlocksAvx2 decodes whole 8-quantum blocks from `p` to `o` while every character is in
// the alphabet and `o` has room for the 32-byte store (24 bytes of output plus 8 written past
// them, overwritten by the next block or the scalar loop); returns the quanta decoded.
__attribute__((target("avx2"))) size_t DecodeBlocksAvx2(const uint8_t* p, size_t quanta,
                                                        uint8_t* o) {
  const __m256i lut_lo =
      _mm256_setr_epi8(0x15, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x13, 0x1A, 0x1B,
                       0x1B, 0x1B, 0x1A, 0x15, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
                       0x13, 0x1A, 0x1B, 0x1B, 0x1B, 0x1A);
  const __m256i lut_hi =
      _mm256_setr_epi8(0x10, 0x10, 0x01, 0x02, 0x04, 0x08, 0x04, 0x08, 0x10, 0x10, 0x10, 0x10, 0x10,
                       0x10, 0x10, 0x10, 0x10, 0x10, 0x01, 0x02, 0x04, 0x08, 0x04, 0x08, 0x10, 0x10,
                       0x10, 0x10, 0x10, 0x10, 0x10, 0x10);
  const __m256i lut_roll =
      _mm256_setr_epi8(0, 16, 19, 4, -65, -65, -71, -71, 0, 0, 0, 0, 0, 0, 0, 0, 0, 16, 19, 4, -65,
                       -65, -71, -71, 0, 0, 0, 0, 0, 0, 0, 0);
  const __m256i mask_2f = _mm256_set1_epi8(0x2F);
  const __m256i merge_pairs = _mm256_set1_epi32(0x01400140);
  const __m256i merge_quads = _mm256_set1_epi32(0x00011000);
  const __m256i gather_bytes =
      _mm256_setr_epi8(2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1, 2, 1, 0, 6, 5, 4, 10,
                       9, 8, 14, 13, 12, -1, -1, -1, -1);
  const __m256i gather_lanes = _mm256_setr_epi32(0, 1, 2, 4, 5, 6, 7, 7);
  size_t q = 0;
  // 8 quanta read, 32 bytes written: 11 quanta (33 bytes) of output must remain.
  for (; q + 11 <= quanta; q += 8, p += 32, o += 24) {
    const __m256i in = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
    const __m256i hi_nibbles = _mm256_and_si256(_mm256_srli_epi32(in, 4), mask_2f);
    const __m256i lo_nibbles = _mm256_and_si256(in, mask_2f);
    const __m256i lo = _mm256_shuffle_epi8(lut_lo, lo_nibbles);
    const __m256i hi = _mm256_shuffle_epi8(lut_hi, hi_nibbles);
    if (!_mm256_testz_si256(lo, hi)) break;  // a character outside the alphabet
    const __m256i is_slash = _mm256_cmpeq_epi8(in, mask_2f);
    const __m256i roll = _mm256_shuffle_epi8(lut_roll, _mm256_add_epi8(is_slash, hi_nibbles));
    const __m256i values = _mm256_add_epi8(in, roll);
    const __m256i pairs = _mm256_maddubs_epi16(values, merge_pairs);
    const __m256i quads = _mm256_madd_epi16(pairs, merge_quads);
    const __m256i packed =
        _mm256_permutevar8x32_epi32(_mm256_shuffle_epi8(quads, gather_bytes), gather_lanes);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(o), packed);
  }
  return q;
}
#endif

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

namespace {

bool DecodeTo(std::string_view text, Base64Alphabet alphabet, Base64Mode mode, Bytes* out,
              [[maybe_unused]] bool use_simd) {
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
  size_t q = 0;
#ifdef UID2_BASE64_AVX2
  if (use_simd && alphabet == Base64Alphabet::kStandard && HasAvx2()) {
    q = DecodeBlocksAvx2(p, quanta, o);
    p += q * 4;
    o += q * 3;
  }
#endif
  for (; q < quanta; q++, p += 4, o += 3) {
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

}  // namespace

bool Base64DecodeTo(std::string_view text, Base64Alphabet alphabet, Base64Mode mode, Bytes* out) {
  return DecodeTo(text, alphabet, mode, out, true);
}

bool detail::Base64DecodeToScalar(std::string_view text, Base64Alphabet alphabet, Base64Mode mode,
                                  Bytes* out) {
  return DecodeTo(text, alphabet, mode, out, false);
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
