// TrustedFiles: a file that does not match its manifest hash is refused at open, bytes changed
// after the first open are refused at read, and the verified copy kept for the first reads is
// exactly the verified bytes and goes away once read, on a change, or for a large file.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <thread>
#include <vector>

#include "runtime/trusted_files.h"

namespace uid2::runtime {
namespace {

// Read is ReadInPlace into `buf` (what a caller with a buffer of its own would do).
int Read(TrustedFiles& t, const std::string& host, int fd, char* buf, size_t size, off_t offset) {
  std::vector<uint8_t> span(TrustedFiles::ReadCapacity(size));
  int n = t.ReadInPlace(host, fd, span.data(), size, offset);
  if (n > 0) std::memcpy(buf, span.data(), static_cast<size_t>(n));
  return n;
}

class TrustedFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/shroud-trusted-test-XXXXXX";
    int fd = mkstemp(tmpl);
    close(fd);
    path_ = tmpl;
    content_ = std::string(3 * kChunkSize + 123, 'a');
    std::ofstream(path_) << content_;
    sha_ = crypto::Sha256(AsBytes(content_));
  }
  void TearDown() override { unlink(path_.c_str()); }
  std::string path_, content_;
  crypto::Sha256Digest sha_;
};

TEST_F(TrustedFilesTest, WrongHashIsRefusedAtOpen) {
  TrustedFiles t;
  TrustedFiles::Opened o;
  crypto::Sha256Digest wrong = sha_;
  wrong[0] ^= 1;
  EXPECT_EQ(t.Open(path_, "file:/x", wrong, &o), -EACCES);
}

TEST_F(TrustedFilesTest, ChangeAfterOpenIsRefusedAtRead) {
  TrustedFiles t;
  TrustedFiles::Opened o;
  ASSERT_EQ(t.Open(path_, "file:/x", sha_, &o), 0);
  std::string buf(content_.size(), '\0');
  EXPECT_EQ(Read(t, path_, o.fd, buf.data(), buf.size(), 0), static_cast<int>(content_.size()));
  EXPECT_EQ(buf, content_);
  int w = open(path_.c_str(), O_WRONLY);
  ASSERT_EQ(pwrite(w, "b", 1, 2 * kChunkSize + 5), 1);
  close(w);
  EXPECT_EQ(Read(t, path_, o.fd, buf.data(), 100, 0), 100);  // untouched chunk
  EXPECT_EQ(Read(t, path_, o.fd, buf.data(), 100, 2 * kChunkSize), -EACCES);
  EXPECT_EQ(Read(t, path_, o.fd, buf.data(), 100, 0), -EACCES);  // refused from then on
  close(o.fd);
  TrustedFiles::Opened again;
  EXPECT_EQ(t.Open(path_, "file:/x", sha_, &again), -EACCES);
}

TEST_F(TrustedFilesTest, UnchangedFileKeepsItsVerification) {
  TrustedFiles t;
  TrustedFiles::Opened a, b;
  ASSERT_EQ(t.Open(path_, "file:/x", sha_, &a), 0);
  EXPECT_FALSE(a.keep_cache);
  ASSERT_EQ(t.Open(path_, "file:/x", sha_, &b), 0);
  EXPECT_TRUE(b.keep_cache);
  close(a.fd);
  close(b.fd);
}

TEST_F(TrustedFilesTest, KeptCopyServesTheFirstReadsThenGoes) {
  TrustedFiles t;
  TrustedFiles::Opened o;
  ASSERT_EQ(t.Open(path_, "file:/x", sha_, &o), 0);
  std::shared_ptr<const TrustedFiles::KeptFile> kept = t.Kept(path_);
  ASSERT_NE(kept, nullptr);
  EXPECT_EQ(AsChars(kept->span()), content_);
  std::string buf(content_.size(), '\0');
  EXPECT_EQ(Read(t, path_, o.fd, buf.data(), kChunkSize + 10, 0),
            static_cast<int>(kChunkSize + 10));
  EXPECT_NE(t.Kept(path_), nullptr);  // chunks 2 and 3 not read yet
  size_t rest = content_.size() - (kChunkSize + 10);
  EXPECT_EQ(Read(t, path_, o.fd, buf.data() + kChunkSize + 10, rest, kChunkSize + 10),
            static_cast<int>(rest));
  EXPECT_EQ(buf, content_);
  EXPECT_EQ(t.Kept(path_), nullptr);  // every chunk read once: the kernel caches them now
  close(o.fd);
}

TEST_F(TrustedFilesTest, KeptCopyIsNeverTheChangedFile) {
  TrustedFiles t;  // no watcher: only the kept copy stands between the read and the disk
  TrustedFiles::Opened o;
  ASSERT_EQ(t.Open(path_, "file:/x", sha_, &o), 0);
  int w = open(path_.c_str(), O_WRONLY);
  ASSERT_EQ(pwrite(w, "b", 1, 5), 1);
  close(w);
  std::string buf(100, '\0');
  EXPECT_EQ(Read(t, path_, o.fd, buf.data(), 100, 0), 100);
  EXPECT_EQ(buf, content_.substr(0, 100));  // the verified bytes, not the new ones
  close(o.fd);
}

TEST_F(TrustedFilesTest, ChangeDropsTheKeptCopyAndRefusesReads) {
  TrustedFiles t;
  t.StartWatcher();
  TrustedFiles::Opened o;
  ASSERT_EQ(t.Open(path_, "file:/x", sha_, &o), 0);
  ASSERT_NE(t.Kept(path_), nullptr);
  int w = open(path_.c_str(), O_WRONLY);
  ASSERT_EQ(pwrite(w, "b", 1, 5), 1);
  close(w);
  std::string buf(100, '\0');
  int n = 0;
  for (int i = 0; i < 200 && (n = Read(t, path_, o.fd, buf.data(), 100, 0)) != -EACCES; i++) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // the watcher's thread
  }
  EXPECT_EQ(n, -EACCES);
  EXPECT_EQ(t.Kept(path_), nullptr);
  close(o.fd);
}

TEST_F(TrustedFilesTest, LargeFilesAreNotKept) {
  std::string big(kKeepMax + 1, 'z');
  std::ofstream(path_) << big;
  TrustedFiles t;
  TrustedFiles::Opened o;
  ASSERT_EQ(t.Open(path_, "file:/x", crypto::Sha256(AsBytes(big)), &o), 0);
  EXPECT_EQ(t.Kept(path_), nullptr);
  std::string buf(100, '\0');
  EXPECT_EQ(Read(t, path_, o.fd, buf.data(), 100, kKeepMax - 50), 51);
  EXPECT_EQ(buf.substr(0, 51), big.substr(0, 51));
  close(o.fd);
}

}  // namespace
}  // namespace uid2::runtime
