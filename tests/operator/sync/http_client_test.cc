// The shared libcurl client: URL handling, limits, no redirects, no credentials in errors.
#include <gtest/gtest.h>

#include <thread>

#include "operator/sync/http_client.h"
#include "tests/operator/sync/fake_http.h"

namespace uid2::sync::testing {
namespace {

TEST(HttpClient, RedactUrlCutsTheQuery) {
  EXPECT_EQ(RedactUrl("http://h/a/b?sig=secret&x=1"), "http://h/a/b?...");
  EXPECT_EQ(RedactUrl("http://h/a#frag"), "http://h/a?...");
  EXPECT_EQ(RedactUrl("http://h/a"), "http://h/a");
}

TEST(HttpClient, ResolveUrl) {
  EXPECT_EQ(*ResolveUrl("http://127.0.0.1:8089", "/optout/refresh"),
            "http://127.0.0.1:8089/optout/refresh");
  EXPECT_EQ(*ResolveUrl("http://h:1/base/x", "y?q=1"), "http://h:1/base/y?q=1");
  EXPECT_EQ(*ResolveUrl("http://h:1/base/", "https://other/z"), "https://other/z");
  EXPECT_FALSE(ResolveUrl("not a url", "/x").ok());
}

TEST(HttpClient, OnlyHttpAndHttps) {
  HttpRequest r;
  r.url = "file:///etc/passwd";
  EXPECT_FALSE(HttpFetch(r).ok());
  r.url = "ftp://h/x";
  EXPECT_FALSE(HttpFetch(r).ok());
  r.url = "http://127.0.0.1:1/";
  r.method = "DELETE";
  EXPECT_FALSE(HttpFetch(r).ok());
}

TEST(HttpClient, GetAndPostWithHeaders) {
  FakeHttp server([](const FakeRequest& r) {
    return FakeResponse{201, r.method + " " + r.Header("x-test") + " " + r.body};
  });
  HttpRequest get;
  get.url = server.url("/a?b=c");
  get.headers = {"X-Test: one"};
  auto g = HttpFetch(get);
  ASSERT_TRUE(g.ok()) << g.error().message();
  EXPECT_EQ(g->status, 201);
  EXPECT_EQ(g->body, "GET one ");
  EXPECT_EQ(server.requests().back().target, "/a?b=c");  // query kept exactly
  HttpRequest post = get;
  post.method = "POST";
  post.body = "payload";
  EXPECT_EQ(HttpFetch(post)->body, "POST one payload");
}

TEST(HttpClient, RedirectsAreNotFollowed) {
  FakeHttp server([](const FakeRequest&) { return FakeResponse{302, "moved"}; });
  HttpRequest r;
  r.url = server.url("/x");
  auto reply = HttpFetch(r);
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply->status, 302);
}

TEST(HttpClient, BodyLimitAndTruncation) {
  FakeHttp server([](const FakeRequest& r) {
    FakeResponse resp{200, std::string(5000, 'x')};
    resp.truncate = r.path == "/short";
    return resp;
  });
  HttpRequest r;
  r.url = server.url("/big?sig=secret");
  r.max_body_bytes = 1000;
  auto big = HttpFetch(r);
  ASSERT_FALSE(big.ok());
  EXPECT_NE(big.error().message().find("larger than 1000"), std::string::npos);
  EXPECT_EQ(big.error().message().find("secret"), std::string::npos);
  r.url = server.url("/short");
  r.max_body_bytes = 1 << 20;
  EXPECT_FALSE(HttpFetch(r).ok());  // Content-Length promised more than arrived
}

TEST(HttpClient, TimeoutIsEnforced) {
  FakeHttp server([](const FakeRequest&) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    return FakeResponse{200, "late"};
  });
  HttpRequest r;
  r.url = server.url("/slow");
  r.timeout = std::chrono::milliseconds(200);
  auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(HttpFetch(r).ok());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1200));
}

}  // namespace
}  // namespace uid2::sync::testing
