#!/usr/bin/env bash
# Usage: scripts/sanitize.sh [ctest args...]. Builds onnxc with ASan+UBSan (scripts/asan-build.sh, build-asan/) and runs its ctest suite there: everything but conformance by default.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(bash "$ROOT/scripts/asan-build.sh")
# Leak checking stays on: the instrumented onnxc leaks nothing.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
cd "$BUILD"
if [ $# -eq 0 ]; then
  set -- -E "^conformance"
fi
ctest --output-on-failure -j"${JOBS:-$(nproc)}" "$@"
