// The tomli-w 1.0.0 rules the .manifest.sgx writer follows, and Gramine's defaults.
#include <gtest/gtest.h>

#include "manifest/manifest.h"

namespace uid2::manifest {
namespace {

std::string Rewrite(std::string_view text) {
  Result<Manifest> m = ParseManifest(text);
  EXPECT_TRUE(m.ok()) << (m.ok() ? "" : m.error().message());
  return m.ok() ? WriteManifestSgx(*m) : "";
}

TEST(WriterTest, TablesKeepSourceOrderPlainValuesFirst) {
  EXPECT_EQ(Rewrite("b.x = 1\na = 2\nb.y.z = 3\nb.w = 4\n"),
            "a = 2\n\n[b]\nx = 1\nw = 4\n\n[b.y]\nz = 3\n");
}

TEST(WriterTest, TableWithOnlySubtablesHasNoHeader) {
  EXPECT_EQ(Rewrite("[a.b]\nc = 1\n[a.d]\ne = 2\n"), "[a.b]\nc = 1\n\n[a.d]\ne = 2\n");
  EXPECT_EQ(Rewrite("[empty]\n"), "[empty]\n");
}

TEST(WriterTest, ArraysOneItemPerLine) {
  EXPECT_EQ(Rewrite("a = [1, \"x\", true]\nb = []\nc = [[1], []]\n"),
            "a = [\n    1,\n    \"x\",\n    true,\n]\nb = []\nc = [\n    [\n        1,\n    ],\n"
            "    [],\n]\n");
}

TEST(WriterTest, ArrayOfTablesInlineOnlyWhenEveryItemFits) {
  EXPECT_EQ(Rewrite("m = [{ p = \"/a\", u = \"file:a\" }]\n"),
            "m = [\n    { p = \"/a\", u = \"file:a\" },\n]\n");
  std::string long_value(90, 'x');
  EXPECT_EQ(Rewrite("m = [{ p = \"a\" }, { p = \"" + long_value + "\" }]\n"),
            "[[m]]\np = \"a\"\n\n[[m]]\np = \"" + long_value + "\"\n");
  // The limit is 100 characters for "    { p = \"...\" },": 85 x's fit exactly, 86 do not.
  EXPECT_EQ(Rewrite("m = [{ p = \"" + std::string(85, 'x') + "\" }]\n").substr(0, 4), "m = ");
  EXPECT_EQ(Rewrite("m = [{ p = \"" + std::string(86, 'x') + "\" }]\n").substr(0, 5), "[[m]]");
  // Code points, not bytes, are counted (as Python's len()).
  std::string e_acute = "\xc3\xa9";
  std::string s;
  for (int i = 0; i < 85; i++) s += e_acute;
  EXPECT_EQ(Rewrite("m = [{ p = \"" + s + "\" }]\n").substr(0, 4), "m = ");
}

TEST(WriterTest, InlineTablesBecomeSections) {
  EXPECT_EQ(Rewrite("loader.entrypoint = { uri = \"file:x\", sha256 = \"ab\" }\n"),
            "[loader.entrypoint]\nuri = \"file:x\"\nsha256 = \"ab\"\n");
}

TEST(WriterTest, StringEscapesAndKeys) {
  EXPECT_EQ(Rewrite("\"a b\" = \"q\\\"b\\\\s\\n\\t\\u0001\\u007f\\r\\f\\b\"\n"),
            "\"a b\" = \"q\\\"b\\\\s\\n\t\\u0001\\u007f\\r\\f\\b\"\n");
  EXPECT_EQ(Rewrite("[\"x.y\".z]\nk-1_A = 1\n"), "[\"x.y\".z]\nk-1_A = 1\n");
}

TEST(WriterTest, NumbersAndDatesAsPythonStr) {
  EXPECT_EQ(Rewrite("a = 0x10\nb = 1.0\nc = 1e16\nd = 0.0001\ne = 1e-5\nf = -2.5\ng = inf\n"),
            "a = 16\nb = 1.0\nc = 1e+16\nd = 0.0001\ne = 1e-05\nf = -2.5\ng = inf\n");
  EXPECT_EQ(Rewrite("d = 2024-01-02\nt = 07:08:09\ndt = 1979-05-27T07:32:00Z\n"),
            "d = 2024-01-02\nt = 07:08:09\ndt = 1979-05-27 07:32:00+00:00\n");
}

TEST(DefaultsTest, InjectedInGramineOrder) {
  Manifest m = ParseManifest("libos.entrypoint = \"/a\"\nsgx.debug = true\n").value();
  ASSERT_TRUE(ApplyGramineDefaults(&m).ok());
  std::vector<std::string> keys;
  for (const auto& [k, v] : m.root.Find("sgx")->table()) keys.push_back(k);
  EXPECT_EQ(keys,
            (std::vector<std::string>{"debug", "trusted_files", "max_threads", "isvprodid",
                                      "isvsvn", "remote_attestation", "enable_stats", "edmm_enable",
                                      "enclave_size", "use_exinfo", "cpu_features"}));
  EXPECT_EQ(m.root.FindPath("sgx.enclave_size")->str(), "256M");
  EXPECT_EQ(m.root.FindPath("sgx.cpu_features.pkru")->str(), "disabled");
  Manifest e = ParseManifest("sgx.edmm_enable = true\n").value();
  ASSERT_TRUE(ApplyGramineDefaults(&e).ok());
  EXPECT_EQ(e.root.FindPath("sgx.enclave_size")->str(), "1024G");
}

TEST(DefaultsTest, ThreadNumIsTheOldNameAndRefused) {
  Manifest m = ParseManifest("sgx.thread_num = 8\n").value();
  Status s = ApplyGramineDefaults(&m);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message().find("sgx.max_threads = 8"), std::string::npos);
}

TEST(DefaultsTest, TrustedFilesMustBeAnArray) {
  Manifest m = ParseManifest("sgx.trusted_files.a = \"file:x\"\n").value();
  EXPECT_FALSE(ApplyGramineDefaults(&m).ok());
  Manifest n = ParseManifest("sgx.trusted_files = [1]\n").value();
  Status s = ApplyGramineDefaults(&n);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message().find("sgx.trusted_files[0]"), std::string::npos);
}

TEST(ParamsTest, SizesAndErrors) {
  EXPECT_EQ(ParseSize("256M").value(), 256u << 20);
  EXPECT_EQ(ParseSize("1G").value(), 1u << 30);
  EXPECT_EQ(ParseSize("64K").value(), 64u << 10);
  EXPECT_EQ(ParseSize("4096").value(), 4096u);
  EXPECT_FALSE(ParseSize("12Q").ok());
  EXPECT_FALSE(ParseSize("").ok());
  EXPECT_FALSE(ParseSize("M").ok());
  auto params = [](std::string_view text) {
    return EnclaveParamsFrom(ParseManifest(text).value());
  };
  auto p = params(
      "sgx.enclave_size = \"1G\"\nsgx.max_threads = 8\nsgx.debug = true\n"
      "sgx.isvprodid = 7\nsgx.cpu_features.avx = \"required\"\n");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->enclave_size, 1u << 30);
  EXPECT_EQ(p->max_threads, 8u);
  EXPECT_TRUE(p->debug);
  EXPECT_EQ(p->isv_prod_id, 7);
  EXPECT_EQ(p->cpu_features[0], sgx::CpuFeatureSetting::kRequired);
  auto bad = params("sgx.enclave_size = \"100M\"\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(
      bad.error().message().find("sgx.enclave_size (line 1): value \"100M\" is not a power of two"),
      std::string::npos)
      << bad.error().message();
  EXPECT_FALSE(params("sgx.isvsvn = 70000\n").ok());
  EXPECT_FALSE(params("sgx.max_threads = 0\n").ok());
  EXPECT_FALSE(params("sgx.debug = 1\n").ok());
  EXPECT_FALSE(params("sgx.cpu_features.avx = \"yes\"\n").ok());
  EXPECT_EQ(params("sgx.edmm_enable = true\n")->enclave_size, 1024ull << 30);
}

TEST(ParseTest, SyntaxErrorHasLineAndColumn) {
  Result<Manifest> m = ParseManifest("a = 1\nb = [1,\n", "app.manifest");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().message().rfind("app.manifest:2:", 0), 0u) << m.error().message();
}

}  // namespace
}  // namespace uid2::manifest
