#!/usr/bin/env bash
# Builds one preset (default: debug) and runs every test with ctest.
#   scripts/test.sh           # debug build, all tests
#   scripts/test.sh asan      # AddressSanitizer + UndefinedBehaviorSanitizer build, all tests
# Installs missing Debian packages first (scripts/setup-deps.sh). Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-debug}"
jobs="${JOBS:-$(nproc)}"

./scripts/setup-deps.sh
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" -j "$jobs"
ctest --preset "$preset" -j "$jobs" --timeout 600
