// Shielding end to end: a test image and a stand-in Gramine engine image (the stand-in PAL of
// tests/data/gramine-sign, launcher scripts) are built here; the image is shielded, signed and
// inspected through the library and through the `shroud` commands.
#include "shield/shield.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "../cli/run.h"
#include "common/encoding.h"
#include "common/file.h"
#include "common/json.h"
#include "crypto/hash.h"
#include "manifest/manifest.h"
#include "sgx/measure.h"
#include "sgx/sigstruct.h"

namespace uid2::shield {
namespace {

namespace fs = std::filesystem;
using uid2::testing::RunCommand;

constexpr const char* kVector = "tests/data/gramine-sign/01-defaults-nondebug";

void Put(const std::string& path, std::string_view data, mode_t mode = 0644) {
  ASSERT_TRUE(oci::MakeDirs(fs::path(path).parent_path()).ok());
  ASSERT_TRUE(WriteFileAtomic(path, data, mode).ok());
}

class ShieldTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto t = oci::TempDir::Create("shield-test");
    ASSERT_TRUE(t.ok());
    tmp_ = std::make_unique<oci::TempDir>(std::move(t).value());
    dir_ = tmp_->path();
    // The stand-in engine: Gramine's package layout with a stand-in PAL.
    std::string e = dir_ + "/engine-tree";
    auto pal = ReadFileBytes(std::string(kVector) + "/libpal.so");
    ASSERT_TRUE(pal.ok());
    Put(e + "/usr/lib/x86_64-linux-gnu/gramine/sgx/libpal.so", AsChars(*pal), 0755);
    Put(e + "/usr/lib/x86_64-linux-gnu/gramine/libsysdb.so", "stand-in libos\n", 0755);
    Put(e + "/usr/bin/gramine-sgx", "#!/bin/sh\necho stand-in gramine-sgx \"$@\"\n", 0755);
    Put(e + "/usr/bin/gramine-direct", "#!/bin/sh\necho stand-in gramine-direct \"$@\"\n", 0755);
    Put(e + "/etc/unrelated", "not copied\n");
    Write(e, {}, dir_ + "/engine.tar");
    // The application image.
    std::string a = dir_ + "/app-tree";
    Put(a + "/usr/bin/app", "#!/bin/sh\necho app \"$@\"\n", 0755);
    Put(a + "/etc/app.conf", "x=1\n");
    Put(a + "/var/log/app.log", "excluded\n");
    Put(a + "/etc/shadow", "excluded\n");
    fs::create_symlink("usr/bin", a + "/bin");
    fs::create_symlink("app.conf", a + "/etc/app-link.conf");
    // Absolute link to a file that exists on the host but not in the image: never hashed.
    fs::create_symlink("/etc/passwd", a + "/etc/host-link");
    app_rc_.entrypoint = {"app", "--a"};
    app_rc_.cmd = {"x", "y z"};
    app_rc_.env = {"PATH=/usr/bin:/bin", "FOO=bar", "MULTI=a\nb"};
    app_rc_.working_dir = "/srv";
    Write(a, app_rc_, dir_ + "/app.tar");
    Put(dir_ + "/user.manifest",
        "sgx.isvprodid = 770\nsgx.isvsvn = 2\nsgx.enclave_size = \"64M\"\nsgx.max_threads = 2\n"
        "loader.env.PATH = \"/opt/bin\"\nloader.env.USER_VAR = \"u\"\n"
        "sgx.allowed_files = [\"file:/tmp/\"]\n");
  }

  void Write(const std::string& tree, const oci::RuntimeConfig& rc, const std::string& out) {
    auto img = oci::NewImageFromTree(tree, rc, 1);
    ASSERT_TRUE(img.ok()) << img.error().message();
    oci::WriteOptions w;
    w.tag = "test/app:1";
    ASSERT_TRUE(oci::WriteImage(*img, out, w).ok());
  }

  ShieldOptions Options(const std::string& out) {
    ShieldOptions o;
    o.image = dir_ + "/app.tar";
    o.engine = dir_ + "/engine.tar";
    o.user_manifest = dir_ + "/user.manifest";
    o.output = out;
    o.quiet = true;
    return o;
  }

  SignOptions Sign(const std::string& in, const std::string& out) {
    SignOptions s;
    s.image = in;
    s.key_pem = std::string(kVector) + "/key.pem";
    s.output = out;
    s.quiet = true;
    return s;
  }

  std::unique_ptr<oci::TempDir> tmp_;
  std::string dir_;
  oci::RuntimeConfig app_rc_;
};

TEST_F(ShieldTest, ComposeArgvKeepsCmdZero) {
  oci::RuntimeConfig rc;
  rc.entrypoint = {"/bin/app", "--a"};
  rc.cmd = {"first", "second"};
  // GSC's quirk would drop "first"; Docker runs all four.
  EXPECT_EQ(ComposeArgv(rc), (std::vector<std::string>{"/bin/app", "--a", "first", "second"}));
  rc.entrypoint.clear();
  EXPECT_EQ(ComposeArgv(rc), (std::vector<std::string>{"first", "second"}));
  EXPECT_EQ(SerializeArgv({"a", "b c"}), std::string("a\0b c\0", 6));
}

TEST_F(ShieldTest, UserManifestCanTurnSigtermInjectionOff) {
  Put(dir_ + "/user.manifest", "sys.enable_sigterm_injection = false\n");
  auto r = Shield(Options(dir_ + "/unsigned.tar"));
  ASSERT_TRUE(r.ok()) << r.error().message();
  auto m = manifest::ParseManifest(r->manifest);
  ASSERT_TRUE(m.ok()) << m.error().message();
  ASSERT_NE(m->root.FindPath("sys.enable_sigterm_injection"), nullptr);
  EXPECT_FALSE(m->root.FindPath("sys.enable_sigterm_injection")->boolean());
}

TEST_F(ShieldTest, ManifestArgvEnvAndTrustedFiles) {
  auto r = Shield(Options(dir_ + "/unsigned.tar"));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->binary, "/usr/bin/app");
  auto m = manifest::ParseManifest(r->manifest);
  ASSERT_TRUE(m.ok()) << m.error().message();
  auto str = [&](const char* k) {
    const manifest::Value* v = m->root.FindPath(k);
    return v && v->is_string() ? v->str() : std::string("<none>");
  };
  EXPECT_EQ(str("libos.entrypoint"), "/usr/bin/app");
  EXPECT_EQ(str("loader.argv_src_file"), "file:/gramine/app_files/trusted_argv");
  EXPECT_EQ(str("loader.entrypoint.uri"), "file:/usr/lib/x86_64-linux-gnu/gramine/libsysdb.so");
  EXPECT_EQ(str("fs.start_dir"), "/srv");
  EXPECT_EQ(str("loader.env.FOO"), "bar");
  EXPECT_EQ(str("loader.env.USER_VAR"), "u");
  EXPECT_EQ(str("loader.env.PATH"), "/opt/bin:/usr/bin:/bin");  // user first, then image
  EXPECT_EQ(m->root.FindPath("loader.env.MULTI"), nullptr);
  EXPECT_EQ(m->root.FindPath("sgx.isvprodid")->integer(), 770);
  EXPECT_FALSE(m->root.FindPath("sgx.debug")->boolean());
  // Stopping a shielded container drains it: its SIGTERM reaches the app (docs/shielding.md).
  ASSERT_NE(m->root.FindPath("sys.enable_sigterm_injection"), nullptr);
  EXPECT_TRUE(m->root.FindPath("sys.enable_sigterm_injection")->boolean());
  EXPECT_EQ(m->root.FindPath("sgx.allowed_files")->array().size(), 1u);
  std::map<std::string, std::string> trusted;
  for (const auto& e : m->root.FindPath("sgx.trusted_files")->array()) {
    trusted[e.Find("uri")->str()] = e.Find("sha256")->str();
  }
  EXPECT_EQ(trusted["file:/usr/bin/app"],
            HexEncode(crypto::Sha256(AsBytes("#!/bin/sh\necho app \"$@\"\n"))));
  EXPECT_EQ(trusted["file:/etc/app-link.conf"], trusted["file:/etc/app.conf"]);
  EXPECT_TRUE(trusted.contains("file:/gramine/app_files/trusted_argv"));
  EXPECT_TRUE(trusted.contains("file:/usr/lib/x86_64-linux-gnu/gramine/sgx/libpal.so"));
  EXPECT_FALSE(trusted.contains("file:/var/log/app.log"));
  EXPECT_FALSE(trusted.contains("file:/etc/host-link"));
  EXPECT_FALSE(trusted.contains("file:/etc/shadow"));
  EXPECT_FALSE(trusted.contains("file:/etc/unrelated"));  // engine files outside the runtime
  EXPECT_FALSE(trusted.contains("file:/gramine/app_files/entrypoint.manifest"));
  EXPECT_EQ(r->trusted_files, trusted.size());

  // The output image: apploader entrypoint, trusted argv with Cmd[0] kept.
  auto out = oci::ReadImage(dir_ + "/unsigned.tar");
  ASSERT_TRUE(out.ok()) << out.error().message();
  EXPECT_EQ(out->layers.size(), 2u);
  auto rc = oci::ParseRuntimeConfig(out->config_json);
  EXPECT_EQ(rc->entrypoint, std::vector<std::string>{"/gramine/app_files/apploader.sh"});
  EXPECT_TRUE(rc->cmd.empty());
  std::string root = dir_ + "/root";
  ASSERT_TRUE(oci::MakeDirs(root).ok());
  oci::Budget b;
  ASSERT_TRUE(oci::ApplyImage(*out, root, {}, &b).ok());
  EXPECT_EQ(*ReadFile(root + "/gramine/app_files/trusted_argv"),
            std::string("app\0--a\0x\0y z\0", 14));
  EXPECT_EQ(*ReadFile(root + "/gramine/app_files/shroud.toml"),
            "# Read by `shroud run` and `shroud sign-image`.\n"
            "libpal = \"/usr/lib/x86_64-linux-gnu/gramine/sgx/libpal.so\"\n");
  EXPECT_TRUE(fs::exists(root + "/usr/bin/gramine-sgx"));
}

TEST_F(ShieldTest, InsecureArgs) {
  ShieldOptions o = Options(dir_ + "/insecure.tar");
  o.insecure_args = true;
  o.user_manifest.clear();
  auto r = Shield(o);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_NE(r->manifest.find("insecure__use_cmdline_argv = true"), std::string::npos);
  EXPECT_EQ(r->manifest.find("argv_src_file"), std::string::npos);
  // Docker's semantics: Entrypoint keeps the fixed arguments after the launcher, Cmd stays
  // replaceable; the launcher passes its arguments on (none baked in).
  auto out = oci::ReadImage(dir_ + "/insecure.tar");
  auto rc = oci::ParseRuntimeConfig(out->config_json);
  EXPECT_EQ(rc->entrypoint, (std::vector<std::string>{"/gramine/app_files/apploader.sh", "--a"}));
  EXPECT_EQ(rc->cmd, (std::vector<std::string>{"x", "y z"}));
  EXPECT_EQ(r->argv, std::vector<std::string>{"--a"});
  std::string root = dir_ + "/insecure-root";
  ASSERT_TRUE(oci::MakeDirs(root).ok());
  oci::Budget b;
  ASSERT_TRUE(oci::ApplyImage(*out, root, {}, &b).ok());
  std::string loader = *ReadFile(root + "/gramine/app_files/apploader.sh");
  EXPECT_NE(loader.find("exec /usr/bin/gramine-sgx /gramine/app_files/entrypoint \"$@\"\n"),
            std::string::npos)
      << loader;
  EXPECT_EQ(loader.find("--a"), std::string::npos) << loader;
  EXPECT_FALSE(fs::exists(root + "/gramine/app_files/trusted_argv"));
}

TEST_F(ShieldTest, UserArgvReplacesTrustedArgvFile) {
  Put(dir_ + "/argv.manifest", "loader.argv = [\"app\", \"fixed\"]\n");
  ShieldOptions o = Options(dir_ + "/u.tar");
  o.user_manifest = dir_ + "/argv.manifest";
  auto r = Shield(o);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->manifest.find("argv_src_file"), std::string::npos);
  EXPECT_NE(r->manifest.find("argv = [\n    \"app\",\n    \"fixed\""), std::string::npos)
      << r->manifest;
}

TEST_F(ShieldTest, EngineWithoutPalIsRefused) {
  ShieldOptions o = Options(dir_ + "/x.tar");
  o.engine = dir_ + "/app.tar";  // not an engine
  auto r = Shield(o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(
      r.error().message().find("has no PAL at /usr/lib/x86_64-linux-gnu/gramine/sgx/libpal.so"),
      std::string::npos)
      << r.error().message();
  o = Options(dir_ + "/x.tar");
  o.libpal = "/usr/lib/x86_64-linux-gnu/gramine/libsysdb.so";  // --libpal override is honoured
  EXPECT_TRUE(Shield(o).ok());
}

// An engine without Gramine's LibOS (loader.entrypoint) cannot start: refused naming the file,
// and nothing is written (library and command, docker-archive and OCI directory outputs).
TEST_F(ShieldTest, EngineWithoutLibosIsRefusedAndWritesNothing) {
  std::string e = dir_ + "/engine-tree";
  fs::remove(e + "/usr/lib/x86_64-linux-gnu/gramine/libsysdb.so");
  Write(e, {}, dir_ + "/no-libos.tar");
  ShieldOptions o = Options(dir_ + "/out.tar");
  o.engine = dir_ + "/no-libos.tar";
  auto r = Shield(o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(
      r.error().message().find("has no LibOS at /usr/lib/x86_64-linux-gnu/gramine/libsysdb.so"),
      std::string::npos)
      << r.error().message();
  EXPECT_FALSE(fs::exists(dir_ + "/out.tar"));
  auto c = RunCommand("shroud shield " + dir_ + "/app.tar --engine " + dir_ +
                      "/no-libos.tar --format oci -o " + dir_ + "/out-oci");
  EXPECT_EQ(c.exit_code, 1) << c.out;
  EXPECT_NE(c.out.find("/usr/lib/x86_64-linux-gnu/gramine/libsysdb.so"), std::string::npos)
      << c.out;
  EXPECT_FALSE(fs::exists(dir_ + "/out-oci"));
  // The same for an engine without the PAL (Gramine's <pkglibdir>/sgx/libpal.so).
  ASSERT_TRUE(WriteFileAtomic(e + "/usr/lib/x86_64-linux-gnu/gramine/libsysdb.so", "libos\n").ok());
  fs::remove(e + "/usr/lib/x86_64-linux-gnu/gramine/sgx/libpal.so");
  Write(e, {}, dir_ + "/no-pal.tar");
  c = RunCommand("shroud shield " + dir_ + "/app.tar --engine " + dir_ + "/no-pal.tar -o " + dir_ +
                 "/out2.tar");
  EXPECT_EQ(c.exit_code, 1) << c.out;
  EXPECT_NE(c.out.find("has no PAL at /usr/lib/x86_64-linux-gnu/gramine/sgx/libpal.so"),
            std::string::npos)
      << c.out;
  EXPECT_FALSE(fs::exists(dir_ + "/out2.tar"));
}

// With the LibOS, loader.entrypoint names it and the signed manifest carries its SHA-256, as
// gramine-sgx-sign writes it (it is also a trusted file of the root filesystem).
TEST_F(ShieldTest, LoaderEntrypointIsSetAndMeasured) {
  ASSERT_TRUE(Shield(Options(dir_ + "/u.tar")).ok());
  SignOptions so = Sign(dir_ + "/u.tar", dir_ + "/s.tar");
  so.bundle_dir = dir_ + "/bundle";
  auto r = SignImage(so);
  ASSERT_TRUE(r.ok()) << r.error().message();
  auto msgx = manifest::LoadManifest(dir_ + "/bundle/gramine/app_files/entrypoint.manifest.sgx");
  ASSERT_TRUE(msgx.ok()) << msgx.error().message();
  std::string libos_sha = HexEncode(crypto::Sha256(AsBytes(std::string_view("stand-in libos\n"))));
  const manifest::Value* uri = msgx->root.FindPath("loader.entrypoint.uri");
  const manifest::Value* sha = msgx->root.FindPath("loader.entrypoint.sha256");
  ASSERT_NE(uri, nullptr);
  ASSERT_NE(sha, nullptr);
  EXPECT_EQ(uri->str(), "file:/usr/lib/x86_64-linux-gnu/gramine/libsysdb.so");
  EXPECT_EQ(sha->str(), libos_sha);
  bool trusted = false;
  for (const manifest::Value& tf : msgx->root.FindPath("sgx.trusted_files")->array()) {
    if (tf.Find("uri")->str() == uri->str()) trusted = tf.Find("sha256")->str() == libos_sha;
  }
  EXPECT_TRUE(trusted);
}

TEST_F(ShieldTest, SignedImageIsReproducibleAndAgreesWithItsSignature) {
  std::string digests[2], mrenclaves[2];
  for (int i = 0; i < 2; i++) {
    std::string u = dir_ + "/u" + std::to_string(i) + ".tar";
    std::string s = dir_ + "/s" + std::to_string(i) + ".tar";
    ASSERT_TRUE(Shield(Options(u)).ok());
    SignOptions so = Sign(u, s);
    so.bundle_dir = dir_ + "/bundle" + std::to_string(i);
    auto r = SignImage(so);
    ASSERT_TRUE(r.ok()) << r.error().message();
    EXPECT_EQ(r->isv_prod_id, 770);
    EXPECT_EQ(r->isv_svn, 2);
    digests[i] = *oci::DigestFile(s);
    mrenclaves[i] = r->mrenclave;
  }
  EXPECT_EQ(digests[0], digests[1]);
  EXPECT_EQ(mrenclaves[0], mrenclaves[1]);

  // The embedded .sig: same MRENCLAVE, verifies, and MRENCLAVE recomputed from the bundle's
  // manifest.sgx and PAL agrees.
  std::string bundle = dir_ + "/bundle0";
  auto sig = ReadImageSignature(dir_ + "/s0.tar", {});
  ASSERT_TRUE(sig.ok()) << sig.error().message();
  EXPECT_EQ(sig->sigstruct, *ReadFileBytes(bundle + "/gramine/app_files/entrypoint.sig"));
  EXPECT_TRUE(sgx::VerifySigstruct(sig->sigstruct).ok());
  auto f = sgx::ParseSigstruct(sig->sigstruct);
  EXPECT_EQ(HexEncode(f->mr_enclave), mrenclaves[0]);
  EXPECT_EQ(sig->labels["com.shroud.mrenclave"], mrenclaves[0]);
  EXPECT_EQ(sig->labels["com.shroud.isvprodid"], "770");
  auto msgx = ReadFile(bundle + "/gramine/app_files/entrypoint.manifest.sgx");
  auto parsed = manifest::ParseManifest(*msgx);
  auto params = manifest::EnclaveParamsFrom(*parsed);
  auto mr = sgx::MeasureEnclaveWithLibpalFile(
      AsBytes(*msgx), bundle + "/usr/lib/x86_64-linux-gnu/gramine/sgx/libpal.so", *params);
  ASSERT_TRUE(mr.ok()) << mr.error().message();
  EXPECT_EQ(HexEncode(*mr), mrenclaves[0]);

  // The key never enters a layer (docker-archive layers are plain tars: grep the whole file).
  auto key = ReadFile(std::string(kVector) + "/key.pem");
  auto image = ReadFile(dir_ + "/s0.tar");
  std::string key_body = key->substr(key->find('\n') + 1, 64);
  EXPECT_EQ(image->find(key_body), std::string::npos);
}

TEST_F(ShieldTest, MaliciousLayerIsRefusedNamingLayerAndEntry) {
  // An image whose second layer is a traversal attempt: shield refuses, nothing escapes.
  auto img = oci::NewImageFromTree(dir_ + "/app-tree", app_rc_, 1);
  ASSERT_TRUE(img.ok());
  ASSERT_TRUE(oci::AddLayer(&*img, "tests/data/oci/malicious/traversal-dotdot.tar", "evil").ok());
  ASSERT_TRUE(oci::UpdateConfig(&*img, app_rc_, 1).ok());
  ASSERT_TRUE(oci::WriteImage(*img, dir_ + "/evil.tar", {}).ok());
  ShieldOptions o = Options(dir_ + "/out.tar");
  o.image = dir_ + "/evil.tar";
  auto r = Shield(o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("layer 2 (sha256:"), std::string::npos) << r.error().message();
  EXPECT_NE(r.error().message().find("entry '../../../../tmp/shroud-escape-dotdot'"),
            std::string::npos)
      << r.error().message();
  EXPECT_FALSE(fs::exists("/tmp/shroud-escape-dotdot"));
  EXPECT_FALSE(fs::exists(dir_ + "/out.tar"));
}

TEST_F(ShieldTest, SignRefusesUnshieldedImageAndBadKey) {
  auto r = SignImage(Sign(dir_ + "/app.tar", dir_ + "/s.tar"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("shield it first"), std::string::npos);
  ASSERT_TRUE(Shield(Options(dir_ + "/u.tar")).ok());
  ASSERT_EQ(RunCommand("openssl genrsa -out " + dir_ + "/k65537.pem 3072 2>/dev/null").exit_code,
            0);
  SignOptions so = Sign(dir_ + "/u.tar", dir_ + "/s.tar");
  so.key_pem = dir_ + "/k65537.pem";
  r = SignImage(so);
  EXPECT_FALSE(r.ok());
  EXPECT_FALSE(fs::exists(dir_ + "/s.tar"));
  auto sig = ReadImageSignature(dir_ + "/u.tar", {});
  EXPECT_FALSE(sig.ok());
}

TEST_F(ShieldTest, CommandsEndToEndWithSkopeoAndUmoci) {
  std::string d = dir_;
  auto r = RunCommand("shroud shield " + d + "/app.tar --engine " + d + "/engine.tar -m " + d +
                      "/user.manifest --format oci --tag app:1-unsigned -o " + d + "/u-oci --json");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("\"entrypoint\":\"/usr/bin/app\""), std::string::npos) << r.out;
  r = RunCommand("shroud sign-image " + d + "/u-oci " + kVector +
                 "/key.pem --format oci --tag app:1 -o " + d + "/s-oci --bundle " + d +
                 "/bundle --json");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  auto signed_json = ParseJson(r.out);
  ASSERT_TRUE(signed_json.ok()) << r.out;
  r = RunCommand("shroud info-image " + d + "/s-oci --json");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  auto info = ParseJson(r.out);
  ASSERT_TRUE(info.ok()) << r.out;
  EXPECT_STREQ((*info)["mr_enclave"].GetString(), (*signed_json)["mr_enclave"].GetString());
  EXPECT_STREQ((*info)["mr_signer"].GetString(), (*signed_json)["mr_signer"].GetString());
  EXPECT_EQ((*info)["isv_prod_id"].GetInt(), 770);
  r = RunCommand("shroud info-image " + d + "/s-oci --toml");
  EXPECT_NE(r.out.find("isv_svn = 2"), std::string::npos) << r.out;
  if (std::system("command -v skopeo >/dev/null && command -v umoci >/dev/null") == 0) {
    r = RunCommand("skopeo inspect oci:" + d + "/s-oci:1");
    ASSERT_EQ(r.exit_code, 0) << r.out;
    EXPECT_NE(r.out.find((*info)["mr_enclave"].GetString()), std::string::npos) << r.out;
    r = RunCommand("umoci unpack --rootless --image " + d + "/s-oci:1 " + d + "/unpacked");
    ASSERT_EQ(r.exit_code, 0) << r.out;
    EXPECT_EQ(fs::file_size(d + "/unpacked/rootfs/gramine/app_files/entrypoint.sig"), 1808u);
  }
  // info-image agrees with sigstruct-view of the embedded .sig.
  r = RunCommand("shroud sigstruct-view " + d + "/bundle/gramine/app_files/entrypoint.sig --json");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  auto view = ParseJson(r.out);
  ASSERT_TRUE(view.ok()) << r.out;
  for (const char* k : {"mr_enclave", "mr_signer"}) {
    EXPECT_EQ(std::string((*view)[k].GetString()), (*info)[k].GetString()) << k;
  }
  for (const char* k : {"isv_prod_id", "isv_svn"}) {
    EXPECT_EQ((*view)[k].GetInt(), (*info)[k].GetInt()) << k;
  }
  // An unsigned image has no signature.
  r = RunCommand("shroud info-image " + d + "/u-oci");
  EXPECT_EQ(r.exit_code, 1) << r.out;
}

}  // namespace
}  // namespace uid2::shield
