# Benchmarks onnxc-compiled models against ONNX Runtime on the same inputs and prints a markdown table.
"""Compare onnxc with ONNX Runtime (CPU, onnxruntime-node) on the e2e models.

Usage:
  /usr/bin/python3 bench/benchmark.py --onnxc PATH --rt-include DIR --rt-lib FILE \
      [--models mlp,kws,...] [--threads 1] [--repeats 20] [--workdir DIR]

Needs `npm install --prefix bench --ignore-scripts onnxruntime-node@1.30.0` once.
Each model is exported (cached), compiled with onnxc and linked with test/e2e/harness.c;
then onnxc's NAME_run and ORT's session.run are timed on the same input with the same
thread count (median of --repeats runs after one warm-up each), and both outputs are
checked against PyTorch's reference. A model that fails anywhere gets
"failed: <first error line>" in its row; the others still run.
"""

import argparse
import os
import platform
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "test", "e2e"))

import export_models  # noqa: E402
import model_test as mt  # noqa: E402

ORT_TIME_JS = os.path.join(HERE, "ort_time.js")
mt.LOG = sys.stderr


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def time_ort(model_dir, meta, threads, repeats, out_path):
    """Returns ORT's median time in microseconds; raises StepError."""
    node = shutil.which("node")
    if not node:
        raise mt.StepError("ort", "node not found on PATH", "node not found on PATH")
    inp = meta["inputs"][0]
    shape = "x".join(str(d) for d in inp["shape"])
    cmd = [node, ORT_TIME_JS, os.path.join(model_dir, "model.onnx"),
           os.path.join(model_dir, inp["file"]), shape, str(threads), str(repeats), out_path]
    p = mt.run_step("ort", cmd, 600)
    for line in p.stdout.decode().splitlines():
        if line.startswith("median_us="):
            return float(line.split("=", 1)[1])
    raise mt.StepError("ort", "ort_time.js printed no median_us", "no median_us from ORT")


def bench_onnxc(name, model_dir, meta, args, workdir):
    """Compiles and times one model with onnxc; returns (median_us, out path)."""
    sym = mt.symbol_name(name)
    obj, hdr = mt.compile_model(model_dir, workdir, args.onnxc, "x86_64", sym)
    exe = mt.build_harness(obj, hdr, sym, args.rt_include, args.rt_lib, workdir, "x86_64")
    inputs = [os.path.join(model_dir, i["file"]) for i in meta["inputs"]]
    outputs = [os.path.join(workdir, f"out_{k}.bin") for k in range(len(meta["outputs"]))]
    us = mt.run_harness(exe, inputs, outputs, "x86_64", repeat=args.repeats,
                        threads=args.threads, timeout=600)
    if us is None:
        raise mt.StepError("run harness", "harness printed no median_us", "no median_us")
    return us, outputs[0]


def fmt_ms(us):
    return f"{us / 1000.0:.3f}"


def main(argv=None):
    ap = argparse.ArgumentParser(description="onnxc vs ONNX Runtime benchmark")
    ap.add_argument("--models", nargs="+", default=[",".join(export_models.MODELS)],
                    help="model names (comma- or space-separated)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=20)
    ap.add_argument("--onnxc", required=True)
    ap.add_argument("--rt-include", required=True)
    ap.add_argument("--rt-lib", required=True)
    ap.add_argument("--workdir", default=os.path.join(HERE, "work"),
                    help="exported models and build products (default: bench/work)")
    ap.add_argument("--skip-ort", action="store_true", help="time onnxc only")
    args = ap.parse_args(argv)
    if args.repeats < 1 or args.threads < 1:
        ap.error("--repeats and --threads must be at least 1")
    args.onnxc = os.path.abspath(args.onnxc)
    args.rt_include = os.path.abspath(args.rt_include)
    args.rt_lib = os.path.abspath(args.rt_lib)
    names = [m for item in args.models for m in item.split(",") if m]
    unknown = [m for m in names if m not in export_models.BUILDERS]
    if unknown:
        ap.error(f"unknown model(s): {', '.join(unknown)}")

    workdir = os.path.abspath(args.workdir)
    models_dir = os.path.join(workdir, "models")
    os.makedirs(models_dir, exist_ok=True)
    env_threads = os.environ.get("ONNXC_NUM_THREADS")
    os.environ["ONNXC_NUM_THREADS"] = str(args.threads)

    rows, notes = [], []
    for name in names:
        print(f"[{name}]", file=sys.stderr, flush=True)
        row = {"model": name, "onnxc": None, "ort": None, "err": None, "fail": None}
        try:
            model_dir = export_models.ensure_models(models_dir, [name])[name]
            meta = mt.load_meta(model_dir)
        except Exception as e:
            row["fail"] = f"export: {e}"
            rows.append(row)
            continue
        ref = os.path.join(model_dir, meta["outputs"][0]["ref"])
        try:
            us, out = bench_onnxc(name, model_dir, meta, args,
                                  os.path.join(workdir, "build", name))
            row["onnxc"] = us
            ok, lines, err = mt.compare(out, ref)
            row["err"] = err
            row["ok"] = ok
            if not ok:
                notes.append(f"{name}: onnxc output does not match PyTorch: " + "; ".join(lines))
        except mt.StepError as e:
            row["fail"] = e.first_line
            print(str(e).rstrip(), file=sys.stderr)
        if not args.skip_ort:
            try:
                ort_out = os.path.join(workdir, "build", name, "ort_out_0.bin")
                os.makedirs(os.path.dirname(ort_out), exist_ok=True)
                row["ort"] = time_ort(model_dir, meta, args.threads, args.repeats, ort_out)
                ok, lines, err = mt.compare(ort_out, ref)
                row["ort_err"] = err
                if not ok:
                    notes.append(f"{name}: ORT output does not match PyTorch: " +
                                 "; ".join(lines))
            except mt.StepError as e:
                notes.append(f"{name}: ORT failed: {e.first_line}")
                print(str(e).rstrip(), file=sys.stderr)
        rows.append(row)

    if env_threads is None:
        del os.environ["ONNXC_NUM_THREADS"]
    else:
        os.environ["ONNXC_NUM_THREADS"] = env_threads

    print(f"\nCPU: {cpu_name()}; threads: {args.threads}; median of {args.repeats} runs "
          "after one warm-up; ORT: onnxruntime-node 1.30 (CPU, graph optimization 'all')\n")
    print("| model | onnxc median ms | ORT median ms | ratio (onnxc/ORT) | max abs err |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for r in rows:
        ort = fmt_ms(r["ort"]) if r["ort"] is not None else "-"
        if r["fail"]:
            fail = r["fail"].replace("|", "\\|")
            print(f"| {r['model']} | failed: {fail} | {ort} | - | - |")
            continue
        ratio = f"{r['onnxc'] / r['ort']:.2f}" if r["ort"] else "-"
        err = f"{r['err']:.2e}" + ("" if r.get("ok") else " (MISMATCH)")
        print(f"| {r['model']} | {fmt_ms(r['onnxc'])} | {ort} | {ratio} | {err} |")
    if notes:
        print()
        for n in notes:
            print(f"- {n}")
    failed = any(r["fail"] or not r.get("ok", False) for r in rows)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
