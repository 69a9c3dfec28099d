# Exports the end-to-end test models (random weights, fixed seeds) to ONNX with inputs and PyTorch reference outputs.
"""Export the onnxc end-to-end models.

Usage: /usr/bin/python3 export_models.py OUTDIR [--models a,b] [--force]

For each model NAME this writes OUTDIR/NAME/{model.onnx, input_0.bin, ref_0.bin,
meta.json}. The .bin files are raw little-endian float32 tensors in row-major order.
Weights are random (seeded; nothing is downloaded), so the outputs are not meaningful
predictions, only a reproducible numeric reference computed by PyTorch.

A model whose four files all exist and are newer than this script is not exported
again. Files are written to temporaries and renamed, so concurrent readers never see
half-written files.
"""

import argparse
import json
import os
import sys
import tempfile
import time
import warnings

MODELS = ["mlp", "kws", "squeezenet1_1", "mobilenet_v2", "resnet18", "speech_rnn", "encoder"]
FILES = ["model.onnx", "input_0.bin", "ref_0.bin", "meta.json"]
SEED = 0


def _build_mlp(torch):
    nn = torch.nn
    model = nn.Sequential(
        nn.Linear(784, 256), nn.ReLU(),
        nn.Linear(256, 128), nn.ReLU(),
        nn.Linear(128, 10))
    return model, (1, 784), {"opset": 11}


def _build_kws(torch):
    """DS-CNN keyword spotting network after Zhang et al., "Hello Edge" (2017)."""
    nn = torch.nn

    def ds_block(ch):
        return [
            nn.Conv2d(ch, ch, 3, stride=1, padding=1, groups=ch, bias=False),
            nn.BatchNorm2d(ch), nn.ReLU(),
            nn.Conv2d(ch, ch, 1, bias=False),
            nn.BatchNorm2d(ch), nn.ReLU(),
        ]

    ch = 64
    layers = [
        # 49x10 MFCC input -> 25x5 feature map ("same" padding, stride 2).
        nn.Conv2d(1, ch, (10, 4), stride=(2, 2), padding=(5, 1)),
        nn.BatchNorm2d(ch), nn.ReLU(),
    ]
    for _ in range(4):
        layers += ds_block(ch)
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(ch, 12)]
    # Keep BatchNormalization nodes in the graph: in EVAL mode torch folds them into
    # the preceding Conv; PRESERVE (with the module in eval mode) exports them as
    # inference-mode BatchNormalization ops.
    return nn.Sequential(*layers), (1, 1, 49, 10), {
        "opset": 13, "preserve_bn": True}


def _build_speech_rnn(torch):
    """Keyword spotting over 49 frames of 40 features: bidirectional LSTMs, a GRU, a classifier."""
    nn = torch.nn

    class SpeechRnn(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(40, 128, num_layers=2, bidirectional=True, batch_first=True)
            self.gru = nn.GRU(256, 64, batch_first=True)
            self.fc = nn.Linear(64, 12)

        def forward(self, x):
            y, _ = self.lstm(x)
            y, _ = self.gru(y)
            return self.fc(y[:, -1])

    return SpeechRnn(), (1, 49, 40), {"opset": 14}


def _build_encoder(torch):
    """A transformer encoder: 4 layers, d_model 256, 4 heads, sequence 128."""
    nn = torch.nn
    layer = nn.TransformerEncoderLayer(d_model=256, nhead=4, dim_feedforward=1024, dropout=0.0,
                                       batch_first=True)
    model = nn.TransformerEncoder(layer, num_layers=4, enable_nested_tensor=False)
    # Traced with gradients on: the fused eval-mode attention kernels, which have
    # no ONNX export, are then not taken; the exported graph is the same.
    return model, (1, 128, 256), {"opset": 17, "export_with_grad": True}


def _build_lstm(torch):
    """A 2-layer batch-first LSTM (input 64, hidden 128, sequence 32) with a linear head."""
    nn = torch.nn

    class LstmHead(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(64, 128, num_layers=2, batch_first=True)
            self.fc = nn.Linear(128, 10)

        def forward(self, x):
            y, _ = self.lstm(x)
            return self.fc(y[:, -1])

    return LstmHead(), (1, 32, 64), {"opset": 13}


def _torchvision_builder(fn_name):
    def build(torch):
        import torchvision
        model = getattr(torchvision.models, fn_name)(weights=None)
        return model, (1, 3, 224, 224), {"opset": 13}
    return build


BUILDERS = {
    "mlp": _build_mlp,
    "kws": _build_kws,
    "squeezenet1_1": _torchvision_builder("squeezenet1_1"),
    "mobilenet_v2": _torchvision_builder("mobilenet_v2"),
    "resnet18": _torchvision_builder("resnet18"),
    "speech_rnn": _build_speech_rnn,
    "encoder": _build_encoder,
    # Benchmark-only models (bench/benchmark.py): not exported by the tests.
    "lstm": _build_lstm,
    "resnet50": _torchvision_builder("resnet50"),
    "mobilenet_v3_small": _torchvision_builder("mobilenet_v3_small"),
    "shufflenet_v2": _torchvision_builder("shufflenet_v2_x1_0"),
    "efficientnet_b0": _torchvision_builder("efficientnet_b0"),
    "densenet121": _torchvision_builder("densenet121"),
}
# The benchmark's model set (issue 13), in the order of its table.
BENCH_MODELS = ["mlp", "lstm", "encoder", "shufflenet_v2", "mobilenet_v3_small", "densenet121",
                "resnet18", "squeezenet1_1", "kws", "mobilenet_v2", "resnet50", "efficientnet_b0"]


def _randomize_batchnorm(torch, model, gen):
    """Give every BatchNorm non-trivial running statistics and affine parameters."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
                n = m.num_features
                m.running_mean.copy_(torch.randn(n, generator=gen) * 0.1)
                m.running_var.copy_(torch.rand(n, generator=gen) * 1.0 + 0.5)
                if m.affine:
                    m.weight.copy_(torch.rand(n, generator=gen) * 1.0 + 0.5)
                    m.bias.copy_(torch.randn(n, generator=gen) * 0.1)


def hashed_init(torch, model):
    """Sets every float parameter and buffer from an integer hash of its position.

    Exact in any PyTorch version and on any device (integer arithmetic, then one
    correctly rounded float32 multiply), so that a machine without these files
    rebuilds the same weights (the GPU check times PyTorch on its own copy).
    Values take 256 levels, so objects holding them compress well."""
    with torch.no_grad():
        for k, (name, t) in enumerate(model.state_dict().items()):
            if not t.is_floating_point():
                continue
            n = t.numel()
            i = torch.arange(n, dtype=torch.int64)
            h = ((i * 2654435761 + (k + 1) * 40503) % 4294967296) // 16777216  # 0..255
            unit = (h.to(torch.float32) - 127.5) / 127.5  # [-1, 1]
            if name.endswith("running_var"):
                values = unit * 0.25 + 1.0
            elif t.dim() >= 2:
                values = unit * (1.0 / (n // t.shape[0]) ** 0.5)  # about 1/sqrt(fan_in)
            elif name.endswith("weight"):  # norm scales
                values = unit * 0.25 + 1.0
            else:  # biases and running means
                values = unit * 0.1
            t.copy_(values.reshape(t.shape))


def _is_fresh(model_dir, script_mtime):
    for f in FILES:
        p = os.path.join(model_dir, f)
        if not os.path.exists(p) or os.path.getmtime(p) < script_mtime:
            return False
    return True


def _atomic_write(path, data):
    d = os.path.dirname(path)
    fd, tmp = tempfile.mkstemp(dir=d, prefix=".tmp-", suffix="-" + os.path.basename(path))
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def export_one(name, outdir, log=sys.stderr, init="random"):
    """Export one model to outdir/name; returns the model directory.

    init: "random" (seeded torch initialisation) or "hashed" (hashed_init)."""
    import numpy as np
    import onnx
    import torch

    model_dir = os.path.join(outdir, name)
    os.makedirs(model_dir, exist_ok=True)
    t0 = time.time()

    # Same seeds for every model, independent of which models are exported together.
    torch.manual_seed(SEED)
    np.random.seed(SEED)
    gen = torch.Generator().manual_seed(SEED + 1)

    model, in_shape, opts = BUILDERS[name](torch)
    if init == "hashed":
        hashed_init(torch, model)
    else:
        _randomize_batchnorm(torch, model, gen)
    model.eval()

    rng = np.random.RandomState(SEED + 2)
    x_np = rng.standard_normal(in_shape).astype(np.float32)
    x = torch.from_numpy(x_np)
    with torch.no_grad():
        ref = model(x).detach().numpy().astype(np.float32)
    if not np.all(np.isfinite(ref)):
        raise RuntimeError(f"{name}: reference output is not finite")

    export_kwargs = dict(
        opset_version=opts["opset"],
        input_names=["input"],
        output_names=["output"],
        do_constant_folding=True,
    )
    if opts.get("preserve_bn"):
        export_kwargs["training"] = torch.onnx.TrainingMode.PRESERVE
    tmp_onnx = os.path.join(model_dir, ".tmp-model.onnx")
    with torch.set_grad_enabled(bool(opts.get("export_with_grad"))), warnings.catch_warnings():
        # PRESERVE mode warns about constant folding in training mode; the model is
        # in eval mode, so folding is safe here.
        warnings.simplefilter("ignore")
        torch.onnx.export(model, x, tmp_onnx, **export_kwargs)

    proto = onnx.load(tmp_onnx)
    onnx.checker.check_model(proto)
    ops = [n.op_type for n in proto.graph.node]
    if opts.get("preserve_bn") and "BatchNormalization" not in ops:
        os.unlink(tmp_onnx)
        raise RuntimeError(f"{name}: export dropped every BatchNormalization node")

    meta = {
        "name": name,
        "opset": opts["opset"],
        "inputs": [{"name": "input", "shape": list(in_shape), "dtype": "float32",
                    "file": "input_0.bin"}],
        "outputs": [{"name": "output", "shape": list(ref.shape), "dtype": "float32",
                     "ref": "ref_0.bin"}],
        "ops": sorted(set(ops)),
        "num_nodes": len(ops),
        "seed": SEED,
        "init": init,
        "torch": torch.__version__,
    }
    _atomic_write(os.path.join(model_dir, "input_0.bin"), x_np.astype("<f4").tobytes())
    _atomic_write(os.path.join(model_dir, "ref_0.bin"), ref.astype("<f4").tobytes())
    _atomic_write(os.path.join(model_dir, "meta.json"),
                  (json.dumps(meta, indent=2) + "\n").encode())
    # The model goes last so that its presence (with a fresh mtime) marks completion.
    os.replace(tmp_onnx, os.path.join(model_dir, "model.onnx"))
    print(f"exported {name}: {len(ops)} nodes, output {list(ref.shape)}, "
          f"max|ref|={float(np.abs(ref).max()):.4g}, {time.time() - t0:.1f}s", file=log)
    return model_dir


def ensure_models(outdir, names, force=False, log=sys.stderr, init="random"):
    """Export every model in names unless it is cached; returns {name: dir}."""
    script_mtime = os.path.getmtime(os.path.abspath(__file__))
    dirs = {}
    for name in names:
        if name not in BUILDERS:
            raise ValueError(f"unknown model '{name}' (known: {', '.join(MODELS)})")
        model_dir = os.path.join(outdir, name)
        if not force and _is_fresh(model_dir, script_mtime):
            dirs[name] = model_dir
            continue
        dirs[name] = export_one(name, outdir, log=log, init=init)
    return dirs


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    ap.add_argument("outdir")
    ap.add_argument("--models", default=",".join(MODELS),
                    help="comma-separated subset of: " + ",".join(MODELS))
    ap.add_argument("--force", action="store_true", help="export even if cached")
    ap.add_argument("--init", choices=["random", "hashed"], default="random",
                    help="weights: seeded random, or hashed (reproducible anywhere; the GPU check)")
    args = ap.parse_args(argv)
    names = [m for m in args.models.split(",") if m]
    try:
        ensure_models(os.path.abspath(args.outdir), names, force=args.force, init=args.init)
    except Exception as e:  # report the reason without a long traceback
        print(f"export_models: error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
