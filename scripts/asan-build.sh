#!/usr/bin/env bash
# Usage: scripts/asan-build.sh [ninja targets...]. Configures and builds the sanitizer build (clang-22, ASan+UBSan, libFuzzer coverage) that sanitize.sh and fuzz.sh share; prints its folder.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${ONNXC_ASAN_BUILD:-$ROOT/build-asan}
JOBS=${JOBS:-$(nproc)}
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$ROOT}
if [ ! -f "$BUILD/CMakeCache.txt" ]; then
  # Release with -O1: asserts off (the behaviour users get), fast enough under ASan;
  # line tables are all a sanitizer trace needs (full -g only makes objects and links bigger).
  cmake -S "$ROOT" -B "$BUILD" -G Ninja \
    -DCMAKE_C_COMPILER=/usr/bin/clang-22 -DCMAKE_CXX_COMPILER=/usr/bin/clang++-22 \
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_FLAGS_RELEASE="-DNDEBUG -O1 -gline-tables-only" \
    -DCMAKE_CXX_FLAGS_RELEASE="-DNDEBUG -O1 -gline-tables-only" \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir -DLLVM_DIR=/usr/lib/llvm-22/lib/cmake/llvm \
    -DONNXC_FUZZ=ON >&2
fi
ninja -C "$BUILD" -j"$JOBS" "$@" >&2
echo "$BUILD"
