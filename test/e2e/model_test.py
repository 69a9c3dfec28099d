# End-to-end test of one model: export, compile with onnxc, link the harness, run, compare with PyTorch.
"""Compile one exported model with onnxc, run it through harness.c and compare its
output with PyTorch's reference (numpy allclose semantics: |a - r| <= atol + rtol*|r|,
rtol = 1e-3, atol = 1e-4 * max|r|).

Usage:
  /usr/bin/python3 model_test.py --model NAME --models-dir DIR --onnxc PATH \
      --rt-include DIR --rt-lib FILE [--target x86_64|aarch64] [--workdir DIR]

Exit status 0 only when the output matches. On a failing step it prints the command
and its output. The helpers here are reused by bench/benchmark.py.
"""

import argparse
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
HARNESS_C = os.path.join(HERE, "harness.c")
RTOL = 1e-3
ATOL_FRACTION = 1e-4  # atol = ATOL_FRACTION * max|ref|
# CUDA --precision modes that round matmul and conv operands (fp32 accumulation):
# (rtol, atol fraction), also used by the device check (test/gpu/run_gpu_check.py).
PRECISION_TOLERANCES = {"fp32": (RTOL, ATOL_FRACTION), "tf32": (1e-2, 1e-3), "fp16": (1e-2, 1e-3),
                        "bf16": (3e-2, 1e-2)}
TOLERANCES = {"cuda-host-" + p: t for p, t in PRECISION_TOLERANCES.items() if p != "fp32"}
LOG = sys.stdout  # progress messages; bench/benchmark.py sends them to stderr

TARGETS = {
    # target: (C compiler, extra link flags, command prefix to run a binary)
    "x86_64": ("cc", [], []),
    "aarch64": ("aarch64-linux-gnu-gcc", ["-static"], ["qemu-aarch64"]),
    # The CUDA pipeline's kernels as host loops (same tiling and indexing, no GPU).
    "cuda-host": ("cc", [], []),
    "cuda-host-fp16": ("cc", [], []),
    "cuda-host-bf16": ("cc", [], []),
    "cuda-host-tf32": ("cc", [], []),
}

# onnxc flags per test target (default: --target=TARGET).
ONNXC_TARGET_FLAGS = {"cuda-host": ["--target=cuda", "--gpu-host-emulation"],
                      "cuda-host-fp16": ["--target=cuda", "--gpu-host-emulation", "--precision=fp16"],
                      "cuda-host-bf16": ["--target=cuda", "--gpu-host-emulation", "--precision=bf16"],
                      "cuda-host-tf32": ["--target=cuda", "--gpu-host-emulation", "--precision=tf32"]}

NP_DTYPES = {"float32": "<f4", "float64": "<f8", "int64": "<i8", "int32": "<i4",
             "uint8": "u1", "int8": "i1", "bool": "u1"}


def add_probe_args(ap):
    """The arguments of the probe scripts (edge_values.py, new_ops.py)."""
    ap.add_argument("--onnxc", required=True)
    ap.add_argument("--rt-include", required=True)
    ap.add_argument("--rt-lib", required=True)
    ap.add_argument("--target", default="x86_64")
    ap.add_argument("--workdir", required=True)
    add_toolchain_args(ap)


def run_probe(model_bytes, inputs, num_outputs, work, args, flags=()):
    """Compiles one serialized model for args.target (with extra onnxc `flags`),
    runs it on `inputs` (numpy arrays) through the harness and returns (object
    path, output file paths)."""
    os.makedirs(work, exist_ok=True)
    with open(os.path.join(work, "model.onnx"), "wb") as f:
        f.write(model_bytes)
    obj, hdr = compile_model(work, work, args.onnxc, args.target, "probe", flags=flags)
    exe = build_harness(obj, hdr, "probe", args.rt_include, args.rt_lib, work, args.target)
    ins = []
    for i, v in enumerate(inputs):
        ins.append(os.path.join(work, f"in{i}.bin"))
        v.astype(v.dtype.newbyteorder("<")).tofile(ins[-1])
    outs = [os.path.join(work, f"out{i}.bin") for i in range(num_outputs)]
    run_harness(exe, ins, outs, args.target)
    return obj, outs


def add_toolchain_args(ap):
    ap.add_argument("--cc", help="C compiler for the x86-64 harness (default: cc)")
    ap.add_argument("--link-flags", default="",
                    help="extra flags for the harness link, e.g. the sanitizer flags the runtime was built with")


def use_toolchain(target, args):
    """Applies --cc and --link-flags to TARGET's harness builds."""
    cc, link_flags, prefix = TARGETS[target]
    TARGETS[target] = (args.cc or cc, link_flags + args.link_flags.split(), prefix)


class StepError(Exception):
    """A step failed; the message already holds the command and its output."""

    def __init__(self, step, message, first_line=None):
        super().__init__(message)
        self.step = step
        self.first_line = first_line or message.splitlines()[0]


def _first_error_line(text):
    lines = [l.strip() for l in text.splitlines() if l.strip()]
    for l in lines:
        if "error" in l.lower():
            return l
    return lines[0] if lines else "(no output)"


def run_step(step, cmd, timeout, env=None, cwd=None):
    """Runs cmd (a list); returns CompletedProcess or raises StepError with details."""
    t0 = time.time()
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=timeout, env=env, cwd=cwd)
    except FileNotFoundError:
        raise StepError(step, f"{step}: command not found: {shlex.join(cmd)}",
                        f"command not found: {cmd[0]}")
    except subprocess.TimeoutExpired as e:
        err = (e.stderr or b"").decode(errors="replace")
        raise StepError(step, f"{step}: timed out after {timeout}s\n  command: "
                        f"{shlex.join(cmd)}\n{err}", f"{step} timed out after {timeout}s")
    out = p.stdout.decode(errors="replace")
    err = p.stderr.decode(errors="replace")
    if p.returncode != 0:
        rc = p.returncode
        how = f"killed by signal {-rc}" if rc < 0 else f"exit code {rc}"
        msg = (f"{step} failed ({how}, {time.time() - t0:.1f}s)\n"
               f"  command: {shlex.join(cmd)}\n"
               f"--- stderr ---\n{err.rstrip()}\n")
        if out.strip():
            msg += f"--- stdout ---\n{out.rstrip()}\n"
        first = _first_error_line(err + "\n" + out)
        if rc < 0:
            first = f"{step} {how}: {first}"
        raise StepError(step, msg, first)
    return p


def symbol_name(model):
    """The C identifier used as --name for a model."""
    s = re.sub(r"[^0-9A-Za-z_]", "_", model)
    return "_" + s if s[:1].isdigit() else s


def load_meta(model_dir):
    with open(os.path.join(model_dir, "meta.json")) as f:
        return json.load(f)


def ensure_exported(models_dir, names):
    sys.path.insert(0, HERE)
    import export_models  # noqa: E402 (local module)
    return export_models.ensure_models(models_dir, names)


def compile_model(model_dir, workdir, onnxc, target, name, timeout=540, flags=()):
    """Runs onnxc (with extra `flags`); returns (object path, header path)."""
    os.makedirs(workdir, exist_ok=True)
    obj = os.path.join(workdir, name + ".o")
    hdr = os.path.join(workdir, name + ".h")
    for p in (obj, hdr):
        if os.path.exists(p):
            os.unlink(p)
    cmd = [onnxc, os.path.join(model_dir, "model.onnx"), "-o", obj,
           *ONNXC_TARGET_FLAGS.get(target, [f"--target={target}"]), f"--name={name}", *flags]
    t0 = time.time()
    run_step("onnxc", cmd, timeout)
    for p in (obj, hdr):
        if not os.path.isfile(p):
            raise StepError("onnxc", f"onnxc succeeded but did not write {p}\n"
                            f"  command: {shlex.join(cmd)}", f"onnxc did not write {p}")
    print(f"onnxc: compiled in {time.time() - t0:.1f}s "
          f"({os.path.getsize(obj)} byte object)", file=LOG, flush=True)
    return obj, hdr


def check_header(hdr, rt_include, workdir, target):
    """The generated header must compile as C99 and C++ with -Werror -pedantic."""
    cc = TARGETS[target][0]
    cxx = "aarch64-linux-gnu-g++" if target == "aarch64" else "c++"
    src_c = os.path.join(workdir, "header_check.c")
    with open(src_c, "w") as f:
        f.write(f'#include "{hdr}"\nint header_check_dummy(void);\n'
                "int header_check_dummy(void) { return 0; }\n")
    flags = ["-Wall", "-Wextra", "-Werror", "-pedantic", "-fsyntax-only", "-I", rt_include]
    run_step("header check (C99)", [cc, "-std=c99", *flags, src_c], 120)
    if shutil.which(cxx):
        run_step("header check (C++)", [cxx, "-std=c++17", *flags, "-x", "c++", src_c], 120)


def build_harness(obj, hdr, name, rt_include, rt_lib, workdir, target):
    cc, link_flags, _ = TARGETS[target]
    exe = os.path.join(workdir, "harness_" + name)
    cmd = [cc, "-std=c99", "-O2", "-Wall", "-Wextra",
           f"-DONNXC_MODEL={name}", f'-DONNXC_MODEL_HEADER="{hdr}"',
           "-I", rt_include, HARNESS_C, obj, rt_lib, *link_flags, "-lm", "-lpthread",
           "-o", exe]
    run_step("link harness", cmd, 300)
    return exe


def run_harness(exe, inputs, outputs, target, repeat=0, threads=0, timeout=300):
    """Runs the harness; returns its median time in microseconds (or None)."""
    cmd = [*TARGETS[target][2], exe, *inputs, "--", *outputs]
    if repeat:
        cmd += ["--repeat", str(repeat)]
    if threads:
        cmd += ["--threads", str(threads)]
    p = run_step("run harness", cmd, timeout)
    m = re.search(r"median_us=([0-9.eE+-]+)", p.stdout.decode())
    return float(m.group(1)) if m else None


def compare(out_path, ref_path, dtype="float32", rtol=RTOL, atol_fraction=ATOL_FRACTION):
    """Returns (ok, report lines, max abs err)."""
    import numpy as np
    ref = np.fromfile(ref_path, dtype=NP_DTYPES.get(dtype, "<f4")).astype(np.float64)
    out = np.fromfile(out_path, dtype=NP_DTYPES.get(dtype, "<f4")).astype(np.float64)
    if out.size != ref.size:
        return False, [f"size mismatch: output has {out.size} elements, reference {ref.size}"], \
            float("inf")
    if out.size == 0:
        return True, ["empty output"], 0.0
    max_ref = float(np.abs(ref).max())
    atol = atol_fraction * max_ref
    diff = np.abs(out - ref)
    bad = ~(diff <= atol + rtol * np.abs(ref))  # NaN counts as bad
    n_nan = int(np.isnan(out).sum())
    max_err = float(np.nanmax(diff)) if n_nan < out.size else float("nan")
    if n_nan:
        max_err = float("inf")
    worst = int(np.nanargmax(np.where(np.isnan(diff), np.inf, diff)))
    lines = [f"elements={out.size} max|ref|={max_ref:.6g} atol={atol:.3g} rtol={rtol:g}",
             f"max_abs_err={max_err:.6g} at [{worst}] (got {out[worst]:.8g}, "
             f"ref {ref[worst]:.8g})"]
    if n_nan:
        lines.append(f"{n_nan} NaN value(s) in the output")
    n_bad = int(bad.sum())
    if n_bad:
        idx = np.nonzero(bad)[0][:5]
        lines.append(f"{n_bad} of {out.size} elements outside tolerance; first: " +
                     ", ".join(f"[{i}] {out[i]:.6g} vs {ref[i]:.6g}" for i in idx))
    return n_bad == 0, lines, max_err


def main(argv=None):
    ap = argparse.ArgumentParser(description="onnxc end-to-end model test")
    ap.add_argument("--model", required=True)
    ap.add_argument("--models-dir", required=True)
    ap.add_argument("--onnxc", required=True)
    ap.add_argument("--rt-include", required=True)
    ap.add_argument("--rt-lib", required=True)
    ap.add_argument("--target", default="x86_64", choices=sorted(TARGETS))
    ap.add_argument("--workdir", help="default: MODELS_DIR/MODEL/work-TARGET")
    ap.add_argument("--threads", type=int, default=0,
                    help="thread count for the run (default: the runtime's default)")
    ap.add_argument("--check-threads", type=int, default=0,
                    help="also run with this many threads and require bit-identical outputs")
    add_toolchain_args(ap)
    args = ap.parse_args(argv)
    use_toolchain(args.target, args)

    models_dir = os.path.abspath(args.models_dir)
    name = symbol_name(args.model)
    try:
        model_dir = ensure_exported(models_dir, [args.model])[args.model]
        workdir = os.path.abspath(args.workdir or
                                  os.path.join(model_dir, "work-" + args.target))
        meta = load_meta(model_dir)
        obj, hdr = compile_model(model_dir, workdir, os.path.abspath(args.onnxc),
                                 args.target, name)
        check_header(hdr, os.path.abspath(args.rt_include), workdir, args.target)
        exe = build_harness(obj, hdr, name, os.path.abspath(args.rt_include),
                            os.path.abspath(args.rt_lib), workdir, args.target)
        inputs = [os.path.join(model_dir, i["file"]) for i in meta["inputs"]]
        outputs = [os.path.join(workdir, f"out_{k}.bin") for k in range(len(meta["outputs"]))]
        for p in outputs:
            if os.path.exists(p):
                os.unlink(p)
        t0 = time.time()
        run_harness(exe, inputs, outputs, args.target, threads=args.threads)
        print(f"run: {time.time() - t0:.2f}s ({args.target})")
        threaded = [p[:-len(".bin")] + f".t{args.check_threads}.bin" for p in outputs]
        if args.check_threads:
            run_harness(exe, inputs, threaded, args.target, threads=args.check_threads)
    except StepError as e:
        print(str(e).rstrip())
        sys.stdout.flush()
        print(f"{args.model} [{args.target}]: FAIL in step '{e.step}': {e.first_line}")
        return 1
    except Exception as e:  # export problems and the like
        print(f"{args.model} [{args.target}]: FAIL ({type(e).__name__}: {e})")
        return 1

    all_ok = True
    for k, o in enumerate(meta["outputs"]):
        ok, lines, _ = compare(outputs[k], os.path.join(model_dir, o["ref"]),
                               o.get("dtype", "float32"), *TOLERANCES.get(args.target, (RTOL, ATOL_FRACTION)))
        print(f"output {k} ('{o['name']}', shape {'x'.join(map(str, o['shape']))}):")
        for line in lines:
            print("  " + line)
        all_ok &= ok
    if args.check_threads:
        same = all(open(a, "rb").read() == open(b, "rb").read()
                   for a, b in zip(outputs, threaded))
        print(f"{args.check_threads} threads: outputs {'bit-identical to' if same else 'DIFFER from'}"
              " the default run")
        all_ok &= same
    print(f"{args.model} [{args.target}]: {'PASS' if all_ok else 'FAIL (mismatch)'}")
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
