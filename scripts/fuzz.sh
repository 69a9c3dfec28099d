#!/usr/bin/env bash
# Usage: scripts/fuzz.sh [SECONDS] [libFuzzer flags...]. Builds onnxc-fuzz-import (clang-22, ASan+UBSan+libFuzzer) in build-fuzz/ and fuzzes the importer for SECONDS (default 300).
set -euo pipefail
SECONDS_TO_RUN=${1:-300}
shift || true  # further arguments go to libFuzzer (e.g. -fork=1 -ignore_crashes=1)
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${ONNXC_FUZZ_BUILD:-$ROOT/build-fuzz}
JOBS=${JOBS:-1}
CRASHES=$ROOT/test/fuzz/crashes
CORPUS=$BUILD/corpus
SEEDS=$BUILD/seeds

if [ -x /usr/bin/ccache ]; then
  export CCACHE_BASEDIR=${CCACHE_BASEDIR:-/work}
  LAUNCHER=(-DCMAKE_CXX_COMPILER_LAUNCHER=/usr/bin/ccache -DCMAKE_C_COMPILER_LAUNCHER=/usr/bin/ccache)
else
  LAUNCHER=()
fi
if [ ! -f "$BUILD/CMakeCache.txt" ]; then
  cmake -S "$ROOT" -B "$BUILD" -G Ninja \
    -DCMAKE_C_COMPILER=/usr/bin/clang-22 -DCMAKE_CXX_COMPILER=/usr/bin/clang++-22 \
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_FLAGS_RELEASE=-DNDEBUG -DCMAKE_CXX_FLAGS_RELEASE=-DNDEBUG \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir -DLLVM_DIR=/usr/lib/llvm-22/lib/cmake/llvm \
    -DONNXC_FUZZ=ON "${LAUNCHER[@]}"
fi
ninja -C "$BUILD" -j"$JOBS" onnxc-fuzz-import

# Seed corpus: lit importer models, hostile models, a sample of the ONNX node tests.
if [ ! -d "$SEEDS" ] || [ -z "$(ls -A "$SEEDS")" ]; then
  mkdir -p "$SEEDS"
  /usr/bin/python3 "$ROOT/test/fuzz/make_seeds.py" "$SEEDS" "$ROOT" ${FUZZ_NODE_SAMPLE:-200}
fi
mkdir -p "$CORPUS" "$CRASHES"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
LOG=$BUILD/fuzz.log
set +e
"$BUILD/tools/onnxc-fuzz-import" "$CORPUS" "$SEEDS" \
  -max_total_time="$SECONDS_TO_RUN" -max_len=65536 -timeout=10 -rss_limit_mb=4096 \
  -artifact_prefix="$CRASHES/" -print_final_stats=1 "$@" 2>&1 | tee "$LOG"
RC=${PIPESTATUS[0]}
set -e
echo "=== summary ==="
grep -aE "^#[0-9]+.*cov:" "$LOG" | tail -1 || true
grep -aE "^stat::(number_of_executed_units|peak_rss_mb|new_units_added)" "$LOG" || true
ls -l "$CRASHES" | grep -v '^total' || true
exit "$RC"
