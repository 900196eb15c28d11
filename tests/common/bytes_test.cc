#include "common/bytes.h"

#include <gtest/gtest.h>

#include "common/status.h"

namespace uid2 {
namespace {

TEST(ByteReader, ReadsBothEndiannessesAndStopsAtTheEnd) {
  const uint8_t data[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07};
  ByteReader r(data);
  uint16_t le = 0, be = 0;
  uint32_t u24 = 0;
  ASSERT_TRUE(r.ReadU16LE(&le));
  ASSERT_TRUE(r.ReadU16BE(&be));
  ASSERT_TRUE(r.ReadU24BE(&u24));
  EXPECT_EQ(le, 0x0201);
  EXPECT_EQ(be, 0x0304);
  EXPECT_EQ(u24, 0x050607u);
  uint8_t b = 0;
  EXPECT_FALSE(r.ReadU8(&b));
  EXPECT_TRUE(r.empty());
}

TEST(ByteReader, ShortReadConsumesNothing) {
  const uint8_t data[] = {0xaa, 0xbb, 0xcc};
  ByteReader r(data);
  uint32_t v = 0;
  EXPECT_FALSE(r.ReadU32LE(&v));
  EXPECT_EQ(r.remaining(), 3u);
  ByteSpan s;
  EXPECT_FALSE(r.ReadBytes(4, &s));
  EXPECT_FALSE(r.Skip(4));
  uint64_t seven = 0;
  ByteReader r7(data);
  EXPECT_TRUE(r7.ReadUintLE(3, &seven));
  EXPECT_EQ(seven, 0xccbbaau);
}

TEST(ByteWriter, WritesBothEndiannesses) {
  ByteWriter w;
  w.PutU32LE(0x01020304);
  w.PutU32BE(0x01020304);
  w.PutU24BE(0x0a0b0c);
  EXPECT_EQ(w.bytes(), (Bytes{4, 3, 2, 1, 1, 2, 3, 4, 0x0a, 0x0b, 0x0c}));
}

TEST(FixedStores, RoundTrip) {
  Bytes buf(16);
  StoreU64LE(buf, 8, 0x1122334455667788ull);
  StoreU16LE(buf, 0, 0xbeef);
  EXPECT_EQ(LoadU64LE(buf, 8), 0x1122334455667788ull);
  EXPECT_EQ(LoadU16LE(buf, 0), 0xbeef);
  EXPECT_EQ(buf[8], 0x88);
}

TEST(ConstantTimeEquals, ComparesContentAndLength) {
  EXPECT_TRUE(ConstantTimeEquals(AsBytes("abc"), AsBytes("abc")));
  EXPECT_FALSE(ConstantTimeEquals(AsBytes("abc"), AsBytes("abd")));
  EXPECT_FALSE(ConstantTimeEquals(AsBytes("abc"), AsBytes("ab")));
}

Result<int> Half(int v) {
  if (v % 2) return Error::Invalid("odd value " + std::to_string(v));
  return v / 2;
}
Result<int> Quarter(int v) {
  UID2_ASSIGN_OR_RETURN(int h, Half(v));
  UID2_ASSIGN_OR_RETURN(int q, Half(h));
  return q;
}

TEST(Result, PropagatesErrorsWithContext) {
  EXPECT_EQ(*Quarter(8), 2);
  auto r = Quarter(6);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalid);
  Error e = std::move(r).error();
  e.Context("quarter(6)");
  EXPECT_EQ(e.message(), "quarter(6): odd value 3");
}

}  // namespace
}  // namespace uid2
