// uid2-loadgen: an HTTP load generator for the UID2 operator that speaks the v2 envelope
// (wrk cannot encrypt). N keep-alive connections on T client threads; every request carries a
// fresh envelope (current timestamp, random nonce, random identity). Reports req/s, p50/p99
// latency and, for identity/map, identities/s. With --nginx it runs the same scenario against an
// nginx serving a static JSON of the operator's response size, as the floor, and prints ratios.
//
//   uid2-loadgen --port 8080 --key UID2-C-L-999-... --secret DzBz...
//       --scenario generate,refresh,sharing,map3 --duration 10 --connections 32
//       --nginx-port 8081 --nginx-root /tmp/x/www
#include <CLI/CLI.hpp>

#include <algorithm>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstdio>
#include <fstream>
#include <random>
#include <thread>

#include "common/encoding.h"
#include "common/json.h"
#include "operator/service/v2_client.h"

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using uid2::Bytes;
using uid2::service::BlockingHttpClient;

struct Options {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;
  uint16_t nginx_port = 0;
  std::string nginx_root;
  std::string key, secret_b64;
  std::vector<std::string> scenarios = {"generate", "refresh", "sharing", "map3"};
  double duration = 10;
  double warmup = 1;
  int connections = 32;
  int threads = 1;
  int map_batch = 5000;
  bool json = false;
};

struct Scenario {
  std::string name;
  std::string path;
  int identities_per_request = 1;
  // Builds one request body (fresh envelope). Called from client threads; must be thread-safe.
  std::function<std::string(std::mt19937_64&)> body;
};

struct Stats {
  uint64_t ok = 0, errors = 0, bytes = 0;
  std::vector<uint32_t> latencies_us;
};

struct Result {
  std::string target;
  double seconds = 0;
  uint64_t ok = 0, errors = 0;
  double rps = 0, p50_ms = 0, p99_ms = 0, avg_response_bytes = 0;
};

std::string RandomEmail(std::mt19937_64& rng) {
  return "user" + std::to_string(rng() % 1000000000000ull) + "@example.com";
}

// One keep-alive connection looping requests until `stop`.
class Conn : public std::enable_shared_from_this<Conn> {
 public:
  Conn(net::io_context& ctx, tcp::endpoint ep, const Scenario& sc, std::string path,
       std::string bearer, std::atomic<bool>* stop, std::atomic<bool>* measuring, Stats* stats,
       uint64_t seed)
      : stream_(ctx),
        ep_(ep),
        sc_(sc),
        path_(std::move(path)),
        bearer_(std::move(bearer)),
        stop_(stop),
        measuring_(measuring),
        stats_(stats),
        rng_(seed) {}

  void Start() {
    stream_.async_connect(ep_, [self = shared_from_this()](beast::error_code ec) {
      if (ec) {
        self->stats_->errors++;
        return;
      }
      beast::error_code ignored;
      self->stream_.socket().set_option(tcp::no_delay(true), ignored);
      self->Send();
    });
  }

 private:
  void Send() {
    if (stop_->load(std::memory_order_relaxed)) return;
    req_ = {};
    req_.method(http::verb::post);
    req_.target(path_);
    req_.version(11);
    req_.set(http::field::host, "127.0.0.1");
    if (!bearer_.empty()) req_.set(http::field::authorization, bearer_);
    req_.set(http::field::content_type, "text/plain");
    req_.body() = sc_.body(rng_);
    req_.keep_alive(true);
    req_.prepare_payload();
    start_ = std::chrono::steady_clock::now();
    http::async_write(stream_, req_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return self->Fail();
      self->parser_.emplace();
      self->parser_->body_limit(64 << 20);
      http::async_read(self->stream_, self->buffer_, *self->parser_,
                       [self](beast::error_code ec2, size_t) { self->OnRead(ec2); });
    });
  }

  void OnRead(beast::error_code ec) {
    if (ec) return Fail();
    auto elapsed = std::chrono::steady_clock::now() - start_;
    auto& res = parser_->get();
    if (measuring_->load(std::memory_order_relaxed)) {
      if (res.result_int() == 200) {
        stats_->ok++;
        stats_->bytes += res.body().size();
        stats_->latencies_us.push_back(static_cast<uint32_t>(
            std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count()));
      } else {
        stats_->errors++;
      }
    }
    if (!res.keep_alive()) return Reconnect();
    Send();
  }

  void Fail() {
    if (stop_->load()) return;
    if (measuring_->load()) stats_->errors++;
    Reconnect();
  }

  void Reconnect() {
    beast::error_code ignored;
    stream_.socket().close(ignored);
    buffer_.clear();
    Start();
  }

  beast::tcp_stream stream_;
  tcp::endpoint ep_;
  const Scenario& sc_;
  std::string path_, bearer_;
  std::atomic<bool>* stop_;
  std::atomic<bool>* measuring_;
  Stats* stats_;
  std::mt19937_64 rng_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> req_;
  std::optional<http::response_parser<http::string_body>> parser_;
  std::chrono::steady_clock::time_point start_;
};

Result RunLoad(const Options& o, const Scenario& sc, uint16_t port, const std::string& path,
               const std::string& bearer, const std::string& label) {
  std::atomic<bool> stop{false}, measuring{false};
  std::vector<std::unique_ptr<net::io_context>> ctxs;
  std::vector<Stats> stats(o.connections);
  tcp::endpoint ep(net::ip::make_address(o.host), port);
  for (int t = 0; t < o.threads; ++t) ctxs.push_back(std::make_unique<net::io_context>(1));
  for (int c = 0; c < o.connections; ++c) {
    stats[c].latencies_us.reserve(1 << 16);
    std::make_shared<Conn>(*ctxs[c % o.threads], ep, sc, path, bearer, &stop, &measuring, &stats[c],
                           0x9e3779b97f4a7c15ull * (c + 1))
        ->Start();
  }
  std::vector<std::thread> threads;
  for (auto& ctx : ctxs) threads.emplace_back([&ctx] { ctx->run(); });
  std::this_thread::sleep_for(std::chrono::duration<double>(o.warmup));
  measuring = true;
  auto t0 = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(o.duration));
  measuring = false;
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  stop = true;
  for (auto& ctx : ctxs) ctx->stop();
  for (auto& t : threads) t.join();

  Result r;
  r.target = label;
  r.seconds = secs;
  std::vector<uint32_t> all;
  uint64_t bytes = 0;
  for (auto& s : stats) {
    r.ok += s.ok;
    r.errors += s.errors;
    bytes += s.bytes;
    all.insert(all.end(), s.latencies_us.begin(), s.latencies_us.end());
  }
  std::sort(all.begin(), all.end());
  r.rps = r.ok / secs;
  if (!all.empty()) {
    r.p50_ms = all[all.size() / 2] / 1000.0;
    r.p99_ms = all[std::min(all.size() - 1, all.size() * 99 / 100)] / 1000.0;
    r.avg_response_bytes = static_cast<double>(bytes) / all.size();
  }
  return r;
}

std::string Envelope(const Bytes& secret, const std::string& json) {
  auto req = uid2::service::EncryptV2Request(secret, json, uid2::service::NowMs());
  if (!req.ok()) return "";
  return uid2::Base64Encode(req->envelope);
}

// Collects refresh tokens by calling /v2/token/generate.
std::vector<std::string> MakeRefreshTokens(const Options& o, const Bytes& secret, int n) {
  BlockingHttpClient client(o.host, o.port);
  std::vector<std::string> tokens;
  std::mt19937_64 rng(42);
  for (int i = 0; i < n; ++i) {
    std::string body = Envelope(secret, R"({"email":")" + RandomEmail(rng) + "\"}");
    auto reply = client.Post("/v2/token/generate", o.key, body);
    if (!reply.ok() || reply->status != 200) continue;
    auto raw = uid2::Base64Decode(reply->body);
    if (!raw) continue;
    auto dec = uid2::service::DecryptV2Response(secret, *raw);
    if (!dec.ok()) continue;
    auto doc = uid2::ParseJson(dec->json);
    if (!doc.ok() || !doc->HasMember("body")) continue;
    const auto& b = (*doc)["body"];
    if (b.IsObject() && b.HasMember("refresh_token") && b["refresh_token"].IsString()) {
      tokens.emplace_back(b["refresh_token"].GetString());
    }
  }
  return tokens;
}

std::vector<Scenario> MakeScenarios(const Options& o, const Bytes& secret) {
  std::vector<Scenario> out;
  for (const std::string& name : o.scenarios) {
    Scenario s;
    s.name = name;
    if (name == "generate") {
      s.path = "/v2/token/generate";
      s.body = [secret](std::mt19937_64& rng) {
        return Envelope(secret, R"({"email":")" + RandomEmail(rng) + "\"}");
      };
    } else if (name == "refresh") {
      s.path = "/v2/token/refresh";
      auto tokens = std::make_shared<std::vector<std::string>>(MakeRefreshTokens(o, secret, 256));
      if (tokens->empty()) {
        std::fprintf(stderr, "uid2-loadgen: could not obtain refresh tokens; skipping refresh\n");
        continue;
      }
      s.body = [tokens](std::mt19937_64& rng) { return (*tokens)[rng() % tokens->size()]; };
    } else if (name == "sharing") {
      s.path = "/v2/key/sharing";
      s.body = [secret](std::mt19937_64&) { return Envelope(secret, ""); };
    } else if (name == "map3") {
      s.path = "/v3/identity/map";
      s.identities_per_request = o.map_batch;
      int batch = o.map_batch;
      s.body = [secret, batch](std::mt19937_64& rng) {
        std::string json = R"({"email":[)";
        json.reserve(batch * 32 + 16);
        for (int i = 0; i < batch; ++i) {
          if (i) json += ',';
          json += '"';
          json += RandomEmail(rng);
          json += '"';
        }
        json += "]}";
        return Envelope(secret, json);
      };
    } else {
      std::fprintf(stderr, "uid2-loadgen: unknown scenario '%s'\n", name.c_str());
      continue;
    }
    out.push_back(std::move(s));
  }
  return out;
}

// Writes <root>/<name>.json: a JSON document of exactly `size` bytes.
bool WriteStaticJson(const std::string& root, const std::string& name, size_t size) {
  std::string head = R"({"status":"success","body":")";
  std::string tail = "\"}";
  std::string doc = head;
  size_t fill = size > head.size() + tail.size() ? size - head.size() - tail.size() : 0;
  doc.append(fill, 'A');
  doc += tail;
  std::ofstream f(root + "/" + name + ".json", std::ios::binary);
  f << doc;
  return static_cast<bool>(f);
}

void PrintRow(const Scenario& sc, const Result& r) {
  std::printf("%-9s %-8s %10.0f req/s  p50 %7.2f ms  p99 %7.2f ms  %8.0f B/resp  errors %llu",
              sc.name.c_str(), r.target.c_str(), r.rps, r.p50_ms, r.p99_ms, r.avg_response_bytes,
              static_cast<unsigned long long>(r.errors));
  if (sc.identities_per_request > 1) {
    std::printf("  %.0f identities/s", r.rps * sc.identities_per_request);
  }
  std::printf("\n");
  std::fflush(stdout);
}

std::string JsonResult(const Scenario& sc, const Result& r) {
  char buf[512];
  std::snprintf(buf, sizeof buf,
                R"({"scenario":"%s","target":"%s","rps":%.1f,"p50_ms":%.3f,"p99_ms":%.3f,)"
                R"("avg_response_bytes":%.0f,"ok":%llu,"errors":%llu,"identities_per_s":%.0f})",
                sc.name.c_str(), r.target.c_str(), r.rps, r.p50_ms, r.p99_ms, r.avg_response_bytes,
                static_cast<unsigned long long>(r.ok), static_cast<unsigned long long>(r.errors),
                r.rps * sc.identities_per_request);
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"uid2-loadgen: v2-envelope HTTP load generator for the UID2 operator"};
  app.add_option("--host", o.host, "Server address");
  app.add_option("--port", o.port, "Operator port")->required();
  app.add_option("--key", o.key, "Client API key (bearer)")->required();
  app.add_option("--secret", o.secret_b64, "Client secret (base64)")->required();
  app.add_option("--scenario", o.scenarios, "generate, refresh, sharing, map3")->delimiter(',');
  app.add_option("--duration", o.duration, "Measured seconds per run");
  app.add_option("--warmup", o.warmup, "Unmeasured seconds before each run");
  app.add_option("--connections", o.connections, "Concurrent keep-alive connections");
  app.add_option("--threads", o.threads, "Client threads");
  app.add_option("--map-batch", o.map_batch, "Emails per identity/map request");
  app.add_option("--nginx-port", o.nginx_port, "nginx port for the floor run (0: none)");
  app.add_option("--nginx-root", o.nginx_root, "nginx document root (static JSON written here)");
  app.add_flag("--json", o.json, "One JSON line per result");
  app.footer(
      "Example:\n  uid2-loadgen --port 8080 --key UID2-C-L-999-... --secret DzBz...= "
      "--scenario generate --duration 5");
  CLI11_PARSE(app, argc, argv);
  if (o.threads < 1 || o.connections < 1) return 2;
  auto secret = uid2::Base64Decode(o.secret_b64);
  if (!secret || secret->size() != 32) {
    std::fprintf(stderr, "uid2-loadgen: --secret must be base64 of 32 bytes\n");
    return 2;
  }
  std::string bearer = "Bearer " + o.key;
  std::vector<Scenario> scenarios = MakeScenarios(o, *secret);
  int failures = 0;
  for (const Scenario& sc : scenarios) {
    Result op = RunLoad(o, sc, o.port, sc.path, bearer, "operator");
    if (o.json) {
      std::printf("%s\n", JsonResult(sc, op).c_str());
    } else {
      PrintRow(sc, op);
    }
    if (op.ok == 0) ++failures;
    if (o.nginx_port == 0 || o.nginx_root.empty()) continue;
    if (!WriteStaticJson(o.nginx_root, sc.name, static_cast<size_t>(op.avg_response_bytes))) {
      std::fprintf(stderr, "uid2-loadgen: cannot write into %s\n", o.nginx_root.c_str());
      return 1;
    }
    Result ng = RunLoad(o, sc, o.nginx_port, "/" + sc.name + ".json", bearer, "nginx");
    if (o.json) {
      std::printf("%s\n", JsonResult(sc, ng).c_str());
      std::printf(R"({"scenario":"%s","ratio_operator_to_nginx":%.3f})"
                  "\n",
                  sc.name.c_str(), ng.rps > 0 ? op.rps / ng.rps : 0.0);
    } else {
      PrintRow(sc, ng);
      std::printf("%-9s ratio    operator/nginx = %.1f%%\n", sc.name.c_str(),
                  ng.rps > 0 ? 100.0 * op.rps / ng.rps : 0.0);
    }
  }
  return failures == 0 ? 0 : 1;
}
