#!/usr/bin/env bash
# Operator memory with production-sized data (issue 12; docs/benchmarks.md, section "Operator
# memory"): 2^20 salt buckets and RECORDS opt-out records (default 10 M, 72-byte records in
# FILES partition files), against the same operator on the bundled small dataset (the floor).
#
#   bench/operator/sync/rss_run.sh
#   RECORDS=1000000 FILES=2 bench/operator/sync/rss_run.sh
#
# For each case: start the operator (release build, local profile with core_data_dir and
# optout_data_dir in a temporary folder), wait until it is healthy and every opt-out record is
# loaded, read VmRSS and VmHWM from /proc/<pid>/status; then swap the salt file once (new
# metadata version, the other 2^20-line file) and read them again: the high-water mark then
# includes a reload, when the old and new salt sets are both alive.
# Environment: BUILD (build/release), RECORDS (10000000), FILES (10), THREADS (nproc).
set -euo pipefail
cd "$(dirname "$0")/../../.."

BUILD="${BUILD:-build/release}"
RECORDS="${RECORDS:-10000000}"
FILES="${FILES:-10}"
THREADS="${THREADS:-$(nproc)}"
for bin in uid2-operator uid2-benchdata; do
  [[ -x "$BUILD/bin/$bin" ]] || {
    echo "rss_run.sh: $BUILD/bin/$bin missing; build it:" \
         "cmake --preset release && cmake --build --preset release -j2 --target $bin" >&2
    exit 1
  }
done
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

tmp="$(mktemp -d)"
pid=""
cleanup() {
  [[ -n "$pid" ]] && { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }
  rm -rf "$tmp"
}
trap cleanup EXIT

write_meta() {  # DIR VERSION FILE
  cat >"$1/salts/metadata.json.tmp" <<EOF
{"version": $2, "generated": 1745907348,
 "first_level": "fOGY/aRE44peL23i+cE9MkJrzmEeNZZziNZBfq7qqk8=", "id_prefix": "b",
 "id_secret": "HF6Qz42HBbVHINxhh191dB09BCuTWyBkNtrNicO4ZCw=",
 "salts": [{"effective": 1670796729291, "expires": 253402329599000,
            "location": "salts/$3", "size": 1048576}]}
EOF
  mv "$1/salts/metadata.json.tmp" "$1/salts/metadata.json"
}

mem() {  # PID -> "VmRSS_MB VmHWM_MB"
  awk '/^VmRSS:/ {r=$2} /^VmHWM:/ {h=$2} END {printf "%.0f %.0f", r/1024, h/1024}' "/proc/$1/status"
}

metric() {  # PORT NAME
  curl -sf "http://127.0.0.1:$1/metrics" | awk -v n="$2" '$1 == n {print $2}'
}

# run_case NAME CORE_DIR OPTOUT_DIR RECORDS SWAP(0/1)
run_case() {
  local name=$1 core=$2 optout=$3 records=$4 swap=$5
  local port metrics
  port=$(free_port)
  metrics=$(free_port)
  python3 - "$tmp/$name.json" "$core" "$optout" <<'EOF'
import json, sys
c = json.load(open("conf/local-config.json"))
c["core_data_dir"], c["optout_data_dir"] = sys.argv[2], sys.argv[3]
c["salts_refresh_ms"] = 1000
json.dump(c, open(sys.argv[1], "w"), indent=1)
EOF
  local t0=$SECONDS
  "$BUILD/bin/uid2-operator" --config "$tmp/$name.json" --port "$port" --metrics-port "$metrics" \
    --threads "$THREADS" --optout-dir "$optout" --quiet --log-level warn &
  pid=$!
  for _ in $(seq 1200); do
    curl -sf "http://127.0.0.1:$port/ops/healthcheck" >/dev/null && break
    sleep 0.1
  done
  for _ in $(seq 1200); do
    local loaded
    loaded=$(metric "$metrics" uid2_optout_records_loaded_total)
    [[ "${loaded%.*}" -ge "$records" ]] 2>/dev/null && break
    sleep 0.1
  done
  sleep 1
  local loaded_s=$((SECONDS - t0))
  read -r rss hwm <<<"$(mem "$pid")"
  local buckets entries
  buckets=$(metric "$metrics" uid2_second_level_salt_buckets)
  entries=$(metric "$metrics" uid2_optout_entries)
  local line="$name: salt buckets ${buckets}, opt-out entries ${entries}, ready in ~${loaded_s}s:"
  line+=" VmRSS ${rss} MB, VmHWM ${hwm} MB"
  if [[ "$swap" == 1 ]]; then
    local before
    before=$(metric "$metrics" 'uid2_store_reload_successes_total{store="salts"}')
    write_meta "$core" 2 salts_b.txt
    for _ in $(seq 600); do
      [[ "$(metric "$metrics" 'uid2_store_reload_successes_total{store="salts"}')" != "$before" ]] && break
      sleep 0.1
    done
    sleep 1
    read -r rss hwm <<<"$(mem "$pid")"
    line+="; after one salt swap: VmRSS ${rss} MB, VmHWM ${hwm} MB"
  fi
  echo "$line"
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  pid=""
}

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
run_case small "$PWD/data/uid2/core" "$tmp/optout-empty" 0 0

cp -r data/uid2/core "$tmp/core"
"$BUILD/bin/uid2-benchdata" salts "$tmp/core/salts/salts_a.txt" --seed 1 >&2
"$BUILD/bin/uid2-benchdata" salts "$tmp/core/salts/salts_b.txt" --seed 2 >&2
"$BUILD/bin/uid2-benchdata" optout "$tmp/optout" --records "$RECORDS" --files "$FILES" >&2
write_meta "$tmp/core" 1 salts_a.txt
run_case production "$tmp/core" "$tmp/optout" "$RECORDS" 1

size=$(awk -F= '/^ENCLAVE_SIZE=/ {print $2}' deploy/azure/profiles/prod.env | awk '{print $1}')
echo "deploy/azure/profiles/prod.env: sgx.enclave_size = $size"
