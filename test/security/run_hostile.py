# Runs onnxc on every hostile model and checks it fails cleanly with the expected error.
"""A case passes when onnxc exits with code 1 within the time limit, prints
one `onnxc: error: ...` line containing the expected text, and shows no
crash (signal, LLVM stack dump), and writes or changes no file but its
outputs. Cases expected to compile must also produce a header that the C
compiler accepts."""
import argparse
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hostile_models import CASES, FILE_CASES  # noqa: E402


def snapshot(folder):
    """Every file below folder (relative path -> bytes), symlinks as their targets."""
    files = {}
    for root, dirs, names in os.walk(folder):
        for n in names + [d for d in dirs if os.path.islink(os.path.join(root, d))]:
            p = os.path.join(root, n)
            rel = os.path.relpath(p, folder)
            files[rel] = ("link", os.readlink(p)) if os.path.islink(p) else open(p, "rb").read()
    return files


def check(name, build, flags, expected, args, file_case):
    """Runs onnxc on one case in workdir/NAME/ (model/ holds the model and its
    files, cwd/ is onnxc's working folder, out/ gets -o) and returns the
    problem, or None. Besides the expected outcome, onnxc must have written
    nothing but out/NAME.o and out/NAME.h (those only on success) and
    changed nothing else."""
    case = os.path.join(args.workdir, name)
    shutil.rmtree(case, ignore_errors=True)
    model_dir, cwd, out_dir = (os.path.join(case, d) for d in ("model", "cwd", "out"))
    for d in (model_dir, cwd, out_dir):
        os.makedirs(d)
    path = os.path.join(model_dir, name + ".onnx")
    data = build(model_dir) if file_case else build()  # FILE_CASES write files beside the model
    with open(path, "wb") as f:
        f.write(data)
    before = snapshot(case)
    out = os.path.join(out_dir, name + ".o")
    try:
        r = subprocess.run([args.onnxc, path, "-o", out, *flags], capture_output=True, text=True,
                           timeout=args.timeout, errors="replace", cwd=cwd)
    except subprocess.TimeoutExpired:
        return f"timed out after {args.timeout}s"
    err = r.stderr.strip()
    if r.returncode < 0 or "Stack dump" in err or "PLEASE submit" in err:
        return f"crashed (exit {r.returncode}): {err[:300]}"
    after = snapshot(case)
    allowed = {os.path.join("out", name + ext) for ext in (".o", ".h")} if r.returncode == 0 else set()
    touched = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k) and k not in allowed)
    if touched:
        return f"onnxc wrote or changed files it was not told to: {touched}"
    if isinstance(expected, tuple):  # ("compiles", text the --emit output must contain)
        if r.returncode != 0:
            return f"expected to compile, got: {err[:300]}"
        with open(out, errors="replace") as f:
            return None if expected[1] in f.read() else f"'{expected[1]}' not in the output"
    if expected is None:
        if r.returncode != 0:
            return f"expected to compile, got: {err[:300]}"
        header = os.path.join(out_dir, name + ".h")
        c = subprocess.run([args.cc, "-fsyntax-only", "-Wall", "-Werror", "-I", args.rt_include, "-x", "c",
                            header], capture_output=True, text=True)
        return None if c.returncode == 0 else f"header does not compile: {c.stderr[:300]}"
    if r.returncode != 1:
        return f"exit code {r.returncode}, expected 1: {err[:300]}"
    lines = err.splitlines()
    if len(lines) != 1 or not lines[0].startswith("onnxc: error: "):
        return f"expected one 'onnxc: error:' line, got: {err[:300]}"
    if expected not in lines[0]:
        return f"expected '{expected}' in: {lines[0]}"
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--onnxc", required=True)
    ap.add_argument("--rt-include", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--cc", default="cc")
    ap.add_argument("--timeout", type=int, default=60)
    args = ap.parse_args()
    args.onnxc = os.path.abspath(args.onnxc)  # onnxc runs in each case's own folder
    os.makedirs(args.workdir, exist_ok=True)
    failures = 0
    for file_case, cases in ((False, CASES), (True, FILE_CASES)):
        for name, build, flags, expected in cases:
            problem = check(name, build, flags, expected, args, file_case)
            failures += problem is not None
            print(f"{'FAIL' if problem else 'ok  '} {name}" + (f": {problem}" if problem else ""))
    total = len(CASES) + len(FILE_CASES)
    print(f"{total - failures} of {total} hostile models handled as expected")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
