# Runs the ONNX backend test suite (Debian's libonnx-testdata) through onnxc and checks outcomes against expectations.txt.
"""For every case: compile model.onnx with onnxc, link it with the runtime shim
through the public C ABI (test/e2e/harness.c), run it on each test_data_set_*,
and compare with the expected outputs like the ONNX backend runner (rtol 1e-3,
atol 1e-7; integers and booleans exactly).

Outcomes: pass, reject (onnxc refused the model), bad-symbols (the object calls
something beyond the shim, mem* and the documented libm list), link-error,
run-error, crash, timeout, mismatch. The run fails when any outcome differs from the
expectations file; `--update` rewrites the file (keeping the reasons of
outcomes that did not change).
"""
import argparse
import concurrent.futures
import glob
import os
import re
import shutil
import subprocess
import sys
import time

import numpy as np
import onnx
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
import model_test  # noqa: E402 (shared steps: run_step, build_harness)
sys.path.insert(0, os.path.join(HERE, "..", "security"))
import op_type_sweep  # noqa: E402 (the symbols an object may call)

DATA_ROOT = "/usr/share/libonnx-testdata/data"
SUITES = ("node", "pytorch-converted", "pytorch-operator", "simple")
EXPECTATIONS = os.path.join(HERE, "expectations.txt")
RTOL, ATOL = 1e-3, 1e-7
# The refusal of a target that cannot do what the CPU targets do (outputs sized at
# run time on CUDA); --compile-only runs accept it.
TARGET_LIMIT = "are not supported on this target"


class Outcome(Exception):
    def __init__(self, status, reason):
        super().__init__(reason)
        self.status, self.reason = status, reason


def list_cases(root, pattern):
    cases = []
    for suite in SUITES:
        for d in sorted(glob.glob(os.path.join(root, suite, "*"))):
            name = f"{suite}/{os.path.basename(d)}"
            if os.path.isfile(os.path.join(d, "model.onnx")) and re.search(pattern, name):
                cases.append(name)
    return cases


def load_tensor(path):
    t = onnx.TensorProto()
    with open(path, "rb") as f:
        t.ParseFromString(f.read())
    if t.data_type == onnx.TensorProto.STRING:
        raise Outcome("reject", "string tensors are not supported")
    return t.name, numpy_helper.to_array(t)


def load_set(set_dir, kind, graph_names):
    """The tensors of one data set, in graph order (by name when the files carry names)."""
    files = sorted(glob.glob(os.path.join(set_dir, f"{kind}_*.pb")),
                   key=lambda p: int(re.findall(r"\d+", os.path.basename(p))[0]))
    named = [load_tensor(p) for p in files]
    names = [n for n, _ in named]
    if len(named) == len(graph_names) and sorted(names) == sorted(graph_names) and \
            len(set(names)) == len(names):
        by_name = dict(named)
        return [by_name[n] for n in graph_names]
    return [a for _, a in named]


def to_raw(arr, path):
    arr = np.ascontiguousarray(arr)
    if arr.dtype == np.bool_:
        arr = arr.astype(np.uint8)
    arr.tofile(path)


def output_shapes(exe):
    """The output shapes the compiled model declares (the harness's --info)."""
    p = subprocess.run([exe, "--info"], capture_output=True, text=True, timeout=60)
    shapes = []
    for m in re.finditer(r"^\s*output \d+: .* shape (\S+)$", p.stdout, re.M):
        shapes.append(() if m.group(1) == "scalar" else tuple(int(d) for d in m.group(1).split("x")))
    return shapes


def actual_shape(declared, path, itemsize):
    """The declared shape with its one run-time dim (-1, e.g. NonZero's count)
    worked out from the bytes the harness wrote for the actual dims."""
    if -1 not in declared:
        return declared
    known = int(np.prod([d for d in declared if d >= 0]))
    count = os.path.getsize(path) // max(itemsize * known, 1) if known else 0
    return tuple(count if d < 0 else d for d in declared)


def compare(name, got_path, ref):
    """Raises Outcome('mismatch') unless the raw output matches `ref`."""
    raw = np.fromfile(got_path, dtype=np.uint8)
    want = np.ascontiguousarray(ref)
    if raw.size != want.nbytes:
        raise Outcome("mismatch", f"output '{name}' has {raw.size} bytes, expected {want.nbytes}")
    got = raw.view(np.uint8 if want.dtype == np.bool_ else want.dtype).reshape(want.shape)
    if want.dtype.kind in "fc":
        g, w = got.astype(np.float64), want.astype(np.float64)
        ok = np.isclose(g, w, rtol=RTOL, atol=ATOL, equal_nan=True)
        if not ok.all():
            i = int(np.argmax(~ok.reshape(-1)))
            raise Outcome("mismatch", f"output '{name}': {int((~ok).sum())} of {ok.size} values "
                          f"outside tolerance, first [{i}] {g.reshape(-1)[i]:.7g} vs {w.reshape(-1)[i]:.7g}")
    elif not np.array_equal(got.astype(want.dtype) if want.dtype == np.bool_ else got, want):
        raise Outcome("mismatch", f"output '{name}' differs (exact comparison)")


def compile_model(model_path, obj, flags, args):
    try:
        model_test.run_step("onnxc", [args.onnxc, model_path, "-o", obj, "--name=m", *flags, *args.onnxc_flag],
                            args.timeout)
    except model_test.StepError as e:
        if "killed by signal" in e.first_line or "timed out" in e.first_line:
            raise Outcome("crash" if "signal" in e.first_line else "timeout", f"onnxc: {e.first_line}")
        raise Outcome("reject", e.first_line.replace("onnxc: error: ", ""))
    # Every object may call only the shim, libc's mem* and docs/c-abi.md's libm list.
    extra = {s for s in op_type_sweep.undefined_symbols(obj)
             - op_type_sweep.SHIM_AND_LIBC - op_type_sweep.LIBM_F64 - op_type_sweep.LIBM_MOD
             if not s.startswith("onnxc_")}
    if extra:
        raise Outcome("bad-symbols", f"the object calls {sorted(extra)}")


def bind_flags(bound, ins, graph_inputs, work, k):
    flags = []
    for i, name in enumerate(graph_inputs):
        if name in bound:
            path = os.path.join(work, f"bound{k}_{i}.pb")
            with open(path, "wb") as f:
                f.write(numpy_helper.from_array(ins[i], name).SerializeToString())
            flags.append(f"--bind-input={name}={path}")
    return flags


def unbound_shapes(shapes, bound):
    return [f for f in shapes if f.split("=", 1)[1].rsplit(":", 1)[0] not in bound]


CONSTANT_INPUT = re.compile(r"must be a compile-time constant.*; it is (?:computed from )?graph inputs? "
                            r"('[^']+'(?:, '[^']+')*)")


def bind_shape_inputs(model_path, obj, shapes, graph_inputs, data, data_error, work, args):
    """Compiles the model for the first data set. Graph inputs that onnxc
    needs as compile-time constants (Reshape's shape, Slice's starts, a
    reduction's axes, Dropout's training_mode, ...) are bound to their test
    values with --bind-input, as an AOT user with static shapes would;
    returns the names bound."""
    bound = set()
    while True:
        try:
            compile_model(model_path, obj, unbound_shapes(shapes, bound) +
                          bind_flags(bound, data[0][0] if data else [], graph_inputs, work, 0), args)
            return bound
        except Outcome as o:
            m = CONSTANT_INPUT.search(o.reason)
            names = set(re.findall(r"'([^']+)'", m.group(1))) if m else set()
            if o.status != "reject" or not names or not names <= set(graph_inputs) or \
                    names <= bound or data_error or not data:
                raise
            bound |= names


def run_case(case, args):
    src = os.path.join(args.data_root, case)
    work = os.path.join(args.workdir, case.replace("/", "__"))
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    try:
        model = onnx.load(os.path.join(src, "model.onnx"), load_external_data=False)
        inits = {i.name for i in model.graph.initializer}
        graph_inputs = [i.name for i in model.graph.input if i.name not in inits]
        graph_outputs = [o.name for o in model.graph.output]
        sets = sorted(glob.glob(os.path.join(src, "test_data_set_*")))
        data, data_error = [], None
        try:
            for s in sets:
                data.append((load_set(s, "input", graph_inputs), load_set(s, "output", graph_outputs)))
        except Outcome as o:
            data_error = o
        except Exception as e:  # sequences, optionals and other non-tensor data
            data_error = Outcome("reject", f"test data is not plain tensors ({type(e).__name__}: {e})")
        # Dynamic dimensions are fixed from the first data set, as a user would with --input-shape.
        shapes = []
        if data and not data_error:
            declared = {i.name: i.type.tensor_type for i in model.graph.input}
            for n, a in zip(graph_inputs, data[0][0]):
                t = declared[n]
                dims = [d.dim_value if d.HasField("dim_value") else None for d in t.shape.dim]
                if t.HasField("shape") and None not in dims:
                    if dims != list(a.shape):
                        data_error = Outcome("reject", f"test data shape {list(a.shape)} disagrees "
                                             f"with the declared shape {dims} of input '{n}'")
                elif a.ndim > 0:
                    shapes.append(f"--input-shape={n}:{'x'.join(map(str, a.shape))}")
        obj, hdr = os.path.join(work, "m.o"), os.path.join(work, "m.h")
        model_path = os.path.join(src, "model.onnx")
        bound = bind_shape_inputs(model_path, obj, shapes, graph_inputs, data, data_error, work, args)
        if data_error or not data:
            raise data_error or Outcome("reject", "no test data")
        if args.compile_only:
            return case, "pass", "compiled"
        for k, (ins, outs) in enumerate(data):
            if bound and k > 0:  # each data set has its own values for the bound inputs
                compile_model(model_path, obj, unbound_shapes(shapes, bound) +
                              bind_flags(bound, ins, graph_inputs, work, k), args)
            if k == 0 or bound:
                try:
                    exe = model_test.build_harness(obj, hdr, "m", args.rt_include, args.rt_lib, work,
                                                   "x86_64")
                except model_test.StepError as e:
                    raise Outcome("link-error", e.first_line)
            in_paths, out_paths = [], []
            for i, a in enumerate(ins):
                if graph_inputs[i] in bound:
                    continue
                in_paths.append(os.path.join(work, f"in{k}_{i}.bin"))
                to_raw(a, in_paths[-1])
            out_paths = [os.path.join(work, f"out{k}_{i}.bin") for i in range(len(outs))]
            try:
                model_test.run_harness(exe, in_paths, out_paths, "x86_64", timeout=args.timeout)
            except model_test.StepError as e:
                status = "crash" if "signal" in e.first_line else \
                    "timeout" if "timed out" in e.first_line else "run-error"
                raise Outcome(status, e.first_line)
            declared = output_shapes(exe)
            for name, p, ref, shape in zip(graph_outputs, out_paths, outs, declared):
                shape = actual_shape(shape, p, np.asarray(ref).dtype.itemsize)
                if tuple(shape) != tuple(np.shape(ref)):
                    raise Outcome("mismatch", f"output '{name}' has shape {list(shape)}, "
                                              f"expected {list(np.shape(ref))}")
                compare(name, p, ref)
            if len(declared) != len(outs):
                raise Outcome("mismatch", f"the model declares {len(declared)} outputs, the data has {len(outs)}")
        shutil.rmtree(work, ignore_errors=True)
        return case, "pass", (f"bound at compile time: {', '.join(sorted(bound))}" if bound else "")
    except Outcome as o:
        return case, o.status, o.reason
    except Exception as e:  # unreadable test data and the like
        return case, "reject", f"{type(e).__name__}: {e}"


def read_expectations(path):
    """case -> (status, reason); a line is `case status [-- reason]`."""
    out = {}
    if not os.path.exists(path):
        return out
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            head, _, reason = line.partition(" -- ")
            case, status = head.split()[:2]
            out[case] = (status, reason.strip())
    return out


def write_expectations(path, results, old):
    with open(path, "w") as f:
        f.write("# Outcome of every ONNX backend test case (Debian libonnx-testdata) under onnxc.\n"
                "# Format: CASE STATUS [-- reason]. Regenerate with run_suite.py --update, which\n"
                "# writes onnxc's error as the reason; a hand-written reason starts with 'why:'\n"
                "# and survives --update while the status stays the same.\n")
        for case in sorted(results):
            status, reason = results[case]
            if case in old and old[case][0] == status and old[case][1].startswith("why:"):
                reason = old[case][1]
            f.write(f"{case} {status}" + (f" -- {reason}" if reason else "") + "\n")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--onnxc", required=True)
    ap.add_argument("--rt-include", required=True)
    ap.add_argument("--rt-lib", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--data-root", default=DATA_ROOT)
    ap.add_argument("--expectations", default=EXPECTATIONS)
    ap.add_argument("--filter", default="", help="regex on SUITE/CASE")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--timeout", type=int, default=120, help="seconds per step")
    ap.add_argument("--update", action="store_true", help="rewrite the expectations file")
    ap.add_argument("--compile-only", action="store_true",
                    help="stop after compiling (targets this machine cannot run, e.g. cuda): every case "
                         "that compiles and runs on the CPU must compile")
    ap.add_argument("--onnxc-flag", action="append", default=[],
                    help="extra onnxc flag (repeatable), e.g. --onnxc-flag=--target=cuda "
                         "--onnxc-flag=--gpu-host-emulation to run the GPU kernels' loops on the host")
    model_test.add_toolchain_args(ap)
    args = ap.parse_args(argv)
    model_test.use_toolchain("x86_64", args)
    for a in ("onnxc", "rt_include", "rt_lib", "workdir"):
        setattr(args, a, os.path.abspath(getattr(args, a)))
    os.makedirs(args.workdir, exist_ok=True)

    cases = list_cases(args.data_root, args.filter)
    if not cases:
        print(f"no test cases under {args.data_root}")
        return 1
    t0 = time.time()
    results = {}
    with concurrent.futures.ProcessPoolExecutor(max_workers=args.jobs) as pool:
        for case, status, reason in pool.map(run_case, cases, [args] * len(cases), chunksize=4):
            results[case] = (status, reason)
    expected = read_expectations(args.expectations)
    counts = {}
    for status, _ in results.values():
        counts[status] = counts.get(status, 0) + 1
    print(f"{len(cases)} cases in {time.time() - t0:.0f}s: " +
          ", ".join(f"{n} {s}" for s, n in sorted(counts.items(), key=lambda x: -x[1])))
    for suite in SUITES:
        mine = [s for c, (s, _) in results.items() if c.startswith(suite + "/")]
        if mine:
            print(f"  {suite}: {mine.count('pass')} of {len(mine)} pass")
    n_bound = sum(1 for s, r in results.values() if s == "pass" and r.startswith("bound"))
    print(f"  ({n_bound} of the passing cases bind inputs that must be constants with --bind-input)")

    actual = os.path.join(args.workdir, "expectations.actual.txt")
    write_expectations(actual, {**expected, **results}, expected)
    if args.update and args.compile_only:
        print("--update records run outcomes: not with --compile-only")
        return 1
    if args.update:
        if args.filter:
            merged = {c: v for c, v in expected.items()}
            merged.update(results)
            results = merged
        write_expectations(args.expectations, results, expected)
        print(f"wrote {args.expectations}")
        return 0
    changed = []
    for case in cases:
        status, reason = results[case]
        want = expected.get(case, ("(not listed)", ""))[0]
        if args.compile_only and want not in ("reject", "crash", "timeout", "(not listed)"):
            want = "pass"  # compiled; not run here
        if args.compile_only and status == "reject" and TARGET_LIMIT in reason:
            want = "reject"  # a documented limit of the target (docs/c-abi.md)
        if status != want:
            changed.append(f"  {case}: expected {want}, got {status}" + (f" ({reason})" if reason else ""))
    if changed:
        print(f"{len(changed)} outcome(s) differ from {args.expectations}:")
        print("\n".join(changed))
        print(f"Fix the regression, or record the new outcomes: --update, or copy {actual}.")
        return 1
    print("all outcomes match the expectations file")
    return 0


if __name__ == "__main__":
    sys.exit(main())
