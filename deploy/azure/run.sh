#!/usr/bin/env bash
# run.sh [--docker] [-- ARGS]: runs the package made by build.sh.
#   default:  the enclave bundle with the direct runtime (`shroud run`, no SGX needed), like the
#             seed's `occlum run`;
#   --docker: prints and runs the `docker run` line for an SGX host (devices, aesmd socket,
#             ports, tokens passed by name from this environment).
# core_api_token / optout_api_token are read from the environment, never from files here.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
shroud="${BIN_DIR:-$repo/build/release/bin}/shroud"
out="$here/build"
if [ "${1:-}" = --docker ]; then
  shift
  docker load -i "$out/uid2-operator-azure-sgx.tar.gz"
  line="$("$shroud" deploy docker --image "uid2-operator-azure-sgx:${PROFILE:-local}" --port 8080 \
    --port 9091 --env core_api_token --env optout_api_token)"
  echo "$line" >&2
  eval "exec $line"
fi
run_dir="$out/run"            # a fresh copy of the bundle each time
rm -rf "$run_dir" && mkdir -p "$run_dir"
tar -C "$run_dir" -xzf "$out/uid2-operator/uid2-operator.tar.gz"
cd "$run_dir/uid2-operator"
exec "$shroud" run "$@"
