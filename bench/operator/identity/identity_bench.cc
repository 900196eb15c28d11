// identity_bench: per-identity cost of the identity/map path (normalize + identity hash +
// first-level hash + bucket + raw UID) and per-token costs, with SHA-256 of the same input
// sizes as the floor measured in the same run.
//
//   build/<dir>/bin/operator_identity_bench --benchmark_min_time=1
//
// Identities/s per core = 1e9 / (ns per identity). identity/map's goal is >= 1,000,000/s on 2
// cores end to end, i.e. this path must stay well under 2,000 ns per identity per core.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "common/encoding.h"
#include "crypto/random.h"
#include "operator/identity/identity.h"
#include "operator/store/salts.h"

using namespace uid2;
using namespace uid2::operator_identity;

namespace {

constexpr std::string_view kFirstLevelSalt = "fOGY/aRE44peL23i+cE9MkJrzmEeNZZziNZBfq7qqk8=";
constexpr std::string_view kBucketSalt = "vgv1BwiNRCW7F3VcNXHlZh+7oHJ4G4gCshbGcVOLnss=";
const SaltKey kV4Key{2100002, "key12345key12345key12345key12340",
                     "salt1234salt1234salt1234salt1230"};
constexpr size_t kBuckets = size_t{1} << 20;

const std::vector<std::string>& Emails() {
  static const std::vector<std::string> emails = [] {
    std::vector<std::string> v;
    for (int i = 0; i < 4096; i++) v.push_back("User.Name" + std::to_string(i) + "@Example.com");
    return v;
  }();
  return emails;
}

const std::vector<std::string>& EmailHashes() {
  static const std::vector<std::string> hashes = [] {
    std::vector<std::string> v;
    for (const std::string& e : Emails()) v.push_back(Base64Encode(HashIdentity(e).span()));
    return v;
  }();
  return hashes;
}

// The floor: two SHA-256 of the sizes the chain hashes (44 + 44 bytes), per identity.
void BM_Sha256Floor(benchmark::State& state) {
  std::string input(88, 'x');
  for (auto _ : state) {
    Sha256Value a = Sha256Of(AsBytes(input));
    benchmark::DoNotOptimize(a);
  }
}
BENCHMARK(BM_Sha256Floor);

// email -> normalized -> SHA-256 -> first level -> bucket -> raw UID v3 (salted bucket).
void BM_EmailToRawUidV3(benchmark::State& state) {
  const auto& emails = Emails();
  std::string scratch;
  size_t i = 0;
  for (auto _ : state) {
    auto id = ResolveIdentity(InputKind::kEmail, emails[i++ & 4095], &scratch);
    Sha256Value fl = FirstLevelHash(*id, kFirstLevelSalt);
    size_t bucket = store::SaltBucketIndex(fl, kBuckets);
    RawUid uid = RawUidV3(fl, kBucketSalt, IdentityScope::kUid2, IdentityType::kEmail);
    benchmark::DoNotOptimize(bucket);
    benchmark::DoNotOptimize(uid);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EmailToRawUidV3)->Threads(1)->Threads(2);

// email -> ... -> raw UID v4 (keyed bucket: SHA-256 IV + AES-256-CTR).
void BM_EmailToRawUidV4(benchmark::State& state) {
  const auto& emails = Emails();
  std::string scratch;
  size_t i = 0;
  for (auto _ : state) {
    auto id = ResolveIdentity(InputKind::kEmail, emails[i++ & 4095], &scratch);
    Sha256Value fl = FirstLevelHash(*id, kFirstLevelSalt);
    auto uid = RawUidV4(fl, kV4Key, IdentityEnvironment::kProd, IdentityScope::kUid2,
                        IdentityType::kEmail);
    benchmark::DoNotOptimize(uid);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EmailToRawUidV4)->Threads(1)->Threads(2);

// email_hash (base64) -> decode -> first level -> raw UID v3.
void BM_EmailHashToRawUidV3(benchmark::State& state) {
  const auto& hashes = EmailHashes();
  size_t i = 0;
  for (auto _ : state) {
    auto id = ResolveIdentity(InputKind::kEmailHash, hashes[i++ & 4095]);
    Sha256Value fl = FirstLevelHash(*id, kFirstLevelSalt);
    RawUid uid = RawUidV3(fl, kBucketSalt, IdentityScope::kUid2, IdentityType::kEmail);
    benchmark::DoNotOptimize(uid);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EmailHashToRawUidV3);

TokenKey RandomKey(int32_t id) {
  TokenKey k{id, {}};
  crypto::RandomFill(k.secret);
  return k;
}

AdvertisingToken SampleToken() {
  AdvertisingToken t;
  t.expires_ms = 1700003600000;
  t.created_ms = t.refreshed_ms = t.established_ms = 1700000000000;
  t.publisher.site_id = 123;
  t.privacy_bits = 1;
  t.raw_uid.assign(33, 0x20);
  return t;
}

// The token part of /v2/token/generate: v4 advertising token + v3 refresh token + wrapper.
void BM_TokenGenerate(benchmark::State& state) {
  TokenKey master = RandomKey(101), site = RandomKey(103), refresh = RandomKey(102);
  AdvertisingToken ad = SampleToken();
  RefreshToken rt;
  rt.expires_ms = 1700086400000;
  for (auto _ : state) {
    auto a = EncodeAdvertisingToken(ad, master, site);
    auto r = EncodeRefreshToken(rt, refresh);
    auto w = WrapRefreshToken(*r, IdentityScope::kUid2, refresh);
    benchmark::DoNotOptimize(a);
    benchmark::DoNotOptimize(w);
  }
}
BENCHMARK(BM_TokenGenerate);

void BM_AdTokenEncodeV4(benchmark::State& state) {
  TokenKey master = RandomKey(101), site = RandomKey(103);
  AdvertisingToken ad = SampleToken();
  for (auto _ : state) benchmark::DoNotOptimize(EncodeAdvertisingToken(ad, master, site));
}
BENCHMARK(BM_AdTokenEncodeV4);

void BM_AdTokenDecodeV4(benchmark::State& state) {
  TokenKey master = RandomKey(101), site = RandomKey(103);
  std::string text = *EncodeAdvertisingToken(SampleToken(), master, site);
  KeyLookup keys = [&](int32_t id) -> std::optional<TokenKey> { return id == 101 ? master : site; };
  for (auto _ : state) benchmark::DoNotOptimize(DecodeAdvertisingToken(text, keys));
}
BENCHMARK(BM_AdTokenDecodeV4);

// Envelope decode of a 5,000-email identity/map request (base64 text, JSON parse included).
void BM_EnvelopeDecodeMapRequest(benchmark::State& state) {
  KeySecret secret;
  crypto::RandomFill(secret);
  std::string json = "{\"email\":[";
  for (int i = 0; i < 5000; i++) {
    json += (i ? ",\"" : "\"") + Emails()[i & 4095] + "\"";
  }
  json += "]}";
  std::array<uint8_t, 8> nonce{};
  const int64_t now = 1700000000000;
  std::string body = EncodeRequestEnvelope(json, nonce, secret, now, BodyEncoding::kBase64Text);
  for (auto _ : state) {
    DecodedRequest req;
    benchmark::DoNotOptimize(
        DecodeRequestEnvelope(AsBytes(body), BodyEncoding::kBase64Text, secret, now, &req));
  }
  state.SetItemsProcessed(state.iterations() * 5000);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(body.size()));
}
BENCHMARK(BM_EnvelopeDecodeMapRequest);

}  // namespace

BENCHMARK_MAIN();
