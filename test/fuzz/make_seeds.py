# Writes the fuzzer's seed corpus: lit importer models, hostile models, the new-op and narrow-type e2e models, a sample of libonnx node tests.
import glob
import hashlib
import importlib.util
import os
import random
import shutil
import sys


def load(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.path.insert(0, os.path.dirname(path))
    spec.loader.exec_module(mod)
    return mod


def main():
    out, root = sys.argv[1], sys.argv[2]
    sample = int(sys.argv[3]) if len(sys.argv) > 3 else 200
    os.makedirs(out, exist_ok=True)
    n = 0

    def put(prefix, data):
        nonlocal n
        if not data or len(data) > 65536:
            return
        name = prefix + "-" + hashlib.sha1(data).hexdigest()[:12]
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
        n += 1

    lit = load(os.path.join(root, "test/lit/importer/make_model.py"), "make_model")
    for key, build in lit.MODELS.items():
        try:
            put("lit", build().SerializeToString())
        except Exception as e:  # a builder that needs something absent here
            print("skip lit", key, e, file=sys.stderr)
    hostile = load(os.path.join(root, "test/security/hostile_models.py"), "hostile_models")
    for case in hostile.CASES:
        try:
            put("hostile", case[1]())
        except Exception as e:
            print("skip hostile", case[0], e, file=sys.stderr)
    # The newer ops and types (opsets 18-28, control flow, narrow types).
    for script, prefix in (("test/e2e/new_ops.py", "newop"), ("test/e2e/narrow_types.py", "narrow")):
        try:
            for case in load(os.path.join(root, script), prefix).cases():
                put(prefix, case[1].SerializeToString())
        except Exception as e:  # torch or torchvision missing
            print("skip", script, e, file=sys.stderr)
    files = sorted(glob.glob("/usr/share/libonnx-testdata/data/node/*/model.onnx"))
    random.Random(0).shuffle(files)
    for path in files[:sample]:
        with open(path, "rb") as f:
            put("node", f.read())
    print(f"{n} seeds in {out}")


if __name__ == "__main__":
    main()
