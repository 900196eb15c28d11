// `shroud run SIGNED_IMAGE`: images made the documented way (docs/shielding.md): an app image
// and a stand-in Gramine engine image (`shroud image create`), `shroud shield`, `shroud
// sign-image`; then run as a docker-archive, an OCI layout directory and an OCI archive. Negative
// cases: a layer changed after signing (bytes edited, or a consistent new layer on top), and
// unsigned images. Needs root and /dev/fuse (skips otherwise).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "bundle_builder.h"
#include "oci/image.h"
#include "oci/writer.h"

namespace uid2::testing {
namespace {

namespace fs = std::filesystem;

constexpr char kKey[] = "tests/data/runtime/test-enclave-key.pem";
constexpr char kUserManifest[] =
    "sgx.enclave_size = \"256M\"\n"
    "sgx.max_threads = 4\n"
    "sgx.allowed_files = [\"file:/out/\"]\n";

std::string ReadAll(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

void WriteAll(const std::string& path, const std::string& data) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << data;
}

// Patch replaces `from` with `to` (same length) in a file; returns how many it replaced.
int Patch(const std::string& path, const std::string& from, const std::string& to) {
  std::string data = ReadAll(path);
  int n = 0;
  for (size_t at = data.find(from); at != std::string::npos; at = data.find(from, at + 1)) {
    data.replace(at, to.size(), to);
    n++;
  }
  if (n > 0) WriteAll(path, data);
  return n;
}

RunResult Shroud(const std::string& args) {
  RunResult r = RunCommand("shroud " + args);
  EXPECT_EQ(r.exit_code, 0) << "shroud " << args << "\n" << r.out;
  return r;
}

// The images are built once for the suite (shielding and signing take a few seconds).
struct Images {
  std::string dir;             // holds everything below
  std::string app, engine;     // plain images (docker-archive)
  std::string unsigned_image;  // shielded, trusted argv = Entrypoint + Cmd
  std::string signed_archive, signed_oci_dir, signed_oci_archive;
  std::string signed_insecure;  // shielded with --insecure-args, signed
  // --insecure-args images of /bin/echo: ENTRYPOINT ["echo","a"] CMD ["b"], and CMD ["echo","b"].
  std::string echo_entrypoint_cmd, echo_cmd_only;
};
Images* g_images = nullptr;

class RunImageTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!runtime::MissingHostSupport().empty()) return;
    char tmpl[] = "/tmp/shroud-img-test-XXXXXX";
    g_images = new Images;
    Images& i = *g_images;
    i.dir = mkdtemp(tmpl);
    // The app: the probe (dynamic, with its libraries) and a data file.
    TestBundle tree;  // only used for CopyWithLibs into its root
    tree.CopyWithLibs(BinDir() + "/probe", "/usr/bin/probe");
    tree.Write("/data/trusted.txt", "image data\n");
    fs::remove_all(tree.root() + "/gramine");
    fs::remove_all(tree.root() + "/usr/lib/x86_64-linux-gnu/gramine");
    fs::create_directories(tree.root() + "/out");
    i.app = i.dir + "/app.tar";
    Shroud("-q image create --rootfs " + tree.root() +
           " --entrypoint /usr/bin/probe --cmd cat --cmd /data/trusted.txt --env "
           "GREETING=from-image --workdir /data -o " +
           i.app);
    // The stand-in Gramine engine: Gramine's package layout with the stand-in PAL.
    std::string e = i.dir + "/engine-tree";
    fs::create_directories(e + "/usr/lib/x86_64-linux-gnu/gramine/sgx");
    fs::copy_file(std::string(UID2_SOURCE_DIR) + "/tests/data/runtime/libpal-standin.so",
                  e + "/usr/lib/x86_64-linux-gnu/gramine/sgx/libpal.so");
    WriteAll(e + "/usr/lib/x86_64-linux-gnu/gramine/libsysdb.so", "stand-in libos\n");
    WriteAll(e + "/usr/bin/gramine-sgx", "#!/bin/sh\necho stand-in gramine-sgx\n");
    WriteAll(e + "/usr/bin/gramine-direct", "#!/bin/sh\necho stand-in gramine-direct\n");
    i.engine = i.dir + "/engine.tar";
    Shroud("-q image create --rootfs " + e + " -o " + i.engine);
    WriteAll(i.dir + "/user.manifest", kUserManifest);
    // Shield and sign, as docs/shielding.md shows.
    std::string shield =
        "-q shield " + i.app + " --engine " + i.engine + " -m " + i.dir + "/user.manifest -o ";
    i.unsigned_image = i.dir + "/unsigned.tar";
    Shroud(shield + i.unsigned_image);
    std::string sign = "-q sign-image " + i.unsigned_image + " " + kKey;
    i.signed_archive = i.dir + "/signed.tar";
    Shroud(sign + " -o " + i.signed_archive);
    i.signed_oci_dir = i.dir + "/signed-oci";
    Shroud(sign + " --format oci -o " + i.signed_oci_dir);
    i.signed_oci_archive = i.dir + "/signed-oci.tar";
    Shroud(sign + " --format oci-archive -o " + i.signed_oci_archive);
    Shroud(shield + i.dir + "/unsigned-insecure.tar --insecure-args");
    i.signed_insecure = i.dir + "/signed-insecure.tar";
    Shroud("-q sign-image " + i.dir + "/unsigned-insecure.tar " + kKey + " -o " +
           i.signed_insecure);
    // The echo images (the host's /bin/echo and its libraries; found through the default PATH).
    TestBundle echo_tree;
    echo_tree.CopyWithLibs("/bin/echo", "/bin/echo");
    fs::remove_all(echo_tree.root() + "/gramine");
    fs::remove_all(echo_tree.root() + "/usr/lib/x86_64-linux-gnu/gramine");
    auto echo_image = [&](const std::string& name, const std::string& command) {
      std::string plain = i.dir + "/" + name + ".tar";
      Shroud("-q image create --rootfs " + echo_tree.root() + " " + command + " -o " + plain);
      Shroud("-q shield " + plain + " --engine " + i.engine + " --insecure-args -o " + i.dir + "/" +
             name + "-unsigned.tar");
      std::string out = i.dir + "/" + name + "-signed.tar";
      Shroud("-q sign-image " + i.dir + "/" + name + "-unsigned.tar " + kKey + " -o " + out);
      return out;
    };
    i.echo_entrypoint_cmd = echo_image("echo-a-b", "--entrypoint echo --entrypoint a --cmd b");
    i.echo_cmd_only = echo_image("echo-b", "--cmd echo --cmd b");
  }
  static void TearDownTestSuite() {
    if (g_images == nullptr) return;
    std::error_code ec;
    fs::remove_all(g_images->dir, ec);
    delete g_images;
    g_images = nullptr;
  }
  void SetUp() override {
    UID2_SKIP_WITHOUT_RUNTIME_HOST();
    ASSERT_NE(g_images, nullptr);
    i_ = g_images;
    cache_ = Scratch("measurement-cache");  // this test's own: never the host's default
  }
  // Scratch returns a fresh path in the suite's directory.
  std::string Scratch(const std::string& name) {
    std::string p = i_->dir + "/" + name;
    fs::remove_all(p);
    return p;
  }
  // ShroudRun runs `shroud run <image_and_args>` with this test's measurement cache.
  RunResult ShroudRun(const std::string& image_and_args) {
    return RunCommand("shroud run --measurement-cache " + cache_ + " " + image_and_args);
  }
  // AppStdout runs it like ShroudRun and returns the app's standard output only.
  RunResult AppStdout(const std::string& image_and_args) {
    return RunCommand("sh -c 'shroud run --measurement-cache " + cache_ + " " + image_and_args +
                      " 2>/dev/null'");
  }
  // TamperedArchive unpacks the signed docker-archive to `dir`, changes bytes of the probe
  // inside its layer tar and packs it again as `dir`.tar; returns the tar.
  std::string TamperedArchive(const std::string& dir) {
    fs::create_directories(dir);
    EXPECT_EQ(RunCommand("tar -C " + dir + " -xf " + i_->signed_archive).exit_code, 0);
    int patched = 0;
    for (const auto& e : fs::directory_iterator(dir)) {
      if (e.path().extension() == ".tar") patched += Patch(e.path(), "no argv[1]", "NO ARGV[1]");
    }
    EXPECT_EQ(patched, 1);
    std::string tar = Scratch(fs::path(dir).filename().string() + ".tar");
    EXPECT_EQ(RunCommand("tar -C " + dir + " -cf " + tar + " .").exit_code, 0);
    return tar;
  }
  const Images* i_ = nullptr;
  std::string cache_;
};

TEST_F(RunImageTest, RunsASignedDockerArchiveWithItsTrustedArgv) {
  RunResult r = ShroudRun(i_->signed_archive);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("image data\n"), std::string::npos) << r.out;  // Entrypoint + Cmd
  EXPECT_NE(r.out.find("bundle_verified"), std::string::npos) << r.out;
  // Runtime arguments are ignored: the argv is the signed trusted_argv.
  r = ShroudRun(i_->signed_archive + " -- exit 7");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("image data\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("ignoring 2 command-line argument(s)"), std::string::npos) << r.out;
}

TEST_F(RunImageTest, RunsTheSignedOciLayoutDirectoryAndArchive) {
  for (const std::string& image : {i_->signed_oci_dir, i_->signed_oci_archive}) {
    RunResult r = ShroudRun(image);
    EXPECT_EQ(r.exit_code, 0) << image << "\n" << r.out;
    EXPECT_NE(r.out.find("image data\n"), std::string::npos) << image << "\n" << r.out;
  }
}

TEST_F(RunImageTest, InsecureArgsImageTakesArgumentsAndReturnsTheAppsExitCode) {
  RunResult r = ShroudRun(i_->signed_insecure + " -- exit 7");
  EXPECT_EQ(r.exit_code, 7) << r.out;
  r = ShroudRun(i_->signed_insecure + " -- env");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("GREETING=from-image\n"), std::string::npos) << r.out;  // image Env
  r = ShroudRun(i_->signed_insecure + " -- write /out/x.txt hi");
  EXPECT_NE(r.out.find("wrote /out/x.txt"), std::string::npos) << r.out;  // allowed_files
}

// Docker's semantics for an --insecure-args image (as GSC's image keeps Cmd): with no arguments
// `shroud run IMAGE` prints what `docker run IMAGE` prints for ENTRYPOINT ["echo","a"] CMD ["b"]
// ("a b"); arguments replace Cmd, never Entrypoint ("a x y"). For a Cmd-only image the binary is
// fixed by the manifest (libos.entrypoint), so arguments replace the rest of Cmd, as
// `docker run` of GSC's image does.
TEST_F(RunImageTest, InsecureArgsImageRunsEntrypointPlusCmdAsDockerDoes) {
  RunResult r = AppStdout(i_->echo_entrypoint_cmd);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.out, "a b\n");
  r = AppStdout(i_->echo_entrypoint_cmd + " -- x y");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.out, "a x y\n");
  r = AppStdout(i_->echo_cmd_only);
  EXPECT_EQ(r.out, "b\n");
  r = AppStdout(i_->echo_cmd_only + " -- x");
  EXPECT_EQ(r.out, "x\n");
  // The probe image: Entrypoint [probe], Cmd [cat, /data/trusted.txt].
  r = ShroudRun(i_->signed_insecure);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("image data\n"), std::string::npos) << r.out;
}

// `shroud export occlum` takes a signed image too; an --insecure-args image's `occlum run`
// command is what `docker run IMAGE` runs.
TEST_F(RunImageTest, ExportsASignedImageToOcclum) {
  std::string out = Scratch("occlum-echo");
  RunResult r =
      RunCommand("shroud export occlum " + i_->echo_entrypoint_cmd + " -o " + out + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("\"occlum_run\":[\"/bin/echo\",\"a\",\"b\"]"), std::string::npos) << r.out;
  EXPECT_TRUE(fs::exists(out + "/Occlum.json"));
  EXPECT_TRUE(fs::exists(out + "/image/bin/echo"));
}

TEST_F(RunImageTest, DockerArchiveWhoseLayerChangedAfterSigningIsRefused) {
  std::string d = Scratch("tampered-archive");
  std::string tar = TamperedArchive(d);
  for (const std::string& image : {d, tar}) {
    RunResult r = ShroudRun(image);
    EXPECT_EQ(r.exit_code, 1) << r.out;
    EXPECT_NE(r.out.find(image + ": layer 0: content digest sha256:"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("does not match the config's diff_id"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("image data"), std::string::npos) << r.out;
  }
}

// The refused image's error is final: the tar is read once, never unpacked again as a bundle.
// Read from a pipe, a second read would find the pipe drained and report that instead.
TEST_F(RunImageTest, RefusedImageTarIsReadOnlyOnce) {
  std::string tar = TamperedArchive(Scratch("tampered-once"));
  RunResult r = RunCommand("sh -c " + Quote("cat " + tar + " | shroud run --measurement-cache " +
                                            cache_ + " /dev/stdin"));
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("/dev/stdin: layer 0: content digest sha256:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("does not match the config's diff_id"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("layer bundle"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("not signed"), std::string::npos) << r.out;
}

TEST_F(RunImageTest, OciLayoutWhoseLayerBlobChangedAfterSigningIsRefused) {
  std::string d = Scratch("tampered-oci");
  fs::copy(i_->signed_oci_dir, d, fs::copy_options::recursive);
  // Recompress the layer holding the probe with a changed byte, under its old name.
  WriteAll(d + ".sh",
           "for b in " + d +
               "/blobs/sha256/*; do if gzip -dc $b 2>/dev/null | grep -q 'no argv\\[1\\]'; then "
               "gzip -dc $b | sed 's/no argv\\[1\\]/NO ARGV[1]/' | gzip -n > $b.new && "
               "mv $b.new $b && echo edited $(basename $b); fi; done\n");
  RunResult edit = RunCommand("sh " + d + ".sh");
  ASSERT_NE(edit.out.find("edited "), std::string::npos) << edit.out;
  std::string blob = edit.out.substr(edit.out.find("edited ") + 7, 64);
  RunResult r = ShroudRun(d);
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("layer blob sha256:" + blob + " does not match its digest"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find("image data"), std::string::npos) << r.out;
}

// A consistent rewrite (valid digests, e.g. `FROM signed-image` + COPY) cannot change what was
// signed: trusted files are checked against the signed manifest, the manifest against the .sig.
class RewrittenImage {
 public:
  explicit RewrittenImage(const std::string& dir) : dir_(dir) {
    fs::create_directories(dir_ + "/layer");
  }
  std::string LayerPath(const std::string& in_image) const { return dir_ + "/layer" + in_image; }
  // Write adds the new top layer to `signed_image` and writes the result as a docker-archive.
  std::string Write(const std::string& signed_image) {
    auto img = oci::ReadImage(signed_image);
    EXPECT_TRUE(img.ok()) << img.error().message();
    auto rc = oci::ParseRuntimeConfig(img->config_json);
    EXPECT_TRUE(rc.ok());
    EXPECT_TRUE(oci::AddTreeLayer(&*img, dir_ + "/layer", 0, "changed after signing").ok());
    EXPECT_TRUE(oci::UpdateConfig(&*img, *rc, 0).ok());
    std::string out = dir_ + "/rewritten.tar";
    Status s = oci::WriteImage(*img, out, {});
    EXPECT_TRUE(s.ok()) << s.error().message();
    return out;
  }

 private:
  std::string dir_;
};

TEST_F(RunImageTest, NewLayerReplacingATrustedFileIsRefusedNamingTheFile) {
  RewrittenImage entry(Scratch("rewrite-entrypoint"));
  fs::create_directories(fs::path(entry.LayerPath("/usr/bin/probe")).parent_path());
  fs::copy_file(BinDir() + "/probe", entry.LayerPath("/usr/bin/probe"));
  ASSERT_EQ(Patch(entry.LayerPath("/usr/bin/probe"), "no argv[1]", "NO ARGV[1]"), 1);
  RunResult r = ShroudRun(entry.Write(i_->signed_archive));
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("trusted_file_refused uri=file:/usr/bin/probe reason=\"SHA-256 mismatch"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("cannot run libos.entrypoint /usr/bin/probe: EACCES"), std::string::npos)
      << r.out;

  RewrittenImage data(Scratch("rewrite-data"));
  WriteAll(data.LayerPath("/data/trusted.txt"), "changed data\n");
  r = ShroudRun(data.Write(i_->signed_archive));
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("ERR open /data/trusted.txt: EACCES"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("trusted_file_refused uri=file:/data/trusted.txt"), std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find("changed data"), std::string::npos) << r.out;
}

TEST_F(RunImageTest, NewLayerReplacingTheSignedManifestIsRefusedNamingBothMeasurements) {
  // Extract the signed manifest, change it, put it back in a new layer.
  std::string root = Scratch("signed-root");
  fs::create_directories(root);
  auto img = oci::ReadImage(i_->signed_archive);
  ASSERT_TRUE(img.ok());
  oci::Budget budget;
  ASSERT_TRUE(oci::ApplyImage(*img, root, {}, &budget).ok());
  std::string sgx = ReadAll(root + "/gramine/app_files/entrypoint.manifest.sgx");
  ASSERT_FALSE(sgx.empty());
  RewrittenImage m(Scratch("rewrite-manifest"));
  WriteAll(m.LayerPath("/gramine/app_files/entrypoint.manifest.sgx"),
           sgx + "\n# changed after signing\n");
  RunResult r = ShroudRun(m.Write(i_->signed_archive));
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("MRENCLAVE mismatch"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("was signed for MRENCLAVE "), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("image data"), std::string::npos) << r.out;
}

TEST_F(RunImageTest, UnsignedImagesAreRefusedSayingHowToSignThem) {
  RunResult r = ShroudRun(i_->unsigned_image);
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find(i_->unsigned_image + ": not signed"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("shroud sign-image " + i_->unsigned_image + " KEY.pem -o SIGNED.tar"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("shroud keygen"), std::string::npos) << r.out;

  r = ShroudRun(i_->app);  // not even shielded
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("not shielded either: `shroud shield " + i_->app), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("shroud sign-image UNSIGNED.tar KEY.pem"), std::string::npos) << r.out;

  std::string oci = Scratch("unsigned-oci");
  Shroud("-q shield " + i_->app + " --engine " + i_->engine + " --format oci -o " + oci);
  r = ShroudRun(oci);
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("shroud sign-image " + oci), std::string::npos) << r.out;
}

TEST_F(RunImageTest, UnsignedBundleDirectoryIsRefusedSayingHowToSignIt) {
  std::string root = Scratch("unsigned-bundle");
  WriteAll(root + "/gramine/app_files/entrypoint.manifest", "libos.entrypoint = \"/x\"\n");
  RunResult r = ShroudRun(root);
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find(root + ": not signed"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("shroud sign -m ROOT/gramine/app_files/entrypoint.manifest -k KEY.pem "
                       "--chroot ROOT"),
            std::string::npos)
      << r.out;
}

}  // namespace
}  // namespace uid2::testing
