// TrustedFiles: a file that does not match its manifest hash is refused at open, and bytes
// changed after the first open are refused at read.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>

#include "runtime/trusted_files.h"

namespace uid2::runtime {
namespace {

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
  EXPECT_EQ(t.Read(path_, o.fd, buf.data(), buf.size(), 0), static_cast<int>(content_.size()));
  EXPECT_EQ(buf, content_);
  int w = open(path_.c_str(), O_WRONLY);
  ASSERT_EQ(pwrite(w, "b", 1, 2 * kChunkSize + 5), 1);
  close(w);
  EXPECT_EQ(t.Read(path_, o.fd, buf.data(), 100, 0), 100);  // untouched chunk
  EXPECT_EQ(t.Read(path_, o.fd, buf.data(), 100, 2 * kChunkSize), -EACCES);
  EXPECT_EQ(t.Read(path_, o.fd, buf.data(), 100, 0), -EACCES);  // refused from then on
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

}  // namespace
}  // namespace uid2::runtime
