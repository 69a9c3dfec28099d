#!/usr/bin/env python3
"""--profile end to end: a Chrome trace with one complete event per kernel per run whose times add up to the run's
wall time, the per-kernel summary, unchanged results, no profiling symbol without --profile, and a trace file that
cannot be written changing nothing."""
import argparse
import json
import os
import statistics
import subprocess
import sys

DRIVER = r'''
#define _POSIX_C_SOURCE 200809L
#include MODEL_HEADER
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)
static double now_us(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1e6 + t.tv_nsec / 1e3; }
int main(int argc, char **argv) {
  const onnxc_model_info *info = CAT(m, _info)();
  static float in[1 << 16], out[1 << 12];
  const void *ins[1] = {in};
  void *outs[1] = {out};
  int runs = atoi(argv[2]), r, summary = argc > 3;
  void *ws = aligned_alloc(info->workspace_align, (info->workspace_size / info->workspace_align + 1) * info->workspace_align);
  FILE *f = fopen(argv[1], "rb");
  if (!f || fread(in, 1, sizeof in, f) == 0) return 2;
  fclose(f);
  for (r = 0; r < runs; ++r) {
    double t0 = now_us();
    if (CAT(m, _run)(ins, outs, ws) != 0) return 3;
    printf("run_us=%.3f\n", now_us() - t0);
  }
  fwrite(out, sizeof(float), 12, stdout);
  if (summary) onnxc_profile_summary();
  free(ws);
  return 0;
}
'''


def run(cmd, **kw):
    p = subprocess.run(cmd, capture_output=True, **kw)
    if p.returncode != 0:
        sys.exit(f"FAIL: {' '.join(cmd)}: exit {p.returncode}\n{p.stderr.decode(errors='replace')}")
    return p


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--onnxc", required=True)
    ap.add_argument("--rt-include", required=True)
    ap.add_argument("--rt-lib", required=True)
    ap.add_argument("--models-dir", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--min-kernel-share", type=float, default=0.9,
                    help="least share of a run's wall time the kernels must add up to")
    ap.add_argument("--cc", default="cc")
    ap.add_argument("--link-flags", default="", help="extra link flags (a sanitizer runtime)")
    ap.add_argument("--cortex-m4-shim", default="", help="lib/cortex-m4/libonnxc_rt.a, when built")
    a = ap.parse_args()
    os.makedirs(a.workdir, exist_ok=True)
    w = lambda name: os.path.join(a.workdir, name)
    model = os.path.join(a.models_dir, "kws", "model.onnx")
    inp = os.path.join(a.models_dir, "kws", "input_0.bin")
    with open(w("driver.c"), "w") as f:
        f.write(DRIVER)
    exes = {}
    for variant, flags in (("plain", []), ("profiled", ["--profile"])):
        obj = w(f"{variant}.o")
        run([a.onnxc, model, "-q", "--name=m", "-o", obj] + flags)
        syms = run(["nm", obj]).stdout.decode()
        has = "onnxc_profile" in syms
        if has != (variant == "profiled"):
            sys.exit(f"FAIL: the {variant} object {'lacks' if not has else 'references'} the profiling hooks")
        exes[variant] = w(variant)
        run([a.cc, "-std=c11", "-O2", f"-DMODEL_HEADER=\"{w(variant + '.h')}\"", f"-I{a.rt_include}", w("driver.c"),
             obj, a.rt_lib, "-lm", "-lpthread", "-o", exes[variant]] + a.link_flags.split())

    runs = 20
    trace = w("trace.json")
    if os.path.exists(trace):
        os.remove(trace)
    env = dict(os.environ, ONNXC_PROFILE=trace)
    profiled = run([exes["profiled"], inp, str(runs), "summary"], env=env).stdout
    plain = run([exes["plain"], inp, str(runs)]).stdout
    out_of = lambda b: b[b.rindex(b"run_us="):].split(b"\n", 1)[1][:48]
    if out_of(profiled) != out_of(plain):
        sys.exit("FAIL: --profile changed the model's outputs")
    walls = [float(l.split("=")[1]) for l in profiled.decode(errors="replace").splitlines() if l.startswith("run_us=")]

    events = json.load(open(trace))["traceEvents"]
    if not events or len(events) % runs:
        sys.exit(f"FAIL: {len(events)} trace events for {runs} runs")
    per_run = len(events) // runs
    names = [e["name"] for e in events[:per_run]]
    for r in range(runs):
        chunk = events[r * per_run:(r + 1) * per_run]
        if [e["name"] for e in chunk] != names or any(e["ph"] != "X" or e["dur"] < 0 for e in chunk):
            sys.exit(f"FAIL: run {r} has other kernels than run 0")
    if not any("Conv" in n for n in names):
        sys.exit(f"FAIL: kernel names do not name the ONNX nodes: {names}")
    sums = [sum(e["dur"] for e in events[r * per_run:(r + 1) * per_run]) for r in range(runs)]
    ratios = [s / wall for s, wall in zip(sums, walls)]
    median = statistics.median(ratios)
    print(f"{per_run} kernels per run; kernel times / run wall time: median {median:.3f} "
          f"(min {min(ratios):.3f}, max {max(ratios):.3f})")
    if not a.min_kernel_share <= median <= 1.0 + 1e-6:
        sys.exit(f"FAIL: the kernels add up to {median:.3f} of the run's wall time")

    summary = profiled.decode(errors="replace")
    rows = [l for l in summary.splitlines() if l.strip() and l.split()[0].isdigit()]
    if len(rows) != len(set(names)) or any(int(l.split()[0]) != runs * names.count(l.split(None, 4)[4])
                                            for l in rows):
        sys.exit(f"FAIL: the summary's calls disagree with the trace:\n{summary}")

    # A trace file that cannot be written: nothing printed, nothing changed.
    bad = dict(os.environ, ONNXC_PROFILE=os.path.join(a.workdir, "no-such-dir", "trace.json"))
    p = subprocess.run([exes["profiled"], inp, "3"], capture_output=True, env=bad)
    if p.returncode != 0 or p.stderr or out_of(p.stdout) != out_of(plain):
        sys.exit(f"FAIL: an unwritable ONNXC_PROFILE changed the run (exit {p.returncode}, stderr {p.stderr!r})")
    # Cortex-M: the bare-metal shim defines every hook a --profile object calls.
    if a.cortex_m4_shim:
        obj = w("cortex-m4.o")
        run([a.onnxc, model, "-q", "--name=m", "--target=cortex-m4", "--profile", "-o", obj])
        needed = {l.split()[-1] for l in run(["nm", "-u", obj]).stdout.decode().splitlines() if "profile" in l}
        defined = {l.split()[-1] for l in run(["nm", "--defined-only", a.cortex_m4_shim]).stdout.decode().splitlines()
                   if " T " in l}
        if not needed or needed - defined:
            sys.exit(f"FAIL: the Cortex-M4 shim lacks {sorted(needed - defined)} (the object needs {sorted(needed)})")
    print("profile test passed")


if __name__ == "__main__":
    main()
