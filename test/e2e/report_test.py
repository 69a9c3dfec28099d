#!/usr/bin/env python3
"""--report end to end: a self-contained HTML page (no network, at least one SVG) that headless Chromium renders
without script errors (the screenshot is kept), and an unwritable report path failing before compiling."""
import argparse
import os
import re
import shutil
import subprocess
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--onnxc", required=True)
    ap.add_argument("--models-dir", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--model", default="resnet18")
    a = ap.parse_args()
    os.makedirs(a.workdir, exist_ok=True)
    model = os.path.join(a.models_dir, a.model, "model.onnx")
    html = os.path.join(a.workdir, f"{a.model}.html")
    obj = os.path.join(a.workdir, f"{a.model}.o")
    p = subprocess.run([a.onnxc, model, "-q", f"--report={html}", "-o", obj], capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"FAIL: onnxc --report: {p.stderr}")
    page = open(html, encoding="utf-8").read()
    checks = {
        "an SVG plot": "<svg" in page and "<rect" in page,
        "no script": "<script" not in page,
        "nothing fetched": not re.search(r'(src|href)\s*=\s*"(https?:)?//', page) and "@import" not in page,
        "the model's inputs": "input" in page and "[1, 3, 224, 224]" in page,
        "kernels with tiles": "rows x" in page and "/layer1/" in page,
        "the workspace and buffers": "buffers totalling" in page,
        "the phases": "machine code (LLVM back end)" in page,
    }
    missing = [k for k, ok in checks.items() if not ok]
    if missing:
        sys.exit(f"FAIL: the report lacks {missing}")

    chromium = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if not chromium:
        sys.exit("FAIL: no chromium to render the report (Debian package chromium)")
    shot = os.path.join(a.workdir, f"{a.model}.png")
    base = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
            "--enable-logging=stderr", "--v=0", "--window-size=1280,2400"]
    url = "file://" + os.path.abspath(html)
    r = subprocess.run(base + [f"--screenshot={shot}", url], capture_output=True, text=True, timeout=120)
    errors = [l for l in r.stderr.splitlines() if "CONSOLE" in l or "Uncaught" in l]
    if r.returncode != 0 or not os.path.exists(shot) or os.path.getsize(shot) < 10000:
        sys.exit(f"FAIL: chromium did not render a screenshot (exit {r.returncode}): {r.stderr[-2000:]}")
    if errors:
        sys.exit("FAIL: script or console errors:\n" + "\n".join(errors))
    dom = subprocess.run(base + ["--dump-dom", url], capture_output=True, text=True, timeout=120).stdout
    if "Memory plan" not in dom or "<svg" not in dom:
        sys.exit("FAIL: chromium's DOM lacks the memory plan")
    print(f"screenshot: {shot}")

    # A path that cannot be written fails before compiling, with onnxc's error.
    bad = subprocess.run([a.onnxc, model, "--report=" + os.path.join(a.workdir, "no-such-dir", "r.html"),
                          "-o", os.path.join(a.workdir, "bad.o")], capture_output=True, text=True)
    if bad.returncode == 0 or "onnxc: error: cannot write the report" not in bad.stderr:
        sys.exit(f"FAIL: an unwritable report path: exit {bad.returncode}, {bad.stderr!r}")
    if os.path.exists(os.path.join(a.workdir, "bad.o")):
        sys.exit("FAIL: onnxc compiled although the report path cannot be written")
    print("report test passed")


if __name__ == "__main__":
    main()
