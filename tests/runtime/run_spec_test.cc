// RunSpecFromManifest, BuildArgv and BuildEnv: Gramine's argv/env rules, negative cases first.
#include <gtest/gtest.h>

#include "runtime/args_env.h"
#include "runtime/run_spec.h"

namespace uid2::runtime {
namespace {

RunSpec Spec(const std::string& toml) {
  auto m = manifest::ParseManifest(toml);
  EXPECT_TRUE(m.ok()) << m.error().message();
  auto spec = RunSpecFromManifest(*m);
  EXPECT_TRUE(spec.ok()) << spec.error().message();
  return spec.ok() ? *spec : RunSpec{};
}

Result<RunSpec> TrySpec(const std::string& toml) {
  UID2_ASSIGN_OR_RETURN(manifest::Manifest m, manifest::ParseManifest(toml));
  return RunSpecFromManifest(m);
}

TEST(RunSpecTest, RefusesConflictingArgvSources) {
  auto r = TrySpec(
      "libos.entrypoint = \"/a\"\nloader.argv = [\"a\"]\n"
      "loader.insecure__use_cmdline_argv = true\n");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("mutually exclusive"), std::string::npos);
}

TEST(RunSpecTest, RefusesPassthroughFalseWithHostEnv) {
  auto r = TrySpec(
      "libos.entrypoint = \"/a\"\nloader.insecure__use_host_env = true\n"
      "loader.env.X = { passthrough = false }\n");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("loader.env.X"), std::string::npos);
}

TEST(RunSpecTest, RefusesUnknownSealingKeysAndMisplacedKeyNames) {
  for (const char* bad : {"fs.mounts = [{ type = \"encrypted\", path = \"/e\", uri = \"file:/e\","
                          " key_name = \"_sgx_other\" }]\n",
                          "fs.mounts = [{ type = \"encrypted\", path = \"/e\", uri = \"file:/e\","
                          " key_name = \"\" }]\n",
                          "fs.mounts = [{ type = \"encrypted\", path = \"/e\" }]\n",
                          "fs.mounts = [{ type = \"chroot\", path = \"/e\", uri = \"file:/e\","
                          " key_name = \"k\" }]\n",
                          "fs.root = { type = \"encrypted\", uri = \"file:/\" }\n"}) {
    auto r = TrySpec(std::string("libos.entrypoint = \"/a\"\n") + bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalid) << bad;
  }
}

TEST(RunSpecTest, ReadsEncryptedMountsWithGraminesDefaultKeyName) {
  RunSpec s = Spec(
      "libos.entrypoint = \"/a\"\n"
      "fs.mounts = [{ type = \"encrypted\", path = \"/e\", uri = \"file:/enc\" },\n"
      "  { type = \"encrypted\", path = \"/s\", uri = \"file:s\", key_name = \"_sgx_mrsigner\" "
      "}]\n");
  ASSERT_EQ(s.mounts.size(), 3u);
  EXPECT_EQ(s.mounts[1].type, MountType::kEncrypted);
  EXPECT_EQ(s.mounts[1].key_name, "default");
  EXPECT_EQ(s.mounts[1].uri, "file:/enc");
  EXPECT_EQ(s.mounts[2].key_name, "_sgx_mrsigner");
}

TEST(RunSpecTest, RefusesTrustedFilesWithoutHash) {
  auto r = TrySpec("libos.entrypoint = \"/a\"\nsgx.trusted_files = [\"file:/a\"]\n");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("sgx.trusted_files[0]"), std::string::npos);
}

TEST(RunSpecTest, ReadsMountsLimitsAndFiles) {
  RunSpec s = Spec(
      "libos.entrypoint = \"/bin/app\"\nfs.start_dir = \"/work/../app\"\n"
      "fs.mounts = [{ path = \"/data\", uri = \"file:/srv\" }, { type = \"tmpfs\", path = "
      "\"/tmp\" }]\nsgx.enclave_size = \"512M\"\nsgx.max_threads = 7\n"
      "sgx.remote_attestation = \"dcap\"\nsgx.allowed_files = [\"file:/out/\"]\n"
      "sgx.trusted_files = [{ uri = \"file:/bin/app\", sha256 = \"" +
      std::string(64, 'a') + "\" }]\n");
  EXPECT_EQ(s.start_dir, "/app");
  ASSERT_EQ(s.mounts.size(), 3u);
  EXPECT_EQ(s.mounts[1].path, "/data");
  EXPECT_EQ(s.mounts[2].type, MountType::kTmpfs);
  EXPECT_EQ(s.enclave_size, 512ull << 20);
  EXPECT_EQ(s.max_threads, 7u);
  EXPECT_TRUE(s.remote_attestation);
  ASSERT_EQ(s.trusted_files.size(), 1u);
  EXPECT_EQ(s.trusted_files[0].sha256[0], 0xaa);
}

TEST(ArgvTest, CommandLineIgnoredUnlessAllowed) {
  RunSpec s = Spec("libos.entrypoint = \"/app\"\n");
  std::vector<std::string> warnings;
  auto argv = BuildArgv(s, {"--evil"}, std::nullopt, &warnings);
  ASSERT_TRUE(argv.ok());
  EXPECT_EQ(*argv, std::vector<std::string>{"/app"});
  ASSERT_EQ(warnings.size(), 1u);

  s = Spec("libos.entrypoint = \"/app\"\nloader.insecure__use_cmdline_argv = true\n");
  argv = BuildArgv(s, {"--ok"}, std::nullopt, &warnings);
  EXPECT_EQ(*argv, (std::vector<std::string>{"/app", "--ok"}));
}

// `docker run IMAGE [ARGS]` of a shielded --insecure-args image: the fixed arguments (Entrypoint
// after apploader.sh), then ARGS, or Cmd when there are none. ARGS replace Cmd, not Entrypoint.
TEST(ArgvTest, DockerArgumentsOfAnImage) {
  ImageCommand image{{"/gramine/app_files/apploader.sh", "a"}, {"b"}};
  using V = std::vector<std::string>;
  EXPECT_EQ(DockerArguments(image, {}), (V{"a", "b"}));
  EXPECT_EQ(DockerArguments(image, {"x", "y"}), (V{"a", "x", "y"}));
  // Cmd only (no fixed arguments); GSC's form of the launcher (bash apploader.sh).
  image = {{"/bin/bash", "/gramine/app_files/apploader.sh"}, {"b"}};
  EXPECT_EQ(DockerArguments(image, {}), (V{"b"}));
  EXPECT_EQ(DockerArguments(image, {"x"}), (V{"x"}));
  // Nothing to add.
  image = {{"/gramine/app_files/apploader.sh"}, {}};
  EXPECT_EQ(DockerArguments(image, {}), V{});
  // Not a shielded image's launcher: the arguments as given.
  image = {{"/usr/bin/app", "fixed"}, {"b"}};
  EXPECT_EQ(DockerArguments(image, {}), V{});
  EXPECT_EQ(DockerArguments(image, {"x"}), V{"x"});
}

TEST(ArgvTest, ArgvSrcFileIsNulSeparated) {
  RunSpec s = Spec("libos.entrypoint = \"/app\"\nloader.argv_src_file = \"file:/argv\"\n");
  std::vector<std::string> warnings;
  auto argv = BuildArgv(s, {}, ToBytes(std::string("app\0-x\0", 7)), &warnings);
  ASSERT_TRUE(argv.ok());
  EXPECT_EQ(*argv, (std::vector<std::string>{"app", "-x"}));
  EXPECT_FALSE(BuildArgv(s, {}, Bytes{}, &warnings).ok());
}

TEST(EnvTest, HostEnvironmentDroppedUnlessAllowed) {
  RunSpec s = Spec(
      "libos.entrypoint = \"/a\"\nloader.env.A = \"1\"\n"
      "loader.env.P = { passthrough = true }\nloader.env.Q = { passthrough = true }\n");
  auto env = BuildEnv(s, {"SECRET=x", "P=host", "A=host"}, std::nullopt);
  ASSERT_TRUE(env.ok());
  EXPECT_EQ(*env, (std::vector<std::string>{"A=1", "P=host"}));

  s = Spec(
      "libos.entrypoint = \"/a\"\nloader.insecure__use_host_env = true\n"
      "loader.env.A = { value = \"1\" }\nloader.env_src_file = \"file:/env\"\n");
  env = BuildEnv(s, {"SECRET=x", "A=host"}, ToBytes(std::string("B=2\0A=file\0", 11)));
  ASSERT_TRUE(env.ok());
  EXPECT_EQ(*env, (std::vector<std::string>{"SECRET=x", "A=1", "B=2"}));
  EXPECT_FALSE(BuildEnv(s, {}, ToBytes(std::string("novalue\0", 8))).ok());
}

}  // namespace
}  // namespace uid2::runtime
