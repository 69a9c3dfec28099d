# The GPU check (run by scripts/gpu_check.sh on a machine with an NVIDIA GPU): correctness against the CPU target, latency against PyTorch.
"""Usage: python3 test/gpu/run_gpu_check.py --pack build/gpu_check/pack --out DIR [--cuda /usr/local/cuda]

Builds libonnxc_cuda_rt.a and one gpu_harness per model from the pack's objects (made by
prepare_gpu_check.py on a machine without a GPU), runs each, compares its output with
the CPU target's (fp32: rtol 1e-3, atol 1e-4 * max|ref|; the --precision modes:
test/e2e/model_test.py PRECISION_TOLERANCES), times it, times PyTorch on the same
card with the same weights, and prints a table (also written to DIR/gpu_check.md).
"""
import argparse
import json
import lzma
import os
import shlex
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
RT = os.path.join(REPO, "runtime_support")
sys.path.insert(0, os.path.join(REPO, "test", "e2e"))
import model_test  # noqa: E402  (tolerances)


def sh(cmd, timeout=300, check=True, env=None):
    t0 = time.time()
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout, env=env)
    except (OSError, subprocess.TimeoutExpired) as e:
        if check:
            raise RuntimeError(f"{shlex.join(cmd)}: {e}")
        return 127, str(e)
    out = p.stdout.decode(errors="replace")
    if check and p.returncode != 0:
        raise RuntimeError(f"{shlex.join(cmd)} failed ({p.returncode}, {time.time() - t0:.1f}s):\n{out[-3000:]}")
    return p.returncode, out


def compare(out_path, ref_path, rtol, atol_fraction):
    import numpy as np
    out = np.fromfile(out_path, dtype="<f4").astype(np.float64)
    ref = np.fromfile(ref_path, dtype="<f4").astype(np.float64)
    if out.size != ref.size:
        return False, float("inf")
    diff = np.abs(out - ref)
    atol = atol_fraction * float(np.abs(ref).max())
    ok = bool(np.all(diff <= atol + rtol * np.abs(ref)))
    return ok, float(np.nanmax(diff)) if not np.isnan(out).any() else float("inf")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pack", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--cuda", default=os.environ.get("CUDA_HOME", "/usr/local/cuda"))
    ap.add_argument("--repeat", type=int, default=100)
    ap.add_argument("--torch-repeat", type=int, default=50)
    ap.add_argument("--skip-torch", action="store_true")
    ap.add_argument("--quick", action="store_true", help="skip the shim's GPU tests and compute-sanitizer")
    ap.add_argument("--sanitize", default="",
                    help="comma-separated models for compute-sanitizer (default: the first two, unless --quick)")
    ap.add_argument("--ncu", default="", help="comma-separated models whose kernels ncu times one by one")
    args = ap.parse_args()
    args.pack, args.out = os.path.abspath(args.pack), os.path.abspath(args.out)
    os.makedirs(args.out, exist_ok=True)
    build = os.path.join(args.out, "build")
    os.makedirs(build, exist_ok=True)
    log = open(os.path.join(args.out, "gpu_check.log"), "w")

    def note(msg):
        print(msg, flush=True)
        log.write(msg + "\n")
        log.flush()

    _, smi = sh(["nvidia-smi", "--query-gpu=name,driver_version,clocks.max.sm", "--format=csv,noheader"], check=False)
    note(f"GPU: {smi.strip()}")
    inc = ["-I", os.path.join(RT, "include"), "-I", os.path.join(args.cuda, "include")]
    cuda_libs = ["-L", os.path.join(args.cuda, "lib64"), "-L", os.path.join(args.cuda, "lib64", "stubs"), "-lcuda"]
    # The shim, from source: plain C, no CUDA headers.
    objs = []
    for src in ("cuda_rt.c", "runtime_common.c"):
        o = os.path.join(build, src[:-2] + ".o")
        sh(["cc", "-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", "-I", os.path.join(RT, "include"), "-c",
            os.path.join(RT, "src", src), "-o", o])
        objs.append(o)
    shim = os.path.join(build, "libonnxc_cuda_rt.a")
    if os.path.exists(shim):
        os.unlink(shim)
    sh(["ar", "rcs", shim, *objs])
    # The shim's own GPU tests (runtime_support/test/cuda_rt_test.c).
    test_exe = os.path.join(build, "cuda_rt_test")
    sh(["cc", "-std=c99", "-O2", *inc, "-I", os.path.join(RT, "test"), os.path.join(RT, "test", "cuda_rt_test.c"),
        os.path.join(RT, "test", "cuda_rt_gpu_test.c"),
        shim, "-ldl", "-lpthread", "-o", test_exe])
    for mode, env in () if args.quick else (("gpu", {}), ("gpu-fault", {}), ("gpu-fault", {"ONNXC_CUDA_SYNC": "1"})):
        rc, out = sh([test_exe, mode], check=False, timeout=120, env={**os.environ, **env})
        verdict = {0: "PASS", 77: "SKIP (no GPU)"}.get(rc, "FAIL")
        note(f"shim test {mode}{' ' + str(env) if env else ''}: {verdict}"
             + ("" if rc in (0, 77) else "\n" + out[-1500:]))

    manifest = json.load(open(os.path.join(args.pack, "manifest.json")))
    precision = next((f.split("=", 1)[1] for f in manifest.get("onnxc_flags", []) if f.startswith("--precision=")),
                     "fp32")
    tolerance = model_test.PRECISION_TOLERANCES[precision]
    note(f"precision {precision}: outputs must match the CPU target within rtol {tolerance[0]:g}, "
         f"atol {tolerance[1]:g} * max|ref|")
    rows = []
    for m in manifest["models"]:
        name, sym = m["name"], m["symbol"]
        d = os.path.join(args.pack, name)
        row = {"model": name}
        rows.append(row)
        try:
            obj = os.path.join(build, sym + ".o")
            with lzma.open(os.path.join(d, sym + ".o.xz")) as f, open(obj, "wb") as g:
                g.write(f.read())
            _, undefined = sh(["nm", "-u", obj])
            row["cu_symbols"] = [s for s in undefined.split() if s.startswith("cu")]
            if name == manifest["models"][0]["name"]:
                _, listing = sh([os.path.join(args.cuda, "bin", "cuobjdump"), "--list-elf", "--list-ptx", obj],
                                check=False)
                note("cuobjdump " + name + ":\n" + listing.strip())
            exe = os.path.join(build, "harness_" + sym)
            sh(["cc", "-std=c99", "-O2", f"-DONNXC_MODEL={sym}", f'-DONNXC_MODEL_HEADER="{os.path.join(d, sym + ".h")}"',
                *inc, os.path.join(HERE, "gpu_harness.c"), obj, shim, *cuda_libs, "-ldl", "-lpthread", "-o", exe])
            out_bin = os.path.join(args.out, name + ".out_0.bin")
            rc, out = sh([exe, os.path.join(d, "input_0.bin"), "--", out_bin, "--repeat", str(args.repeat)],
                         check=False, timeout=240)
            if rc != 0:
                row["error"] = out.strip().splitlines()[-1] if out.strip() else f"exit {rc}"
                note(f"{name}: harness failed:\n{out[-2000:]}")
                continue
            for line in out.splitlines():
                if "=" in line:
                    k, v = line.split("=", 1)
                    row[k] = float(v)
            row["ok"], row["max_abs_err"] = compare(out_bin, os.path.join(d, "cpu_0.bin"), *tolerance)
            note(f"{name}: {json.dumps(row)}")
        except Exception as e:  # report and go on with the next model
            row["error"] = f"{type(e).__name__}: {str(e)[:500]}"
            note(f"{name}: {row['error']}")

    torch_rows = {}
    if not args.skip_torch:
        rc, out = sh([sys.executable, os.path.join(HERE, "torch_baseline.py"), args.pack,
                      *[r["model"] for r in rows], "--repeat", str(args.torch_repeat)], check=False, timeout=240)
        for line in out.splitlines():
            if line.startswith("{"):
                r = json.loads(line)
                torch_rows[r["model"]] = r
            else:
                log.write(line + "\n")
        note("torch: " + json.dumps(list(torch_rows.values())))

    lines = ["| model | matches CPU target | max abs err | onnxc run_async (events) ms | onnxc NAME_run ms |"
             " onnxc CUDA graph ms | PyTorch eager ms | PyTorch CUDA graph ms | onnxc graph / PyTorch graph |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    fmt = lambda v: f"{v:.3f}" if isinstance(v, float) else "–"
    for r in rows:
        t = torch_rows.get(r["model"], {})
        ratio = r.get("graph_median_ms", 0) / t["graph_ms"] if t.get("graph_ms") and r.get("graph_median_ms") else None
        status = "yes" if r.get("ok") else ("ERROR: " + r["error"][:60] if "error" in r else "NO")
        lines.append(f"| {r['model']} | {status} | {r.get('max_abs_err', float('nan')):.3g} | "
                     f"{fmt(r.get('events_median_ms'))} | {fmt(r.get('run_median_ms'))} | "
                     f"{fmt(r.get('graph_median_ms'))} | {fmt(t.get('eager_ms'))} | {fmt(t.get('graph_ms'))} | "
                     f"{fmt(ratio)} |")
    table = "\n".join(lines)
    note(table)
    with open(os.path.join(args.out, "gpu_check.md"), "w") as f:
        f.write(f"GPU: {smi.strip()}\n\n{table}\n")
    with open(os.path.join(args.out, "gpu_check.json"), "w") as f:
        json.dump({"onnxc": rows, "torch": torch_rows}, f, indent=2)
    # Per-kernel GPU time (Nsight Compute), for the profile in docs/gpu.md.
    for name in [m for m in args.ncu.split(",") if m]:
        sym = next(m["symbol"] for m in manifest["models"] if m["name"] == name)
        exe = os.path.join(build, "harness_" + sym)
        rc, out = sh([os.path.join(args.cuda, "bin", "ncu"), "--metrics", "gpu__time_duration.sum", "--csv",
                      "--print-units", "base", "--launch-count", "250", exe, os.path.join(args.pack, name, "input_0.bin"),
                      "--", os.path.join(build, name + ".ncu.bin"), "--repeat", "1"], check=False, timeout=240)
        kernels = {}
        for line in out.splitlines():
            cells = [c.strip('"') for c in line.split('","')]
            if len(cells) > 10 and cells[-3] == "gpu__time_duration.sum":
                kname = cells[4].split("(")[0]
                kernels.setdefault(kname, []).append(float(cells[-1].replace(",", "")))
        # The first launch of each kernel (the harness repeats the model).
        first = sorted(((v[0], k) for k, v in kernels.items()), reverse=True)
        total = sum(t for t, _ in first)
        note(f"ncu {name}: {len(first)} kernels, {total / 1000:.1f} us in all; the slowest (ns):")
        for t, k in first[:12]:
            note(f"  {t:10.1f}  {k}")
        if rc != 0 or not first:
            note(out[-1500:])

    # Out-of-bounds accesses (memcheck) and shared-memory races (racecheck: the
    # barriers of the split reductions and the tensor-core combine).
    sanitized = [m for m in args.sanitize.split(",") if m] or \
        ([] if args.quick else [r["model"] for r in rows if r.get("ok")][:2])
    for name in sanitized:
        sym = next(m["symbol"] for m in manifest["models"] if m["name"] == name)
        exe = os.path.join(build, "harness_" + sym)
        for tool in ("memcheck", "racecheck"):
            rc, out = sh([os.path.join(args.cuda, "bin", "compute-sanitizer"), "--tool", tool, "--error-exitcode",
                          "9", exe, os.path.join(args.pack, name, "input_0.bin"), "--",
                          os.path.join(build, name + f".{tool}.bin"), "--repeat", "1"], check=False, timeout=240)
            note(f"compute-sanitizer {tool} {name}: {'clean' if rc == 0 else 'ERRORS'}\n{out.strip()[-1500:]}")
    return 0 if all(r.get("ok") for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
