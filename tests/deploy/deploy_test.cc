// Deployment generation: the YAML is parsed by a real YAML parser (python3-yaml) and its fields
// checked; the docker line is checked argument by argument.
#include "deploy/deploy.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "../cli/run.h"
#include "common/file.h"
#include "common/json.h"

namespace uid2::deploy {
namespace {

using uid2::testing::RunCommand;

// ParseYaml converts a multi-document YAML to a JSON array of documents (python3 -c yaml).
rapidjson::Document ParseYaml(const std::string& yaml) {
  char tmpl[] = "/tmp/deploy-test.XXXXXX";
  int fd = mkstemp(tmpl);
  EXPECT_GE(fd, 0);
  close(fd);
  EXPECT_TRUE(WriteFileAtomic(tmpl, yaml).ok());
  auto r = RunCommand(
      "python3 -c 'import sys, json, yaml; "
      "print(json.dumps(list(yaml.safe_load_all(open(sys.argv[1])))))' " +
      std::string(tmpl));
  unlink(tmpl);
  EXPECT_EQ(r.exit_code, 0) << r.out << "\n" << yaml;
  auto doc = ParseJson(r.out);
  EXPECT_TRUE(doc.ok()) << r.out;
  return doc.ok() ? std::move(doc).value() : rapidjson::Document();
}

K8sOptions Operator() {
  K8sOptions o;
  o.image = "myacr.azurecr.io/uid2-operator:1";
  o.name = "uid2-operator";
  o.epc_mib = 512;
  o.replicas = 3;
  o.ports = {8080, 9091};
  o.env = {{"OPERATOR_PROFILE", "azure"}, {"TRICKY", "a: b\n- c # \"d\""}};
  o.env_from_secret = {{"uid2-secrets", "core-api-token", "core_api_token"}};
  o.health_path = "/ops/healthcheck";
  return o;
}

TEST(K8sTest, DeploymentAndServiceFields) {
  auto yaml = GenerateK8s(Operator());
  ASSERT_TRUE(yaml.ok()) << yaml.error().message();
  rapidjson::Document docs = ParseYaml(*yaml);
  ASSERT_TRUE(docs.IsArray());
  ASSERT_EQ(docs.Size(), 2u);
  const auto& dep = docs[0];
  EXPECT_STREQ(dep["kind"].GetString(), "Deployment");
  EXPECT_STREQ(dep["apiVersion"].GetString(), "apps/v1");
  EXPECT_EQ(dep["spec"]["replicas"].GetInt(), 3);
  EXPECT_STREQ(dep["spec"]["selector"]["matchLabels"]["app"].GetString(), "uid2-operator");
  const auto& pod = dep["spec"]["template"]["spec"];
  EXPECT_STREQ(dep["spec"]["template"]["metadata"]["labels"]["app"].GetString(), "uid2-operator");
  const auto& c = pod["containers"][0];
  EXPECT_STREQ(c["image"].GetString(), "myacr.azurecr.io/uid2-operator:1");
  EXPECT_EQ(c["resources"]["limits"]["kubernetes.azure.com/sgx_epc_mem_in_MiB"].GetInt(), 512);
  EXPECT_EQ(c["ports"][1]["containerPort"].GetInt(), 9091);
  EXPECT_STREQ(c["env"][0]["value"].GetString(), "azure");
  EXPECT_STREQ(c["env"][1]["value"].GetString(), "a: b\n- c # \"d\"");
  const auto& secret = c["env"][2];
  EXPECT_STREQ(secret["name"].GetString(), "core_api_token");
  EXPECT_FALSE(secret.HasMember("value"));
  EXPECT_STREQ(secret["valueFrom"]["secretKeyRef"]["name"].GetString(), "uid2-secrets");
  EXPECT_STREQ(secret["valueFrom"]["secretKeyRef"]["key"].GetString(), "core-api-token");
  EXPECT_STREQ(c["livenessProbe"]["httpGet"]["path"].GetString(), "/ops/healthcheck");
  EXPECT_EQ(c["readinessProbe"]["httpGet"]["port"].GetInt(), 8080);
  EXPECT_STREQ(c["volumeMounts"][0]["mountPath"].GetString(), "/var/run/aesmd");
  EXPECT_STREQ(pod["volumes"][0]["hostPath"]["path"].GetString(), "/var/run/aesmd");
  EXPECT_EQ(pod["terminationGracePeriodSeconds"].GetInt(), 30);  // Kubernetes' default
  const auto& svc = docs[1];
  EXPECT_STREQ(svc["kind"].GetString(), "Service");
  EXPECT_STREQ(svc["spec"]["selector"]["app"].GetString(), "uid2-operator");
  EXPECT_EQ(svc["spec"]["ports"][0]["port"].GetInt(), 8080);
}

TEST(K8sTest, JobWithoutProbesOrService) {
  K8sOptions o;
  o.image = "hello:1";
  o.name = "hello";
  o.kind = "job";
  auto yaml = GenerateK8s(o);
  ASSERT_TRUE(yaml.ok());
  rapidjson::Document docs = ParseYaml(*yaml);
  ASSERT_EQ(docs.Size(), 1u);
  EXPECT_STREQ(docs[0]["kind"].GetString(), "Job");
  const auto& pod = docs[0]["spec"]["template"]["spec"];
  EXPECT_STREQ(pod["restartPolicy"].GetString(), "Never");
  EXPECT_FALSE(pod["containers"][0].HasMember("livenessProbe"));
  EXPECT_EQ(pod["containers"][0]["resources"]["limits"]["kubernetes.azure.com/sgx_epc_mem_in_MiB"]
                .GetInt(),
            10);
}

TEST(K8sTest, RefusesBadOptions) {
  K8sOptions o = Operator();
  o.name = "Bad_Name";
  EXPECT_FALSE(GenerateK8s(o).ok());
  o = Operator();
  o.kind = "daemonset";
  EXPECT_FALSE(GenerateK8s(o).ok());
  o = Operator();
  o.ports = {};
  EXPECT_FALSE(GenerateK8s(o).ok());  // health path without a port
  o = Operator();
  o.ports = {70000};
  EXPECT_FALSE(GenerateK8s(o).ok());
  o = Operator();
  o.env = {{"1BAD", "x"}};
  EXPECT_FALSE(GenerateK8s(o).ok());
  o = Operator();
  o.epc_mib = 0;
  EXPECT_FALSE(GenerateK8s(o).ok());
  o = Operator();
  o.termination_grace_seconds = 0;
  EXPECT_FALSE(GenerateK8s(o).ok());
  EXPECT_FALSE(ParseSecretEnv("no-colon=ENV").ok());
  EXPECT_FALSE(ParseSecretEnv("s:k=").ok());
  auto s = ParseSecretEnv("uid2-secrets:core-api-token=core_api_token");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->key, "core-api-token");
}

TEST(DockerTest, DevicesAesmdPortsEnvNames) {
  DockerOptions o;
  o.image = "uid2-operator-azure-sgx:latest";
  o.ports = {8080};
  o.env = {{"A", "b c"}};
  o.env_from_host = {"core_api_token"};
  auto argv = DockerArgv(o);
  ASSERT_TRUE(argv.ok());
  std::string line = ShellJoin(*argv);
  EXPECT_EQ(line,
            "docker run --rm --device /dev/sgx_enclave --device /dev/sgx_provision -v "
            "/var/run/aesmd:/var/run/aesmd -p 8080:8080 -e 'A=b c' -e core_api_token "
            "uid2-operator-azure-sgx:latest");
  o.legacy_devices = true;
  line = ShellJoin(*DockerArgv(o));
  EXPECT_NE(line.find("--device /dev/sgx/enclave --device /dev/sgx/provision"), std::string::npos);
  EXPECT_EQ(line.find("/dev/sgx_enclave"), std::string::npos);
  EXPECT_EQ(ShellJoin({"it's"}), "'it'\\''s'");
}

TEST(DeployCommandTest, K8sAndDockerFromTheCli) {
  auto r = RunCommand(
      "shroud deploy k8s --image a/b:1 --name op --port 8080 --health-path /ops/healthcheck "
      "--env-from-secret s:k=TOKEN --env X=1");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  rapidjson::Document docs = ParseYaml(r.out);
  ASSERT_EQ(docs.Size(), 2u);
  EXPECT_STREQ(docs[0]["spec"]["template"]["spec"]["containers"][0]["env"][1]["name"].GetString(),
               "TOKEN");
  r = RunCommand("shroud deploy docker --image a/b:1 --env core_api_token --port 8080 --json");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  auto j = ParseJson(r.out);
  ASSERT_TRUE(j.ok()) << r.out;
  EXPECT_STREQ((*j)["argv"][0].GetString(), "docker");
  r = RunCommand("shroud deploy k8s --image a --name BAD");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("--name 'BAD'"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace uid2::deploy
