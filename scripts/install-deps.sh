#!/usr/bin/env bash
# Installs every Debian package onnxc's build, tests and benchmarks need (idempotent).
set -euo pipefail
PKGS=(
  llvm-22-dev libmlir-22-dev mlir-22-tools llvm-22-tools clang-22 lld-22 libclang-rt-22-dev
  libprotobuf-dev protobuf-compiler libonnx-dev libonnx-testdata
  cmake ninja-build ccache googletest libgtest-dev pkg-config dpkg-dev chromium
  python3 python3-numpy python3-onnx python3-torch python3-torchvision
  gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user
  gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm make
)
# Node.js and npm run ONNX Runtime (bench/, test/graphfuzz); a nodejs that already brings npm
# (NodeSource's) conflicts with Debian's npm package, so only when either command is missing.
if ! command -v node > /dev/null || ! command -v npm > /dev/null; then
  PKGS+=(nodejs npm)
fi
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
