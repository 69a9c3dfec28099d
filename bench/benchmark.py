# Benchmarks onnxc-compiled models against ONNX Runtime at 1 and 2 threads and prints a markdown table.
"""Compare onnxc with ONNX Runtime (CPU, onnxruntime-node) on the benchmark model set.

Usage:
  /usr/bin/python3 bench/benchmark.py --onnxc PATH --rt-include DIR --rt-lib FILE \
      [--models mlp,kws,...] [--threads 1,2] [--repeats 20] [--workdir DIR]

Needs `npm install --prefix bench --ignore-scripts onnxruntime-node@1.30.0` once.
Each model (test/e2e/export_models.py, random weights from fixed seeds) is exported
(cached), compiled once with onnxc (timed) and linked with test/e2e/harness.c. Then, for
each model and each thread count in turn, onnxc's NAME_run and ORT's session.run are
timed on the same input (median of --repeats runs after one warm-up each), so the two
see the same machine state. Both outputs are checked against PyTorch's reference.
GFLOP/s counts Conv/Gemm/MatMul/LSTM/GRU multiply-adds (bench/flops.py); % of peak is
per thread, against one core's fp32 FMA peak measured by bench/fma_peak.c in the same
run. A model that fails anywhere gets "failed: <first error line>" in its row.
"""

import argparse
import math
import os
import platform
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "test", "e2e"))

import export_models  # noqa: E402
import model_test as mt  # noqa: E402

sys.path.insert(0, HERE)
import flops  # noqa: E402

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


def build_onnxc(name, model_dir, args, workdir):
    """Compiles (timed) and links one model; returns (exe, compile seconds)."""
    sym = mt.symbol_name(name)
    t0 = time.time()
    obj, hdr = mt.compile_model(model_dir, workdir, args.onnxc, "x86_64", sym)
    compile_s = time.time() - t0
    return mt.build_harness(obj, hdr, sym, args.rt_include, args.rt_lib, workdir, "x86_64"), compile_s


def time_onnxc(exe, model_dir, meta, threads, repeats, workdir):
    """Median microseconds of NAME_run at `threads`; returns (us, first output path)."""
    inputs = [os.path.join(model_dir, i["file"]) for i in meta["inputs"]]
    outputs = [os.path.join(workdir, f"out_{k}.bin") for k in range(len(meta["outputs"]))]
    us = mt.run_harness(exe, inputs, outputs, "x86_64", repeat=repeats, threads=threads,
                        timeout=600)
    if us is None:
        raise mt.StepError("run harness", "harness printed no median_us", "no median_us")
    return us, outputs[0]


def fma_peak(workdir):
    """One core's fp32 FMA GFLOP/s (bench/fma_peak.c, -march=native), or None."""
    exe = os.path.join(workdir, "fma_peak")
    try:
        subprocess.run(["cc", "-O2", "-march=native", "-o", exe, os.path.join(HERE, "fma_peak.c")],
                       check=True, capture_output=True)
        out = subprocess.run([exe], check=True, capture_output=True, text=True).stdout
        return float(out.split("peak_gflops=")[1].split()[0])
    except (OSError, subprocess.CalledProcessError, IndexError, ValueError):
        return None


def fmt_ms(us):
    return f"{us / 1000.0:.3f}"


def geomean(xs):
    xs = [x for x in xs if x]
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else None


def main(argv=None):
    ap = argparse.ArgumentParser(description="onnxc vs ONNX Runtime benchmark")
    ap.add_argument("--models", nargs="+", default=[",".join(export_models.BENCH_MODELS)],
                    help="model names (comma- or space-separated)")
    ap.add_argument("--threads", default="1,2", help="thread counts, comma-separated")
    ap.add_argument("--repeats", type=int, default=20)
    ap.add_argument("--onnxc", required=True)
    ap.add_argument("--rt-include", required=True)
    ap.add_argument("--rt-lib", required=True)
    ap.add_argument("--workdir", default=os.path.join(HERE, "work"),
                    help="exported models and build products (default: bench/work)")
    ap.add_argument("--skip-ort", action="store_true", help="time onnxc only")
    args = ap.parse_args(argv)
    try:
        thread_counts = [int(t) for t in args.threads.split(",") if t]
    except ValueError:
        ap.error("--threads takes numbers, such as 1,2")
    if args.repeats < 1 or not thread_counts or min(thread_counts) < 1:
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
    peak = fma_peak(workdir)

    rows, notes = [], []
    for name in names:
        print(f"[{name}]", file=sys.stderr, flush=True)
        row = {"model": name, "fail": None, "flops": None, "compile_s": None, "ok": True,
               "err": 0.0, "onnxc": {}, "ort": {}}
        rows.append(row)
        try:
            model_dir = export_models.ensure_models(models_dir, [name])[name]
            meta = mt.load_meta(model_dir)
            import onnx
            row["flops"] = flops.model_flops(onnx.load(os.path.join(model_dir, "model.onnx")))
        except Exception as e:
            row["fail"] = f"export: {e}"
            continue
        ref = os.path.join(model_dir, meta["outputs"][0]["ref"])
        build = os.path.join(workdir, "build", name)
        try:
            exe, row["compile_s"] = build_onnxc(name, model_dir, args, build)
        except mt.StepError as e:
            row["fail"] = e.first_line
            print(str(e).rstrip(), file=sys.stderr)
            continue
        for t in thread_counts:  # onnxc then ORT at each count: the same machine state
            try:
                us, out = time_onnxc(exe, model_dir, meta, t, args.repeats, build)
                row["onnxc"][t] = us
                ok, lines, err = mt.compare(out, ref)
                row["err"] = max(row["err"], err)
                if not ok:
                    row["ok"] = False
                    notes.append(f"{name} ({t} threads): onnxc output does not match PyTorch: " +
                                 "; ".join(lines))
            except mt.StepError as e:
                row["fail"] = e.first_line
                print(str(e).rstrip(), file=sys.stderr)
                break
            if args.skip_ort:
                continue
            try:
                ort_out = os.path.join(build, "ort_out_0.bin")
                row["ort"][t] = time_ort(model_dir, meta, t, args.repeats, ort_out)
                ok, lines, _ = mt.compare(ort_out, ref)
                if not ok:
                    notes.append(f"{name}: ORT output does not match PyTorch: " + "; ".join(lines))
            except mt.StepError as e:
                notes.append(f"{name}: ORT failed: {e.first_line}")
                print(str(e).rstrip(), file=sys.stderr)

    print(f"\nCPU: {cpu_name()}; median of {args.repeats} runs after one warm-up; "
          "ORT: onnxruntime-node 1.30 (CPU, graph optimization 'all'); one core's fp32 FMA "
          f"peak: {f'{peak:.1f} GFLOP/s' if peak else 'not measured'}\n")
    head = ["model", "GFLOP", "compile s"]
    for t in thread_counts:
        head += [f"onnxc ms {t}T", f"ORT ms {t}T", f"ratio {t}T", f"GFLOP/s {t}T", f"% peak {t}T"]
    head.append("max abs err")
    print("| " + " | ".join(head) + " |")
    print("| --- |" + " ---: |" * (len(head) - 1))
    ratios = {t: [] for t in thread_counts}
    for r in rows:
        gflop = r["flops"] / 1e9 if r["flops"] else None
        cells = [r["model"], f"{gflop:.3g}" if gflop else "-",
                 f"{r['compile_s']:.1f}" if r["compile_s"] is not None else "-"]
        if r["fail"]:
            fail = r["fail"].replace("|", "\\|")
            print("| " + " | ".join(cells + [f"failed: {fail}"]) + " |")
            continue
        for t in thread_counts:
            us, ort = r["onnxc"].get(t), r["ort"].get(t)
            ratio = us / ort if us and ort else None
            if ratio:
                ratios[t].append(ratio)
            rate = gflop / (us * 1e-6) if gflop and us else None
            cells += [fmt_ms(us) if us else "-", fmt_ms(ort) if ort else "-",
                      f"{ratio:.2f}" if ratio else "-", f"{rate:.1f}" if rate else "-",
                      f"{100 * rate / (peak * t):.0f}%" if rate and peak else "-"]
        cells.append(f"{r['err']:.2e}" + ("" if r["ok"] else " (MISMATCH)"))
        print("| " + " | ".join(cells) + " |")
    gm = ["**geomean ratio**", "", ""]
    for t in thread_counts:
        g = geomean(ratios[t])
        gm += ["", "", f"**{g:.2f}**" if g else "-", "", ""]
    print("| " + " | ".join(gm + [""]) + " |")
    if notes:
        print()
        for n in notes:
            print(f"- {n}")
    failed = any(r["fail"] or not r["ok"] for r in rows)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
