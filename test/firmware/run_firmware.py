# Firmware test: compiles one ONNX model for the host and a Cortex-M core, runs examples/firmware on both (qemu), compares outputs.
"""Usage:
  /usr/bin/python3 run_firmware.py --model-file MODEL.onnx --name NAME --target cortex-m4 \
      --onnxc PATH --rt-include DIR --rt-lib CORTEX_M_LIB --host-rt-lib HOST_LIB --workdir DIR \
      [--max-text BYTES] [--max-workspace BYTES] [--timeout 300] [--cc CC] [--link-flags FLAGS]

Steps: onnxc --target=x86_64 and --target=TARGET; `make` in examples/firmware builds the
firmware (fw.elf) and the host program from the same main.c; both run (the firmware under
qemu-system-arm with semihosting); every output must agree (numpy allclose, rtol 1e-4,
atol 1e-5 * max|host|; integers exactly) and so must "class: N". Prints the Cortex-M
object's section sizes and the workspace as `size: text=... rodata=... data=... bss=...
workspace=...`. Exit status 0 only when everything passed; a failing step prints its
command and output.
"""

import argparse
import os
import re
import shlex
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
FIRMWARE_DIR = os.path.normpath(os.path.join(HERE, "..", "..", "examples", "firmware"))
RTOL = 1e-4
ATOL_FRACTION = 1e-5  # atol = ATOL_FRACTION * max|host|
Y_LINE = re.compile(r"^y\[(\d+)\]\[(\d+)\] = (\S+)(?: \(0x([0-9a-f]{8})\))?$")


class StepError(Exception):
    pass


# Symbols a Cortex-M object may reference: the shim, and memcpy/memset/memmove
# under their C or ARM run-time ABI names (every ARM C library defines both).
ALLOWED_UNDEFINED = re.compile(r"onnxc_\w+|mem(cpy|move|set)|__aeabi_mem(cpy|move|set|clr)[48]?")


def run(step, cmd, timeout, cwd=None):
    """Runs cmd; returns its combined output or raises StepError with the details."""
    print(f"[{step}] {shlex.join(cmd)}", flush=True)
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           stdin=subprocess.DEVNULL, timeout=timeout, cwd=cwd)
    except FileNotFoundError:
        raise StepError(f"{step}: command not found: {cmd[0]}")
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode(errors="replace")
        raise StepError(f"{step}: timed out after {timeout}s: {shlex.join(cmd)}\n{out}")
    out = p.stdout.decode(errors="replace")
    if p.returncode != 0:
        raise StepError(f"{step}: exit status {p.returncode}: {shlex.join(cmd)}\n{out}")
    return out


def parse_outputs(text, where):
    """{(output, index): (value text, float bits or None)} and the class, from main.c's lines."""
    values, cls = {}, None
    for line in text.splitlines():
        line = line.strip()
        m = Y_LINE.match(line)
        if m:
            values[(int(m[1]), int(m[2]))] = (m[3], int(m[4], 16) if m[4] else None)
        elif line.startswith("class: "):
            cls = int(line.split()[1])
    if not values:
        raise StepError(f"{where}: no output values in:\n{text}")
    return values, cls


def compare(host, target):
    """Returns a list of failure messages (empty when the outputs agree)."""
    (hv, hcls), (tv, tcls) = host, target
    if hv.keys() != tv.keys():
        return [f"output elements differ: host {len(hv)}, target {len(tv)}"]
    fails = []
    floats = sorted(k for k in hv if hv[k][1] is not None)
    for k in sorted(set(hv) - set(floats)):
        if hv[k][0] != tv[k][0]:
            fails.append(f"y[{k[0]}][{k[1]}]: host {hv[k][0]}, target {tv[k][0]}")
    if floats:
        bits = lambda vals: np.array([vals[k][1] for k in floats], dtype=np.uint32).view(np.float32)
        h, t = bits(hv).astype(np.float64), bits(tv).astype(np.float64)
        finite = np.abs(h[np.isfinite(h)])
        atol = ATOL_FRACTION * (finite.max() if finite.size else 0.0)
        ok = np.isclose(t, h, rtol=RTOL, atol=atol, equal_nan=True)
        diff = np.abs(t - h)
        print(f"compare: {len(floats)} floats, max|diff| = {np.nanmax(diff):.3g}, "
              f"atol = {atol:.3g}, rtol = {RTOL:g}, {int((~ok).sum())} outside")
        for i in np.flatnonzero(~ok)[:10]:
            k = floats[i]
            fails.append(f"y[{k[0]}][{k[1]}]: host {hv[k][0]}, target {tv[k][0]}")
    if hcls != tcls:
        fails.append(f"class: host {hcls}, target {tcls}")
    return fails


def section_sizes(obj):
    """Per-kind byte counts of an ELF object, from `arm-none-eabi-size -A`."""
    out = run("size", ["arm-none-eabi-size", "-A", obj], 60)
    sizes = {"text": 0, "rodata": 0, "data": 0, "bss": 0}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) < 2 or not parts[1].isdigit():
            continue
        name = parts[0]
        for kind in sizes:
            if name == "." + kind or name.startswith("." + kind + "."):
                sizes[kind] += int(parts[1])
    return sizes


def workspace_size(header, name):
    text = open(header).read()
    m = re.search(r"#define\s+" + re.escape(name) + r"_WORKSPACE_SIZE\s+\(*(?:\(size_t\))?(\d+)", text)
    if not m:
        raise StepError(f"no {name}_WORKSPACE_SIZE in {header}")
    return int(m[1])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model-file", required=True, help="the .onnx model")
    ap.add_argument("--name", required=True, help="--name for onnxc (a C identifier)")
    ap.add_argument("--target", required=True, choices=["cortex-m4", "cortex-m7", "cortex-m55"])
    ap.add_argument("--onnxc", required=True)
    ap.add_argument("--rt-include", required=True, help="folder holding onnxc/runtime.h")
    ap.add_argument("--rt-lib", required=True, help="the Cortex-M libonnxc_rt.a")
    ap.add_argument("--host-rt-lib", required=True, help="the host libonnxc_rt.a")
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--firmware-dir", default=FIRMWARE_DIR, help="holds the Makefile and main.c")
    ap.add_argument("--timeout", type=int, default=300, help="seconds for the qemu run")
    ap.add_argument("--max-text", type=int, help="most .text bytes allowed in the object")
    ap.add_argument("--max-workspace", type=int, help="most workspace bytes allowed")
    ap.add_argument("--cc", default="cc", help="host C compiler")
    ap.add_argument("--link-flags", default="", help="extra host link flags (sanitizer builds)")
    args = ap.parse_args()

    work = os.path.abspath(args.workdir)
    host_obj = os.path.join(work, "host", args.name + ".o")
    target_obj = os.path.join(work, args.target, args.name + ".o")
    build = os.path.join(work, "build")
    os.makedirs(os.path.dirname(host_obj), exist_ok=True)
    os.makedirs(os.path.dirname(target_obj), exist_ok=True)
    failures = []
    try:
        model = os.path.abspath(args.model_file)
        for tgt, obj in (("x86_64", host_obj), (args.target, target_obj)):
            run(f"onnxc {tgt}", [args.onnxc, model, f"--target={tgt}", f"--name={args.name}",
                                 "-o", obj], 600)

        sizes = section_sizes(target_obj)
        ws = workspace_size(os.path.splitext(target_obj)[0] + ".h", args.name)
        print(f"size: text={sizes['text']} rodata={sizes['rodata']} data={sizes['data']} "
              f"bss={sizes['bss']} workspace={ws} ({args.name}, {args.target})")
        undefined = run("nm", ["arm-none-eabi-nm", "-u", target_obj], 60).split()
        undefined = [s for s in undefined if s != "U"]
        print("undefined:", " ".join(undefined) or "(none)")
        # The contract: only the shim and memcpy/memset (or their ARM EABI names).
        stray = [s for s in undefined if not ALLOWED_UNDEFINED.fullmatch(s)]
        if stray:
            failures.append("the object references " + ", ".join(stray) +
                            " (only onnxc_* and memcpy/memset are allowed)")
        if sizes["data"] or sizes["bss"]:
            failures.append(f"the object has mutable data (.data {sizes['data']}, .bss {sizes['bss']} bytes)")
        if args.max_text is not None and sizes["text"] > args.max_text:
            failures.append(f"text is {sizes['text']} bytes, above --max-text {args.max_text}")
        if args.max_workspace is not None and ws > args.max_workspace:
            failures.append(f"workspace is {ws} bytes, above --max-workspace {args.max_workspace}")

        make = ["make", "-C", args.firmware_dir, f"TARGET={args.target}", f"MODEL={args.name}",
                f"MODEL_OBJ={target_obj}", f"ONNXC_INCLUDE={os.path.abspath(args.rt_include)}",
                f"ONNXC_RT_LIB={os.path.abspath(args.rt_lib)}", f"BUILD_DIR={build}",
                f"HOST_MODEL_OBJ={host_obj}", f"HOST_RT_LIB={os.path.abspath(args.host_rt_lib)}",
                f"HOST_CC={args.cc}", f"HOST_LDFLAGS={args.link_flags}",
                f"QEMU_TIMEOUT={args.timeout}"]
        print(run("build", make + ["-B", "all", "host"], 300), end="")

        host_out = run("run host", [os.path.join(build, "host", "fw_host")], 300)
        print(host_out, end="")
        target_out = run(f"run {args.target}", make + ["run"], args.timeout + 60)
        print(target_out, end="")
        failures += compare(parse_outputs(host_out, "host"), parse_outputs(target_out, args.target))
    except StepError as e:
        print(f"FAIL: {e}", file=sys.stderr)
        return 1
    for f in failures:
        print(f"FAIL: {f}", file=sys.stderr)
    if failures:
        return 1
    print(f"PASS: {args.name} on {args.target} matches the host build")
    return 0


if __name__ == "__main__":
    sys.exit(main())
