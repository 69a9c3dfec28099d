# Builds the GPU check's pack here: CUDA objects (xz), inputs, CPU-target outputs and PyTorch references of the e2e models.
"""Prepare the files scripts/gpu_check.sh needs on a machine with a GPU.

Usage: /usr/bin/python3 test/gpu/prepare_gpu_check.py --onnxc build/tools/onnxc \\
           --rt-lib build/runtime_support/libonnxc_rt.a [--out build/gpu_check] [--models a,b]

For each model (hashed weights, so that the GPU machine rebuilds the same PyTorch
model without these files) it writes OUT/pack/NAME/: NAME.o.xz (the --target=cuda
object), NAME.h, input_0.bin, cpu_0.bin (the x86-64 target's output, the reference the
GPU must match), ref_0.bin (PyTorch on the CPU) and meta.json.
"""

import argparse
import json
import lzma
import os
import shutil
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
E2E = os.path.join(os.path.dirname(HERE), "e2e")
sys.path.insert(0, E2E)
import export_models  # noqa: E402
import model_test  # noqa: E402

REPO = os.path.dirname(os.path.dirname(HERE))


def main(argv=None):
    ap = argparse.ArgumentParser(description="prepare the GPU check pack")
    ap.add_argument("--onnxc", required=True)
    ap.add_argument("--rt-lib", required=True, help="the x86-64 libonnxc_rt.a")
    ap.add_argument("--rt-include", default=os.path.join(REPO, "runtime_support", "include"))
    ap.add_argument("--out", default=os.path.join(REPO, "build", "gpu_check"))
    ap.add_argument("--models", default=",".join(export_models.MODELS))
    ap.add_argument("--onnxc-flag", action="append", default=[],
                    help="extra flag for the CUDA compile (repeatable), e.g. --precision=fp16")
    args = ap.parse_args(argv)
    out = os.path.abspath(args.out)
    names = [m for m in args.models.split(",") if m]
    dirs = export_models.ensure_models(os.path.join(out, "models"), names, init="hashed")
    pack = os.path.join(out, "pack")
    manifest = []
    for name in names:
        model_dir = dirs[name]
        dst = os.path.join(pack, name)
        shutil.rmtree(dst, ignore_errors=True)
        os.makedirs(dst)
        work = os.path.join(out, "work", name)
        sym = model_test.symbol_name(name)
        # The CPU target's output: what the GPU must reproduce.
        obj, hdr = model_test.compile_model(model_dir, os.path.join(work, "cpu"), os.path.abspath(args.onnxc),
                                            "x86_64", sym)
        exe = model_test.build_harness(obj, hdr, sym, args.rt_include, os.path.abspath(args.rt_lib),
                                       os.path.join(work, "cpu"), "x86_64")
        model_test.run_harness(exe, [os.path.join(model_dir, "input_0.bin")],
                               [os.path.join(dst, "cpu_0.bin")], "x86_64")
        ok, lines, _ = model_test.compare(os.path.join(dst, "cpu_0.bin"), os.path.join(model_dir, "ref_0.bin"))
        print(f"{name}: CPU target vs PyTorch: {'ok' if ok else 'MISMATCH'}; {lines[1]}")
        # The CUDA object.
        t0 = time.time()
        cuda_obj = os.path.join(work, sym + ".o")
        model_test.run_step("onnxc", [os.path.abspath(args.onnxc), os.path.join(model_dir, "model.onnx"),
                                      "--target=cuda", f"--name={sym}", "-o", cuda_obj, *args.onnxc_flag], 600)
        with open(cuda_obj, "rb") as f, lzma.open(os.path.join(dst, sym + ".o.xz"), "wb", preset=6) as g:
            g.write(f.read())
        shutil.copy(os.path.join(work, sym + ".h"), dst)
        for f in ("input_0.bin", "ref_0.bin", "meta.json"):
            shutil.copy(os.path.join(model_dir, f), dst)
        print(f"{name}: CUDA object {os.path.getsize(cuda_obj)} bytes, compiled in {time.time() - t0:.1f}s")
        manifest.append({"name": name, "symbol": sym})
    with open(os.path.join(pack, "manifest.json"), "w") as f:
        json.dump({"models": manifest, "onnxc_flags": args.onnxc_flag}, f, indent=2)
    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(pack) for f in fs)
    print(f"pack: {pack} ({total / 2**20:.1f} MiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
