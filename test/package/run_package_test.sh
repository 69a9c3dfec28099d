#!/bin/sh
# The CMake package and pkg-config file of an installed onnxc, used the way a user's project would.
# usage: run_package_test.sh BUILD_DIR WORK_DIR MODEL_DIR GENERATOR
set -eu
build=$1; work=$2; models=$3; generator=$4
src=$(cd "$(dirname "$0")" && pwd)
model=$models/kws/model.onnx
input=$models/kws/input_0.bin
prefix=$work/prefix
fail() { echo "FAIL: $*" >&2; exit 1; }

rm -rf "$work" && mkdir -p "$work"
cmake --install "$build" --prefix "$prefix" > /dev/null
test -f "$prefix/lib/cmake/onnxc/onnxcConfig.cmake" || fail "no onnxcConfig.cmake"
test -f "$prefix/lib/cmake/onnxc/onnxcConfigVersion.cmake" || fail "no onnxcConfigVersion.cmake"
test -f "$prefix/lib/pkgconfig/onnxc.pc" || fail "no onnxc.pc"

# The plain link line (the reference).
"$prefix/bin/onnxc" "$model" -q -o "$work/kws.o"
cc -std=c11 -O2 -I"$work" -I"$prefix/include" "$src/../../examples/kws_demo.c" "$work/kws.o" \
   -L"$prefix/lib" -lonnxc_rt -lpthread -lm -o "$work/plain"
"$work/plain" "$input" > "$work/plain.txt"

# pkg-config.
PKG_CONFIG_PATH=$prefix/lib/pkgconfig
export PKG_CONFIG_PATH
cc -std=c11 -O2 -I"$work" "$src/../../examples/kws_demo.c" "$work/kws.o" $(pkg-config --cflags --libs onnxc) \
   -lpthread -lm -o "$work/pc"
"$work/pc" "$input" > "$work/pc.txt"
cmp "$work/plain.txt" "$work/pc.txt" || fail "pkg-config build prints other scores"

# find_package + onnxc_add_model.
consumer=$work/consumer
cmake -S "$src/consumer" -B "$consumer" -G "$generator" -DCMAKE_PREFIX_PATH="$prefix" -DMODEL="$model" > "$work/configure.log"
cmake --build "$consumer" > "$work/build1.log"
"$consumer/kws_demo" "$input" > "$work/cmake.txt"
cmp "$work/plain.txt" "$work/cmake.txt" || fail "onnxc_add_model build prints other scores"
grep -q "predicted class" "$work/cmake.txt" || fail "no prediction printed"

# Rebuilds: nothing when nothing changed; onnxc again when the flags or the model change.
cmake --build "$consumer" > "$work/build2.log"
grep -q "onnxc: compiling" "$work/build2.log" && fail "onnxc reran with nothing changed"
cmake -S "$src/consumer" -B "$consumer" -DMODEL_OPTIONS=-O2 > /dev/null
cmake --build "$consumer" > "$work/build3.log"
grep -q "onnxc: compiling" "$work/build3.log" || fail "onnxc did not rerun after the flags changed"
cp "$model" "$work/kws_copy.onnx"
cmake -S "$src/consumer" -B "$consumer" -DMODEL="$work/kws_copy.onnx" > /dev/null
cmake --build "$consumer" > /dev/null
touch "$work/kws_copy.onnx"
cmake --build "$consumer" > "$work/build4.log"
grep -q "onnxc: compiling" "$work/build4.log" || fail "onnxc did not rerun after the model changed"
"$consumer/kws_demo" "$input" > "$work/cmake2.txt"
cmp "$work/plain.txt" "$work/cmake2.txt" || fail "rebuilt model prints other scores"

# Bad input fails at configure time with onnxc's message.
if cmake -S "$src/consumer" -B "$work/bad1" -G "$generator" -DCMAKE_PREFIX_PATH="$prefix" \
     -DMODEL="$work/missing.onnx" > "$work/bad1.log" 2>&1; then fail "a missing model configured"; fi
grep -q "onnxc: error: cannot read" "$work/bad1.log" || fail "missing model: no onnxc error: $(cat "$work/bad1.log")"
if cmake -S "$src/consumer" -B "$work/bad2" -G "$generator" -DCMAKE_PREFIX_PATH="$prefix" -DMODEL="$model" \
     -DMODEL_OPTIONS=--no-such-flag > "$work/bad2.log" 2>&1; then fail "an unknown flag configured"; fi
grep -q "no-such-flag" "$work/bad2.log" || fail "unknown flag: not named: $(cat "$work/bad2.log")"

cat "$work/cmake.txt"
echo "package test passed"
