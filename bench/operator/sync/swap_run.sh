#!/usr/bin/env bash
# /v2/token/generate p99 while the salts are swapped every second, against p99 with no swaps,
# in one run (issue 12; docs/benchmarks.md, section "Token generate p99 under salt swaps").
#
#   bench/operator/sync/swap_run.sh                      # ROUNDS x (quiet run, swapping run)
#   DURATION=20 ROUNDS=3 CONNECTIONS=8 bench/operator/sync/swap_run.sh
#
# The operator (release build) runs with a copy of data/uid2/core whose salt store holds two
# 2^20-line salt files (uid2-benchdata, seeds 1 and 2) and salts_refresh_ms = 1000. During a
# swapping run a loop rewrites salts/metadata.json every second (temporary file + rename) with a
# new version naming the other file, so every poll reloads 2^20 lines through the operator's
# StoreManager (read, parse, snapshot build, atomic swap) while uid2-loadgen drives
# /v2/token/generate. The number of salt reloads during each run is read from /metrics. Quiet
# and swapping runs alternate so that background load hits both alike.
# Environment: BUILD (build/release), DURATION (s, 10), WARMUP (s, 1), ROUNDS (2),
# CONNECTIONS (8), THREADS (operator threads, nproc).
set -euo pipefail
cd "$(dirname "$0")/../../.."

BUILD="${BUILD:-build/release}"
DURATION="${DURATION:-10}"
WARMUP="${WARMUP:-1}"
ROUNDS="${ROUNDS:-2}"
CONNECTIONS="${CONNECTIONS:-8}"
THREADS="${THREADS:-$(nproc)}"
for bin in uid2-operator uid2-loadgen uid2-benchdata; do
  [[ -x "$BUILD/bin/$bin" ]] || {
    echo "swap_run.sh: $BUILD/bin/$bin missing; build it:" \
         "cmake --preset release && cmake --build --preset release -j2 --target $bin" >&2
    exit 1
  }
done

# Client 999 of the bundled test dataset (data/uid2/core/clients/clients.json): all roles.
KEY="UID2-C-L-999-fCXrMM.fsR3mDqAXELtWWMS+xG1s7RdgRTMqdOH2qaAo="
SECRET="DzBzbjTJcYL0swDtFs2krRNu+g1Eokm2tBU4dEuD0Wk="

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
OP_PORT="$(free_port)"
METRICS_PORT="$(free_port)"

tmp="$(mktemp -d)"
pids=()
swapper=""
cleanup() {
  [[ -n "$swapper" ]] && kill "$swapper" 2>/dev/null || true
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

cp -r data/uid2/core "$tmp/core"
"$BUILD/bin/uid2-benchdata" salts "$tmp/core/salts/salts_a.txt" --seed 1 >&2
"$BUILD/bin/uid2-benchdata" salts "$tmp/core/salts/salts_b.txt" --seed 2 >&2

# write_meta VERSION FILE: the salts metadata (first level and id secret of the bundled data).
write_meta() {
  cat >"$tmp/core/salts/metadata.json.tmp" <<EOF
{"version": $1, "generated": 1745907348,
 "first_level": "fOGY/aRE44peL23i+cE9MkJrzmEeNZZziNZBfq7qqk8=", "id_prefix": "b",
 "id_secret": "HF6Qz42HBbVHINxhh191dB09BCuTWyBkNtrNicO4ZCw=",
 "salts": [{"effective": 1670796729291, "expires": 253402329599000,
            "location": "salts/$2", "size": 1048576}]}
EOF
  mv "$tmp/core/salts/metadata.json.tmp" "$tmp/core/salts/metadata.json"
}
write_meta 1 salts_a.txt

python3 - "$tmp" <<'EOF'
import json, sys
tmp = sys.argv[1]
c = json.load(open("conf/local-config.json"))
c["core_data_dir"] = tmp + "/core"
c["optout_data_dir"] = tmp + "/optout"
c["salts_refresh_ms"] = 1000
json.dump(c, open(tmp + "/config.json", "w"), indent=1)
EOF

"$BUILD/bin/uid2-operator" --config "$tmp/config.json" --port "$OP_PORT" \
  --metrics-port "$METRICS_PORT" --threads "$THREADS" --optout-dir "$tmp/optout" --quiet \
  --log-level warn &
pids+=($!)
for _ in $(seq 600); do
  curl -sf "http://127.0.0.1:$OP_PORT/ops/healthcheck" >/dev/null && break
  sleep 0.1
done
curl -sf "http://127.0.0.1:$OP_PORT/ops/healthcheck" >/dev/null ||
  { echo "swap_run.sh: the operator did not start" >&2; exit 1; }

salt_reloads() {
  curl -sf "http://127.0.0.1:$METRICS_PORT/metrics" |
    awk '/^uid2_store_reload_successes_total\{store="salts"\}/ {print $2}'
}

version=1
start_swaps() {
  (
    v=$version
    while true; do
      sleep 1
      v=$((v + 1))
      if ((v % 2)); then write_meta "$v" salts_a.txt; else write_meta "$v" salts_b.txt; fi
    done
  ) &
  swapper=$!
}
stop_swaps() {
  kill "$swapper" 2>/dev/null || true
  wait "$swapper" 2>/dev/null || true
  swapper=""
  version=$((version + 1000))
  write_meta "$version" salts_a.txt
  sleep 2.5  # the last swap settles before the next quiet run
}

load() {
  "$BUILD/bin/uid2-loadgen" --port "$OP_PORT" --key "$KEY" --secret "$SECRET" \
    --scenario generate --duration "$DURATION" --warmup "$WARMUP" \
    --connections "$CONNECTIONS" --json --operator-pid "${pids[0]}"
}

echo "operator: $THREADS threads on :$OP_PORT; loadgen: $CONNECTIONS connections," \
     "${DURATION}s per run, $ROUNDS rounds; load average: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
results="$tmp/results.jsonl"
for round in $(seq "$ROUNDS"); do
  before=$(salt_reloads)
  load | sed "s/^{/{\"round\":$round,\"swaps\":false,/" >>"$results"
  echo "{\"round\":$round,\"swaps\":false,\"salt_reloads\":$(( $(salt_reloads) - before ))}" >>"$results"
  start_swaps
  sleep 1.5
  before=$(salt_reloads)
  load | sed "s/^{/{\"round\":$round,\"swaps\":true,/" >>"$results"
  echo "{\"round\":$round,\"swaps\":true,\"salt_reloads\":$(( $(salt_reloads) - before ))}" >>"$results"
  stop_swaps
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

python3 - "$results" <<'EOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
runs = [r for r in rows if "p99_ms" in r]
reloads = {(r["round"], r["swaps"]): r["salt_reloads"] for r in rows if "salt_reloads" in r}
for r in runs:
    print("round %d %-8s %8.1f req/s  p50 %6.2f ms  p99 %6.2f ms  errors %d  salt reloads %d" % (
        r["round"], "swaps" if r["swaps"] else "quiet", r["rps"], r["p50_ms"], r["p99_ms"],
        r["errors"], reloads[(r["round"], r["swaps"])]))
def mean(xs): return sum(xs) / len(xs)
q = [r for r in runs if not r["swaps"]]
s = [r for r in runs if r["swaps"]]
ratio = mean([r["p99_ms"] for r in s]) / mean([r["p99_ms"] for r in q])
print("p99 quiet %.2f ms, p99 with a salt swap every second %.2f ms: ratio %.2fx (goal <= 1.5x)" % (
    mean([r["p99_ms"] for r in q]), mean([r["p99_ms"] for r in s]), ratio))
print("rps quiet %.0f, with swaps %.0f" % (mean([r["rps"] for r in q]), mean([r["rps"] for r in s])))
EOF
