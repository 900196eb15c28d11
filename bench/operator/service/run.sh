#!/usr/bin/env bash
# The operator benchmark in one command (see docs/benchmarks.md, section "operator"):
#
#   bench/operator/service/run.sh                 # build (release), run all scenarios, print ratios
#   DURATION=5 CONNECTIONS=16 bench/operator/service/run.sh --scenario generate,map3
#   CONNECTIONS=8 bench/operator/service/run.sh --scenario map3 --binary   # octet-stream envelopes
#
# Starts, on 127.0.0.1, the operator with the local profile (THREADS server threads) and an
# nginx floor (THREADS workers) serving static JSON files of the operator's response sizes,
# then drives both with uid2-loadgen (fresh v2 envelopes over keep-alive connections), which also
# reports the CPU time the operator, the nginx workers and itself spent per request.
# Extra arguments go to uid2-loadgen. Environment: BUILD (default build/release), DURATION (s,
# default 10), WARMUP (s, 1), CONNECTIONS (32), THREADS (nproc), LOADGEN_THREADS (1),
# OP_PORT (18080), METRICS_PORT (19091), NGINX_PORT (18081), JSON=1 for JSON lines.
set -euo pipefail
cd "$(dirname "$0")/../../.."

BUILD="${BUILD:-build/release}"
DURATION="${DURATION:-10}"
WARMUP="${WARMUP:-1}"
CONNECTIONS="${CONNECTIONS:-32}"
THREADS="${THREADS:-$(nproc)}"
LOADGEN_THREADS="${LOADGEN_THREADS:-1}"
OP_PORT="${OP_PORT:-18080}"
METRICS_PORT="${METRICS_PORT:-19091}"
NGINX_PORT="${NGINX_PORT:-18081}"
NGINX="${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}"

# Client 999 of the bundled test dataset (data/uid2/core/clients/clients.json): all roles.
KEY="UID2-C-L-999-fCXrMM.fsR3mDqAXELtWWMS+xG1s7RdgRTMqdOH2qaAo="
SECRET="DzBzbjTJcYL0swDtFs2krRNu+g1Eokm2tBU4dEuD0Wk="

if [[ ! -x "$BUILD/bin/uid2-operator" || ! -x "$BUILD/bin/uid2-loadgen" ]]; then
  echo "building uid2-operator and uid2-loadgen in $BUILD (Release)" >&2
  cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$BUILD" --target uid2-operator uid2-loadgen >&2
fi
[[ -x "$NGINX" ]] || { echo "run.sh: nginx not found (apt-get install nginx-light)" >&2; exit 1; }

tmp="$(mktemp -d)"
chmod 755 "$tmp"
mkdir -p "$tmp/www" "$tmp/optout" "$tmp/nginx-tmp"
chmod 755 "$tmp/www"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

cat >"$tmp/nginx.conf" <<EOF
worker_processes $THREADS;
daemon off;
master_process on;
pid $tmp/nginx.pid;
error_log $tmp/nginx-error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  default_type application/json;
  sendfile on;
  tcp_nodelay on;
  keepalive_timeout 65;
  keepalive_requests 100000000;
  client_max_body_size 2m;
  client_body_buffer_size 2m;
  client_body_temp_path $tmp/nginx-tmp/body;
  proxy_temp_path $tmp/nginx-tmp/proxy;
  fastcgi_temp_path $tmp/nginx-tmp/fastcgi;
  uwsgi_temp_path $tmp/nginx-tmp/uwsgi;
  scgi_temp_path $tmp/nginx-tmp/scgi;
  server {
    listen 127.0.0.1:$NGINX_PORT reuseport;
    root $tmp/www;
    # The generator POSTs (like an SDK); answer POSTs to static files with the file.
    location / { error_page 405 =200 \$uri; }
  }
}
EOF

"$BUILD/bin/uid2-operator" --profile local --port "$OP_PORT" --metrics-port "$METRICS_PORT" \
  --threads "$THREADS" --optout-dir "$tmp/optout" --quiet --log-level warn &
pids+=($!)
"$NGINX" -c "$tmp/nginx.conf" -p "$tmp" -e "$tmp/nginx-error.log" &
pids+=($!)
nginx_master=$!

for _ in $(seq 100); do
  if curl -sf "http://127.0.0.1:$OP_PORT/ops/healthcheck" >/dev/null &&
     curl -s -o /dev/null "http://127.0.0.1:$NGINX_PORT/"; then
    break
  fi
  sleep 0.05
done

echo "operator: $THREADS threads on :$OP_PORT; nginx: $THREADS workers on :$NGINX_PORT;" \
     "loadgen: $CONNECTIONS connections, $LOADGEN_THREADS thread(s), ${DURATION}s per run" >&2
args=(--port "$OP_PORT" --key "$KEY" --secret "$SECRET" --duration "$DURATION"
      --warmup "$WARMUP" --connections "$CONNECTIONS" --threads "$LOADGEN_THREADS"
      --nginx-port "$NGINX_PORT" --nginx-root "$tmp/www" --operator-pid "${pids[0]}")
# CPU accounting: the loadgen reads the server processes' CPU time around each measured window.
for worker in $(pgrep -P "$nginx_master" || true); do args+=(--nginx-pid "$worker"); done
[[ "${JSON:-0}" == 1 ]] && args+=(--json)
nice -n 0 "$BUILD/bin/uid2-loadgen" "${args[@]}" "$@"
