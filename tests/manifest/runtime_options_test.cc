// The sys.* and loader.* options of Gramine v1.9 under `shroud run`: the list in
// src/manifest/runtime_options.cc, the table in docs/runtime.md and Gramine's own list
// (tests/data/manifest/gramine-v1.9-sys-loader-options.txt) must name the same options, with the
// same statuses, and `shroud manifest check` must know each of them.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "manifest/lint.h"
#include "manifest/manifest.h"
#include "manifest/runtime_options.h"
#include "manifest/schema.h"

namespace uid2::manifest {
namespace {

std::string Trim(std::string s) {
  size_t b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

// DocsTable reads the rows "| `key` | status | ... |" of docs/runtime.md's section
// "sys.* and loader.* options".
std::map<std::string, std::string> DocsTable() {
  std::ifstream f(std::string(UID2_SOURCE_DIR) + "/docs/runtime.md");
  std::map<std::string, std::string> rows;
  std::string line;
  bool in_section = false;
  while (std::getline(f, line)) {
    if (line.rfind("## ", 0) == 0) in_section = line == "## sys.* and loader.* options";
    if (!in_section || line.rfind("| `", 0) != 0) continue;
    size_t k1 = line.find('`'), k2 = line.find('`', k1 + 1);
    size_t c1 = line.find('|', k2), c2 = line.find('|', c1 + 1);
    EXPECT_TRUE(k2 != std::string::npos && c2 != std::string::npos) << line;
    if (c2 == std::string::npos) continue;
    std::string key = line.substr(k1 + 1, k2 - k1 - 1);
    EXPECT_EQ(rows.count(key), 0u) << "listed twice: " << key;
    rows[key] = Trim(line.substr(c1 + 1, c2 - c1 - 1));
  }
  return rows;
}

TEST(RuntimeOptionsTest, DocsTableAndCodeListTheSameOptionsWithTheSameStatus) {
  std::map<std::string, std::string> docs = DocsTable();
  ASSERT_FALSE(docs.empty()) << "docs/runtime.md has no \"sys.* and loader.* options\" table";
  for (const RuntimeOption& o : RuntimeOptions()) {
    auto it = docs.find(std::string(o.key));
    ASSERT_NE(it, docs.end()) << o.key << " is missing from docs/runtime.md";
    EXPECT_EQ(it->second, SupportName(o.support)) << o.key;
  }
  for (const auto& [key, status] : docs) {
    EXPECT_NE(FindRuntimeOption(key), nullptr) << key << " is in the docs only";
  }
}

TEST(RuntimeOptionsTest, EveryOptionGramineDocumentsIsListedAndKnownToManifestCheck) {
  std::ifstream f(std::string(UID2_SOURCE_DIR) +
                  "/tests/data/manifest/gramine-v1.9-sys-loader-options.txt");
  std::set<std::string> gramine;
  std::string line;
  while (std::getline(f, line)) {
    if (!line.empty() && line[0] != '#') gramine.insert(line);
  }
  ASSERT_GE(gramine.size(), 20u);
  for (const std::string& key : gramine) {
    const RuntimeOption* o = FindRuntimeOption(key);
    ASSERT_NE(o, nullptr) << key << " has no status in runtime_options.cc";
    EXPECT_EQ(o->key, key);
  }
  for (const RuntimeOption& o : RuntimeOptions()) {
    EXPECT_EQ(gramine.count(std::string(o.key)), 1u) << o.key << " is not a Gramine v1.9 option";
    // A key, or a table of user-named entries (loader.env.NAME, sys.ioctl_structs.NAME).
    std::string concrete(o.key);
    if (concrete.ends_with(".*")) concrete.replace(concrete.size() - 1, 1, "NAME");
    EXPECT_TRUE(FindKeySpec(concrete) != nullptr || FindKeySpec(concrete + ".NAME") != nullptr)
        << o.key << " is unknown to manifest check";
  }
}

std::vector<Finding> Lint(const std::string& text) {
  Manifest m = ParseManifest("libos.entrypoint = \"/app\"\n" + text).value();
  LintOptions o;
  o.check_files = false;
  return LintManifest(m, o);
}

TEST(RuntimeOptionsTest, ManifestCheckWarnsAboutRefusedOptionsAndNothingElse) {
  for (const RuntimeOption& o : RuntimeOptions()) {
    if (o.support != RuntimeSupport::kRefused) continue;
    std::string value = o.key == "sys.brk.max_size" ? "\"1M\"" : "true";
    std::vector<Finding> f = Lint(std::string(o.key) + " = " + value + "\n");
    ASSERT_EQ(f.size(), 1u) << o.key;
    EXPECT_EQ(f[0].severity, Severity::kWarning);
    EXPECT_EQ(f[0].key, o.key);
    EXPECT_NE(f[0].message.find("not supported by shroud run"), std::string::npos);
  }
  std::vector<Finding> positive =
      Lint("sys.debug__mock_syscalls = [{ name = \"getpid\", return = 7 }]\n");
  ASSERT_EQ(positive.size(), 1u);
  EXPECT_EQ(positive[0].key, "sys.debug__mock_syscalls[0]");
  EXPECT_TRUE(
      Lint("sys.debug__mock_syscalls = [{ name = \"sched_yield\", return = -38 }]\n").empty());
  EXPECT_TRUE(Lint("sys.enable_extra_runtime_domain_names_conf = false\n"
                   "sys.enable_sigterm_injection = true\nsys.stack.size = \"1M\"\n"
                   "sys.fds.limit = 100\nloader.uid = 1000\nloader.gid = 1000\n"
                   "sys.disallow_subprocesses = true\nsys.experimental__enable_flock = true\n"
                   "sys.insecure__allow_eventfd = true\nloader.insecure__disable_aslr = true\n")
                  .empty());
}

}  // namespace
}  // namespace uid2::manifest
