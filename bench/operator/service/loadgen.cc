// uid2-loadgen: an HTTP load generator for the UID2 operator that speaks the v2 envelope
// (wrk cannot encrypt). N keep-alive connections on T client threads; every request carries a
// fresh envelope: current timestamp, random nonce, new random GCM IV, encrypted per request.
// Reports req/s, p50/p99 latency, identities/s for identity/map, and (with --operator-pid /
// --nginx-pid) the CPU time the server and the generator spent per request. With --nginx-port
// it runs the same scenario against an nginx serving a static JSON of the operator's response
// size, as the floor, and prints ratios.
//
// What is pre-built and what is per request: plaintext JSON bodies come from a pool of
// --pool distinct bodies built before the run (random emails); the envelope around them
// (timestamp, nonce, IV, AES-GCM, base64) is built for every request. Every response's HTTP
// status is checked; every --verify-every'th response is fully opened (base64, GCM with the
// client secret, echoed nonce, JSON status; for identity/map the number of result objects).
//
//   uid2-loadgen --port 8080 --key UID2-C-L-999-... --secret DzBz...
//       --scenario generate,refresh,sharing,map3 --duration 10 --connections 32
//       --nginx-port 8081 --nginx-root /tmp/x/www [--binary]
#include <CLI/CLI.hpp>

#include <sys/resource.h>
#include <unistd.h>
#include <algorithm>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "common/encoding.h"
#include "common/json.h"
#include "crypto/random.h"
#include "operator/identity/envelope.h"
#include "operator/service/v2_client.h"

namespace {

namespace beast = boost::beast;
namespace net = boost::asio;
namespace oi = uid2::operator_identity;
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
  int pool = 64;
  int verify_every = 16;
  bool binary = false;
  std::vector<int> operator_pids, nginx_pids;
  bool json = false;
};

// A scenario's request: either a v2 envelope around one of `pool` (fresh per request), or a
// raw body (refresh tokens, which are not envelopes).
struct Scenario {
  std::string name;
  std::string path;
  int identities_per_request = 1;
  bool envelope = true;
  std::vector<std::string> pool;  // plaintext JSON (envelope) or raw bodies
};

struct Stats {
  uint64_t ok = 0, errors = 0, bytes = 0, verified = 0, verify_failures = 0;
  std::vector<uint32_t> latencies_us;
  std::string first_error;
};

struct Result {
  std::string target;
  double seconds = 0;
  uint64_t ok = 0, errors = 0, verified = 0, verify_failures = 0;
  double rps = 0, p50_ms = 0, p99_ms = 0, avg_response_bytes = 0;
  double server_cpu_s = -1, loadgen_cpu_s = 0;  // CPU seconds used in the measured window
  std::string first_error;
};

// What the connections share during one run.
struct Run {
  const Options& o;
  const Scenario& sc;
  const Bytes& secret;
  bool verify;  // open sampled responses (operator runs; nginx answers static JSON)
  std::atomic<bool> stop{false}, measuring{false};
};

std::string RandomEmail(std::mt19937_64& rng) {
  return "user" + std::to_string(rng() % 1000000000000ull) + "@example.com";
}

// CountItems counts result objects in a map response: every '{' except the outer object and
// "body" (base64 and numbers contain none).
int64_t CountItems(std::string_view json) {
  return static_cast<int64_t>(std::count(json.begin(), json.end(), '{')) - 2;
}

// HttpHead is the part of a response the generator needs.
struct HttpHead {
  unsigned status = 0;
  size_t content_length = 0;
  bool keep_alive = true;
};

bool IEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// ParseHead reads the status line, Content-Length and Connection of an HTTP/1.1 response head
// (everything before the blank line). False when malformed or without Content-Length (both
// servers measured here always send one).
bool ParseHead(std::string_view head, HttpHead* out) {
  if (!head.starts_with("HTTP/1.1 ") || head.size() < 12) return false;
  out->status =
      static_cast<unsigned>((head[9] - '0') * 100 + (head[10] - '0') * 10 + (head[11] - '0'));
  bool have_length = false;
  out->keep_alive = true;
  size_t pos = head.find("\r\n");
  while (pos != std::string_view::npos && pos + 2 < head.size()) {
    size_t end = head.find("\r\n", pos + 2);
    std::string_view line =
        head.substr(pos + 2, end == std::string_view::npos ? end : end - pos - 2);
    size_t colon = line.find(':');
    if (colon != std::string_view::npos) {
      std::string_view name = line.substr(0, colon), value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      if (IEquals(name, "content-length")) {
        have_length = true;
        out->content_length = std::strtoull(std::string(value).c_str(), nullptr, 10);
      } else if (IEquals(name, "connection") && IEquals(value, "close")) {
        out->keep_alive = false;
      }
    }
    pos = end;
  }
  return have_length;
}

// One keep-alive connection looping requests until `stop`. Plain Asio on the socket: the head
// is read up to the blank line, the body straight into a reused buffer with as few recv calls
// as the socket allows (Beast's parser reads a large body in small chunks and zero-fills them,
// which made the generator cost more CPU per identity/map request than the server).
class Conn : public std::enable_shared_from_this<Conn> {
 public:
  Conn(net::io_context& ctx, tcp::endpoint ep, Run* run, std::string path, std::string bearer,
       Stats* stats, uint64_t seed)
      : socket_(ctx),
        ep_(ep),
        run_(run),
        path_(std::move(path)),
        bearer_(std::move(bearer)),
        stats_(stats),
        rng_(seed) {}

  void Start() {
    socket_.async_connect(ep_, [self = shared_from_this()](beast::error_code ec) {
      if (ec) {
        self->stats_->errors++;
        return;
      }
      beast::error_code ignored;
      self->socket_.set_option(tcp::no_delay(true), ignored);
      self->Send();
    });
  }

 private:
  // Body builds this request's body: a fresh envelope (timestamp now, random nonce, random IV)
  // around a pooled plaintext, or a pooled raw body.
  std::string Body() {
    const Scenario& sc = run_->sc;
    const std::string& plain = sc.pool[rng_() % sc.pool.size()];
    if (!sc.envelope) return plain;
    uint64_t n = rng_();
    std::memcpy(nonce_.data(), &n, nonce_.size());
    oi::KeySecret key;
    std::copy(run_->secret.begin(), run_->secret.end(), key.begin());
    return oi::EncodeRequestEnvelope(
        plain, nonce_, key, uid2::service::NowMs(),
        run_->o.binary ? oi::BodyEncoding::kBinary : oi::BodyEncoding::kBase64Text);
  }

  void Send() {
    if (run_->stop.load(std::memory_order_relaxed)) return;
    body_out_ = Body();
    bool octets = run_->o.binary && run_->sc.envelope;
    head_out_ = "POST " + path_ + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    if (!bearer_.empty()) head_out_ += "Authorization: " + bearer_ + "\r\n";
    head_out_ +=
        octets ? "Content-Type: application/octet-stream\r\n" : "Content-Type: text/plain\r\n";
    head_out_ += "Content-Length: " + std::to_string(body_out_.size()) + "\r\n\r\n";
    start_ = std::chrono::steady_clock::now();
    std::array<net::const_buffer, 2> bufs{net::buffer(head_out_), net::buffer(body_out_)};
    net::async_write(socket_, bufs, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return self->Fail();
      self->ReadHead();
    });
  }

  void ReadHead() {
    net::async_read_until(socket_, net::dynamic_buffer(in_), "\r\n\r\n",
                          [self = shared_from_this()](beast::error_code ec, size_t head_len) {
                            if (ec) return self->Fail();
                            self->OnHead(head_len);
                          });
  }

  void OnHead(size_t head_len) {
    if (!ParseHead(std::string_view(in_).substr(0, head_len), &head_)) return Fail();
    // Bytes after the head already read belong to the body.
    size_t have = std::min(in_.size() - head_len, head_.content_length);
    body_.resize(head_.content_length);
    std::memcpy(body_.data(), in_.data() + head_len, have);
    in_.erase(0, head_len + have);
    if (have == head_.content_length) return OnResponse();
    net::async_read(socket_, net::buffer(body_.data() + have, head_.content_length - have),
                    [self = shared_from_this()](beast::error_code ec, size_t) {
                      if (ec) return self->Fail();
                      self->OnResponse();
                    });
  }

  // Verify opens a sampled response: base64 (text mode), GCM with the client secret, the echoed
  // nonce, the status, and for identity/map the number of results.
  bool Verify(const std::string& body) {
    Bytes raw;
    if (run_->o.binary) {
      raw.assign(body.begin(), body.end());
    } else if (!uid2::Base64DecodeTo(body, uid2::Base64Alphabet::kStandard,
                                     uid2::Base64Mode::kStrict, &raw)) {
      return false;
    }
    auto dec = uid2::service::DecryptV2Response(run_->secret, raw);
    if (!dec.ok() || !std::equal(nonce_.begin(), nonce_.end(), dec->nonce.begin())) return false;
    if (!dec->json.starts_with(R"({"status":"success")")) return false;
    int per_request = run_->sc.identities_per_request;
    return per_request <= 1 || CountItems(dec->json) == per_request;
  }

  void OnResponse() {
    auto elapsed = std::chrono::steady_clock::now() - start_;
    if (run_->measuring.load(std::memory_order_relaxed)) {
      if (head_.status == 200) {
        stats_->ok++;
        stats_->bytes += body_.size();
        stats_->latencies_us.push_back(static_cast<uint32_t>(
            std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count()));
        if (run_->verify && run_->sc.envelope && ++responses_ % run_->o.verify_every == 0) {
          if (Verify(body_)) {
            stats_->verified++;
          } else {
            stats_->verify_failures++;
          }
        }
      } else {
        stats_->errors++;
        if (stats_->first_error.empty()) {
          stats_->first_error = std::to_string(head_.status) + " " + body_.substr(0, 200);
        }
      }
    }
    if (!head_.keep_alive) return Reconnect();
    Send();
  }

  void Fail() {
    if (run_->stop.load()) return;
    if (run_->measuring.load()) stats_->errors++;
    Reconnect();
  }

  void Reconnect() {
    beast::error_code ignored;
    socket_.close(ignored);
    in_.clear();
    Start();
  }

  tcp::socket socket_;
  tcp::endpoint ep_;
  Run* run_;
  std::string path_, bearer_;
  Stats* stats_;
  std::mt19937_64 rng_;
  std::array<uint8_t, 8> nonce_{};
  uint64_t responses_ = 0;
  std::string head_out_, body_out_;
  std::string in_;    // received bytes not yet consumed (the head, maybe some body)
  std::string body_;  // the response body (reused: no zero-fill once it has grown)
  HttpHead head_;
  std::chrono::steady_clock::time_point start_;
};

// CpuSeconds is the user+system CPU time of process `pid` (all its threads), or of this
// process for pid 0.
double CpuSeconds(int pid) {
  if (pid == 0) {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
  }
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  size_t paren = stat.rfind(')');
  if (paren == std::string::npos) return -1;
  std::istringstream rest(stat.substr(paren + 2));
  std::string field;
  double utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {  // fields 14 and 15: utime, stime
    if (i == 14) utime = std::stod(field);
    if (i == 15) stime = std::stod(field);
  }
  return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double SumCpu(const std::vector<int>& pids) {
  double sum = 0;
  for (int pid : pids) {
    double s = CpuSeconds(pid);
    if (s < 0) return -1;
    sum += s;
  }
  return sum;
}

Result RunLoad(const Options& o, const Scenario& sc, const Bytes& secret, uint16_t port,
               const std::string& path, const std::string& bearer, const std::string& label,
               const std::vector<int>& server_pids, bool verify) {
  Run run{o, sc, secret, verify};
  std::vector<std::unique_ptr<net::io_context>> ctxs;
  std::vector<Stats> stats(o.connections);
  tcp::endpoint ep(net::ip::make_address(o.host), port);
  for (int t = 0; t < o.threads; ++t) ctxs.push_back(std::make_unique<net::io_context>(1));
  uint64_t seed_base = 0;
  uid2::crypto::RandomFill({reinterpret_cast<uint8_t*>(&seed_base), sizeof seed_base});
  for (int c = 0; c < o.connections; ++c) {
    stats[c].latencies_us.reserve(1 << 16);
    std::make_shared<Conn>(*ctxs[c % o.threads], ep, &run, path, bearer, &stats[c],
                           seed_base + 0x9e3779b97f4a7c15ull * (c + 1))
        ->Start();
  }
  std::vector<std::thread> threads;
  for (auto& ctx : ctxs) threads.emplace_back([&ctx] { ctx->run(); });
  std::this_thread::sleep_for(std::chrono::duration<double>(o.warmup));
  double server0 = server_pids.empty() ? -1 : SumCpu(server_pids), self0 = CpuSeconds(0);
  run.measuring = true;
  auto t0 = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(o.duration));
  run.measuring = false;
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  double server1 = server_pids.empty() ? -1 : SumCpu(server_pids), self1 = CpuSeconds(0);
  run.stop = true;
  for (auto& ctx : ctxs) ctx->stop();
  for (auto& t : threads) t.join();

  Result r;
  r.target = label;
  r.seconds = secs;
  if (server0 >= 0 && server1 >= 0) r.server_cpu_s = server1 - server0;
  r.loadgen_cpu_s = self1 - self0;
  std::vector<uint32_t> all;
  uint64_t bytes = 0;
  for (auto& s : stats) {
    r.ok += s.ok;
    r.errors += s.errors;
    r.verified += s.verified;
    r.verify_failures += s.verify_failures;
    bytes += s.bytes;
    if (r.first_error.empty()) r.first_error = s.first_error;
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

// Collects refresh tokens by calling /v2/token/generate (v2_client: an independent envelope
// implementation).
std::vector<std::string> MakeRefreshTokens(const Options& o, const Bytes& secret, int n) {
  BlockingHttpClient client(o.host, o.port);
  std::vector<std::string> tokens;
  std::mt19937_64 rng(42);
  for (int i = 0; i < n; ++i) {
    auto env = uid2::service::EncryptV2Request(secret, R"({"email":")" + RandomEmail(rng) + "\"}",
                                               uid2::service::NowMs());
    if (!env.ok()) continue;
    auto reply = client.Post("/v2/token/generate", o.key, uid2::Base64Encode(env->envelope));
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

std::string MapBody(std::mt19937_64& rng, int batch) {
  std::string json = R"({"email":[)";
  json.reserve(static_cast<size_t>(batch) * 32 + 16);
  for (int i = 0; i < batch; ++i) {
    if (i) json += ',';
    json += '"';
    json += RandomEmail(rng);
    json += '"';
  }
  json += "]}";
  return json;
}

std::vector<Scenario> MakeScenarios(const Options& o, const Bytes& secret) {
  std::vector<Scenario> out;
  std::mt19937_64 rng(std::random_device{}());
  for (const std::string& name : o.scenarios) {
    Scenario s;
    s.name = name;
    if (name == "generate") {
      s.path = "/v2/token/generate";
      for (int i = 0; i < 4096; ++i) s.pool.push_back(R"({"email":")" + RandomEmail(rng) + "\"}");
    } else if (name == "refresh") {
      s.path = "/v2/token/refresh";
      s.envelope = false;
      s.pool = MakeRefreshTokens(o, secret, 256);
      if (s.pool.empty()) {
        std::fprintf(stderr, "uid2-loadgen: could not obtain refresh tokens; skipping refresh\n");
        continue;
      }
    } else if (name == "sharing") {
      s.path = "/v2/key/sharing";
      s.pool.push_back("");
    } else if (name == "map3") {
      s.path = "/v3/identity/map";
      s.identities_per_request = o.map_batch;
      for (int i = 0; i < o.pool; ++i) s.pool.push_back(MapBody(rng, o.map_batch));
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

// Per-request CPU in microseconds, or -1 when unknown.
double CpuUsPerRequest(double cpu_s, const Result& r) {
  return cpu_s < 0 || r.ok == 0 ? -1 : cpu_s * 1e6 / static_cast<double>(r.ok);
}

void PrintRow(const Scenario& sc, const Result& r) {
  std::printf("%-9s %-8s %10.1f req/s  p50 %7.2f ms  p99 %7.2f ms  %8.0f B/resp  errors %llu",
              sc.name.c_str(), r.target.c_str(), r.rps, r.p50_ms, r.p99_ms, r.avg_response_bytes,
              static_cast<unsigned long long>(r.errors));
  if (sc.identities_per_request > 1) {
    std::printf("  %.0f identities/s", r.rps * sc.identities_per_request);
  }
  std::printf("\n%-9s %-8s cpu/s: server %.2f, loadgen %.2f", "", "",
              r.server_cpu_s < 0 ? -1.0 : r.server_cpu_s / r.seconds, r.loadgen_cpu_s / r.seconds);
  std::printf("  cpu/request: server %.0f us, loadgen %.0f us", CpuUsPerRequest(r.server_cpu_s, r),
              CpuUsPerRequest(r.loadgen_cpu_s, r));
  if (r.verified + r.verify_failures > 0) {
    std::printf("  verified %llu (failed %llu)", static_cast<unsigned long long>(r.verified),
                static_cast<unsigned long long>(r.verify_failures));
  }
  std::printf("\n");
  if (!r.first_error.empty()) std::printf("  first error: %s\n", r.first_error.c_str());
  std::fflush(stdout);
}

std::string JsonResult(const Scenario& sc, const Result& r, bool binary) {
  char buf[1024];
  std::snprintf(
      buf, sizeof buf,
      R"({"scenario":"%s","target":"%s","envelope":"%s","rps":%.2f,"p50_ms":%.3f,)"
      R"("p99_ms":%.3f,"avg_response_bytes":%.0f,"ok":%llu,"errors":%llu,"identities_per_s":%.0f,)"
      R"("server_cpu_s_per_s":%.3f,"loadgen_cpu_s_per_s":%.3f,"verified":%llu,"verify_failures":%llu})",
      sc.name.c_str(), r.target.c_str(), binary ? "binary" : "base64", r.rps, r.p50_ms, r.p99_ms,
      r.avg_response_bytes, static_cast<unsigned long long>(r.ok),
      static_cast<unsigned long long>(r.errors), r.rps * sc.identities_per_request,
      r.server_cpu_s < 0 ? -1.0 : r.server_cpu_s / r.seconds, r.loadgen_cpu_s / r.seconds,
      static_cast<unsigned long long>(r.verified),
      static_cast<unsigned long long>(r.verify_failures));
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
  app.add_option("--pool", o.pool, "Distinct pre-built identity/map plaintext bodies");
  app.add_option("--verify-every", o.verify_every,
                 "Fully open every Nth response (GCM, nonce, status, result count)")
      ->check(CLI::PositiveNumber);
  app.add_flag("--binary", o.binary,
               "Send application/octet-stream envelopes (raw bytes) instead of base64 text");
  app.add_option("--operator-pid", o.operator_pids, "Operator process(es): report their CPU time");
  app.add_option("--nginx-pid", o.nginx_pids, "nginx worker process(es): report their CPU time");
  app.add_option("--nginx-port", o.nginx_port, "nginx port for the floor run (0: none)");
  app.add_option("--nginx-root", o.nginx_root, "nginx document root (static JSON written here)");
  app.add_flag("--json", o.json, "One JSON line per result");
  app.footer(
      "Examples:\n  uid2-loadgen --port 8080 --key UID2-C-L-999-... --secret DzBz...= "
      "--scenario generate --duration 5\n"
      "  uid2-loadgen ... --scenario map3 --binary --operator-pid $(pgrep -f 'uid2-operator')");
  CLI11_PARSE(app, argc, argv);
  if (o.threads < 1 || o.connections < 1 || o.pool < 1) return 2;
  auto secret = uid2::Base64Decode(o.secret_b64);
  if (!secret || secret->size() != 32) {
    std::fprintf(stderr, "uid2-loadgen: --secret must be base64 of 32 bytes\n");
    return 2;
  }
  std::string bearer = "Bearer " + o.key;
  std::vector<Scenario> scenarios = MakeScenarios(o, *secret);
  int failures = 0;
  for (const Scenario& sc : scenarios) {
    Result op = RunLoad(o, sc, *secret, o.port, sc.path, bearer, "operator", o.operator_pids, true);
    if (o.json) {
      std::printf("%s\n", JsonResult(sc, op, o.binary).c_str());
    } else {
      PrintRow(sc, op);
    }
    if (op.ok == 0 || op.verify_failures > 0) ++failures;
    if (o.nginx_port == 0 || o.nginx_root.empty()) continue;
    if (!WriteStaticJson(o.nginx_root, sc.name, static_cast<size_t>(op.avg_response_bytes))) {
      std::fprintf(stderr, "uid2-loadgen: cannot write into %s\n", o.nginx_root.c_str());
      return 1;
    }
    Result ng = RunLoad(o, sc, *secret, o.nginx_port, "/" + sc.name + ".json", bearer, "nginx",
                        o.nginx_pids, false);
    if (o.json) {
      std::printf("%s\n", JsonResult(sc, ng, o.binary).c_str());
      std::printf(R"({"scenario":"%s","envelope":"%s","ratio_operator_to_nginx":%.3f})"
                  "\n",
                  sc.name.c_str(), o.binary ? "binary" : "base64",
                  ng.rps > 0 ? op.rps / ng.rps : 0.0);
    } else {
      PrintRow(sc, ng);
      std::printf("%-9s ratio    operator/nginx = %.1f%%\n", sc.name.c_str(),
                  ng.rps > 0 ? 100.0 * op.rps / ng.rps : 0.0);
    }
  }
  return failures == 0 ? 0 : 1;
}
