# PyTorch on the same GPU with the same (hashed) weights: eager and CUDA-graph latency, and its output, for the GPU check.
"""Usage: python3 torch_baseline.py PACK_DIR NAME [NAME ...] [--repeat 100]

Rebuilds each model with export_models.hashed_init (the weights of the onnxc object),
runs it on cuda:0 at batch 1 in fp32 (TF32 off, as onnxc --precision=fp32) and prints
one JSON line per model: eager and CUDA-graph medians (CUDA events, ms) and the max
difference between its output and the CPU target's.
"""
import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "e2e"))
import export_models  # noqa: E402


def timed(torch, fn, repeat):
    start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    times = []
    for _ in range(repeat):
        start.record()
        fn()
        stop.record()
        stop.synchronize()
        times.append(start.elapsed_time(stop))
    times.sort()
    return times[len(times) // 2]


def main():
    import numpy as np
    import torch
    ap = argparse.ArgumentParser()
    ap.add_argument("pack")
    ap.add_argument("names", nargs="+")
    ap.add_argument("--repeat", type=int, default=100)
    args = ap.parse_args()
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_tf32 = False
    for name in args.names:
        try:
            print(json.dumps(run_one(torch, np, args.pack, name, args.repeat)), flush=True)
        except Exception as e:  # one model's failure must not hide the others
            print(json.dumps({"model": name, "error": f"{type(e).__name__}: {e}"}), flush=True)


def run_one(torch, np, pack, name, repeat):
    d = os.path.join(pack, name)
    torch.manual_seed(0)
    model, shape, _ = export_models.BUILDERS[name](torch)
    export_models.hashed_init(torch, model)
    model = model.eval().cuda()
    x = torch.from_numpy(np.fromfile(os.path.join(d, "input_0.bin"), dtype="<f4").reshape(shape)).cuda()
    result = {"model": name, "torch": torch.__version__, "gpu": torch.cuda.get_device_name(0)}
    with torch.inference_mode():
        for _ in range(10):
            y = model(x)
        torch.cuda.synchronize()
        result["eager_ms"] = timed(torch, lambda: model(x), repeat)
        cpu = np.fromfile(os.path.join(d, "cpu_0.bin"), dtype="<f4")
        result["torch_vs_cpu_max_abs"] = float(np.abs(y.float().cpu().numpy().ravel() - cpu).max())
        stream = torch.cuda.Stream()
        stream.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(stream):
            for _ in range(3):
                model(x)
        torch.cuda.current_stream().wait_stream(stream)
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph):
            model(x)
        for _ in range(10):
            graph.replay()
        result["graph_ms"] = timed(torch, graph.replay, repeat)
    return result


if __name__ == "__main__":
    main()
