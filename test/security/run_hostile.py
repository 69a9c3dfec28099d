# Runs onnxc on every hostile model and checks it fails cleanly with the expected error.
"""A case passes when onnxc exits with code 1 within the time limit, prints
one `onnxc: error: ...` line containing the expected text, and shows no
crash (signal, LLVM stack dump). Cases expected to compile must also produce
a header that the C compiler accepts."""
import argparse
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hostile_models import CASES, FILE_CASES  # noqa: E402


def check(name, data, flags, expected, args, folder=None):
    path = os.path.join(folder or args.workdir, name + ".onnx")
    with open(path, "wb") as f:
        f.write(data)
    out = os.path.join(args.workdir, name + ".o")
    try:
        r = subprocess.run([args.onnxc, path, "-o", out, *flags], capture_output=True, text=True,
                           timeout=args.timeout, errors="replace")
    except subprocess.TimeoutExpired:
        return f"timed out after {args.timeout}s"
    err = r.stderr.strip()
    if r.returncode < 0 or "Stack dump" in err or "PLEASE submit" in err:
        return f"crashed (exit {r.returncode}): {err[:300]}"
    if isinstance(expected, tuple):  # ("compiles", text the --emit output must contain)
        if r.returncode != 0:
            return f"expected to compile, got: {err[:300]}"
        with open(out, errors="replace") as f:
            return None if expected[1] in f.read() else f"'{expected[1]}' not in the output"
    if expected is None:
        if r.returncode != 0:
            return f"expected to compile, got: {err[:300]}"
        header = os.path.join(args.workdir, name + ".h")
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
    os.makedirs(args.workdir, exist_ok=True)
    failures = 0
    for name, build, flags, expected in CASES:
        problem = check(name, build(), flags, expected, args)
        failures += problem is not None
        print(f"{'FAIL' if problem else 'ok  '} {name}" + (f": {problem}" if problem else ""))
    for name, build, flags, expected in FILE_CASES:
        folder = os.path.join(args.workdir, name, "model")
        os.makedirs(folder, exist_ok=True)
        problem = check(name, build(folder), flags, expected, args, folder)
        failures += problem is not None
        print(f"{'FAIL' if problem else 'ok  '} {name}" + (f": {problem}" if problem else ""))
    total = len(CASES) + len(FILE_CASES)
    print(f"{total - failures} of {total} hostile models handled as expected")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
