# Walks the importer's error paths: makes each op it builds fail in turn (--inject-op-failure) and checks that onnxc always ends in a clean "onnxc: error:" exit 1.
"""The fuzzer reaches an error in the middle of a decomposition only by luck
(a NonMaxSuppression whose later op is rejected crashed on a null value). This
test makes it systematic: for every model in the set it counts the ops the
importer builds, then fails the 1st, 2nd, ... op (all of them up to --dense,
evenly spaced samples beyond) and requires exit 1 with an "onnxc: error:" line
and no internal verifier text. Models: the new-op e2e cases (every
decomposition family, control flow, sequences) and the Debian backend node
tests whose op onnxc composes from others."""
import argparse
import glob
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


CONTROL_FLOW = {"If", "Loop", "Scan", "SequenceConstruct", "SequenceInsert", "SequenceErase", "SplitToSequence",
                "ConcatFromSequence", "SequenceAt", "SequenceLength", "SequenceEmpty", "SequenceMap"}


def composed_ops():
    """Op types onnxc builds from other ops (the decomposition tables)."""
    ops = set()
    for path in glob.glob(os.path.join(ROOT, "compiler", "*.cpp")):
        with open(path) as f:
            ops |= set(re.findall(r'table\["(\w+)"\]', f.read()))
    return ops


def backend_models(data_dir, ops):
    """Backend node tests with a node whose op is in `ops` (every one when ops is None)."""
    import onnx
    out = []
    for case in sorted(glob.glob(os.path.join(data_dir, "node", "test_*"))):
        path = os.path.join(case, "model.onnx")
        if not os.path.exists(path):
            continue
        if ops is not None:
            graph_ops = {n.op_type for n in onnx.load(path, load_external_data=False).graph.node}
            if not graph_ops & ops:
                continue
        out.append((os.path.basename(case), path, ()))
    return out


def new_op_models(workdir):
    sys.path.insert(0, os.path.join(ROOT, "test", "e2e"))
    import new_ops  # noqa: E402
    out = []
    for name, m, _, _, *flags in new_ops.cases():
        path = os.path.join(workdir, name + ".onnx")
        with open(path, "wb") as f:
            f.write(m.SerializeToString())
        out.append((name, path, flags[0] if flags else ()))
    return out


def compile_with(onnxc, path, n, out, flags=()):
    args = [onnxc, path, "--emit=onnx", "-o", out, *flags]
    if n:
        args.append(f"--inject-op-failure={n}")
    try:
        return subprocess.run(args, capture_output=True, text=True, errors="replace", timeout=120)
    except subprocess.TimeoutExpired:
        return None


def check_model(onnxc, name, path, flags, workdir, dense, samples):
    out = os.path.join(workdir, name + ".mlir")
    # -1: nothing fails, and onnxc notes how many ops the importer built.
    base = compile_with(onnxc, path, -1, out, flags)
    if base is None or base.returncode != 0:
        return name, 0, []  # refused as it is: its error paths are the hostile tests' business
    counted = re.search(r"the importer built (\d+) ops", base.stderr)
    if not counted:
        return name, 0, ["no op count from --inject-op-failure=-1\n" + base.stderr[-800:]]
    count = int(counted.group(1))
    points = list(range(1, min(count, dense) + 1))
    if count > dense:
        step = (count - dense) / samples
        points += sorted({dense + 1 + int(i * step) for i in range(samples)} | {count})
    problems = []
    for n in points:
        r = compile_with(onnxc, path, n, out, flags)
        if r is None:
            problems.append(f"op {n}: timed out")
        elif r.returncode != 1 or "onnxc: error:" not in r.stderr:
            problems.append(f"op {n}: exit {r.returncode}\n{r.stderr[-1500:]}")
        elif "see current operation" in r.stderr:
            problems.append(f"op {n}: internal verifier text leaks\n{r.stderr[-800:]}")
    return name, count, problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--onnxc", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--backend-data", default="", help="the ONNX backend test data root (optional)")
    ap.add_argument("--all-backend", action="store_true", help="every node test, not only composed ops")
    ap.add_argument("--dense", type=int, default=150, help="fail every op up to this one")
    ap.add_argument("--samples", type=int, default=50, help="evenly spaced failures beyond --dense")
    ap.add_argument("--jobs", type=int, default=os.cpu_count())
    ap.add_argument("--filter", default="")
    args = ap.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    models = new_op_models(args.workdir)
    if args.backend_data:
        models += backend_models(args.backend_data, None if args.all_backend else composed_ops() | CONTROL_FLOW)
    models = [m for m in models if args.filter in m[0]]
    failures = 0
    with ThreadPoolExecutor(args.jobs) as pool:
        for name, count, problems in pool.map(
                lambda m: check_model(args.onnxc, m[0], m[1], m[2], args.workdir, args.dense, args.samples), models):
            if problems:
                failures += 1
                print(f"FAIL {name} ({count} ops):\n  " + "\n  ".join(problems[:3]))
            else:
                print(f"ok   {name}: {count} ops, each failure a clean error")
    print(f"{len(models) - failures} of {len(models)} models clean")
    if failures:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
