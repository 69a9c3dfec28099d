# Compiles every ONNX op (default domain, opset 18) on every common element type; onnxc must compile or reject each cleanly.
"""A sweep of one-node models: each op of the default domain with its minimum
number of inputs, all of one element type (bool, int8, uint8, int32, int64,
float16, float, double) and shape [2, 3], and no attributes. Most are invalid
(missing attributes, wrong types or shapes) or unsupported; the point is that
onnxc never crashes or hangs on them: it exits 0, or exits 1 with a first
line `onnxc: error: ... (node 'n', op OP)`. Every object that compiles may call
only the shim, memcpy/memset/memmove, and libm where docs/c-abi.md says so."""
import argparse
import concurrent.futures
import os
import subprocess
import sys

from onnx import TensorProto, defs, helper

TYPES = {"bool": TensorProto.BOOL, "i8": TensorProto.INT8, "u8": TensorProto.UINT8, "i32": TensorProto.INT32,
         "i64": TensorProto.INT64, "f16": TensorProto.FLOAT16, "f32": TensorProto.FLOAT, "f64": TensorProto.DOUBLE}
OPSET = 18


def latest_schemas():
    schemas = {}
    for s in defs.get_all_schemas_with_history():
        if s.domain == "" and s.since_version <= OPSET and not s.deprecated:
            if s.name not in schemas or schemas[s.name].since_version < s.since_version:
                schemas[s.name] = s
    return schemas


def write_model(path, op, n_inputs, elem):
    ins = [f"x{i}" for i in range(n_inputs)]
    g = helper.make_graph([helper.make_node(op, ins, ["y"], name="n")], "g",
                          [helper.make_tensor_value_info(i, elem, [2, 3]) for i in ins],
                          [helper.make_tensor_value_info("y", TensorProto.UNDEFINED, None)])
    with open(path, "wb") as f:
        f.write(helper.make_model(g, opset_imports=[helper.make_opsetid("", OPSET)]).SerializeToString())


# What a compiled object may call: the shim and memcpy/memset/memmove; libm only for
# the f64 transcendental ops and for float Mod (docs/c-abi.md lists them).
SHIM_AND_LIBC = {"memcpy", "memset", "memmove"}
LIBM_F64 = {"sin", "cos", "sincos", "asin", "acos", "atan"}
LIBM_MOD = {"fmod", "fmodf"}


def undefined_symbols(obj):
    out = subprocess.run(["nm", "-u", obj], capture_output=True, text=True).stdout
    return {line.split()[-1] for line in out.splitlines() if line.strip()}


def symbol_problem(obj, op, tname):
    """None when every symbol the object needs is allowed for this op and type."""
    allowed = set(SHIM_AND_LIBC)
    if tname == "f64":
        allowed |= LIBM_F64
    if op == "Mod":
        allowed |= LIBM_MOD
    extra = {s for s in undefined_symbols(obj) - allowed if not s.startswith("onnxc_")}
    return f"calls {sorted(extra)} beyond the shim, libc's mem* and docs/c-abi.md's libm list" if extra else None


def check(onnxc, path, op, timeout):
    obj = path[:-len(".onnx")] + ".o"
    try:
        r = subprocess.run([onnxc, path, "-o", obj], capture_output=True, text=True,
                           timeout=timeout, errors="replace")
    except subprocess.TimeoutExpired:
        return f"timed out after {timeout}s"
    if r.returncode == 0:
        return symbol_problem(obj, op, path[:-len(".onnx")].rsplit("_", 1)[1])
    first = r.stderr.splitlines()[0] if r.stderr else ""
    if r.returncode != 1 or "Stack dump" in r.stderr or "PLEASE submit" in r.stderr:
        return f"exit {r.returncode}: {r.stderr.strip()[:300]}"
    if not first.startswith("onnxc: error: ") or f"(node 'n', op {op})" not in first:
        return f"error does not name the node and op: {first[:300]}"
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--onnxc", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--timeout", type=int, default=120)
    args = ap.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    cases = []
    for op, schema in sorted(latest_schemas().items()):
        for tname, elem in TYPES.items():
            path = os.path.join(args.workdir, f"{op}_{tname}.onnx")
            write_model(path, op, max(schema.min_input, 1), elem)
            cases.append((path, op))
    failures = 0
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        for (path, op), problem in zip(cases, pool.map(lambda c: check(args.onnxc, c[0], c[1], args.timeout), cases)):
            if problem:
                failures += 1
                print(f"FAIL {os.path.basename(path)}: {problem}")
    print(f"{len(cases) - failures} of {len(cases)} one-node models compiled or rejected cleanly")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
