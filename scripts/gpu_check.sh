#!/usr/bin/env bash
# The device check (one command on a machine with an NVIDIA GPU): runs the e2e models' CUDA objects made here, compares, times, prints a table.
#
# Here (no GPU needed), first:
#   /usr/bin/python3 test/gpu/prepare_gpu_check.py --onnxc build/tools/onnxc \
#       --rt-lib build/runtime_support/libonnxc_rt.a          # writes build/gpu_check/pack
# Then on the GPU machine, with build/gpu_check/pack carried along:
#   bash scripts/gpu_check.sh [OUT_DIR [options of test/gpu/run_gpu_check.py]]
# OUT_DIR (default: $OUT, else build/gpu_check/results) receives gpu_check.md, .json and .log.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT_DIR=${1:-${OUT:-build/gpu_check/results}}
CUDA=${CUDA_HOME:-/usr/local/cuda}
PACK=${GPU_CHECK_PACK:-build/gpu_check/pack}
if [ ! -f "$PACK/manifest.json" ]; then
  echo "gpu_check: $PACK is missing: run test/gpu/prepare_gpu_check.py first (see the top of this script)" >&2
  exit 2
fi
PY=python3
command -v "$PY" >/dev/null || PY=/usr/bin/python3
shift $(( $# > 0 ? 1 : 0 ))
exec "$PY" test/gpu/run_gpu_check.py --pack "$PACK" --out "$OUT_DIR" --cuda "$CUDA" "$@"
