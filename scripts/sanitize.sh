#!/usr/bin/env bash
# Usage: scripts/sanitize.sh [ctest args...]. Builds onnxc with ASan+UBSan (scripts/asan-build.sh, build-asan/) and runs its ctest suite there: everything but conformance and graphfuzz by default.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(bash "$ROOT/scripts/asan-build.sh")
# Leak checking stays on: the instrumented onnxc leaks nothing. A sanitizer report
# exits 23, never onnxc's 1, so tests that accept a clean `onnxc: error:` (exit 1)
# still fail on it.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:exitcode=23}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:exitcode=23}
cd "$BUILD"
if [ $# -eq 0 ]; then
  set -- -E "^conformance|^graphfuzz"  # the long differential runs stay in scripts/test.sh
fi
ctest --output-on-failure -j"${JOBS:-$(nproc)}" "$@"
