#!/usr/bin/env bash
# core_local_e2e.sh: the attested operator against uid2-core-local, end to end, with built
# binaries only (UID2_BIN_DIR: uid2-core-local, uid2-operator, shroud):
#   1. a simulated PKI; the operator's local-core profile packaged by deploy/azure/build.sh (in a
#      scratch copy of the tree, its URLs and ports moved to free ports);
#   2. uid2-core-local with the bundled dataset, the bundle's MRENCLAVE allowlisted, one operator
#      key; the bundle under `shroud run --sim-pki`; wait for the operator's readiness;
#   3. a v2 /token/generate whose reply decrypts and whose advertising token decrypts as the
#      UID2 SDKs do (sdk_decrypt.py) to the raw UID of /v2/identity/map, a /token/refresh of the identity it
#      issued, and a logout that reaches
#      core-local's opt-out log;
#   4. a core-local that expects another MRENCLAVE: the operator stops (non-zero) before it ever
#      serves, and core-local logs why.
# Exit 0 pass, 1 fail, 77 skip (no local-core profile in this tree).
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
bin="${UID2_BIN_DIR:-$repo/build/debug/bin}"
here="$repo/tests/e2e"
py="${PYTHON:-/usr/bin/python3}"  # Debian's, with python3-cryptography (scripts/setup-deps.sh)
[ -z "${UID2_E2E_SKIP:-}" ] || { echo "SKIP: $UID2_E2E_SKIP"; exit 77; }
[ -f "$repo/conf/local-core-config.json" ] || { echo "SKIP: no conf/local-core-config.json"; exit 77; }
for p in uid2-core-local uid2-operator shroud; do
  [ -x "$bin/$p" ] || { echo "FAIL: $bin/$p is not built"; exit 1; }
done

work="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  if [ "${KEEP:-0}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*"
  for f in core.log op.log core2.log op2.log; do
    [ -f "$work/$f" ] && { echo "--- $f"; tail -n 30 "$work/$f"; }
  done
  exit 1
}
wait_http() {  # wait_http URL SECONDS PID: until URL answers 200 (fails when PID exits)
  local deadline=$((SECONDS + $2))
  while [ $SECONDS -lt $deadline ]; do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$1" || true)" = 200 ] && return 0
    kill -0 "$3" 2>/dev/null || return 1
    sleep 0.3
  done
  return 1
}
read -r core_port optout_port op_port metrics_port < <("$py" -c '
import socket
ss = [socket.socket() for _ in range(4)]
for s in ss: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in ss])')

# 1. the package, from a scratch copy of what build.sh reads
tree="$work/tree"
mkdir -p "$tree/deploy/azure" "$tree/conf" "$tree/static" "$tree/tests/data/gramine-sign"
cp -r "$repo/deploy/azure/build.sh" "$repo/deploy/azure/uid2-operator.manifest.template" \
  "$repo/deploy/azure/profiles" "$tree/deploy/azure/"
cp -r "$repo/static/js" "$tree/static/"
cp "$repo/tests/data/gramine-sign/libpal-standin.c" "$tree/tests/data/gramine-sign/"
sed -e "s#127.0.0.1:8088#127.0.0.1:$core_port#g" -e "s#127.0.0.1:8089#127.0.0.1:$optout_port#g" \
  -e "s#\"port\": 8080#\"port\": $op_port#" -e "s#\"prometheus_port\": 9091#\"prometheus_port\": $metrics_port#" \
  "$repo/conf/local-core-config.json" > "$tree/conf/local-core-config.json"
grep -q "\"port\": $op_port" "$tree/conf/local-core-config.json" || fail "could not move the operator's port"
"$tree/deploy/azure/build.sh" local-core --bin-dir "$bin" > "$work/build.log" 2>&1 ||
  { cat "$work/build.log"; fail "build.sh local-core"; }
bundle_tgz="$tree/deploy/azure/build/uid2-operator/uid2-operator.tar.gz"
operator_type="$("$py" -c 'import json,sys; print(json.load(open(sys.argv[1])).get("operator_type","private"))' \
  "$tree/conf/local-core-config.json")"

cd "$work"
"$bin/shroud" -q quote sim-pki init pki
mkdir run && tar -C run -xzf "$bundle_tgz"
"$bin/uid2-core-local" allow --allowlist allow.json --sig run/uid2-operator > /dev/null
"$bin/uid2-core-local" add-operator --operators ops.json --name e2e --site-id 999 \
  --operator-type "$operator_type" --key-out key.txt > /dev/null
key="$(cat key.txt)"

# Site 999 gets a publisher keyset of its own (the bundled dataset has none for it), so the
# SDK-side decryption below is possible.
"$py" "$repo/scripts/publisher-core-data.py" "$repo/data/uid2/core" core-data 999

# 2. core-local, then the operator in the direct runtime
"$bin/uid2-core-local" --data core-data --operators ops.json --allowlist allow.json \
  --sim-pki pki --optout-dir optout --core-port "$core_port" --optout-port "$optout_port" \
  > core.out 2> core.log &
pids+=($!)
wait_http "http://127.0.0.1:$core_port/ops/healthcheck" 20 "${pids[-1]}" || fail "core-local did not start"
(cd run/uid2-operator && core_api_token="$key" optout_api_token="$key" \
  exec "$bin/shroud" run --sim-pki "$work/pki") > op.out 2> op.log &
op_pid=$!
pids+=("$op_pid")
wait_http "http://127.0.0.1:$op_port/ops/healthcheck" 120 "$op_pid" || fail "the operator never became ready"
grep -q attestation_succeeded core.log || fail "core-local logged no attestation"

# 3. the v2 API
reply="$("$py" "$here/v2_call.py" "$op_port" /v2/token/generate '{"email":"validate@example.com"}')" ||
  fail "/v2/token/generate"
body() { printf '%s' "$reply" | "$py" -c "import json,sys; print(json.load(sys.stdin)['body']['$1'])"; }
if ! token="$(body advertising_token)" || ! refresh="$(body refresh_token)" ||
  ! response_key="$(body refresh_response_key)"; then
  fail "no identity in $reply"
fi
[ -n "$token" ] || fail "empty advertising_token"
# The advertising token decrypts as the UID2 SDKs decrypt it (keys from /v2/key/sharing, master
# then site key), for site 999, and carries the raw UID /v2/identity/map gives for the same email.
sharing="$("$py" "$here/v2_call.py" "$op_port" /v2/key/sharing '{}')" || fail "/v2/key/sharing"
decoded="$("$py" "$here/sdk_decrypt.py" "$token" "$sharing")" || fail "the SDK decode of the token"
mapped="$("$py" "$here/v2_call.py" "$op_port" /v2/identity/map '{"email":["validate@example.com"]}')" ||
  fail "/v2/identity/map"
"$py" - "$decoded" "$mapped" <<'PY' || fail "token vs identity/map: $decoded / $mapped"
import json, sys
tok, mapped = json.loads(sys.argv[1]), json.loads(sys.argv[2])["body"]["mapped"][0]
assert tok["site_id"] == 999, tok
assert tok["identity_scope"] == "UID2", tok
assert tok["advertising_id"] == mapped["advertising_id"], (tok, mapped)
PY
echo "ok: the advertising token decrypts as the SDKs do (site 999) and holds the mapped raw UID"
# The operator decrypts the refresh token it issued and issues a new identity.
refreshed="$("$py" "$here/v2_call.py" "$op_port" --refresh "$refresh" "$response_key")" ||
  fail "/v2/token/refresh"
printf '%s' "$refreshed" | grep -q '"status": "success"' || fail "refresh: $refreshed"
printf '%s' "$refreshed" | grep -q '"advertising_token"' || fail "refresh: $refreshed"
logout="$("$py" "$here/v2_call.py" "$op_port" /v2/token/logout '{"email":"logout@example.com"}')" ||
  fail "/v2/token/logout"
grep -q optout_recorded core.log || fail "the logout did not reach core-local: $logout"
echo "ok: the attested operator generated an identity (reply decrypted) and refreshed it; logout recorded"

kill "$op_pid"; wait "$op_pid" 2>/dev/null || true
kill "${pids[0]}"; wait "${pids[0]}" 2>/dev/null || true
pids=()

# 4. a core expecting another enclave
"$bin/uid2-core-local" --data core-data --operators ops.json \
  --allow-mrenclave "$(printf '0%.0s' $(seq 64))" --sim-pki pki --optout-dir optout \
  --core-port "$core_port" --optout-port "$optout_port" > core2.out 2> core2.log &
pids+=($!)
wait_http "http://127.0.0.1:$core_port/ops/healthcheck" 20 "${pids[-1]}" || fail "core-local (2) did not start"
rm -rf run2 && mkdir run2 && tar -C run2 -xzf "$bundle_tgz"
(cd run2/uid2-operator && core_api_token="$key" optout_api_token="$key" \
  exec "$bin/shroud" run --sim-pki "$work/pki") > op2.out 2> op2.log &
op_pid=$!
pids+=("$op_pid")
status=0
for _ in $(seq 300); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$op_port/ops/healthcheck" || true)" = 200 ] &&
    fail "the operator served although core-local refused its enclave"
  kill -0 "$op_pid" 2>/dev/null || break
  sleep 0.2
done
kill -0 "$op_pid" 2>/dev/null && fail "the operator is still running after a refused attestation"
wait "$op_pid" || status=$?
[ "$status" -ne 0 ] || fail "the operator exited 0 after a refused attestation"
grep -q 'attestation_refused.*not in the allowlist' core2.log || fail "core-local did not log the refusal"
echo "ok: a core expecting another MRENCLAVE stopped the operator before it served (exit $status)"
