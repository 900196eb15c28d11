// convert_test.cc: EncryptFd writes regular files directly (its own writer, not ProtectedFile):
// its files must be the ones ProtectedFile writes for the same plaintext, node for node, apart
// from the random keys, nonces and ciphertexts; pipes go through ProtectedFile.
#include "pf/convert.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <thread>

#include "crypto/aes128.h"
#include "pf/kdf.h"
#include "pf/layout.h"
#include "pf/metadata.h"
#include "pf/mht.h"
#include "pf_test_util.h"

namespace uid2::pf {
namespace {

using testing::EncryptTo;
using testing::Fd;
using testing::Pattern;
using testing::ReadAll;
using testing::TempDir;
using testing::TestKey;
using testing::WriteAll;

// Opened is a protected file taken apart: the decrypted metadata, and the plaintext of every
// node below it in physical order (the key and MAC fields of MHT entries zeroed, leaving only
// which entries are in use). Any MAC failure fails the test.
struct Opened {
  MetadataDecrypted md;
  std::vector<Bytes> nodes;  // by physical node number; node 0 (the metadata) left empty
};

using NodeBuf = std::array<uint8_t, PF_NODE_SIZE>;

NodeBuf Open(crypto::Aes128Gcm& gcm, const Bytes& raw, uint64_t physical, const CryptoData& e) {
  NodeBuf plain{};
  EXPECT_LE((physical + 1) * PF_NODE_SIZE, raw.size()) << physical;
  if ((physical + 1) * PF_NODE_SIZE > raw.size()) return plain;
  Status st = gcm.Open(e.key, crypto::GcmIv{},
                       ByteSpan(raw).subspan(physical * PF_NODE_SIZE, PF_NODE_SIZE), plain, e.mac);
  EXPECT_TRUE(st.ok()) << "node " << physical;
  return plain;
}

Opened TakeApart(const std::string& host, const std::string& bound) {
  Opened out;
  auto gcm = crypto::Aes128Gcm::Create();
  EXPECT_TRUE(gcm.ok());
  const Bytes raw = ReadAll(host);
  EXPECT_EQ(raw.size() % PF_NODE_SIZE, 0u);
  MetadataPlain plain;
  std::array<uint8_t, kMetadataEncryptedSize> enc, dec;
  EXPECT_TRUE(ParseMetadataNode(ByteSpan(raw).first(PF_NODE_SIZE), &plain, enc).ok());
  auto key = DeriveMetadataKey(TestKey(), plain.metadata_key_nonce);
  EXPECT_TRUE(key.ok());
  EXPECT_TRUE(gcm->Open(*key, crypto::GcmIv{}, enc, dec, plain.metadata_mac).ok());
  EXPECT_TRUE(ParseMetadataDecrypted(dec, &out.md).ok());
  EXPECT_EQ(out.md.file_path, bound);
  const uint64_t host_nodes = HostNodesFor(out.md.file_size);
  EXPECT_EQ(raw.size(), host_nodes * PF_NODE_SIZE);
  out.nodes.resize(host_nodes);
  if (host_nodes == 1) return out;
  const uint64_t data_nodes = LogicalDataNode(out.md.file_size - 1) + 1;
  const uint64_t mht_nodes = (data_nodes - 1) / ATTACHED_DATA_NODES_COUNT + 1;
  std::vector<NodeBuf> mht(mht_nodes);
  mht[0] = Open(*gcm, raw, 1, {out.md.root_mht_node_key, out.md.root_mht_node_mac});
  for (uint64_t m = 1; m < mht_nodes; m++) {
    mht[m] = Open(*gcm, raw, PhysicalMhtNode(m), GetCryptoData(mht[ParentMhtNode(m)], MhtSlot(m)));
  }
  for (uint64_t d = 0; d < data_nodes; d++) {
    NodeBuf n = Open(*gcm, raw, PhysicalDataNode(d),
                     GetCryptoData(mht[d / ATTACHED_DATA_NODES_COUNT], DataSlot(d)));
    out.nodes[PhysicalDataNode(d)].assign(n.begin(), n.end());
  }
  for (uint64_t m = 0; m < mht_nodes; m++) {
    Bytes used(PF_NODE_SIZE / kCryptoDataSize);
    for (size_t slot = 0; slot < used.size(); slot++) {
      const CryptoData e = GetCryptoData(mht[m], slot);
      used[slot] = std::any_of(e.key.begin(), e.key.end(), [](uint8_t b) { return b != 0; }) ||
                   std::any_of(e.mac.begin(), e.mac.end(), [](uint8_t b) { return b != 0; });
    }
    out.nodes[PhysicalMhtNode(m)] = used;
  }
  return out;
}

Result<uint64_t> EncryptFile(const std::string& in, const std::string& out,
                             const std::string& bound) {
  Fd input(in, O_RDONLY);
  Fd output(out, O_RDWR | O_CREAT | O_TRUNC);
  return EncryptFd(input.get(), output.get(), bound, TestKey());
}

Bytes DecryptFile(const std::string& host, const std::string& bound) {
  Fd input(host, O_RDONLY);
  TempDir dir;
  Fd output(dir.File("plain"), O_RDWR | O_CREAT | O_TRUNC);
  auto got = DecryptFd(input.get(), output.get(), bound, TestKey());
  EXPECT_TRUE(got.ok()) << got.error().message();
  return ReadAll(dir.File("plain"));
}

// Across the inline boundary, node and MHT boundaries, and three MHT levels (MHT node 33).
const uint64_t kSizes[] = {0,
                           1,
                           3071,
                           3072,
                           3073,
                           3072 + 4096,
                           3072 + 4097,
                           3072 + 96 * 4096,
                           3072 + 96 * 4096 + 1,
                           3072 + 4 * 96 * 4096 - 1,  // the two threads take units of 4 groups
                           3072 + 4 * 96 * 4096,
                           3072 + 4 * 96 * 4096 + 1,
                           3072 + 9 * 96 * 4096 + 4095,
                           3072 + 33 * 96 * 4096 + 4097,
                           3072 + 34 * 96 * 4096};

TEST(EncryptFd, RegularFileIsWhatProtectedFileWrites) {
  TempDir dir;
  for (uint64_t size : kSizes) {
    const Bytes plain = Pattern(size, static_cast<uint32_t>(size) + 7);
    WriteAll(dir.File("plain"), plain);
    auto n = EncryptFile(dir.File("plain"), dir.File("direct.pf"), "dir/f");
    ASSERT_TRUE(n.ok()) << size << ": " << n.error().message();
    EXPECT_EQ(*n, size);
    EncryptTo(dir.File("engine.pf"), "dir/f", plain);
    const Opened direct = TakeApart(dir.File("direct.pf"), "dir/f");
    const Opened engine = TakeApart(dir.File("engine.pf"), "dir/f");
    EXPECT_EQ(direct.md.file_size, size);
    EXPECT_TRUE(direct.md.file_data == engine.md.file_data) << size;
    ASSERT_EQ(direct.nodes.size(), engine.nodes.size()) << size;
    for (size_t i = 0; i < direct.nodes.size(); i++) {
      EXPECT_TRUE(direct.nodes[i] == engine.nodes[i]) << size << ": node " << i;
    }
    EXPECT_TRUE(DecryptFile(dir.File("direct.pf"), "dir/f") == plain) << size;
  }
}

TEST(EncryptFd, PipeGoesThroughProtectedFile) {
  TempDir dir;
  const uint64_t size = 3072 + 2 * 96 * 4096 + 5;
  const Bytes plain = Pattern(size, 3);
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  std::thread writer([&] {
    size_t done = 0;
    while (done < plain.size()) {
      ssize_t n = ::write(fds[1], plain.data() + done, plain.size() - done);
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
    ::close(fds[1]);
  });
  Fd output(dir.File("piped.pf"), O_RDWR | O_CREAT | O_TRUNC);
  auto n = EncryptFd(fds[0], output.get(), "dir/p", TestKey());
  writer.join();
  ::close(fds[0]);
  ASSERT_TRUE(n.ok()) << n.error().message();
  EXPECT_EQ(*n, size);
  EXPECT_EQ(TakeApart(dir.File("piped.pf"), "dir/p").nodes.size(), HostNodesFor(size));
  EXPECT_TRUE(DecryptFile(dir.File("piped.pf"), "dir/p") == plain);
}

// The data nodes are written on two threads: their failures must come back, the first unit's
// whichever thread fails first (9 groups: units of 4 groups for both threads).
TEST(EncryptFd, ReportsWriteErrors) {
  TempDir dir;
  std::vector<uint64_t> sizes = {10, 3072 + 3 * 96 * 4096};
  sizes.insert(sizes.end(), 20, 3072 + 9 * 96 * 4096);  // a race: try it a few times
  for (uint64_t size : sizes) {
    WriteAll(dir.File("plain"), Pattern(size, 1));
    WriteAll(dir.File("ro.pf"), Bytes{});
    Fd input(dir.File("plain"), O_RDONLY);
    Fd output(dir.File("ro.pf"), O_RDONLY);  // every write fails with EBADF
    auto n = EncryptFd(input.get(), output.get(), "dir/f", TestKey());
    ASSERT_FALSE(n.ok()) << size;
    // the first failure: the first data node (node 2), or the metadata node when there is none
    const std::string first = size > 3072 ? "writing node 2:" : "writing node 0:";
    EXPECT_NE(n.error().message().find(first), std::string::npos) << n.error().message();
    EXPECT_NE(n.error().message().find("dir/f"), std::string::npos) << n.error().message();
  }
}

// DecryptFd takes alternate 1 MiB chunks on two threads and writes them in order; a node that
// fails in chunk 1 (the second thread's) stops it after chunk 0, with the error.
TEST(DecryptFd, TwoThreadsInOrderAndStopAtAFailingNode) {
  TempDir dir;
  const uint64_t size = 3 * (uint64_t{1} << 20) + 12345;
  const Bytes plain = Pattern(size, 9);
  EncryptTo(dir.File("f.pf"), "dir/f", plain);
  EXPECT_TRUE(DecryptFile(dir.File("f.pf"), "dir/f") == plain);

  for (uint64_t chunk : {0, 1, 3}) {
    Bytes raw = ReadAll(dir.File("f.pf"));
    const uint64_t offset = chunk * (uint64_t{1} << 20) + 5000;
    raw[PhysicalDataNode(LogicalDataNode(offset)) * PF_NODE_SIZE + 7] ^= 1;
    WriteAll(dir.File("bad.pf"), raw);
    Fd input(dir.File("bad.pf"), O_RDONLY);
    Fd output(dir.File("out"), O_RDWR | O_CREAT | O_TRUNC);
    auto got = DecryptFd(input.get(), output.get(), "dir/f", TestKey());
    ASSERT_FALSE(got.ok()) << chunk;
    EXPECT_NE(got.error().message().find("MAC mismatch"), std::string::npos)
        << got.error().message();
    EXPECT_NE(got.error().message().find("dir/f"), std::string::npos) << got.error().message();
    const Bytes out = ReadAll(dir.File("out"));
    EXPECT_EQ(out.size(), chunk << 20) << chunk;  // the chunks before it, and nothing after
    EXPECT_TRUE(std::equal(out.begin(), out.end(), plain.begin())) << chunk;
  }
}

// The input is read as one reader would, from its position to its end, whichever thread reads.
TEST(EncryptFd, ReadsFromTheInputsPositionToItsEnd) {
  TempDir dir;
  const uint64_t size = 3072 + 9 * 96 * 4096 + 77;
  const Bytes plain = Pattern(size + 1000, 4);
  WriteAll(dir.File("plain"), plain);
  Fd input(dir.File("plain"), O_RDONLY);
  ASSERT_EQ(::lseek(input.get(), 1000, SEEK_SET), 1000);
  Fd output(dir.File("f.pf"), O_RDWR | O_CREAT | O_TRUNC);
  auto n = EncryptFd(input.get(), output.get(), "dir/f", TestKey());
  ASSERT_TRUE(n.ok()) << n.error().message();
  EXPECT_EQ(*n, size);
  EXPECT_EQ(::lseek(input.get(), 0, SEEK_CUR), static_cast<off_t>(size + 1000));
  EXPECT_TRUE(DecryptFile(dir.File("f.pf"), "dir/f") == Bytes(plain.begin() + 1000, plain.end()));
}

// A read that fails stops the conversion with the error (a write-only input: EBADF).
TEST(EncryptFd, ReportsReadErrors) {
  TempDir dir;
  WriteAll(dir.File("plain"), Pattern(3072 + 9 * 96 * 4096, 1));
  Fd input(dir.File("plain"), O_WRONLY);
  Fd output(dir.File("f.pf"), O_RDWR | O_CREAT | O_TRUNC);
  auto n = EncryptFd(input.get(), output.get(), "dir/f", TestKey());
  ASSERT_FALSE(n.ok());
  EXPECT_NE(n.error().message().find("reading the plaintext"), std::string::npos)
      << n.error().message();
  EXPECT_NE(n.error().message().find("dir/f"), std::string::npos) << n.error().message();
}

TEST(EncryptFd, RefusesBadBoundPaths) {
  TempDir dir;
  WriteAll(dir.File("plain"), Pattern(10, 1));
  EXPECT_FALSE(EncryptFile(dir.File("plain"), dir.File("a.pf"), "").ok());
  EXPECT_FALSE(EncryptFile(dir.File("plain"), dir.File("a.pf"), std::string(772, 'x')).ok());
  EXPECT_FALSE(EncryptFile(dir.File("plain"), dir.File("a.pf"), std::string("a\0b", 3)).ok());
  EXPECT_TRUE(EncryptFile(dir.File("plain"), dir.File("a.pf"), std::string(771, 'x')).ok());
}

}  // namespace
}  // namespace uid2::pf
