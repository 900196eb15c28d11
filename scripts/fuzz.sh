#!/usr/bin/env bash
# Builds the libFuzzer targets (the asan preset: clang, ASan+UBSan, libFuzzer) and runs each one
# over its seed corpus.
#   scripts/fuzz.sh                 # every fuzzer, 600 s each (the project's bar before a release)
#   scripts/fuzz.sh 15              # every fuzzer, 15 s each (what CI runs)
#   scripts/fuzz.sh 600 quote_parse # one fuzzer
# New inputs found are written to build/asan/corpus/<name>/ (the seed corpus is not modified);
# a crash leaves crash-* in build/asan/artifacts/ and fails the script.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-600}"
only="${2:-}"

./scripts/setup-deps.sh
cmake --preset asan >/dev/null
cmake --build --preset asan -j "${JOBS:-$(nproc)}" --target fuzzers

mkdir -p build/asan/artifacts
status=0
ran=0
for bin in build/asan/bin/fuzz/*; do
  name=$(basename "$bin")
  [ -n "$only" ] && [ "$name" != "$only" ] && continue
  seeds="fuzz/corpus/$name"
  work="build/asan/corpus/$name"
  mkdir -p "$work"
  echo "== $name: ${seconds}s"
  if ! "$bin" -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix=build/asan/artifacts/ \
      "$work" $( [ -d "$seeds" ] && echo "$seeds" ) 2>build/asan/$name.log; then
    echo "FAILED: $name (see build/asan/$name.log and build/asan/artifacts/)"
    status=1
  fi
  grep -E '^stat::number_of_executed_units|^stat::new_units_added' build/asan/$name.log | tr '\n' ' ' || true
  echo
  ran=$((ran + 1))
done
if [ "$ran" -eq 0 ]; then
  echo "fuzz.sh: no fuzzer matched '${only:-*}' in build/asan/bin/fuzz/" >&2
  exit 1
fi
exit $status
