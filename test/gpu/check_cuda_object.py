# Checks a --target=cuda object without a GPU: fatbin contents, ptxas spills, symbols, header, and a clean error without a driver.
"""Usage: check_cuda_object.py --model NAME --models-dir DIR --onnxc ONNXC --shim libonnxc_cuda_rt.a
                               --rt-include DIR --cuda DIR --workdir DIR [--stub-dir DIR]

1. onnxc --target=cuda writes NAME.o and NAME.h;
2. its .nv_fatbin holds SASS (ELF) for sm_80 and sm_90 and PTX for sm_80;
3. `ptxas -v` on the --emit=ptx output, for sm_80 and sm_90: no kernel has a stack frame
   or spills;
4. `nm -u NAME.o` names only the shim's onnxc_cuda_* functions (no cu*, no libc);
5. NAME.h compiles as C99 and C++ with -Wall -Wextra -Werror -pedantic;
6. a C program linked with only libonnxc_cuda_rt -ldl -lpthread gets ONNXC_ERR_NO_DRIVER
   from NAME_run where libcuda.so.1 is missing, and ONNXC_ERR_NO_DEVICE with the toolkit's
   stub driver (--stub-dir).
"""
import argparse
import os
import re
import shutil
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ARCHS = [80, 90]
SHIM_SYMBOLS = {"onnxc_cuda_run", "onnxc_cuda_load", "onnxc_cuda_unload", "onnxc_cuda_weights", "onnxc_cuda_launch"}
MMA_INSTRUCTIONS = {"fp16": "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32",
                    "tf32": "mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32"}


def run(cmd, env=None, check=True):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, timeout=600)
    out = p.stdout.decode(errors="replace")
    if check and p.returncode != 0:
        raise SystemExit(f"FAIL: {' '.join(cmd)} exited {p.returncode}:\n{out[-3000:]}")
    return p.returncode, out


def fatbin_entries(data):
    """[(kind, sm)] of a fatbin: kind 1 = PTX, 2 = ELF (SASS)."""
    magic, _, header, total = struct.unpack_from("<IHHQ", data, 0)
    if magic != 0xBA55ED50:
        raise SystemExit(f"FAIL: .nv_fatbin does not start with the fatbin magic ({magic:#x})")
    entries, off = [], header
    while off < header + total:
        kind, _, entry_header, size = struct.unpack_from("<HHIQ", data, off)
        sm = struct.unpack_from("<I", data, off + 28)[0]
        entries.append((kind, sm))
        off += entry_header + size
    return entries


def main():
    ap = argparse.ArgumentParser()
    for a in ("--model", "--models-dir", "--onnxc", "--shim", "--rt-include", "--cuda", "--workdir"):
        ap.add_argument(a, required=True)
    ap.add_argument("--stub-dir", help="folder with the toolkit's stub as libcuda.so.1")
    ap.add_argument("--cc", default="cc", help="C compiler for the test program (the shim's)")
    ap.add_argument("--mma", action="store_true",
                    help="also: with --precision=fp16/tf32 the matmul-like kernels use mma.sync, without spills")
    ap.add_argument("--link-flags", default="", help="extra link flags, e.g. the sanitizer the shim was built with")
    args = ap.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    name = re.sub(r"\W", "_", args.model)
    model = os.path.join(args.models_dir, args.model, "model.onnx")
    obj, hdr, ptx = (os.path.join(args.workdir, name + ext) for ext in (".o", ".h", ".ptx"))
    env = {**os.environ, "CUDA_HOME": args.cuda}
    run([args.onnxc, model, "--target=cuda", f"--name={name}", "-o", obj], env=env)

    # 2. The fatbin.
    fatbin = os.path.join(args.workdir, name + ".fatbin")
    run(["objcopy", "-O", "binary", "--only-section=.nv_fatbin", obj, fatbin])
    entries = fatbin_entries(open(fatbin, "rb").read())
    want = [(2, sm) for sm in ARCHS] + [(1, ARCHS[0])]
    if sorted(entries) != sorted(want):
        raise SystemExit(f"FAIL: fatbin entries {entries}, expected {want} (kind 1 PTX, 2 SASS)")
    print(f"fatbin: SASS for {', '.join(f'sm_{a}' for a in ARCHS)}, PTX for sm_{ARCHS[0]}")

    # 3. Every kernel without a stack frame or spills.
    run([args.onnxc, model, "--target=cuda", "--emit=ptx", "-o", ptx], env=env)
    kernels = len(re.findall(r"^\.visible \.entry", open(ptx).read(), re.M))
    for sm in ARCHS:
        _, out = run([os.path.join(args.cuda, "bin", "ptxas"), f"-arch=sm_{sm}", "-v", ptx, "-o", os.devnull])
        props = re.findall(r"(\d+) bytes stack frame, (\d+) bytes spill stores, (\d+) bytes spill loads", out)
        if len(props) != kernels:
            raise SystemExit(f"FAIL: ptxas reported {len(props)} kernels for sm_{sm}, the PTX has {kernels}")
        bad = [p for p in props if any(int(x) for x in p)]
        if bad:
            raise SystemExit(f"FAIL: sm_{sm}: {len(bad)} kernels with a stack frame or spills: {bad[:5]}")
    print(f"ptxas: {kernels} kernels, no stack frame and no spills on sm_80 and sm_90")
    if args.mma:
        # The tensor-core modes: matmul-like kernels on mma.sync, still no spills.
        for precision, instr in MMA_INSTRUCTIONS.items():
            ptx = os.path.join(args.workdir, f"{name}.{precision}.ptx")
            run([args.onnxc, model, "--target=cuda", f"--precision={precision}", "--emit=ptx", "-o", ptx], env=env)
            mma = open(ptx).read().count(instr)
            if not mma:
                raise SystemExit(f"FAIL: --precision={precision} PTX has no {instr} (tensor cores)")
            for sm in ARCHS:
                _, out = run([os.path.join(args.cuda, "bin", "ptxas"), f"-arch=sm_{sm}", "-v", ptx, "-o", os.devnull])
                if re.search(r"[1-9]\d* bytes (stack frame|spill)", out):
                    raise SystemExit(f"FAIL: --precision={precision}, sm_{sm}: a kernel has a stack frame or spills")
            print(f"{precision}: {mma} {instr} instructions, no spills")

    # 4. Only the shim is called.
    _, undefined = run(["nm", "-u", obj])
    names = set(undefined.split()) - {"U"}
    if names - SHIM_SYMBOLS:
        raise SystemExit(f"FAIL: {name}.o needs {sorted(names - SHIM_SYMBOLS)} beyond the shim")
    print(f"symbols: only {', '.join(sorted(names))}")

    # 5. The header.
    src = os.path.join(args.workdir, "header_check.c")
    with open(src, "w") as f:
        f.write(f'#include "{hdr}"\nint header_check(void);\nint header_check(void) {{ return 0; }}\n')
    flags = ["-Wall", "-Wextra", "-Werror", "-pedantic", "-fsyntax-only", "-I", args.rt_include]
    run(["cc", "-std=c99", *flags, src])
    run(["c++", "-std=c++17", *flags, "-x", "c++", src])

    # 6. No driver, then the stub driver: clean error codes.
    exe = os.path.join(args.workdir, "no_driver")
    run([args.cc, "-std=c99", "-Wall", "-Wextra", "-Werror", f"-DONNXC_MODEL={name}",
         f'-DONNXC_MODEL_HEADER="{hdr}"', "-I", args.rt_include, os.path.join(HERE, "no_driver.c"), obj,
         args.shim, *args.link_flags.split(), "-ldl", "-lpthread", "-o", exe])
    empty = os.path.join(args.workdir, "no-libcuda")
    os.makedirs(empty, exist_ok=True)
    clean = {k: v for k, v in os.environ.items() if k != "LD_LIBRARY_PATH"}
    if shutil.which("ldconfig") and "libcuda.so.1" in run(["ldconfig", "-p"], check=False)[1]:
        print("no-driver check skipped: this machine has a libcuda.so.1")
    else:
        _, out = run([exe, "5"], env={**clean, "LD_LIBRARY_PATH": empty})
        print("without a driver: " + out.strip())
        if args.stub_dir:
            _, out = run([exe, "6"], env={**clean, "LD_LIBRARY_PATH": args.stub_dir})
            print("with the stub driver: " + out.strip())
    print(f"{args.model} [cuda]: PASS")


if __name__ == "__main__":
    main()
