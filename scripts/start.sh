#!/usr/bin/env bash
# The main job: install dependencies, build (release), and run the attested UID2 operator end to
# end on this machine, no SGX needed:
#   1. uid2-core-local (UID2 Core on :8088, Opt-out on :8089) serves the bundled dataset
#      (data/uid2/core) and verifies DCAP quotes against a simulated PKI generated here
#      (build/local-core/pki; simulated quotes are refused under Intel's root);
#   2. the operator is packaged as a signed enclave bundle (deploy/azure/build.sh local-core),
#      its MRENCLAVE is allowlisted in core-local, and a fresh operator key is made;
#   3. the bundle runs in the direct enclave runtime (`shroud run --sim-pki`, manifest enforced):
#      it attests to core-local, syncs core data and opt-outs, and answers on
#      http://127.0.0.1:8080 (metrics on :9091).
# Ctrl-C stops both. Needs root for apt-get and for the runtime's namespaces and FUSE view
# (docs/runtime.md). See docs/core-local.md.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs="${JOBS:-$(nproc)}"
bin="$PWD/build/release/bin"
state="$PWD/build/local-core"

./scripts/setup-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$jobs"
deploy/azure/build.sh local-core

mkdir -p "$state"
# The bundled dataset, with a publisher keyset of its own for site 999 (the operator's site and
# its clients'), so its tokens decrypt with the SDKs using the keys of /v2/key/sharing.
python3 scripts/publisher-core-data.py data/uid2/core "$state/core-data" 999
[ -f "$state/pki/root.pem" ] || "$bin/shroud" -q quote sim-pki init "$state/pki"
bundle="$state/bundle"
rm -rf "$bundle" "$state/allowlist.json" "$state/operators.json"
mkdir -p "$bundle"
tar -C "$bundle" -xzf deploy/azure/build/uid2-operator/uid2-operator.tar.gz
"$bin/uid2-core-local" allow --allowlist "$state/allowlist.json" --sig "$bundle/uid2-operator" \
  --name uid2-operator-local-core
operator_type="$(sed -n 's/.*"operator_type": *"\([a-z]*\)".*/\1/p' conf/local-core-config.json)"
"$bin/uid2-core-local" add-operator --operators "$state/operators.json" --name local-core \
  --site-id 999 --operator-type "${operator_type:-private}" --key-out "$state/operator.key" >/dev/null

"$bin/uid2-core-local" --data "$state/core-data" --operators "$state/operators.json" \
  --allowlist "$state/allowlist.json" --sim-pki "$state/pki" --optout-dir "$state/optout" &
core_pid=$!
op_pid=""
# shellcheck disable=SC2317  # stop runs from the EXIT trap
stop() {
  for p in $op_pid $core_pid; do kill "$p" 2>/dev/null || true; done
  for p in $op_pid $core_pid; do wait "$p" 2>/dev/null || true; done
}
trap stop EXIT
trap 'exit 130' INT TERM
for _ in $(seq 100); do
  curl -sf -o /dev/null http://127.0.0.1:8088/ops/healthcheck && break
  kill -0 "$core_pid" 2>/dev/null || { echo "start.sh: uid2-core-local did not start" >&2; exit 1; }
  sleep 0.1
done

core_api_token="$(cat "$state/operator.key")"
export core_api_token optout_api_token="$core_api_token"
deploy/azure/run.sh --sim-pki "$state/pki" "$@" &
op_pid=$!
status=0
wait "$op_pid" || status=$?
op_pid=""
exit "$status"
