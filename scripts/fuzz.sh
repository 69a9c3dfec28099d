#!/usr/bin/env bash
# Usage: scripts/fuzz.sh [SECONDS] [libFuzzer flags...]. Builds onnxc-fuzz-import (clang-22, ASan+UBSan+libFuzzer) in the sanitizer build (scripts/asan-build.sh, build-asan/) and fuzzes the importer for SECONDS (default 300).
set -euo pipefail
SECONDS_TO_RUN=${1:-300}
shift || true  # further arguments go to libFuzzer (e.g. -fork=1 -ignore_crashes=1)
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(bash "$ROOT/scripts/asan-build.sh" onnxc-fuzz-import)
CRASHES=$ROOT/test/fuzz/crashes
CORPUS=$BUILD/corpus
SEEDS=$BUILD/seeds

# Seed corpus: lit importer models, hostile models, a sample of the ONNX node tests.
if [ ! -d "$SEEDS" ] || [ -z "$(ls -A "$SEEDS")" ]; then
  mkdir -p "$SEEDS"
  /usr/bin/python3 "$ROOT/test/fuzz/make_seeds.py" "$SEEDS" "$ROOT" ${FUZZ_NODE_SAMPLE:-200}
fi
mkdir -p "$CORPUS" "$CRASHES"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
LOG=$BUILD/fuzz.log
STAMP=$BUILD/fuzz.start
touch "$STAMP"
set +e
"$BUILD/tools/onnxc-fuzz-import" "$CORPUS" "$SEEDS" \
  -max_total_time="$SECONDS_TO_RUN" -max_len=65536 -timeout=10 -rss_limit_mb=4096 \
  -artifact_prefix="$CRASHES/" -print_final_stats=1 "$@" 2>&1 | tee "$LOG"
RC=${PIPESTATUS[0]}
set -e
echo "=== summary ==="
grep -aE "^#[0-9]+.*cov:" "$LOG" | tail -1 || true
grep -aE "^stat::(number_of_executed_units|peak_rss_mb|new_units_added)" "$LOG" || true
NEW=$(find "$CRASHES" -type f -newer "$STAMP")
echo "new findings in test/fuzz/crashes/: ${NEW:-none}"
exit "$RC"
