// vectors_test.cc: fixed vectors (tests/data/pf, see its README) and a cross-check against an
// independent implementation of Gramine's format rules (tests/pf/pf_reference.py, written from
// Gramine's C code with python3-cryptography): each side must read the other's files.
#include <gtest/gtest.h>

#include <cstdlib>
#include <random>

#include "common/encoding.h"
#include "common/file.h"
#include "pf/convert.h"
#include "pf/layout.h"
#include "pf/protected_file.h"
#include "pf_test_util.h"

namespace uid2::pf {
namespace {

using testing::DecryptFrom;
using testing::EncryptTo;
using testing::Pattern;
using testing::ReadAll;
using testing::TempDir;
using testing::WriteAll;

const std::string kData = "tests/data/pf/";

Key KeyFile(const std::string& path) {
  Bytes b = ReadAll(path);
  Key k{};
  EXPECT_EQ(b.size(), k.size()) << path;
  std::copy_n(b.begin(), std::min(b.size(), k.size()), k.begin());
  return k;
}

std::string KeyHex(const Key& k) { return HexEncode(ByteSpan(k.data(), k.size())); }

struct Vector {
  const char* pf;     // protected file
  const char* plain;  // expected plaintext
  const char* bound;  // path bound into it
};

// Written by `shroud pf encrypt` (src/pf) and by pf_reference.py; see tests/data/pf/README.md.
constexpr Vector kVectors[] = {
    {"empty.pf", "empty.txt", "empty.pf"},
    {"hello.pf", "hello.txt", "hello.pf"},
    {"inline-3072.pf", "inline-3072.bin", "inline-3072.pf"},
    {"two-mht.pf", "two-mht.bin", "data/two-mht.bin"},
    {"python-two-mht.pf", "two-mht.bin", "data/python.bin"},
};

TEST(Vectors, CheckedInFilesDecrypt) {
  const Key key = KeyFile(kData + "wrap-key");
  for (const Vector& v : kVectors) {
    auto got = DecryptFrom(kData + v.pf, v.bound, key);
    ASSERT_TRUE(got.ok()) << v.pf << ": " << got.error().message();
    EXPECT_TRUE(*got == ReadAll(kData + v.plain)) << v.pf;
    auto moved = DecryptFrom(kData + v.pf, std::string(v.bound) + ".moved", key);
    EXPECT_FALSE(moved.ok()) << v.pf;
  }
}

// The reference implementation needs python3 with the cryptography package (python3-cryptography).
bool HaveReference() {
  return std::system("python3 -c 'import cryptography.hazmat.primitives.cmac' 2>/dev/null") == 0;
}

int Reference(const std::string& args) {
  return std::system(("python3 tests/pf/pf_reference.py " + args + " 2>/dev/null").c_str());
}

TEST(Reference, DecryptsCheckedInVectors) {
  if (!HaveReference()) GTEST_SKIP() << "python3-cryptography not installed";
  TempDir dir;
  const std::string key = KeyHex(KeyFile(kData + "wrap-key"));
  for (const Vector& v : kVectors) {
    ASSERT_EQ(
        Reference("decrypt " + key + " " + v.bound + " " + kData + v.pf + " " + dir.File("out")), 0)
        << v.pf;
    EXPECT_TRUE(ReadAll(dir.File("out")) == ReadAll(kData + v.plain)) << v.pf;
  }
}

// Sizes across the inline boundary and three MHT levels (MHT node 33 is on the third level).
const uint64_t kSizes[] = {
    0, 1, 3072, 3073, 3072 + 96 * 4096 + 1, 3072 + 9 * 96 * 4096 + 5, 3072 + 33 * 96 * 4096 + 4097};

TEST(Reference, ReadsOurFiles) {
  if (!HaveReference()) GTEST_SKIP() << "python3-cryptography not installed";
  TempDir dir;
  for (uint64_t size : kSizes) {
    Bytes plain = Pattern(size, static_cast<uint32_t>(size) + 1);
    EncryptTo(dir.File("ours.pf"), "dir/ours", plain);
    ASSERT_EQ(Reference("decrypt " + KeyHex(testing::TestKey()) + " dir/ours " +
                        dir.File("ours.pf") + " " + dir.File("out")),
              0)
        << size;
    EXPECT_TRUE(ReadAll(dir.File("out")) == plain) << size;
    // EncryptFd's own writer (`shroud pf encrypt` of a regular file), too
    WriteAll(dir.File("plain"), plain);
    {
      testing::Fd in(dir.File("plain"), O_RDONLY);
      testing::Fd out(dir.File("direct.pf"), O_RDWR | O_CREAT | O_TRUNC);
      ASSERT_TRUE(EncryptFd(in.get(), out.get(), "dir/ours", testing::TestKey()).ok()) << size;
    }
    ASSERT_EQ(Reference("decrypt " + KeyHex(testing::TestKey()) + " dir/ours " +
                        dir.File("direct.pf") + " " + dir.File("out")),
              0)
        << size;
    EXPECT_TRUE(ReadAll(dir.File("out")) == plain) << size;
    // and it refuses what we refuse: the last data node, or the encrypted metadata (the
    // metadata node's padding is not authenticated, and Gramine does not look at it)
    Bytes tampered = ReadAll(dir.File("ours.pf"));
    tampered[tampered.size() > PF_NODE_SIZE ? tampered.size() - 1 : 100] ^= 1;
    WriteAll(dir.File("bad.pf"), tampered);
    EXPECT_NE(Reference("decrypt " + KeyHex(testing::TestKey()) + " dir/ours " +
                        dir.File("bad.pf") + " " + dir.File("out")),
              0)
        << size;
  }
}

// A file edited at random (writes, shrinks past MHT nodes, extensions, reopenings) must still be
// a valid protected file for the reference reader.
TEST(Reference, ReadsRandomlyEditedFiles) {
  if (!HaveReference()) GTEST_SKIP() << "python3-cryptography not installed";
  TempDir dir;
  const std::string host = dir.File("edited.pf");
  std::mt19937_64 rng(99);
  Bytes model;
  {
    testing::Fd fd(host, O_RDWR | O_CREAT | O_TRUNC);
    auto pf = ProtectedFile::Open(fd.get(), "edited", testing::TestKey(), Mode::kReadWrite, true);
    ASSERT_TRUE(pf.ok());
    for (int step = 0; step < 60; step++) {
      const uint64_t op = rng() % 4;
      if (op < 2) {
        const uint64_t offset = rng() % (model.size() + 200000);
        Bytes data = Pattern(1 + rng() % 150000, static_cast<uint32_t>(step));
        ASSERT_TRUE((*pf)->Write(offset, data).ok());
        if (model.size() < offset + data.size()) model.resize(offset + data.size(), 0);
        std::copy(data.begin(), data.end(), model.begin() + static_cast<ptrdiff_t>(offset));
      } else if (op == 2) {
        const uint64_t size = rng() % (3072 + 2 * 96 * 4096);
        ASSERT_TRUE((*pf)->SetSize(size).ok());
        model.resize(size, 0);
      } else {
        ASSERT_TRUE((*pf)->Flush().ok());
      }
    }
    ASSERT_TRUE((*pf)->Close().ok());
  }
  ASSERT_EQ(Reference("decrypt " + KeyHex(testing::TestKey()) + " edited " + host + " " +
                      dir.File("out")),
            0);
  EXPECT_TRUE(ReadAll(dir.File("out")) == model);
}

TEST(Reference, WeReadItsFiles) {
  if (!HaveReference()) GTEST_SKIP() << "python3-cryptography not installed";
  TempDir dir;
  for (uint64_t size : kSizes) {
    Bytes plain = Pattern(size, static_cast<uint32_t>(size) + 2);
    WriteAll(dir.File("plain"), plain);
    ASSERT_EQ(Reference("encrypt " + KeyHex(testing::TestKey()) + " their/file " +
                        dir.File("plain") + " " + dir.File("theirs.pf")),
              0);
    EXPECT_EQ(testing::HostSize(dir.File("theirs.pf")), HostNodesFor(size) * PF_NODE_SIZE);
    auto got = DecryptFrom(dir.File("theirs.pf"), "their/file");
    ASSERT_TRUE(got.ok()) << size << ": " << got.error().message();
    EXPECT_TRUE(*got == plain) << size;
  }
}

}  // namespace
}  // namespace uid2::pf
