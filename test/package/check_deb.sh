#!/bin/sh
# The Debian package that `cpack -G DEB` builds: its name, contents under /usr, and dependencies.
# usage: check_deb.sh BUILD_DIR WORK_DIR VERSION
set -eu
build=$1; work=$2; version=$3
fail() { echo "FAIL: $*" >&2; exit 1; }
rm -rf "$work" && mkdir -p "$work"
(cd "$build" && cpack -G DEB -B "$work" > "$work/cpack.log") || fail "cpack: $(cat "$work/cpack.log")"
deb=$work/onnxc_${version}_amd64.deb
test -f "$deb" || fail "no $deb: $(ls "$work")"
dpkg-deb -c "$deb" | awk '{print $6}' > "$work/files.txt"
for f in ./usr/bin/onnxc ./usr/include/onnxc/runtime.h ./usr/lib/libonnxc_rt.a ./usr/lib/libonnxc_cuda_rt.a \
         ./usr/lib/cmake/onnxc/onnxcConfig.cmake ./usr/lib/cmake/onnxc/onnxcConfigVersion.cmake \
         ./usr/lib/cmake/onnxc/onnxcAddModel.cmake ./usr/lib/pkgconfig/onnxc.pc; do
  grep -qx "$f" "$work/files.txt" || fail "$f is not in the package"
done
# Every cross shim this build made is packaged too.
for t in aarch64 cortex-m4 cortex-m7 cortex-m55; do
  if [ -f "$build/lib/$t/libonnxc_rt.a" ]; then
    grep -qx "./usr/lib/$t/libonnxc_rt.a" "$work/files.txt" || fail "the $t shim is not in the package"
  fi
done
grep -v '^\./usr' "$work/files.txt" | grep -v '^\./$' && fail "files outside /usr"
depends=$(dpkg-deb -f "$deb" Depends)
for p in libllvm22 libmlir-22 libprotobuf32 libonnx1; do
  echo "$depends" | grep -q "$p" || fail "Depends lacks $p: $depends"
done
test "$(dpkg-deb -f "$deb" Architecture)" = amd64 || fail "not amd64"
echo "Depends: $depends"
echo "deb package test passed"
