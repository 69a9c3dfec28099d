# Runs onnxc on every fuzzer-found input in crashes/: each must end in a clean "onnxc: error:" exit 1, never a signal.
import argparse
import os
import subprocess
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--onnxc", required=True)
    ap.add_argument("--crashes", required=True)
    ap.add_argument("--compiles", help="fuzzer findings that are valid models: must compile (exit 0)")
    ap.add_argument("--workdir", required=True)
    args = ap.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    inputs = sorted(f for f in os.listdir(args.crashes)
                    if os.path.isfile(os.path.join(args.crashes, f)) and not f.startswith("."))
    failures = 0
    for name in inputs:
        out = os.path.join(args.workdir, "out.o")
        try:
            r = subprocess.run([args.onnxc, os.path.join(args.crashes, name), "-o", out],
                               capture_output=True, text=True, errors="replace", timeout=120)
        except subprocess.TimeoutExpired:
            print(f"FAIL {name}: timed out")
            failures += 1
            continue
        if r.returncode == 1 and "onnxc: error:" in r.stderr:
            first = next(l for l in r.stderr.splitlines() if "onnxc: error:" in l)
            print(f"ok   {name}: {first[:160]}")
        else:
            print(f"FAIL {name}: exit {r.returncode}\n{r.stderr[-2000:]}")
            failures += 1
    valid = sorted(f for f in os.listdir(args.compiles) if not f.startswith(".")) if args.compiles else []
    for name in valid:
        r = subprocess.run([args.onnxc, os.path.join(args.compiles, name), "-o", os.path.join(args.workdir, "ok.o")],
                           capture_output=True, text=True, errors="replace", timeout=120)
        print(("ok  " if r.returncode == 0 else "FAIL") + f" {name}: compiles (exit {r.returncode})")
        if r.returncode != 0:
            print(r.stderr[-2000:])
            failures += 1
    print(f"{len(inputs) + len(valid) - failures}/{len(inputs) + len(valid)} fuzzer regressions handled cleanly")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
