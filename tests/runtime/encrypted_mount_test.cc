// `shroud run` with `type = "encrypted"` mounts: the probe program (tests/runtime/apps/probe.c,
// `probe do ...`) creates, reads, writes, appends, truncates, renames and deletes files through
// the view; the host holds only protected files (src/pf) bound to their paths and keys.
// Negative first: tampered, moved, wrong-key and other-enclave files are refused with EACCES (as
// Gramine) and logged. Needs root and /dev/fuse (skips otherwise).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "bundle_builder.h"

namespace uid2::testing {
namespace {

constexpr char kKeyK[] = "00112233445566778899aabbccddeeff";

std::string Manifest(const std::string& extra = "", const std::string& key_k = kKeyK) {
  return "libos.entrypoint = \"/probe\"\n"
         "loader.insecure__use_cmdline_argv = true\n"
         "fs.mounts = [\n"
         "  { type = \"encrypted\", path = \"/secret\", uri = \"file:/enc\", key_name = \"k\" },\n"
         "  { type = \"encrypted\", path = \"/sealed\", uri = \"file:/sealed\","
         " key_name = \"_sgx_mrenclave\" },\n"
         "  { type = \"encrypted\", path = \"/signer\", uri = \"file:/signer\","
         " key_name = \"_sgx_mrsigner\" },\n"
         "  { type = \"encrypted\", path = \"/provisioned\", uri = \"file:/prov\","
         " key_name = \"runtime\" },\n"
         "  { type = \"encrypted\", path = \"/default\", uri = \"file:/def\" },\n"
         "  { type = \"encrypted\", path = \"/rel\", uri = \"file:relative\", key_name = \"k\" },\n"
         "]\n"
         "fs.insecure__keys.k = \"" +
         key_k +
         "\"\n"
         "fs.insecure__keys.default = \"ffeeddccbbaa99887766554433221100\"\n" +
         extra +
         "sgx.trusted_files = [\"file:/probe\", \"file:/lib/x86_64-linux-gnu/\", "
         "\"file:/lib64/\"]\n"
         "sgx.allowed_files = [\"file:/out/\"]\n";
}

class EncryptedMountTest : public ::testing::Test {
 protected:
  void SetUp() override {
    UID2_SKIP_WITHOUT_RUNTIME_HOST();
    b_.CopyWithLibs(BinDir() + "/probe", "/probe");
    std::filesystem::create_directories(b_.Path("/out"));
  }
  void SignOk(const std::string& manifest) {
    RunResult r = b_.Sign(manifest);
    ASSERT_EQ(r.exit_code, 0) << r.out;
  }
  std::string Secret() const { return b_.SealingSecret(); }
  // Do runs `probe do OPS` (with another host's sealing secret if `secret` is given).
  RunResult Do(const std::string& ops, const std::string& secret = "") {
    std::string mine = b_.SealingSecret();
    if (!secret.empty()) b_.SetSealingSecret(secret);
    RunResult r = b_.Run("-- do " + ops);
    b_.SetSealingSecret(mine);
    return r;
  }
  void FlipByte(const std::string& in_root, size_t offset) {
    std::string data = b_.Read(in_root);
    ASSERT_GT(data.size(), offset) << in_root;
    data[offset] ^= 0x01;
    b_.Write(in_root, data);
  }
  TestBundle b_;
};

TEST_F(EncryptedMountTest, TamperedFileIsRefusedWithEaccesAndLogged) {
  SignOk(Manifest());
  RunResult r = Do("write /secret/a opt-out-list");
  ASSERT_NE(r.out.find("write ok /secret/a"), std::string::npos) << r.out;
  EXPECT_EQ(b_.Read("/enc/a").find("opt-out-list"), std::string::npos);  // ciphertext only
  FlipByte("/enc/a", 1000);  // a small file lives in the metadata node's encrypted part
  r = Do("cat /secret/a");
  EXPECT_NE(r.out.find("cat /secret/a: EACCES"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("opt-out-list"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("encrypted_file_refused path=/secret/a"), std::string::npos) << r.out;

  // A data node of a larger file: the read that reaches it fails (opening still works).
  r = Do("wbench /secret/big 2");
  ASSERT_NE(r.out.find("wbench ok /secret/big"), std::string::npos) << r.out;
  FlipByte("/enc/big", 1 << 20);
  r = Do("size /secret/big , rbench /secret/big");
  EXPECT_NE(r.out.find("size ok /secret/big 2097152"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("rbench /secret/big: EACCES"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("encrypted_file_refused path=/secret/big"), std::string::npos) << r.out;

  // The plaintext header too.
  r = Do("write /secret/b list , cat /secret/b");
  ASSERT_NE(r.out.find("cat ok /secret/b [list]"), std::string::npos) << r.out;
  FlipByte("/enc/b", 20);  // the plaintext header (key id)
  r = Do("cat /secret/b , rm /secret/b , ls /secret");
  EXPECT_NE(r.out.find("cat /secret/b: EACCES"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("encrypted_file_refused path=/secret/b"), std::string::npos) << r.out;
  // A refused file can still be deleted (as Gramine allows).
  EXPECT_NE(r.out.find("rm ok /secret/b"), std::string::npos) << r.out;
}

TEST_F(EncryptedMountTest, FileMovedOrCopiedOnTheHostIsRefused) {
  SignOk(Manifest());
  ASSERT_NE(Do("write /secret/optout-1 records").out.find("write ok"), std::string::npos);
  std::filesystem::copy_file(b_.Path("/enc/optout-1"), b_.Path("/enc/optout-2"));
  std::filesystem::create_directories(b_.Path("/enc/sub"));
  std::filesystem::rename(b_.Path("/enc/optout-1"), b_.Path("/enc/sub/optout-1"));
  RunResult r = Do("cat /secret/optout-2 , cat /secret/sub/optout-1");
  EXPECT_NE(r.out.find("cat /secret/optout-2: EACCES"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("cat /secret/sub/optout-1: EACCES"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("records"), std::string::npos) << r.out;
  // Moved back to the path it is bound to, it reads again; a symbolic link to it does not.
  std::filesystem::rename(b_.Path("/enc/sub/optout-1"), b_.Path("/enc/optout-1"));
  std::filesystem::create_symlink("optout-1", b_.Path("/enc/link"));
  r = Do("cat /secret/optout-1 , cat /secret/link");
  EXPECT_NE(r.out.find("cat ok /secret/optout-1 [records]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("cat /secret/link: EACCES"), std::string::npos) << r.out;
}

TEST_F(EncryptedMountTest, WrongKeyIsRefused) {
  SignOk(Manifest());
  ASSERT_NE(Do("write /secret/a hello").out.find("write ok"), std::string::npos);
  SignOk(Manifest("", "0f0e0d0c0b0a09080706050403020100"));
  RunResult r = Do("cat /secret/a");
  EXPECT_NE(r.out.find("cat /secret/a: EACCES"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("encrypted_file_refused path=/secret/a"), std::string::npos) << r.out;
  // The mount without key_name uses the key named "default".
  SignOk(Manifest());
  r = Do("write /default/d x , cat /default/d");
  EXPECT_NE(r.out.find("cat ok /default/d [x]"), std::string::npos) << r.out;
}

TEST_F(EncryptedMountTest, SealedFilesAreReadableOnlyByTheSameEnclaveAndHostSecret) {
  SignOk(Manifest());
  RunResult r = Do("write /sealed/s by-mrenclave , write /signer/s by-mrsigner");
  ASSERT_NE(r.out.find("write ok /sealed/s"), std::string::npos) << r.out;
  ASSERT_NE(r.out.find("write ok /signer/s"), std::string::npos) << r.out;
  struct stat st;
  ASSERT_EQ(stat(Secret().c_str(), &st), 0) << "the sealing secret was not created";
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(st.st_size, 32);
  r = Do("cat /sealed/s , cat /signer/s");
  EXPECT_NE(r.out.find("cat ok /sealed/s [by-mrenclave]"), std::string::npos) << r.out;

  // Another enclave (one more manifest line: another MRENCLAVE, the same signer).
  SignOk(Manifest("loader.env.OTHER = \"enclave\"\n"));
  r = Do("cat /sealed/s , cat /signer/s");
  EXPECT_NE(r.out.find("cat /sealed/s: EACCES"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("by-mrenclave"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("cat ok /signer/s [by-mrsigner]"), std::string::npos) << r.out;

  // The same enclave on another host (another sealing secret).
  SignOk(Manifest());
  r = Do("cat /sealed/s", b_.Path("/../other-host-secret"));
  EXPECT_NE(r.out.find("cat /sealed/s: EACCES"), std::string::npos) << r.out;
  r = Do("getkey _sgx_mrenclave");
  EXPECT_NE(r.out.find("getkey ok _sgx_mrenclave "), std::string::npos) << r.out;

  // A secret that others can read is refused before the app starts.
  chmod(Secret().c_str(), 0644);
  r = Do("cat /sealed/s");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("readable or writable by group or others"), std::string::npos) << r.out;
}

TEST_F(EncryptedMountTest, KeyWrittenByTheAppAtRunTime) {
  SignOk(Manifest());
  RunResult r = Do("getkey runtime , write /provisioned/x early");
  EXPECT_NE(r.out.find("getkey ok runtime \n"), std::string::npos) << r.out;  // not set: empty
  EXPECT_NE(r.out.find("write /provisioned/x: EACCES"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("key 'runtime' is not set"), std::string::npos) << r.out;
  r =
      Do("setkey runtime 000102030405060708090a0b0c0d0e0f , write /provisioned/x provisioned ,"
         " cat /provisioned/x");
  EXPECT_NE(r.out.find("cat ok /provisioned/x [provisioned]"), std::string::npos) << r.out;
  r = Do("setkey runtime 100102030405060708090a0b0c0d0e0f , cat /provisioned/x");
  EXPECT_NE(r.out.find("cat /provisioned/x: EACCES"), std::string::npos) << r.out;
}

TEST_F(EncryptedMountTest, UnmodifiedProgramsCreateReadWriteAppendTruncateRenameDelete) {
  SignOk(Manifest());
  RunResult r =
      Do("write /secret/a hello , append /secret/a _world , size /secret/a , cat /secret/a ,"
         " pwrite /secret/a 0 J , cat /secret/a , truncate /secret/a 5 , cat /secret/a ,"
         " ftruncate /secret/a 2 , size /secret/a , mkdir /secret/d , mv /secret/a /secret/d/b ,"
         " cat /secret/d/b , ls /secret , ls /secret/d , mv /secret/d/b /out/b , mv /secret/d "
         "/secret/e");
  EXPECT_EQ(r.exit_code, 1) << r.out;  // the two refused renames
  for (const char* want :
       {"size ok /secret/a 11", "cat ok /secret/a [hello_world]", "cat ok /secret/a [Jello_world]",
        "cat ok /secret/a [Jello]", "size ok /secret/a 2", "mv ok /secret/a /secret/d/b",
        "cat ok /secret/d/b [Je]", "ls ok /secret d\n", "ls ok /secret/d b\n",
        "mv /secret/d/b: EXDEV", "mv /secret/d: EXDEV"}) {
    EXPECT_NE(r.out.find(want), std::string::npos) << want << "\n" << r.out;
  }
  r = Do(
      "write /secret/m 0123456789 , mmapwrite /secret/m 2 ab , mmapcat /secret/m , cat /secret/m");
  EXPECT_NE(r.out.find("mmapcat ok /secret/m [01ab456789]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("cat ok /secret/m [01ab456789]"), std::string::npos) << r.out;
  // Two descriptors of one file: a read sees a write made through the other, before and after
  // that one's close (reads may use contexts of their own; a write must invalidate them).
  r = Do("write /secret/i abcdef , cat /secret/i , interleave /secret/i XY , cat /secret/i");
  EXPECT_NE(r.out.find("interleave ok /secret/i [abcdef] [XYcdef] [XYcdef]"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("cat ok /secret/i [XYcdef]"), std::string::npos) << r.out;
  r =
      Do("mkdir /secret/sub , atomic /secret/sub/f replaced , atomic /secret/sub/f again ,"
         " cat /secret/sub/f , ls /secret/sub");
  EXPECT_NE(r.out.find("cat ok /secret/sub/f [again]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("ls ok /secret/sub f\n"), std::string::npos) << r.out;
  // The host holds whole 4 KiB nodes, under the renamed name only.
  std::string host = b_.Read("/enc/d/b");
  EXPECT_EQ(host.size() % 4096, 0u);
  EXPECT_FALSE(std::filesystem::exists(b_.Path("/enc/a")));
  // It persists across runs; deleting removes it from the host.
  r = Do("cat /secret/d/b , rm /secret/d/b , ls /secret/d");
  EXPECT_NE(r.out.find("cat ok /secret/d/b [Je]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("rm ok /secret/d/b"), std::string::npos) << r.out;
  EXPECT_FALSE(std::filesystem::exists(b_.Path("/enc/d/b")));
}

// The files are Gramine's protected files, bound to the mount's URI path: `shroud pf` (as
// gramine-sgx-pf-crypt) prepares files the app reads, and reads the files the app writes.
TEST_F(EncryptedMountTest, FilesAreGraminesProtectedFilesBoundToTheUriPath) {
  SignOk(Manifest());
  std::string key = b_.Path("/../wrap-key");
  std::string raw;
  for (size_t i = 0; i < 32; i += 2)
    raw += static_cast<char>(std::stoi(std::string(kKeyK + i, 2), nullptr, 16));
  std::ofstream(key, std::ios::binary) << raw;
  std::string plain = b_.Path("/../plain.txt");
  std::ofstream(plain) << "prepared on the host";
  std::filesystem::create_directories(b_.Path("/enc"));
  std::filesystem::create_directories(b_.Path("/relative"));
  ASSERT_EQ(RunCommand("shroud pf encrypt -w " + key + " -i " + plain + " -o " +
                       b_.Path("/enc/prepared") + " --path /enc/prepared")
                .exit_code,
            0);
  // gramine-sgx-pf-crypt's default: the output path as given, here relative to the bundle root.
  ASSERT_EQ(RunCommand("cd " + b_.root() + " && " + BinDir() + "/shroud pf encrypt -w " + key +
                       " -i " + plain + " -o relative/prepared")
                .exit_code,
            0);
  RunResult r = Do("cat /secret/prepared , cat /rel/prepared , write /secret/out written-inside");
  EXPECT_NE(r.out.find("cat ok /secret/prepared [prepared on the host]"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("cat ok /rel/prepared [prepared on the host]"), std::string::npos) << r.out;
  std::string out = b_.Path("/../out.txt");
  RunResult d = RunCommand("shroud pf decrypt -w " + key + " -i " + b_.Path("/enc/out") + " -o " +
                           out + " --path /enc/out");
  ASSERT_EQ(d.exit_code, 0) << d.out;
  EXPECT_EQ(b_.Read("/../out.txt"), "written-inside");
  // Bound to another path (the view path instead of the URI path), it is refused.
  ASSERT_EQ(RunCommand("shroud pf encrypt -w " + key + " -i " + plain + " -o " +
                       b_.Path("/enc/wrong") + " --path /secret/wrong")
                .exit_code,
            0);
  r = Do("cat /secret/wrong");
  EXPECT_NE(r.out.find("cat /secret/wrong: EACCES"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace uid2::testing
