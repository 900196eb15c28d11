// Trusted-file expansion (directories, symlinks, duplicates), hashing and chroot resolution.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/file.h"
#include "manifest/manifest.h"
#include "manifest/trusted_files.h"

namespace uid2::manifest {
namespace {

class ExpandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/expand-" + std::to_string(::getpid());
    std::system(("rm -rf " + dir_).c_str());
    for (const char* d :
         {"", "/lib", "/lib/b", "/lib/a", "/other", "/root", "/root/usr", "/root/usr/lib"}) {
      ::mkdir((dir_ + d).c_str(), 0755);
    }
    for (const char* f : {"/lib/z.so", "/lib/b/x", "/lib/a/y", "/lib/.hidden", "/lib/m", "/other/o",
                          "/root/usr/lib/libc.so"}) {
      (void)WriteFileAtomic(dir_ + f, std::string("content of ") + f);
    }
    ::symlink("../other", (dir_ + "/lib/link-dir").c_str());
    ::symlink("m", (dir_ + "/lib/link-file").c_str());
    ::symlink("usr/lib", (dir_ + "/root/lib").c_str());
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }

  Result<std::string> Sign(std::string text, std::string chroot = "") {
    UID2_ASSIGN_OR_RETURN(Manifest m, ParseManifest(text));
    UID2_RETURN_IF_ERROR(ApplyGramineDefaults(&m));
    ExpandOptions o;
    o.base_dir = dir_;
    o.chroot = chroot;
    UID2_RETURN_IF_ERROR(ExpandAndHash(&m, o));
    std::string out;
    for (const Value& e : m.root.FindPath("sgx.trusted_files")->array()) {
      out += e.Find("uri")->str() + "\n";
    }
    return out;
  }
  std::string dir_;
};

TEST_F(ExpandTest, DirectoryDepthFirstSortedNoSymlinkedDirs) {
  Result<std::string> r = Sign("sgx.trusted_files = [\"file:./lib//\"]\n");
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(*r,
            "file:lib/.hidden\nfile:lib/a/y\nfile:lib/b/x\nfile:lib/link-file\nfile:lib/m\n"
            "file:lib/z.so\n");
}

TEST_F(ExpandTest, DuplicatesKeptOnceAtFirstPositionHashWins) {
  Manifest m = ParseManifest(
                   "sgx.trusted_files = [\"file:lib/m\", \"file:lib/b/\", "
                   "{ uri = \"file:lib/m\", sha256 = \"" +
                   std::string(64, 'a') + "\" }, \"file:lib/b/x\"]\n")
                   .value();
  ASSERT_TRUE(ApplyGramineDefaults(&m).ok());
  ExpandOptions o;
  o.base_dir = dir_;
  ASSERT_TRUE(ExpandAndHash(&m, o).ok());
  const auto& tf = m.root.FindPath("sgx.trusted_files")->array();
  ASSERT_EQ(tf.size(), 2u);
  EXPECT_EQ(tf[0].Find("uri")->str(), "file:lib/m");
  EXPECT_EQ(tf[0].Find("sha256")->str(), std::string(64, 'a'));
  EXPECT_EQ(tf[1].Find("uri")->str(), "file:lib/b/x");
  EXPECT_EQ(tf[1].Find("sha256")->str().size(), 64u);
}

TEST_F(ExpandTest, ConflictingHashesRefused) {
  std::string a(64, 'a'), b(64, 'b');
  Result<std::string> r = Sign("sgx.trusted_files = [{ uri = \"file:lib/m\", sha256 = \"" + a +
                               "\" }, { uri = \"file:lib/m\", sha256 = \"" + b + "\" }]\n");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("two different sha256"), std::string::npos);
}

TEST_F(ExpandTest, DirectoryWithoutSlashAndMissingFile) {
  Result<std::string> r = Sign("sgx.trusted_files = [\"file:lib\"]\n");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("'file:lib/' (trailing slash)"), std::string::npos);
  r = Sign("sgx.trusted_files = [\"file:lib/nope\"]\n");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("file:lib/nope"), std::string::npos);
  EXPECT_NE(r.error().message().find("No such file"), std::string::npos);
  r = Sign("sgx.trusted_files = [\"file:lib/m/\"]\n");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("not a directory"), std::string::npos);
  r = Sign("sgx.trusted_files = [\"http://x\"]\n");
  ASSERT_FALSE(r.ok());
}

TEST_F(ExpandTest, ChrootResolvesSymlinksInsideTheRoot) {
  Result<std::string> r = Sign("sgx.trusted_files = [\"file:/lib/\"]\n", dir_ + "/root");
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(*r, "file:/usr/lib/libc.so\n");
  EXPECT_EQ(ResolveInChroot("/lib/../lib/./libc.so", dir_ + "/root").value(), "/usr/lib/libc.so");
  EXPECT_FALSE(Sign("sgx.trusted_files = [\"file:relative\"]\n", dir_ + "/root").ok());
}

TEST_F(ExpandTest, EntrypointHashedWhenMissing) {
  Manifest m = ParseManifest("loader.entrypoint.uri = \"file:lib/m\"\n").value();
  ASSERT_TRUE(ApplyGramineDefaults(&m).ok());
  ExpandOptions o;
  o.base_dir = dir_;
  ASSERT_TRUE(ExpandAndHash(&m, o).ok());
  const Value* sha = m.root.FindPath("loader.entrypoint.sha256");
  ASSERT_NE(sha, nullptr);
  EXPECT_EQ(sha->str(), HashFilesParallel({{dir_ + "/lib/m", "m"}}, 1, true).value()[0]);
}

TEST(HashTest, ParallelMatchesSequentialAndKnownDigest) {
  std::string d = ::testing::TempDir() + "/hash-" + std::to_string(::getpid());
  ::mkdir(d.c_str(), 0755);
  std::vector<FileToHash> files;
  for (int i = 0; i < 20; i++) {
    std::string p = d + "/f" + std::to_string(i);
    (void)WriteFileAtomic(p,
                          std::string(static_cast<size_t>(i) * 100000, static_cast<char>('a' + i)));
    files.push_back({p, p});
  }
  (void)WriteFileAtomic(d + "/abc", "abc");
  files.push_back({d + "/abc", "abc"});
  auto par = HashFilesParallel(files, 4, true).value();
  auto seq = HashFilesParallel(files, 1, true).value();
  EXPECT_EQ(par, seq);
  EXPECT_EQ(par.back(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  std::system(("rm -rf " + d).c_str());
}

}  // namespace
}  // namespace uid2::manifest
