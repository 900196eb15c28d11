// `shroud export occlum`: Occlum.json is checked field by field against the field list read
// from Occlum's own template and config reader (tests/data/occlum/occlum-json-fields.txt, see
// its NOTICE): every field we write exists there with the same JSON type, and every required
// field is written. Then a signed bundle is exported end to end; negative cases first: a
// trusted file changed after signing, a manifest changed after signing, an output in the way.
#include "occlum/export.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "../runtime/bundle_builder.h"
#include "common/json.h"

namespace uid2::occlum {
namespace {

namespace fs = std::filesystem;
using uid2::testing::RunCommand;
using uid2::testing::TestBundle;

struct Field {
  std::string type;
  bool required = false;
};

// LoadFields reads occlum-json-fields.txt: "path type required|optional" per line.
std::map<std::string, Field> LoadFields() {
  std::map<std::string, Field> fields;
  std::ifstream in("tests/data/occlum/occlum-json-fields.txt");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ss(line);
    std::string path, type, presence;
    ss >> path >> type >> presence;
    fields[path] = {type, presence == "required"};
  }
  return fields;
}

std::string TypeOf(const rapidjson::Value& v) {
  if (v.IsObject()) return "object";
  if (v.IsArray()) return "array";
  if (v.IsString()) return "string";
  if (v.IsBool()) return "bool";
  if (v.IsUint()) return "uint";
  return "other";
}

// Canonical maps a nested layer (a mount inside mount[].options.layers[]) to the mount[] rules.
std::string Canonical(std::string path) {
  const std::string layers = "mount[].options.layers[]";
  while (path.starts_with(layers)) path = "mount[]" + path.substr(layers.size());
  return path;
}

// Problems walks `v` (at `path`) and returns every field not in the list, of another type, and
// every required child that is missing.
std::vector<std::string> Problems(const rapidjson::Value& v, const std::string& path,
                                  const std::map<std::string, Field>& fields) {
  std::vector<std::string> out;
  std::string key = Canonical(path);
  if (!path.empty()) {
    auto it = fields.find(key);
    if (it == fields.end()) return {"'" + path + "' is not an Occlum.json field"};
    if (TypeOf(v) != it->second.type) {
      out.push_back("'" + path + "' is " + TypeOf(v) + ", Occlum reads " + it->second.type);
    }
  }
  auto append = [&](std::vector<std::string> more) {
    out.insert(out.end(), more.begin(), more.end());
  };
  if (v.IsObject()) {
    for (const auto& m : v.GetObject()) {
      std::string name = m.name.GetString();
      append(Problems(m.value, path.empty() ? name : path + "." + name, fields));
    }
    std::string prefix = key.empty() ? "" : key + ".";
    for (const auto& [f, info] : fields) {
      if (!info.required || !f.starts_with(prefix)) continue;
      std::string rest = f.substr(prefix.size());
      if (rest.find('.') != std::string::npos || rest.ends_with("[]")) continue;
      if (!v.HasMember(rest.c_str())) out.push_back("required '" + f + "' missing");
    }
  } else if (v.IsArray()) {
    for (const auto& e : v.GetArray()) append(Problems(e, path + "[]", fields));
  }
  return out;
}

runtime::RunSpec Spec() {
  runtime::RunSpec s;
  s.entrypoint = "/usr/bin/app";
  s.env = {{"FIXED", "1", false}, {"TOKEN", "", true}};
  s.mounts = {{"/", runtime::MountType::kChroot, "file:/", ""},
              {"/tmp", runtime::MountType::kTmpfs, "", ""}};
  return s;
}

sgx::EnclaveParams Params() {
  sgx::EnclaveParams p;
  p.enclave_size = 64ull << 20;
  p.max_threads = 8;
  p.isv_prod_id = 770;
  p.isv_svn = 2;
  p.debug = true;
  p.edmm = true;
  p.cpu_features[2] = sgx::CpuFeatureSetting::kRequired;  // amx
  return p;
}

TEST(OcclumSizeTest, WritesOcclumUnits) {
  EXPECT_EQ(OcclumSize(256ull << 20), "256MB");
  EXPECT_EQ(OcclumSize(1ull << 30), "1GB");
  EXPECT_EQ(OcclumSize(1536ull << 20), "1536MB");
  EXPECT_EQ(OcclumSize(4096), "4KB");
  EXPECT_EQ(OcclumSize(4097), "4097B");
  EXPECT_EQ(OcclumSize(0), "0B");
}

TEST(OcclumConfigTest, EveryFieldAndTypeIsOcclumsAndRequiredFieldsArePresent) {
  std::map<std::string, Field> fields = LoadFields();
  ASSERT_GT(fields.size(), 40u);  // the list was read
  auto c = OcclumConfigFor(Spec(), Params(), {"FIXED=1"});
  ASSERT_TRUE(c.ok()) << c.error().message();
  auto doc = ParseJson(c->json);
  ASSERT_TRUE(doc.ok()) << c->json;
  EXPECT_EQ(Problems(*doc, "", fields), std::vector<std::string>{});
  // The checker finds an unknown field, a wrong type and a missing required field.
  auto bad = ParseJson(R"({"vm": {}, "resource_limits": {"user_space_size": 1}})");
  ASSERT_TRUE(bad.ok());
  std::string found;
  for (const std::string& p : Problems(*bad, "", fields)) found += p + "\n";
  EXPECT_NE(found.find("'vm' is not an Occlum.json field"), std::string::npos) << found;
  EXPECT_NE(found.find("'resource_limits.user_space_size' is uint, Occlum reads string"),
            std::string::npos)
      << found;
  EXPECT_NE(found.find("required 'metadata' missing"), std::string::npos) << found;
  EXPECT_NE(found.find("required 'resource_limits.max_num_of_threads' missing"), std::string::npos)
      << found;
}

TEST(OcclumConfigTest, CarriesTheManifestsValues) {
  auto c = OcclumConfigFor(Spec(), Params(), {"FIXED=1"});
  ASSERT_TRUE(c.ok()) << c.error().message();
  auto d = ParseJson(c->json);
  ASSERT_TRUE(d.ok());
  const rapidjson::Value& j = *d;
  EXPECT_STREQ(j["resource_limits"]["user_space_size"].GetString(), "64MB");
  EXPECT_EQ(j["resource_limits"]["max_num_of_threads"].GetUint(), 8u);
  EXPECT_STREQ(j["process"]["default_heap_size"].GetString(), "8MB");   // 64M / 8
  EXPECT_STREQ(j["process"]["default_mmap_size"].GetString(), "16MB");  // 64M / 4
  EXPECT_STREQ(j["entry_points"][0].GetString(), "/usr/bin");
  ASSERT_EQ(j["env"]["default"].Size(), 1u);
  EXPECT_STREQ(j["env"]["default"][0].GetString(), "FIXED=1");
  ASSERT_EQ(j["env"]["untrusted"].Size(), 1u);
  EXPECT_STREQ(j["env"]["untrusted"][0].GetString(), "TOKEN");
  EXPECT_EQ(j["metadata"]["product_id"].GetUint(), 770u);
  EXPECT_EQ(j["metadata"]["version_number"].GetUint(), 2u);
  EXPECT_TRUE(j["metadata"]["debuggable"].GetBool());
  EXPECT_EQ(j["feature"]["amx"].GetUint(), 1u);
  EXPECT_EQ(j["feature"]["pkru"].GetUint(), 0u);
  EXPECT_TRUE(j["feature"]["enable_edmm"].GetBool());
  const rapidjson::Value& m = j["mount"];
  ASSERT_EQ(m.Size(), 4u);
  EXPECT_STREQ(m[0]["type"].GetString(), "unionfs");
  EXPECT_STREQ(m[3]["type"].GetString(), "ramfs");
  EXPECT_STREQ(m[3]["target"].GetString(), "/tmp");
  // A relative libos.entrypoint cannot be an Occlum entry point.
  runtime::RunSpec s = Spec();
  s.entrypoint = "app";
  EXPECT_FALSE(OcclumConfigFor(s, Params(), {}).ok());
}

// An encrypted (protected-files) mount has no Occlum equivalent: it is listed as not carried
// over, never silently dropped.
TEST(OcclumConfigTest, EncryptedMountsAreReportedNotCarried) {
  runtime::RunSpec s = Spec();
  size_t before = OcclumConfigFor(s, Params(), {})->not_carried.size();
  s.mounts.push_back({"/data", runtime::MountType::kEncrypted, "file:/data", "_sgx_mrenclave"});
  auto c = OcclumConfigFor(s, Params(), {});
  ASSERT_TRUE(c.ok());
  ASSERT_EQ(c->not_carried.size(), before + 1);
  EXPECT_NE(c->not_carried.back().find("fs.mounts /data"), std::string::npos);
  EXPECT_NE(c->not_carried.back().find("_sgx_mrenclave"), std::string::npos);
}

class ExportCli : public ::testing::Test {
 protected:
  void SetUp() override {
    b_.Write("/usr/bin/app", "#!/bin/sh\necho app\n");
    b_.Write("/etc/app.conf", "x=1\n");
    b_.Write("/data/extra/more.txt", "more\n");
    fs::permissions(b_.Path("/usr/bin/app"), fs::perms(0755));
    auto r = b_.Sign(
        "libos.entrypoint = \"/usr/bin/app\"\n"
        "loader.argv = [\"app\", \"--port\", \"8080\"]\n"
        "loader.env.FIXED = \"1\"\n"
        "loader.env.TOKEN = { passthrough = true }\n"
        "fs.root.uri = \"file:/\"\n"
        "fs.mounts = [{ type = \"tmpfs\", path = \"/tmp\" },\n"
        "             { type = \"chroot\", path = \"/srv\", uri = \"file:/data\" }]\n"
        "sgx.enclave_size = \"64M\"\nsgx.max_threads = 8\nsgx.isvprodid = 770\n"
        "sgx.isvsvn = 2\nsgx.debug = true\n"
        "sgx.trusted_files = [\"file:/usr/bin/app\", \"file:/etc/app.conf\", "
        "\"file:/data/extra/\"]\n"
        "sgx.allowed_files = [\"file:/var/log/\"]\n");
    ASSERT_EQ(r.exit_code, 0) << r.out;
    out_ = b_.Path("/../occlum-out");
  }
  TestBundle b_;
  std::string out_;
};

TEST_F(ExportCli, TrustedFileChangedAfterSigningIsRefusedAndNothingIsWritten) {
  b_.Write("/etc/app.conf", "x=2\n");
  auto r = RunCommand("shroud export occlum " + b_.root() + " -o " + out_);
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("trusted file file:/etc/app.conf: SHA-256"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(out_));
  EXPECT_FALSE(fs::exists(out_ + ".partial-" + std::to_string(getpid())));
  for (const auto& e : fs::directory_iterator(fs::path(out_).parent_path())) {
    EXPECT_EQ(e.path().string().find("occlum-out"), std::string::npos) << e.path();
  }
}

TEST_F(ExportCli, ManifestChangedAfterSigningIsRefused) {
  std::string msgx = b_.Path("/gramine/app_files/entrypoint.manifest.sgx");
  std::string text = b_.Read("/gramine/app_files/entrypoint.manifest.sgx");
  size_t at = text.find("isvsvn = 2");
  ASSERT_NE(at, std::string::npos);
  text[at + 9] = '3';
  b_.Write("/gramine/app_files/entrypoint.manifest.sgx", text);
  auto r = RunCommand("shroud export occlum " + b_.root() + " -o " + out_);
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_FALSE(fs::exists(out_));
}

TEST_F(ExportCli, OutputInTheWayIsRefused) {
  fs::create_directories(out_);
  b_.Write("/../occlum-out/keep", "mine\n");
  auto r = RunCommand("shroud export occlum " + b_.root() + " -o " + out_);
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("is not an empty directory"), std::string::npos) << r.out;
  EXPECT_EQ(b_.Read("/../occlum-out/keep"), "mine\n");
}

TEST_F(ExportCli, WritesTheInstanceSkeleton) {
  auto r = RunCommand("shroud export occlum " + b_.root() + " -o " + out_ + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  auto summary = ParseJson(r.out);
  ASSERT_TRUE(summary.ok()) << r.out;
  EXPECT_EQ((*summary)["files"].GetUint(), 3u);
  EXPECT_EQ((*summary)["mr_enclave"].GetStringLength(), 64u);
  const auto& run = (*summary)["occlum_run"];
  ASSERT_EQ(run.Size(), 3u);
  EXPECT_STREQ(run[0].GetString(), "/usr/bin/app");  // the path, for `occlum run`
  EXPECT_STREQ(run[2].GetString(), "8080");
  std::string notes = JsonToString((*summary)["not_carried"]);
  EXPECT_NE(notes.find("sgx.allowed_files (1 entries)"), std::string::npos) << notes;
  EXPECT_NE(notes.find("argv"), std::string::npos) << notes;
  // image/: each trusted file at the path the app sees (fs.mounts /srv = file:/data).
  EXPECT_EQ(b_.Read("/../occlum-out/image/usr/bin/app"), "#!/bin/sh\necho app\n");
  EXPECT_EQ(b_.Read("/../occlum-out/image/etc/app.conf"), "x=1\n");
  EXPECT_EQ(b_.Read("/../occlum-out/image/srv/extra/more.txt"), "more\n");
  EXPECT_FALSE(fs::exists(out_ + "/image/data"));
  EXPECT_NE(fs::status(out_ + "/image/usr/bin/app").permissions() & fs::perms::owner_exec,
            fs::perms::none);
  // Occlum.json: valid against Occlum's field list, with the manifest's values.
  auto doc = ParseJson(b_.Read("/../occlum-out/Occlum.json"));
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(Problems(*doc, "", LoadFields()), std::vector<std::string>{});
  EXPECT_STREQ((*doc)["resource_limits"]["user_space_size"].GetString(), "64MB");
  EXPECT_EQ((*doc)["metadata"]["product_id"].GetUint(), 770u);
  EXPECT_STREQ((*doc)["env"]["untrusted"][0].GetString(), "TOKEN");
  // An empty existing directory is fine (and replaced).
  fs::remove_all(out_);
  fs::create_directories(out_);
  r = RunCommand("shroud -q export occlum " + b_.root() + " -o " + out_ + "/");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(fs::exists(out_ + "/Occlum.json"));
}

TEST(ExportHelp, TeachesWithExamples) {
  auto r = RunCommand("shroud export occlum --help");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("shroud export occlum app-signed.tar -o occlum-app"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("--json"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace uid2::occlum
