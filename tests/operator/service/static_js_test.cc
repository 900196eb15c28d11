// GET /static/js/<name>.js over real HTTP (static_js.h): files from static_js_dir, strict names,
// no way out of the folder, caching headers, 304, HEAD, and a replaced file served at once.
#include "operator/service/static_js.h"

#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <fstream>

#include "test_support.h"

namespace uid2::service::testing {
namespace {

constexpr std::string_view kSdk = "uid2-sdk-3.2.0.js";
constexpr std::string_view kSdkText = "window.__uid2 = {version: '3.2.0'};\n";
constexpr std::string_view kSecret = "TOP-SECRET-OUTSIDE-THE-FOLDER";

void WriteFile(const std::string& path, std::string_view text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

void SetMtime(const std::string& path, time_t seconds) {
  struct timeval times[2] = {{seconds, 0}, {seconds, 0}};
  ASSERT_EQ(utimes(path.c_str(), times), 0);
}

class StaticJsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = new TempDir();
    js_ = root_->path() + "/js";
    std::filesystem::create_directories(js_ + "/dir.js");
    WriteFile(js_ + "/" + std::string(kSdk), kSdkText);
    WriteFile(js_ + "/.hidden.js", kSecret);
    WriteFile(js_ + "/notes.txt", kSecret);
    WriteFile(root_->path() + "/secret.js", kSecret);
    WriteFile(root_->path() + "/passwd", kSecret);
    std::filesystem::create_symlink("../secret.js", js_ + "/link.js");
    ASSERT_EQ(mkfifo((js_ + "/fifo.js").c_str(), 0600), 0);
    store::OperatorConfig c = LocalConfig(root_->path() + "/optout");
    c.static_js_dir = js_;
    auto app = OperatorApp::Start(c);
    ASSERT_TRUE(app.ok()) << app.error().message();
    app_ = std::move(app).value().release();
  }
  static void TearDownTestSuite() {
    delete app_;
    delete root_;
  }
  void SetUp() override {
    http_ = std::make_unique<BlockingHttpClient>("127.0.0.1", app_->api_port());
  }

  Result<HttpReply> Get(std::string_view target,
                        std::vector<std::pair<std::string, std::string>> headers = {}) {
    return http_->Request("GET", target, headers, "");
  }

  static TempDir* root_;
  static std::string js_;
  static OperatorApp* app_;
  std::unique_ptr<BlockingHttpClient> http_;
};
TempDir* StaticJsTest::root_ = nullptr;
std::string StaticJsTest::js_;
OperatorApp* StaticJsTest::app_ = nullptr;

// ---- negative cases first ----

TEST(StaticJsNames, OnlyPlainJsNames) {
  const std::string_view kBad[] = {"",
                                   ".js",
                                   "..js",
                                   ".hidden.js",
                                   "../x.js",
                                   "a/b.js",
                                   "/etc/x.js",
                                   "%2e%2e.js",
                                   "a..b.js",
                                   "x.JS",
                                   "x.js ",
                                   "x.mjs",
                                   "x.json",
                                   "x.js.map",
                                   "a b.js",
                                   "a\\b.js",
                                   "a%2fb.js",
                                   "\xc3\xa9.js",
                                   std::string_view("a\0.js", 5)};
  for (std::string_view bad : kBad) EXPECT_FALSE(StaticJsFiles::IsServableName(bad)) << bad;
  EXPECT_FALSE(StaticJsFiles::IsServableName(std::string(253, 'a') + ".js"));
  for (std::string_view good : {"a.js", "uid2-sdk-3.2.0.js", "euid_sdk.min.js", "X9.js"}) {
    EXPECT_TRUE(StaticJsFiles::IsServableName(good)) << good;
  }
  EXPECT_TRUE(StaticJsFiles::IsServableName(std::string(252, 'a') + ".js"));
}

TEST_F(StaticJsTest, TraversalAndOddTargetsAre404AndNeverLeak) {
  for (std::string_view target : {"/static/js/../secret.js",
                                  "/static/js/%2e%2e/secret.js",
                                  "/static/js/%2E%2E/secret.js",
                                  "/static/js/..%2fsecret.js",
                                  "/static/js/..%2Fsecret.js",
                                  "/static/js/%2e%2e%2fsecret.js",
                                  "/static/js/..%5csecret.js",
                                  "/static/js/..\\secret.js",
                                  "/static/js//etc/passwd",
                                  "/static/js/%2fetc%2fpasswd",
                                  "/static/js/../../../../etc/passwd",
                                  "/static/js/./../secret.js",
                                  "/static/js/link.js",
                                  "/static/js/.hidden.js",
                                  "/static/js/notes.txt",
                                  "/static/js/dir.js",
                                  "/static/js/fifo.js",
                                  "/static/js/",
                                  "/static/js/..",
                                  "/static/js/missing.js",
                                  "/static/secret.js",
                                  "/static/js/a%00.js",
                                  "/static/js/uid2-sdk-3.2.0.js/",
                                  "/static/js/uid2-sdk-3.2.0.js/..",
                                  "/static/js/uid2-sdk-3.2.0.JS",
                                  "/static/js/uid2%2dsdk-3.2.0.js"}) {
    SCOPED_TRACE(target);
    auto r = Get(target);
    ASSERT_TRUE(r.ok()) << r.error().message();
    EXPECT_EQ(r->status, 404u);
    EXPECT_EQ(r->body, R"({"status":"client_error","message":"Resource not found"})");
    EXPECT_EQ(r->body.find(kSecret), std::string::npos);
  }
}

TEST_F(StaticJsTest, OnlyGetAndHead) {
  auto r = http_->Post("/static/js/" + std::string(kSdk), "", "x");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 405u);
}

TEST_F(StaticJsTest, MissingFolderServesNothing) {
  store::OperatorConfig c = LocalConfig(root_->path() + "/optout2");
  c.static_js_dir = root_->path() + "/does-not-exist";
  auto app = OperatorApp::Start(c);
  ASSERT_TRUE(app.ok()) << app.error().message();
  BlockingHttpClient http("127.0.0.1", (*app)->api_port());
  auto r = http.Get("/static/js/" + std::string(kSdk));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 404u);
}

// ---- serving ----

TEST_F(StaticJsTest, ServesTheFileWithReferenceHeaders) {
  auto r = Get("/static/js/" + std::string(kSdk) + "?v=3");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200u);
  EXPECT_EQ(r->body, kSdkText);
  EXPECT_EQ(r->content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(r->Header("Cache-Control"), "public, immutable, max-age=86400");
  struct stat st {};
  ASSERT_EQ(stat((js_ + "/" + std::string(kSdk)).c_str(), &st), 0);
  EXPECT_EQ(r->Header("Last-Modified"), FormatHttpDate(st.st_mtim.tv_sec));
  int64_t date = 0;
  EXPECT_TRUE(ParseHttpDate(r->Header("Date"), &date));
  EXPECT_NEAR(static_cast<double>(date), static_cast<double>(time(nullptr)), 60.0);
}

TEST_F(StaticJsTest, HeadHasLengthButNoBody) {
  auto r = http_->Request("HEAD", "/static/js/" + std::string(kSdk), {}, "");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200u);
  EXPECT_EQ(r->Header("Content-Length"), std::to_string(kSdkText.size()));
  EXPECT_TRUE(r->body.empty());
  // The keep-alive connection is still in sync afterwards.
  auto again = Get("/static/js/" + std::string(kSdk));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->body, kSdkText);
}

TEST_F(StaticJsTest, IfModifiedSinceGives304) {
  std::string path = js_ + "/cached.js";
  WriteFile(path, "1;");
  SetMtime(path, 1700000000);
  std::string target = "/static/js/cached.js";
  auto same = Get(target, {{"If-Modified-Since", FormatHttpDate(1700000000)}});
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->status, 304u);
  EXPECT_TRUE(same->body.empty());
  auto later = Get(target, {{"If-Modified-Since", FormatHttpDate(1800000000)}});
  EXPECT_EQ(later->status, 304u);
  auto older = Get(target, {{"If-Modified-Since", FormatHttpDate(1699999999)}});
  EXPECT_EQ(older->status, 200u);
  EXPECT_EQ(older->body, "1;");
  auto garbage = Get(target, {{"If-Modified-Since", "yesterday"}});
  EXPECT_EQ(garbage->status, 200u);
}

TEST_F(StaticJsTest, ReplacedFileIsServedAtOnce) {
  std::string path = js_ + "/changing.js";
  std::string target = "/static/js/changing.js";
  WriteFile(path, "var a = 1;");
  SetMtime(path, 1700000000);
  EXPECT_EQ(Get(target)->body, "var a = 1;");
  EXPECT_EQ(Get(target)->body, "var a = 1;");  // from the cache
  WriteFile(path, "var a = 2;");               // same size, new mtime
  SetMtime(path, 1700000100);
  EXPECT_EQ(Get(target)->body, "var a = 2;");
  WriteFile(path, "var a = 33;");  // new size, same mtime
  SetMtime(path, 1700000100);
  EXPECT_EQ(Get(target)->body, "var a = 33;");
  std::filesystem::remove(path);
  EXPECT_EQ(Get(target)->status, 404u);
}

TEST_F(StaticJsTest, CountedUnderOneRouteLabel) {
  (void)Get("/static/js/" + std::string(kSdk));
  (void)Get("/static/js/nope.js");
  BlockingHttpClient metrics("127.0.0.1", app_->metrics_port());
  auto m = metrics.Get("/metrics");
  ASSERT_TRUE(m.ok());
  EXPECT_NE(m->body.find(R"(route="/static/js/*")"), std::string::npos);
  EXPECT_EQ(m->body.find("nope.js"), std::string::npos);
}

TEST(StaticJsDates, FormatsAndParsesImfFixdate) {
  EXPECT_EQ(FormatHttpDate(784111777), "Sun, 06 Nov 1994 08:49:37 GMT");
  int64_t t = 0;
  ASSERT_TRUE(ParseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT", &t));
  EXPECT_EQ(t, 784111777);
  for (std::string_view bad : {"", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994",
                               "Sun, 06 Nov 1994 08:49:37 UTC", "Sun, 06 Xyz 1994 08:49:37 GMT",
                               "Sun, 0x Nov 1994 08:49:37 GMT"}) {
    EXPECT_FALSE(ParseHttpDate(bad, &t)) << bad;
  }
}

TEST(StaticJsConfig, DefaultFolderAndValidation) {
  auto local = store::LoadOperatorConfigProfile("local");
  ASSERT_TRUE(local.ok());
  EXPECT_EQ(local->static_js_dir, "static/js");
  auto parse = [](std::string_view value) {
    std::string json = R"({"clients_metadata_path":"c","keysets_metadata_path":"k",)"
                       R"("keyset_keys_metadata_path":"kk","salts_metadata_path":"s",)"
                       R"("runtime_config_metadata_path":"r","static_js_dir":)" +
                       std::string(value) + "}";
    return store::ParseOperatorConfig(json, "t.json");
  };
  auto set = parse(R"("/srv/js")");
  ASSERT_TRUE(set.ok()) << set.error().message();
  EXPECT_EQ(set->static_js_dir, "/srv/js");
  for (std::string_view bad : {R"("")", "5"}) {
    auto r = parse(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.error().message().find("static_js_dir"), std::string::npos) << r.error().message();
  }
}

}  // namespace
}  // namespace uid2::service::testing
