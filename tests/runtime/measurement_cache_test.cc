// MeasurementCache: a key binds every input byte, a hit returns what was stored, and any entry
// that someone other than root could have written or moved is ignored.
#include "runtime/measurement_cache.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/encoding.h"

namespace uid2::runtime {
namespace {

namespace fs = std::filesystem;

Bytes Of(const std::string& s) { return Bytes(s.begin(), s.end()); }

class MeasurementCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/shroud-mcache-test-XXXXXX";
    base_ = mkdtemp(tmpl);
    dir_ = base_ + "/cache/measurements";
    mr_.fill(0xab);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(base_, ec);
  }
  CacheKey Key() const { return MeasurementCacheKey(manifest_, libpal_, sig_, "v1.9"); }
  std::string EntryPath(const CacheKey& key) const { return dir_ + "/" + HexEncode(key); }
  void RequireRoot() {
    if (geteuid() != 0) GTEST_SKIP() << "the cache trusts only root-owned entries: needs root";
  }

  std::string base_, dir_;
  Bytes manifest_ = Of("[libos]\nentrypoint = \"/app\"\n");
  Bytes libpal_ =
      Of("\x7f"
         "ELF pretend libpal");
  Bytes sig_ = Bytes(1808, 0x11);
  sgx::Measurement mr_{};
};

TEST_F(MeasurementCacheTest, KeyBindsEveryInputByteAndTheLayout) {
  CacheKey base = Key();
  Bytes m = manifest_, l = libpal_, s = sig_;
  m.back() ^= 1;
  EXPECT_NE(MeasurementCacheKey(m, libpal_, sig_, "v1.9"), base);
  l.push_back(0);  // even bytes that do not change the measurement
  EXPECT_NE(MeasurementCacheKey(manifest_, l, sig_, "v1.9"), base);
  s[100] ^= 1;
  EXPECT_NE(MeasurementCacheKey(manifest_, libpal_, s, "v1.9"), base);
  EXPECT_NE(MeasurementCacheKey(manifest_, libpal_, sig_, "v1.8"), base);
  // Moving a byte from one input to the next changes the key (lengths are bound too).
  Bytes m2 = manifest_, l2 = libpal_;
  m2.push_back(l2.front());
  l2.erase(l2.begin());
  EXPECT_NE(MeasurementCacheKey(m2, l2, sig_, "v1.9"), base);
  EXPECT_EQ(MeasurementCacheKey(manifest_, libpal_, sig_, "v1.9"), base);
}

TEST_F(MeasurementCacheTest, StoredEntryIsFoundAndAChangedInputMisses) {
  RequireRoot();
  MeasurementCache cache(dir_);
  EXPECT_FALSE(cache.Lookup(Key()).has_value());
  ASSERT_TRUE(cache.Store(Key(), mr_).ok());
  std::optional<sgx::Measurement> hit = cache.Lookup(Key());
  ASSERT_TRUE(hit.has_value());
  EXPECT_EQ(*hit, mr_);
  Bytes changed = libpal_;
  changed.push_back(0);
  EXPECT_FALSE(cache.Lookup(MeasurementCacheKey(manifest_, changed, sig_, "v1.9")).has_value());
  struct stat st;
  ASSERT_EQ(stat(dir_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(stat(EntryPath(Key()).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(st.st_size, static_cast<off_t>(MeasurementCache::kEntrySize));
}

TEST_F(MeasurementCacheTest, EntryWritableByOthersIsIgnored) {
  RequireRoot();
  MeasurementCache cache(dir_);
  ASSERT_TRUE(cache.Store(Key(), mr_).ok());
  ASSERT_EQ(chmod(EntryPath(Key()).c_str(), 0622), 0);
  EXPECT_FALSE(cache.Lookup(Key()).has_value());
}

TEST_F(MeasurementCacheTest, EntryNotOwnedByRootIsIgnored) {
  RequireRoot();
  MeasurementCache cache(dir_);
  ASSERT_TRUE(cache.Store(Key(), mr_).ok());
  ASSERT_EQ(chown(EntryPath(Key()).c_str(), 65534, 65534), 0);
  EXPECT_FALSE(cache.Lookup(Key()).has_value());
}

TEST_F(MeasurementCacheTest, DirectoryOthersCanWriteIsIgnoredAndNotWritten) {
  RequireRoot();
  MeasurementCache cache(dir_);
  ASSERT_TRUE(cache.Store(Key(), mr_).ok());
  ASSERT_EQ(chmod(dir_.c_str(), 0777), 0);
  EXPECT_FALSE(cache.Lookup(Key()).has_value());
  ASSERT_EQ(chmod(dir_.c_str(), 0700), 0);
  ASSERT_EQ(chown((base_ + "/cache").c_str(), 65534, 65534), 0);  // an ancestor
  EXPECT_FALSE(cache.Lookup(Key()).has_value());
  Status stored = cache.Store(Key(), mr_);
  EXPECT_FALSE(stored.ok());
  EXPECT_NE(stored.error().message().find("not owned by root"), std::string::npos)
      << stored.error().message();
}

TEST_F(MeasurementCacheTest, SymlinkedEntryOrDirectoryIsIgnored) {
  RequireRoot();
  MeasurementCache real(dir_);
  ASSERT_TRUE(real.Store(Key(), mr_).ok());
  // The entry as a link to a valid entry elsewhere.
  MeasurementCache other(base_ + "/other");
  ASSERT_TRUE(other.Store(Key(), mr_).ok());
  fs::remove(EntryPath(Key()));
  fs::create_symlink(base_ + "/other/" + HexEncode(Key()), EntryPath(Key()));
  EXPECT_FALSE(real.Lookup(Key()).has_value());
  // The directory as a link.
  fs::create_directory_symlink(base_ + "/other", base_ + "/linked");
  EXPECT_FALSE(MeasurementCache(base_ + "/linked").Lookup(Key()).has_value());
}

TEST_F(MeasurementCacheTest, EntryCopiedToAnotherKeyOrDamagedIsIgnored) {
  RequireRoot();
  MeasurementCache cache(dir_);
  ASSERT_TRUE(cache.Store(Key(), mr_).ok());
  Bytes changed = manifest_;
  changed.push_back('\n');
  CacheKey other = MeasurementCacheKey(changed, libpal_, sig_, "v1.9");
  fs::copy_file(EntryPath(Key()), EntryPath(other));
  EXPECT_FALSE(cache.Lookup(other).has_value());  // the entry names the key it was written for
  std::ofstream(EntryPath(Key()), std::ios::binary | std::ios::trunc) << "SHRDMRC1short";
  EXPECT_FALSE(cache.Lookup(Key()).has_value());
}

TEST_F(MeasurementCacheTest, RelativeDirectoryIsRefused) {
  RequireRoot();
  // A valid entry exists at relative/cache from base_, so only the path check can refuse it.
  ASSERT_TRUE(MeasurementCache(base_ + "/relative/cache").Store(Key(), mr_).ok());
  fs::path cwd = fs::current_path();
  fs::current_path(base_);
  MeasurementCache cache("relative/cache");
  EXPECT_FALSE(cache.Store(Key(), mr_).ok());
  EXPECT_FALSE(cache.Lookup(Key()).has_value());
  fs::current_path(cwd);
}

}  // namespace
}  // namespace uid2::runtime
