#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan+UBSan) and runs each one over its seed corpus.
#   scripts/fuzz.sh                 # every fuzzer, 600 s each (the project's bar before a release)
#   scripts/fuzz.sh 20              # every fuzzer, 20 s each (what CI runs)
#   scripts/fuzz.sh 600 quote_parse # one fuzzer
# New inputs found are written to build/fuzz/corpus/<name>/ (the seed corpus is not modified);
# a crash leaves crash-* in build/fuzz/artifacts/ and fails the script.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-600}"
only="${2:-}"

./scripts/setup-deps.sh
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "${JOBS:-$(nproc)}" --target fuzzers

mkdir -p build/fuzz/artifacts
status=0
for bin in build/fuzz/bin/fuzz/*; do
  name=$(basename "$bin")
  [ -n "$only" ] && [ "$name" != "$only" ] && continue
  seeds="fuzz/corpus/$name"
  work="build/fuzz/corpus/$name"
  mkdir -p "$work"
  echo "== $name: ${seconds}s"
  if ! "$bin" -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix=build/fuzz/artifacts/ \
      "$work" $( [ -d "$seeds" ] && echo "$seeds" ) 2>build/fuzz/$name.log; then
    echo "FAILED: $name (see build/fuzz/$name.log and build/fuzz/artifacts/)"
    status=1
  fi
  grep -E '^stat::number_of_executed_units|^stat::new_units_added' build/fuzz/$name.log | tr '\n' ' '
  echo
done
exit $status
