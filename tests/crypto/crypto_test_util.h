// crypto_test_util.h: small helpers shared by the crypto tests (hex literals, test data files).
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/encoding.h"
#include "common/file.h"

namespace uid2::crypto::testing {

// H decodes a hex literal (spaces allowed); a malformed literal fails the test loudly.
inline Bytes H(std::string_view hex) {
  std::string compact;
  for (char c : hex) {
    if (c != ' ' && c != '\n') compact.push_back(c);
  }
  std::optional<Bytes> out = HexDecode(compact);
  EXPECT_TRUE(out.has_value()) << "bad hex literal in test: " << hex;
  return out.value_or(Bytes{});
}

template <typename Container>
std::string Hex(const Container& c) {
  return HexEncode(ByteSpan(c.data(), c.size()));
}

inline std::string DataPath(std::string_view name) {
  return std::string(UID2_SOURCE_DIR) + "/tests/data/crypto/" + std::string(name);
}

inline std::string ReadText(std::string_view name) {
  Result<std::string> r = ReadFile(DataPath(name));
  EXPECT_TRUE(r.ok()) << r.error().message();
  return r.ok() ? *r : std::string();
}

inline Bytes ReadData(std::string_view name) {
  Result<Bytes> r = ReadFileBytes(DataPath(name));
  EXPECT_TRUE(r.ok()) << r.error().message();
  return r.ok() ? *r : Bytes();
}

}  // namespace uid2::crypto::testing
