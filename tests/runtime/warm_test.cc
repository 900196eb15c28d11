// Warmer: it verifies a program, its ELF interpreter and its libraries, found the way the
// loader finds them, and never touches a file the manifest does not trust.
#include "runtime/warm.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "common/file.h"

namespace uid2::runtime {
namespace {

namespace fs = std::filesystem;

// The probe program (tests/runtime/apps) and the libraries ldd names, copied into a bundle.
class WarmerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/shroud-warm-test-XXXXXX";
    root_ = mkdtemp(tmpl);
    std::string probe = std::string(UID2_BIN_DIR) + "/probe";
    Copy(probe, "/app/prog");
    FILE* p = popen(("ldd " + probe).c_str(), "r");
    char line[512];
    while (p && fgets(line, sizeof(line), p)) {
      std::string l = line;
      size_t at = l.find('/');
      if (at == std::string::npos) continue;
      std::string lib = l.substr(at, l.find_first_of(" \n", at) - at);
      Copy(lib, lib);
      libs_.push_back(lib);
    }
    if (p) pclose(p);
  }
  void TearDown() override { fs::remove_all(root_); }

  void Copy(const std::string& from, const std::string& to) {
    fs::create_directories(fs::path(root_ + to).parent_path());
    fs::copy_file(from, root_ + to, fs::copy_options::overwrite_existing);
  }
  // Spec trusts every file of the bundle with its real hash, except `allowed` (allowed only).
  RunSpec Spec(const std::string& allowed = "") {
    RunSpec s;
    s.mounts = {{"/", MountType::kChroot, "file:/", ""}};
    for (const auto& e : fs::recursive_directory_iterator(root_)) {
      if (!e.is_regular_file()) continue;
      std::string path = e.path().string().substr(root_.size());
      if (path == allowed) {
        s.allowed_files.push_back("file:" + path);
        continue;
      }
      Bytes data = ReadFileBytes(e.path().string()).value();
      s.trusted_files.push_back({"file:" + path, crypto::Sha256(data)});
    }
    return s;
  }
  std::vector<std::string> Warm(const RunSpec& spec, const std::vector<std::string>& env = {}) {
    View view = View::Create(spec, root_).value();
    TrustedFiles trusted;
    Warmer warmer(&view, &trusted);
    return warmer.Run("/app/prog", env);
  }
  std::string Libc() const {
    for (const std::string& l : libs_) {
      if (l.find("/libc.so") != std::string::npos) return l;
    }
    return "";
  }

  std::string root_;
  std::vector<std::string> libs_;
};

TEST_F(WarmerTest, VerifiesTheProgramItsInterpreterAndLibraries) {
  ASSERT_FALSE(Libc().empty());
  std::vector<std::string> warmed = Warm(Spec());
  ASSERT_GE(warmed.size(), 3u);
  EXPECT_EQ(warmed[0], "/app/prog");
  EXPECT_EQ(warmed[1], "/lib64/ld-linux-x86-64.so.2");  // the kernel maps it first
  EXPECT_NE(std::find(warmed.begin(), warmed.end(), Libc()), warmed.end());
}

TEST_F(WarmerTest, VerifiedFilesAreNotHashedAgainAtTheAppsOpen) {
  RunSpec spec = Spec();
  View view = View::Create(spec, root_).value();
  TrustedFiles trusted;
  Warmer(&view, &trusted).Run("/app/prog", {});
  const crypto::Sha256Digest* sha = nullptr;
  ASSERT_EQ(view.Classify(view.CanonicalBundlePath(Libc()), &sha), Access::kTrusted);
  TrustedFiles::Opened o;
  ASSERT_EQ(trusted.Open(root_ + view.CanonicalBundlePath(Libc()), "file:" + Libc(), *sha, &o), 0);
  EXPECT_TRUE(o.keep_cache);  // the verification was already done
  close(o.fd);
}

TEST_F(WarmerTest, FilesTheManifestDoesNotTrustAreNotTouched) {
  std::vector<std::string> warmed = Warm(Spec(Libc()));
  EXPECT_EQ(std::find(warmed.begin(), warmed.end(), Libc()), warmed.end());
  EXPECT_EQ(warmed[0], "/app/prog");
}

TEST_F(WarmerTest, AChangedLibraryIsNotCountedAsVerified) {
  RunSpec spec = Spec();
  std::ofstream(root_ + Libc(), std::ios::app) << "tampered";
  std::vector<std::string> warmed = Warm(spec);
  EXPECT_EQ(std::find(warmed.begin(), warmed.end(), Libc()), warmed.end());
}

TEST_F(WarmerTest, LdLibraryPathComesBeforeTheDefaultDirectories) {
  Copy(root_ + Libc(), "/opt/lib/libc.so.6");
  std::vector<std::string> warmed = Warm(Spec(), {"LD_LIBRARY_PATH=/nowhere:/opt/lib"});
  EXPECT_NE(std::find(warmed.begin(), warmed.end(), "/opt/lib/libc.so.6"), warmed.end());
  EXPECT_EQ(std::find(warmed.begin(), warmed.end(), Libc()), warmed.end());
}

TEST_F(WarmerTest, AbsoluteLinksResolveInsideTheView) {
  Copy(std::string(UID2_BIN_DIR) + "/probe", "/opt/only-in-this-bundle/lib.so");
  fs::create_symlink("/opt/only-in-this-bundle/lib.so", root_ + "/app/link");
  ASSERT_FALSE(fs::exists("/opt/only-in-this-bundle/lib.so"));  // not on the host
  int view = open(root_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  ASSERT_GE(view, 0);
  EXPECT_EQ(Warmer::ReadAhead(view, {"/app/link"}), 1u);
  close(view);
}

TEST_F(WarmerTest, ReadsAheadThroughTheViewDescriptor) {
  int view = open(root_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  ASSERT_GE(view, 0);
  EXPECT_EQ(Warmer::ReadAhead(view, {"/app/prog", Libc(), "/app/missing"}), 2u);
  close(view);
}

}  // namespace
}  // namespace uid2::runtime
