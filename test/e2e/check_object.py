# Checks a compiled model object: no malloc/free or libm calls, no mutable globals, the ABI symbols present (and the thread pool with --threaded).
import subprocess
import sys

ALLOWED_UNDEFINED = {"memcpy", "memset", "memmove", "onnxc_parallel_for_measured", "onnxc_run_begin", "onnxc_run_end"}


def main(obj, name, threaded=False):
    out = subprocess.run(["nm", obj], check=True, capture_output=True, text=True).stdout
    undefined, mutable, defined = set(), [], set()
    for line in out.splitlines():
        parts = line.split()
        kind, sym = parts[-2], parts[-1]
        if kind == "U":
            undefined.add(sym)
        elif kind in "dDbBcC":
            mutable.append(sym)
        else:
            defined.add(sym)
    errors = []
    if undefined - ALLOWED_UNDEFINED:
        errors.append("undefined symbols beyond the allowed set: %s" % sorted(undefined - ALLOWED_UNDEFINED))
    if mutable:
        errors.append("mutable globals: %s" % sorted(mutable))
    if threaded and "onnxc_parallel_for_measured" not in undefined:
        errors.append("the model's convolutions do not run through onnxc_parallel_for_measured")
    for want in (name + "_run", name + "_info"):
        if want not in defined:
            errors.append("missing symbol " + want)
    print("undefined: %s" % sorted(undefined))
    print("mutable globals: %d" % len(mutable))
    for e in errors:
        print("FAIL: " + e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], "--threaded" in sys.argv[3:]))
