# Builds test/security/boundary_test.c against a compiled Conv model under ThreadSanitizer and runs it.
"""The model's LLVM IR (onnxc --emit=llvm) is compiled by clang with
-fsanitize=thread, like the runtime shim and the test, so races in generated
code, in the thread pool or at the boundary are reported. The Conv is large
enough for its loop to run on the thread pool; ONNXC_NUM_THREADS=2 runs the
pool's workers beside the test's 4 application threads."""
import argparse
import glob
import os
import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def conv_model(path):
    rng = np.random.default_rng(3)
    w = numpy_helper.from_array(rng.standard_normal((16, 8, 3, 3)).astype(np.float32), "w")
    b = numpy_helper.from_array(rng.standard_normal(16).astype(np.float32), "b")
    nodes = [helper.make_node("Conv", ["x", "w", "b"], ["c"], name="conv", pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["c"], ["r"], name="relu"),
             helper.make_node("MaxPool", ["r"], ["y"], name="pool", kernel_shape=[2, 2], strides=[2, 2])]
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 8, 32, 32])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 16, 16, 16])], [w, b])
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), path)


def run(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        sys.exit(f"FAILED: {' '.join(cmd)}\n{r.stdout}{r.stderr}")
    return r.stdout


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--onnxc", required=True)
    ap.add_argument("--rt-src", required=True, help="runtime_support folder")
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--clang", default="clang-22")
    args = ap.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    w = lambda name: os.path.join(args.workdir, name)  # noqa: E731
    conv_model(w("m.onnx"))
    run([args.onnxc, w("m.onnx"), "-o", w("m.o"), "--name=m"])  # writes m.h
    run([args.onnxc, w("m.onnx"), "--emit=llvm", "-o", w("m.ll"), "--name=m"])
    flags = ["-fsanitize=thread", "-g", "-O1"]
    objs = [w("m_tsan.o")]
    run([args.clang, *flags, "-c", w("m.ll"), "-o", objs[0]])
    if "__tsan_" not in run(["nm", objs[0]]):
        sys.exit("FAILED: the model object is not instrumented by ThreadSanitizer")
    inc = os.path.join(args.rt_src, "include")
    for src in ("runtime_common.c", "threadpool.c"):
        objs.append(w(src + ".o"))
        run([args.clang, *flags, "-I", inc, "-c", os.path.join(args.rt_src, "src", src), "-o", objs[-1]])
    here = os.path.dirname(os.path.abspath(__file__))
    exe = w("boundary_test")
    run([args.clang, *flags, "-I", inc, "-I", args.workdir, "-DMODEL=m", '-DMODEL_HEADER="m.h"',
         os.path.join(here, "boundary_test.c"), *objs, "-o", exe, "-lpthread", "-lm"])
    env = dict(os.environ, ONNXC_NUM_THREADS="2", TSAN_OPTIONS="halt_on_error=1 exitcode=66")
    print(run([exe], env=env).strip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
