#!/usr/bin/env bash
# The main job: install dependencies, build (release), package the UID2 operator as a signed
# enclave bundle (deploy/azure/build.sh local) and run it inside the direct enclave runtime
# (`shroud run`, manifest enforced) with the bundled local dataset. It answers on
# http://127.0.0.1:8080 (metrics on :9091). Needs root for apt-get and for the runtime's
# namespaces and FUSE view (see docs/runtime.md).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs="${JOBS:-$(nproc)}"

./scripts/setup-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$jobs"
deploy/azure/build.sh local
exec deploy/azure/run.sh "$@"
