// Images: build from a tree, write docker-archive / OCI (dir and tar), read back, reproducible
// digests, acceptance by skopeo and umoci, tamper detection.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>

#include "../cli/run.h"
#include "common/file.h"
#include "oci/image.h"
#include "oci/writer.h"

namespace uid2::oci {
namespace {

namespace fs = std::filesystem;
using uid2::testing::RunCommand;

class ImageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto t = TempDir::Create("oci-image-test");
    ASSERT_TRUE(t.ok());
    tmp_ = std::make_unique<TempDir>(std::move(t).value());
    tree_ = tmp_->path() + "/tree";
    ASSERT_TRUE(MakeDirs(tree_ + "/usr/bin").ok());
    ASSERT_TRUE(MakeDirs(tree_ + "/etc").ok());
    ASSERT_TRUE(
        WriteFileAtomic(tree_ + "/usr/bin/app", std::string_view("#!/bin/sh\necho hi\n"), 0755)
            .ok());
    ASSERT_TRUE(WriteFileAtomic(tree_ + "/etc/app.conf", std::string_view("x=1\n")).ok());
    fs::create_symlink("usr/bin", tree_ + "/bin");
    fs::create_hard_link(tree_ + "/etc/app.conf", tree_ + "/etc/app.conf.hard");
    rc_.entrypoint = {"/usr/bin/app"};
    rc_.cmd = {"--flag"};
    rc_.env = {"PATH=/usr/bin", "A=b"};
    rc_.working_dir = "/etc";
    rc_.labels = {{"k", "v"}};
  }

  Image Build() {
    auto img = NewImageFromTree(tree_, rc_, 1700000000);
    EXPECT_TRUE(img.ok()) << img.error().message();
    return std::move(img).value();
  }

  std::string Write(const Image& img, ImageFormat f, const std::string& name, bool gzip = false) {
    WriteOptions o;
    o.format = f;
    o.mtime = 1700000000;
    o.gzip = gzip;
    o.tag = "example/app:1.0";
    std::string out = tmp_->path() + "/" + name;
    Status s = WriteImage(img, out, o);
    EXPECT_TRUE(s.ok()) << s.error().message();
    return out;
  }

  std::unique_ptr<TempDir> tmp_;
  std::string tree_;
  RuntimeConfig rc_;
};

TEST_F(ImageTest, DockerArchiveRoundTrip) {
  Image img = Build();
  std::string out = Write(img, ImageFormat::kDockerArchive, "img.tar");
  auto back = ReadImage(out);
  ASSERT_TRUE(back.ok()) << back.error().message();
  ASSERT_EQ(back->layers.size(), 1u);
  EXPECT_EQ(back->layers[0].diff_id, img.layers[0].diff_id);
  EXPECT_EQ(back->tags, std::vector<std::string>{"example/app:1.0"});
  auto rc = ParseRuntimeConfig(back->config_json);
  ASSERT_TRUE(rc.ok());
  EXPECT_EQ(rc->entrypoint, rc_.entrypoint);
  EXPECT_EQ(rc->cmd, rc_.cmd);
  EXPECT_EQ(rc->env, rc_.env);
  EXPECT_EQ(rc->working_dir, "/etc");
  EXPECT_EQ(rc->labels.at("k"), "v");

  std::string root = tmp_->path() + "/root";
  ASSERT_TRUE(MakeDirs(root).ok());
  Budget b;
  ASSERT_TRUE(ApplyImage(*back, root, Limits{}, &b).ok());
  EXPECT_EQ(*ReadFile(root + "/bin/app"), "#!/bin/sh\necho hi\n");
  EXPECT_EQ(fs::hard_link_count(root + "/etc/app.conf"), 2u);
}

TEST_F(ImageTest, ReproducibleDigests) {
  std::string a = Write(Build(), ImageFormat::kDockerArchive, "a.tar.gz", true);
  // Touch the tree's mtimes: the output must not change.
  fs::last_write_time(tree_ + "/etc/app.conf", fs::file_time_type::clock::now());
  std::string b = Write(Build(), ImageFormat::kDockerArchive, "b.tar.gz", true);
  EXPECT_EQ(*DigestFile(a), *DigestFile(b));
  std::string c = Write(Build(), ImageFormat::kOciTar, "c.tar");
  std::string d = Write(Build(), ImageFormat::kOciTar, "d.tar");
  EXPECT_EQ(*DigestFile(c), *DigestFile(d));
}

TEST_F(ImageTest, GzipDockerArchiveAndOciLayoutsReadBack) {
  Image img = Build();
  for (auto [f, name, gz] : {std::tuple{ImageFormat::kDockerArchive, "g.tar.gz", true},
                             std::tuple{ImageFormat::kOciDir, "ocidir", false},
                             std::tuple{ImageFormat::kOciTar, "oci.tar", false},
                             std::tuple{ImageFormat::kOciTar, "oci.tar.gz", true}}) {
    std::string out = Write(img, f, name, gz);
    auto back = ReadImage(out);
    ASSERT_TRUE(back.ok()) << name << ": " << back.error().message();
    ASSERT_EQ(back->layers.size(), 1u);
    EXPECT_EQ(back->layers[0].diff_id, img.layers[0].diff_id) << name;
  }
}

TEST_F(ImageTest, SkopeoAndUmociAcceptOutputs) {
  if (std::system("command -v skopeo >/dev/null && command -v umoci >/dev/null") != 0) {
    GTEST_SKIP() << "skopeo/umoci not installed (scripts/setup-deps.sh installs them)";
  }
  Image img = Build();
  std::string da = Write(img, ImageFormat::kDockerArchive, "da.tar");
  auto r = RunCommand("skopeo inspect --config docker-archive:" + da);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("/usr/bin/app"), std::string::npos) << r.out;
  // skopeo 1.9 reads only uncompressed docker-archives (docker load takes both); the gzip'd
  // archive must decompress to exactly the plain one.
  std::string dagz = Write(img, ImageFormat::kDockerArchive, "da.tar.gz", true);
  r = RunCommand("gzip -dc " + dagz + " | cmp - " + da);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  std::string oci = Write(img, ImageFormat::kOciDir, "ocidir");
  r = RunCommand("skopeo inspect oci:" + oci + ":1.0");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  std::string ociar = Write(img, ImageFormat::kOciTar, "oci.tar");
  r = RunCommand("skopeo inspect oci-archive:" + ociar);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  std::string bundle = tmp_->path() + "/bundle";
  r = RunCommand("umoci unpack --rootless --image " + oci + ":1.0 " + bundle);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(*ReadFile(bundle + "/rootfs/usr/bin/app"), "#!/bin/sh\necho hi\n");
  // skopeo converts our docker-archive to OCI and back: our reader accepts its outputs too.
  std::string conv = tmp_->path() + "/skopeo-oci";
  r = RunCommand("skopeo copy -q docker-archive:" + da + " oci:" + conv + ":x");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  auto back = ReadImage(conv);
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(back->layers[0].diff_id, img.layers[0].diff_id);
  std::string conv2 = tmp_->path() + "/skopeo-da.tar";
  r = RunCommand("skopeo copy -q oci:" + conv + ":x docker-archive:" + conv2 + ":a/b:c");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  back = ReadImage(conv2);
  ASSERT_TRUE(back.ok()) << back.error().message();
}

TEST_F(ImageTest, TamperedLayerIsRefused) {
  Image img = Build();
  std::string oci = Write(img, ImageFormat::kOciDir, "ocidir");
  // Replace the layer blob with another valid gzip: the digest check must fail.
  for (auto& e : fs::directory_iterator(oci + "/blobs/sha256")) {
    auto data = ReadFileBytes(e.path());
    if (data->size() > 2 && (*data)[0] == 0x1f && (*data)[1] == 0x8b) {
      (*data)[data->size() - 9] ^= 1;  // inside the gzip trailer's CRC: still parses as a blob
      ASSERT_TRUE(WriteFileAtomic(e.path(), *data).ok());
    }
  }
  auto back = ReadImage(oci);
  ASSERT_FALSE(back.ok());
  EXPECT_NE(back.error().message().find("does not match its digest"), std::string::npos)
      << back.error().message();
}

TEST_F(ImageTest, NeverReplacesAnUnrelatedDirectory) {
  Image img = Build();
  WriteOptions o;
  o.format = ImageFormat::kOciDir;
  Status s = WriteImage(img, tree_, o);  // a non-empty directory that is not an OCI layout
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message().find("refusing to replace"), std::string::npos);
  EXPECT_TRUE(fs::exists(tree_ + "/usr/bin/app"));
  EXPECT_FALSE(fs::exists(tree_ + ".partial"));
  std::string oci = Write(img, ImageFormat::kOciDir, "ocidir");
  EXPECT_TRUE(WriteImage(img, oci, o).ok());  // an OCI layout is replaced
}

TEST_F(ImageTest, NotAnImage) {
  ASSERT_TRUE(WriteFileAtomic(tmp_->path() + "/x.txt", std::string_view("hello")).ok());
  auto r = ReadImage(tmp_->path() + "/x.txt");
  EXPECT_FALSE(r.ok());
  r = ReadImage(tree_);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("not a container image"), std::string::npos);
}

// TryReadImage (for `shroud run`, which takes bundles too) tells "not an image" (nullopt) from
// "an image that fails a check" and "unreadable" (errors), reading the input once.
TEST_F(ImageTest, TryReadImageTellsNotAnImageFromAFailedImage) {
  // Not an image: a directory or a tar without manifest.json / oci-layout at the top.
  auto r = TryReadImage(tree_);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_FALSE(r->has_value());
  std::string tar = tmp_->path() + "/tree.tar";
  ASSERT_EQ(RunCommand("tar -C " + tree_ + " -cf " + tar + " .").exit_code, 0);
  r = TryReadImage(tar);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_FALSE(r->has_value());
  auto plain = ReadImage(tar);
  ASSERT_FALSE(plain.ok());
  EXPECT_EQ(plain.error().code(), ErrorCode::kInvalid);
  EXPECT_EQ(plain.error().message(), tar + ": " + std::string(kNotAnImage));

  // An image: read as ReadImage reads it.
  Image img = Build();
  r = TryReadImage(Write(img, ImageFormat::kOciTar, "oci.tar"));
  ASSERT_TRUE(r.ok()) << r.error().message();
  ASSERT_TRUE(r->has_value());
  EXPECT_EQ((*r)->layers.at(0).diff_id, img.layers[0].diff_id);

  // An image tar whose layer changed: its own error, naming the layer.
  std::string oci = Write(img, ImageFormat::kOciDir, "ocidir");
  std::string layer;  // the gzip'd layer blob, named by its digest before the change
  for (auto& e : fs::directory_iterator(oci + "/blobs/sha256")) {
    auto data = ReadFileBytes(e.path());
    if (data->size() > 2 && (*data)[0] == 0x1f && (*data)[1] == 0x8b) {
      layer = e.path().filename();
      (*data)[data->size() - 9] ^= 1;
      ASSERT_TRUE(WriteFileAtomic(e.path(), *data).ok());
    }
  }
  ASSERT_FALSE(layer.empty());
  std::string bad = tmp_->path() + "/bad-oci.tar";
  ASSERT_EQ(RunCommand("tar -C " + oci + " -cf " + bad + " .").exit_code, 0);
  r = TryReadImage(bad);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kVerifyFailed);
  EXPECT_EQ(r.error().message(),
            bad + ": layer blob sha256:" + layer + " does not match its digest");

  // Unreadable: an error too (a second reader could not do better).
  ASSERT_TRUE(WriteFileAtomic(tmp_->path() + "/x.txt", std::string_view("hello")).ok());
  r = TryReadImage(tmp_->path() + "/x.txt");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("layer (image archive): cannot open archive"),
            std::string::npos)
      << r.error().message();
}

// not_image_if_present: the caller's own format wins over a top-level manifest.json that is
// no docker-archive manifest (here a web app's, in a root filesystem).
TEST_F(ImageTest, NotImageMarkerWinsOverATopLevelManifestJson) {
  ASSERT_TRUE(
      WriteFileAtomic(tree_ + "/manifest.json", std::string_view("{\"name\":\"app\"}")).ok());
  auto r = TryReadImage(tree_);
  ASSERT_FALSE(r.ok());  // taken for a docker-archive, and refused
  EXPECT_NE(r.error().message().find("manifest.json: expected a non-empty array"),
            std::string::npos)
      << r.error().message();
  ReadOptions o;
  o.not_image_if_present = "etc/app.conf";
  r = TryReadImage(tree_, o);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_FALSE(r->has_value());
  // Looked up only inside the input: a link to the host's /etc/passwd is not the marker.
  ASSERT_TRUE(fs::exists("/etc/passwd"));
  fs::create_directory_symlink("/etc", tree_ + "/host-etc");
  o.not_image_if_present = "host-etc/passwd";
  r = TryReadImage(tree_, o);
  EXPECT_FALSE(r.ok());
}

}  // namespace
}  // namespace uid2::oci
