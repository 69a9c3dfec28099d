#!/usr/bin/env bash
# Usage: scripts/graphfuzz.sh [N] [START] [graphfuzz.py options...]. Runs N more random graphs (default 200; seeds from START, default 300, past the graphfuzz ctest's seeds 0..299) through onnxc and ONNX Runtime; failures are minimized into build/graphfuzz/failures.
set -euo pipefail
N=${1:-200}
START=${2:-300}
shift $(( $# < 2 ? $# : 2 ))
ROOT=$(cd "$(dirname "$0")/.." && pwd)
exec /usr/bin/python3 "$ROOT/test/graphfuzz/graphfuzz.py" --start "$START" --count "$N" --minimize "$@"
