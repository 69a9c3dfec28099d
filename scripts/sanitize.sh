#!/usr/bin/env bash
# Builds onnxc with ASan+UBSan (-DONNXC_SANITIZE=ON) in build-asan/ and runs ctest there (all but conformance).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${ONNXC_ASAN_BUILD:-$ROOT/build-asan}
JOBS=${JOBS:-1}
CC=${CC:-/usr/bin/gcc}
CXX=${CXX:-/usr/bin/g++}
LAUNCHER=()
if [ -x /usr/bin/ccache ]; then
  export CCACHE_BASEDIR=${CCACHE_BASEDIR:-/work}
  LAUNCHER=(-DCMAKE_CXX_COMPILER_LAUNCHER=/usr/bin/ccache -DCMAKE_C_COMPILER_LAUNCHER=/usr/bin/ccache)
fi
if [ ! -f "$BUILD/CMakeCache.txt" ]; then
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_C_COMPILER="$CC" -DCMAKE_CXX_COMPILER="$CXX" \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir -DLLVM_DIR=/usr/lib/llvm-22/lib/cmake/llvm \
    -DONNXC_SANITIZE=ON "${LAUNCHER[@]}"
fi
ninja -C "$BUILD" -j"$JOBS"
# Leak checking stays on (the instrumented onnxc showed no leaks); set
# ASAN_OPTIONS=detect_leaks=0 if LLVM's global state ever reports as leaks.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
cd "$BUILD"
ctest -E "^conformance$" --output-on-failure "$@"
