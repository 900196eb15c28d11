#!/usr/bin/env bash
# The main job: install dependencies, build (release), and run the UID2 operator with the
# bundled local dataset, answering on http://127.0.0.1:8080 (metrics on :9091).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs="${JOBS:-$(nproc)}"

./scripts/setup-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$jobs"
exec ./build/release/bin/uid2-operator --profile local "$@"
