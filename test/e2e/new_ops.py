# End-to-end checks of the ops of opsets 18-28 and of control flow: small models run through the C ABI, compared with numpy/PyTorch references.
"""Each case is a small ONNX model (opset and inputs chosen per case) that onnxc
compiles for the target; the e2e harness runs it and every output must match a
reference written here from the ONNX operator definitions in numpy, or
PyTorch's own function where one exists (fold for Col2Im, affine_grid for
AffineGrid, group_norm for GroupNormalization-21). Floats: rtol 1e-4 plus
1e-5 * max|ref|; integers exactly."""
import argparse
import math
import os
import sys

import numpy as np
import torch
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import model_test  # noqa: E402

RNG = np.random.default_rng(1234)
ELEM = {np.dtype(np.float32): TensorProto.FLOAT, np.dtype(np.int64): TensorProto.INT64,
        np.dtype(np.int32): TensorProto.INT32, np.dtype(np.uint8): TensorProto.UINT8,
        np.dtype(np.int8): TensorProto.INT8, np.dtype(np.bool_): TensorProto.BOOL}


def rand(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def model(nodes, inputs, outputs, opset, inits=()):
    """inputs/outputs: [(name, array)]; initializers: [(name, array)]."""
    vi = lambda name, a: helper.make_tensor_value_info(name, ELEM[a.dtype], list(a.shape))  # noqa: E731
    g = helper.make_graph(nodes, "g", [vi(n, a) for n, a in inputs], [vi(n, a) for n, a in outputs],
                          [numpy_helper.from_array(a, n) for n, a in inits])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 10 if opset >= 21 else 8
    return m


def one(op, ins, outs, opset, inits=(), **attrs):
    names = [n for n, _ in ins] + [n for n, _ in inits]
    return model([helper.make_node(op, names, [n for n, _ in outs], name=op.lower(), **attrs)], ins, outs,
                 opset, inits)


def softmax(x):
    e = np.exp(x - np.max(x, axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def attention_ref(q, k, v, mask=None, past=None, causal=False, softcap=0.0, q_heads=0, kv_heads=0, scale=None):
    three_d = q.ndim == 3
    if three_d:  # (B, S, H*D) -> (B, H, S, D)
        split = lambda x, h: x.reshape(x.shape[0], x.shape[1], h, -1).transpose(0, 2, 1, 3)  # noqa: E731
        q, k, v = split(q, q_heads), split(k, kv_heads), split(v, kv_heads)
    if past is not None:
        k, v = np.concatenate([past[0], k], 2), np.concatenate([past[1], v], 2)
    present = (k, v)
    group = q.shape[1] // k.shape[1]
    kk, vv = np.repeat(k, group, axis=1), np.repeat(v, group, axis=1)
    s = np.sqrt(scale if scale else 1 / np.sqrt(q.shape[3]))
    scores = (q * s) @ (kk * s).transpose(0, 1, 3, 2)
    if softcap:
        scores = softcap * np.tanh(scores / softcap)
    total, qs = kk.shape[2], q.shape[2]
    if mask is not None:
        scores = np.where(mask, scores, -np.inf) if mask.dtype == np.bool_ else scores + mask
    if causal:
        offset = past[0].shape[2] if past is not None else 0
        scores = np.where(np.arange(total)[None, :] <= np.arange(qs)[:, None] + offset, scores, -np.inf)
    y = softmax(scores) @ vv
    if three_d:
        y = y.transpose(0, 2, 1, 3).reshape(y.shape[0], qs, -1)
    return y.astype(np.float32), present


def rotary_ref(x, cos, sin, pos, interleaved, rot_dim=0, heads=0):
    four_d = x.ndim == 4
    xb = x.transpose(0, 2, 1, 3) if four_d else x.reshape(x.shape[0], x.shape[1], heads, -1)
    d = xb.shape[3]
    rot = rot_dim or d
    c, s = cos[pos][..., None, :rot // 2], sin[pos][..., None, :rot // 2]
    xr = xb[..., :rot]
    x1, x2 = (xr[..., 0::2], xr[..., 1::2]) if interleaved else (xr[..., :rot // 2], xr[..., rot // 2:])
    re, im = c * x1 - s * x2, s * x1 + c * x2
    out = np.stack([re, im], -1).reshape(xr.shape) if interleaved else np.concatenate([re, im], -1)
    out = np.concatenate([out, xb[..., rot:]], -1)
    return (out.transpose(0, 2, 1, 3) if four_d else out.reshape(x.shape)).astype(np.float32)


def old_ir_cnn():
    """A small CNN exported by PyTorch at opset 9 and stored as IR 3 (weights listed as
    graph inputs); a second form carries the classifier bias as a ConstantOfShape fill."""
    import io

    import onnx
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3, padding=1), torch.nn.BatchNorm2d(8), torch.nn.ReLU(),
                              torch.nn.MaxPool2d(2), torch.nn.Flatten(), torch.nn.Linear(8 * 4 * 4, 5))
    with torch.no_grad():
        net[1].running_mean.uniform_(-1, 1)
        net[1].running_var.uniform_(0.5, 2)
        net[5].bias.fill_(0.5)
    net.eval()
    x = torch.randn(1, 3, 8, 8)
    buf = io.BytesIO()
    torch.onnx.export(net, x, buf, opset_version=9, keep_initializers_as_inputs=True, input_names=["x"],
                      output_names=["y"], do_constant_folding=False)
    m = onnx.load_from_string(buf.getvalue())
    m.ir_version = 3
    want = net(x).detach().numpy()
    fill = onnx.ModelProto()
    fill.CopyFrom(m)
    bias = next(t for t in fill.graph.initializer if list(t.dims) == [5])
    fill.graph.initializer.remove(bias)
    fill.graph.input.remove(next(i for i in fill.graph.input if i.name == bias.name))
    fill.graph.node.insert(0, helper.make_node("ConstantOfShape", ["bias_shape"], [bias.name],
                                               value=helper.make_tensor("v", TensorProto.FLOAT, [1], [0.5])))
    fill.graph.node.insert(0, helper.make_node("Constant", [], ["bias_shape"],
                                               value=numpy_helper.from_array(np.array([5], np.int64))))
    xs = x.numpy()
    return [("cnn_opset9_ir3", m, [xs], [want]), ("cnn_opset9_ir3_fill", fill, [xs], [want])]


def roi_align_ref(x, rois, bidx, oh, ow, ratio, scale, mode):
    """RoiAlign-16 (half_pixel) as ONNX Runtime and the ONNX reference compute it; max
    mode takes the largest weighted corner of any sample (outside samples count 0)."""
    _, channels, height, width = x.shape
    out = np.zeros((len(rois), channels, oh, ow), np.float64)
    for r, (x1, y1, x2, y2) in enumerate(rois.astype(np.float64) * scale - 0.5):
        bh, bw = (y2 - y1) / oh, (x2 - x1) / ow
        img = x[bidx[r]].astype(np.float64)
        for ph in range(oh):
            for pw in range(ow):
                vals = []
                for iy in range(ratio):
                    for ix in range(ratio):
                        y, xx = y1 + ph * bh + (iy + 0.5) * bh / ratio, x1 + pw * bw + (ix + 0.5) * bw / ratio
                        if y < -1 or y > height or xx < -1 or xx > width:
                            vals.append(np.zeros(channels))
                            continue
                        y, xx = max(y, 0.0), max(xx, 0.0)
                        yl, xl = int(y), int(xx)
                        yh, xh = yl + 1, xl + 1
                        if yl >= height - 1:
                            yl = yh = height - 1
                            y = float(yl)
                        if xl >= width - 1:
                            xl = xh = width - 1
                            xx = float(xl)
                        ly, lx = y - yl, xx - xl
                        corners = [(1 - ly) * (1 - lx) * img[:, yl, xl], (1 - ly) * lx * img[:, yl, xh],
                                   ly * (1 - lx) * img[:, yh, xl], ly * lx * img[:, yh, xh]]
                        vals.append(np.sum(corners, 0) if mode == "avg" else np.max(corners, 0))
                out[r, :, ph, pw] = np.mean(vals, 0) if mode == "avg" else np.max(vals, 0)
    return out.astype(np.float32)


def linear_attention_ref(q, k, v, past, decay, beta, hq, hkv, rule):
    """LinearAttention-27 step by step (state (B, Hkv, dk, dv), float64)."""
    b, t, _ = q.shape
    dk = q.shape[2] // hq
    qh, kh, vh = q.reshape(b, t, hq, dk), k.reshape(b, t, hkv, dk), v.reshape(b, t, hkv, -1)
    s = past.astype(np.float64).copy()
    out = np.zeros((b, t, hq, vh.shape[3]))
    for step in range(t):
        kt, vt = kh[:, step], vh[:, step]
        if rule in ("gated", "gated_delta"):
            s *= np.exp(decay[:, step])[:, :, None, None]
        if rule in ("delta", "gated_delta"):
            retrieved = np.einsum("bhkv,bhk->bhv", s, kt)
            s += beta[:, step][:, :, None, None] * np.einsum("bhk,bhv->bhkv", kt, vt - retrieved)
        else:
            s += np.einsum("bhk,bhv->bhkv", kt, vt)
        rep = np.repeat(s, hq // hkv, axis=1)
        out[:, step] = np.einsum("bhk,bhkv->bhv", qh[:, step], rep) / np.sqrt(dk)
    return out.reshape(b, t, -1).astype(np.float32), s.astype(np.float32)


def cases():
    """(name, model, inputs, expected outputs[, extra onnxc flags])."""
    out = old_ir_cnn()
    # Attention-23: 4-D GQA with a bool mask and softcap; 3-D with past KV and causal.
    q, k, v = rand(2, 4, 3, 8), rand(2, 2, 5, 8), rand(2, 2, 5, 6)
    mask = RNG.random((3, 5)) > 0.3
    mask[:, 0] = True
    y, _ = attention_ref(q, k, v, mask=mask, softcap=2.0)
    out.append(("attention_gqa_mask_softcap", one("Attention", [("q", q), ("k", k), ("v", v), ("m", mask)],
                                                  [("y", y)], 23, softcap=2.0), [q, k, v, mask], [y]))
    q, k, v = rand(1, 3, 12), rand(1, 3, 12), rand(1, 3, 12)
    pk, pv = rand(1, 3, 2, 4), rand(1, 3, 2, 4)
    y, (prk, prv) = attention_ref(q, k, v, past=(pk, pv), causal=True, q_heads=3, kv_heads=3, scale=0.3)
    node = helper.make_node("Attention", ["q", "k", "v", "", "pk", "pv"], ["y", "pk_out", "pv_out"], is_causal=1,
                            q_num_heads=3, kv_num_heads=3, scale=0.3)
    out.append(("attention_3d_past_causal",
                model([node], [("q", q), ("k", k), ("v", v)], [("y", y), ("pk_out", prk), ("pv_out", prv)], 23,
                      [("pk", pk), ("pv", pv)]), [q, k, v], [y, prk, prv]))
    # Additive float mask.
    q, k, v = rand(1, 2, 4, 4), rand(1, 2, 4, 4), rand(1, 2, 4, 4)
    fmask = rand(4, 4)
    y, _ = attention_ref(q, k, v, mask=fmask)
    out.append(("attention_float_mask", one("Attention", [("q", q), ("k", k), ("v", v), ("m", fmask)], [("y", y)], 24),
                [q, k, v, fmask], [y]))
    # RotaryEmbedding-23: 4-D halves with position ids, 3-D interleaved partial.
    x = rand(2, 2, 3, 8)
    cos, sin = np.cos(rand(10, 4)), np.sin(rand(10, 4))
    pos = RNG.integers(0, 10, (2, 3)).astype(np.int64)
    y = rotary_ref(x, cos, sin, pos, False)
    out.append(("rotary_4d", one("RotaryEmbedding", [("x", x), ("c", cos), ("s", sin), ("p", pos)], [("y", y)], 23),
                [x, cos, sin, pos], [y]))
    x = rand(2, 3, 12)
    y = rotary_ref(x, cos, sin, pos, True, rot_dim=4, heads=2)
    out.append(("rotary_3d_interleaved_partial",
                one("RotaryEmbedding", [("x", x), ("c", cos), ("s", sin), ("p", pos)], [("y", y)], 23, interleaved=1,
                    rotary_embedding_dim=4, num_heads=2), [x, cos, sin, pos], [y]))
    # RMSNormalization-23, GroupNormalization-21 (torch), Swish-24, SwiGLU-28.
    x, scale = rand(2, 3, 8), rand(8)
    y = (x / np.sqrt(np.mean(x * x, -1, keepdims=True) + 1e-5) * scale).astype(np.float32)
    out.append(("rms_normalization", one("RMSNormalization", [("x", x), ("s", scale)], [("y", y)], 23), [x, scale], [y]))
    x, gs, gb = rand(2, 6, 3, 3), rand(6), rand(6)
    y = torch.nn.functional.group_norm(torch.from_numpy(x), 3, torch.from_numpy(gs), torch.from_numpy(gb),
                                       1e-5).numpy()
    out.append(("group_normalization_21", one("GroupNormalization", [("x", x), ("s", gs), ("b", gb)], [("y", y)], 21,
                                              num_groups=3), [x, gs, gb], [y]))
    x = rand(3, 5)
    y = (x / (1 + np.exp(-0.7 * x))).astype(np.float32)
    out.append(("swish", one("Swish", [("x", x)], [("y", y)], 24, alpha=0.7), [x], [y]))
    b = rand(3, 5)
    out.append(("swiglu", one("SwiGLU", [("a", x), ("b", b)], [("y", x / (1 + np.exp(-x)) * b)], 28),
                [x, b], [(x / (1 + np.exp(-x)) * b).astype(np.float32)]))
    # GroupNormalization-18 (scale and bias per group), Gelu-20 (exact and tanh).
    x, gs, gb = rand(2, 6, 4), rand(3), rand(3)
    grouped = x.reshape(2, 3, -1)
    norm = ((grouped - grouped.mean(-1, keepdims=True)) / np.sqrt(grouped.var(-1, keepdims=True) + 1e-5)).reshape(x.shape)
    want = (norm * np.repeat(gs, 2)[None, :, None] + np.repeat(gb, 2)[None, :, None]).astype(np.float32)
    out.append(("group_normalization_18", one("GroupNormalization", [("x", x), ("s", gs), ("b", gb)], [("y", want)], 18,
                                              num_groups=3), [x, gs, gb], [want]))
    x = rand(4, 5) * 3
    erf = np.vectorize(math.erf)
    exact = (0.5 * x * (1 + erf(x / math.sqrt(2)))).astype(np.float32)
    approx = (0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))).astype(np.float32)
    out.append(("gelu_exact", one("Gelu", [("x", x)], [("y", exact)], 20), [x], [exact]))
    out.append(("gelu_tanh", one("Gelu", [("x", x)], [("y", approx)], 20, approximate="tanh"), [x], [approx]))
    # CausalConvWithState-27 (silu, with a past state); DFT-20 with the axis as an input.
    x, w, bias, past = rand(2, 3, 5), rand(3, 1, 3), rand(3), rand(2, 3, 2)
    padded = np.concatenate([past, x], 2)
    conv = np.stack([sum(w[None, :, 0, j, None] * padded[:, :, j:j + 5] for j in range(3))], 0)[0] + bias[None, :, None]
    y = (conv / (1 + np.exp(-conv))).astype(np.float32)
    out.append(("causal_conv_with_state",
                one("CausalConvWithState", [("x", x), ("w", w), ("b", bias), ("p", past)],
                    [("y", y), ("present", padded[:, :, -2:])], 27, activation="silu"),
                [x, w, bias, past], [y, padded[:, :, -2:].copy()]))
    sig = rand(2, 6, 1)
    spec = np.fft.fft(sig[..., 0], axis=1)
    want = np.stack([spec.real, spec.imag], -1).astype(np.float32)
    out.append(("dft_20_axis_input", one("DFT", [("x", sig)], [("y", want)], 20,
                                         inits=[("len", np.array(6, np.int64)), ("axis", np.array(1, np.int64))]),
                [sig], [want]))
    # LinearAttention-27: gated_delta with GQA (4 query heads on 2 KV heads), and linear.
    q, k, v = rand(2, 5, 4 * 3), rand(2, 5, 2 * 3) * 0.5, rand(2, 5, 2 * 4)
    past, decay, beta = rand(2, 2, 3, 4), -np.abs(rand(2, 5, 2)), 1 / (1 + np.exp(-rand(2, 5, 2)))
    y, state = linear_attention_ref(q, k, v, past, decay, beta, 4, 2, "gated_delta")
    out.append(("linear_attention_gated_delta",
                one("LinearAttention", [("q", q), ("k", k), ("v", v), ("p", past), ("d", decay), ("b", beta)],
                    [("y", y), ("s", state)], 27, q_num_heads=4, kv_num_heads=2, update_rule="gated_delta"),
                [q, k, v, past, decay, beta], [y, state]))
    y, state = linear_attention_ref(q, k, v, np.zeros((2, 2, 3, 4), np.float32), None, None, 4, 2, "linear")
    out.append(("linear_attention_linear",
                one("LinearAttention", [("q", q), ("k", k), ("v", v)], [("y", y), ("s", state)], 27, q_num_heads=4,
                    kv_num_heads=2, update_rule="linear"), [q, k, v], [y, state]))
    # TensorScatter-24 (circular), CumProd-26, Bitwise-18.
    cache, upd = rand(2, 6, 3), rand(2, 2, 3)
    idx = np.array([1, 5], np.int64)
    want = cache.copy()
    for bi in range(2):
        for s in range(2):
            want[bi, (idx[bi] + s) % 6] = upd[bi, s]
    out.append(("tensor_scatter_circular", one("TensorScatter", [("c", cache), ("u", upd), ("i", idx)], [("y", want)],
                                               24, mode="circular"), [cache, upd, idx], [want]))
    x = rand(3, 4)
    want = np.array([[np.prod(r[j + 1:]) for j in range(4)] for r in x], np.float32)  # exclusive, reversed
    out.append(("cumprod_exclusive_reverse", one("CumProd", [("x", x)], [("y", want)], 26,
                                                 inits=[("axis", np.array(1, np.int64))], exclusive=1, reverse=1),
                [x], [want]))
    a, bb = RNG.integers(-100, 100, (4, 3)).astype(np.int32), RNG.integers(-100, 100, (3,)).astype(np.int32)
    for op, fn in [("BitwiseAnd", np.bitwise_and), ("BitwiseOr", np.bitwise_or), ("BitwiseXor", np.bitwise_xor)]:
        out.append((op.lower(), one(op, [("a", a), ("b", bb)], [("y", fn(a, bb))], 18), [a, bb], [fn(a, bb)]))
    u = RNG.integers(0, 255, (5,)).astype(np.uint8)
    out.append(("bitwise_not_u8", one("BitwiseNot", [("x", u)], [("y", ~u)], 18), [u], [~u]))
    # LpPool-18 (p=3, padded), LpNormalization, CenterCropPad, AffineGrid (torch), Col2Im (torch fold).
    x = rand(1, 2, 5, 5)
    pad = np.pad(np.abs(x) ** 3, ((0, 0), (0, 0), (1, 1), (1, 1)))
    want = np.zeros((1, 2, 3, 3), np.float32)
    for i in range(3):
        for j in range(3):
            want[:, :, i, j] = pad[:, :, 2 * i:2 * i + 3, 2 * j:2 * j + 3].sum((2, 3)) ** (1 / 3)
    out.append(("lp_pool_p3", one("LpPool", [("x", x)], [("y", want)], 18, kernel_shape=[3, 3], strides=[2, 2],
                                  pads=[1, 1, 1, 1], p=3), [x], [want]))
    x = rand(3, 4)
    want = (x / np.abs(x).sum(0, keepdims=True)).astype(np.float32)
    out.append(("lp_normalization_l1", one("LpNormalization", [("x", x)], [("y", want)], 18, axis=0, p=1), [x], [want]))
    x = rand(5, 4, 3)
    want = np.pad(x[1:4], ((0, 0), (0, 0), (1, 2)))  # crop 5 -> 3 (start 1), pad 3 -> 6 (1 before, 2 after)
    out.append(("center_crop_pad", one("CenterCropPad", [("x", x)], [("y", want)], 18,
                                       inits=[("shape", np.array([3, 6], np.int64))], axes=[0, 2]), [x], [want]))
    theta = rand(2, 2, 3)
    for ac in (0, 1):
        want = torch.nn.functional.affine_grid(torch.from_numpy(theta), [2, 3, 4, 5], align_corners=bool(ac)).numpy()
        out.append((f"affine_grid_ac{ac}", one("AffineGrid", [("t", theta)], [("y", want)], 20,
                                               inits=[("size", np.array([2, 3, 4, 5], np.int64))], align_corners=ac),
                    [theta], [want]))
    cols = rand(2, 2 * 2 * 3, 12)
    want = torch.nn.functional.fold(torch.from_numpy(cols), (5, 6), (2, 3), dilation=(1, 1), padding=(1, 0),
                                    stride=(2, 1)).numpy()
    out.append(("col2im", one("Col2Im", [("x", cols)], [("y", want)], 18,
                              inits=[("image", np.array([5, 6], np.int64)), ("block", np.array([2, 3], np.int64))],
                              pads=[1, 0, 1, 0], strides=[2, 1]), [cols], [want]))
    # Det: random, singular and pivot-needing (zero leading entry) 5x5 matrices.
    mats = rand(3, 5, 5)
    mats[1, 4] = mats[1, 0] * 2  # singular
    mats[2, 0, 0] = 0
    want = np.linalg.det(mats.astype(np.float64)).astype(np.float32)
    out.append(("det_5x5", one("Det", [("x", mats)], [("y", want)], 11), [mats], [want]))
    # MaxPool's Indices output against torch (whose indices count within each plane).
    x = rand(2, 3, 7, 6)
    yt, it = torch.nn.functional.max_pool2d(torch.from_numpy(x), (3, 2), stride=(2, 2), padding=(1, 1),
                                            dilation=(1, 2), ceil_mode=True, return_indices=True)
    plane = np.arange(6).reshape(2, 3, 1, 1) * 7 * 6
    want_i = it.numpy() + plane
    node = helper.make_node("MaxPool", ["x"], ["y", "i"], kernel_shape=[3, 2], strides=[2, 2], pads=[1, 1, 1, 1],
                            dilations=[1, 2], ceil_mode=1)
    out.append(("maxpool_indices", model([node], [("x", x)], [("y", yt.numpy()), ("i", want_i)], 12), [x],
                [yt.numpy(), want_i]))
    # BitCast-26: the same bits under another type of the same width.
    x = rand(2, 3)
    out.append(("bitcast_f32_i32", one("BitCast", [("x", x)], [("y", x.view(np.int32))], 26, to=TensorProto.INT32),
                [x], [x.view(np.int32)]))
    xi = RNG.integers(-128, 127, (5,)).astype(np.int8)
    out.append(("bitcast_i8_u8", one("BitCast", [("x", xi)], [("y", xi.view(np.uint8))], 26, to=TensorProto.UINT8),
                [xi], [xi.view(np.uint8)]))
    # FlexAttention (ai.onnx.preview): GQA, a score_mod graph that adds an outer-scope
    # bias and masks causally, a prob_mod graph that scales.
    q, k, v = rand(1, 4, 3, 8), rand(1, 2, 5, 8), rand(1, 2, 5, 6)
    bias = rand(3, 5)
    causal = np.tril(np.ones((3, 5), bool), 2)
    score_mod = helper.make_graph(
        [helper.make_node("Add", ["s", "bias"], ["sb"]),
         helper.make_node("Where", ["causal", "sb", "neg"], ["so"])], "score_mod",
        [helper.make_tensor_value_info("s", TensorProto.FLOAT, [1, 4, 3, 5])],
        [helper.make_tensor_value_info("so", TensorProto.FLOAT, [1, 4, 3, 5])],
        [numpy_helper.from_array(np.array(-np.inf, np.float32), "neg")])
    prob_mod = helper.make_graph(
        [helper.make_node("Mul", ["p", "half"], ["po"])], "prob_mod",
        [helper.make_tensor_value_info("p", TensorProto.FLOAT, [1, 4, 3, 5])],
        [helper.make_tensor_value_info("po", TensorProto.FLOAT, [1, 4, 3, 5])],
        [numpy_helper.from_array(np.array(0.5, np.float32), "half")])
    node = helper.make_node("FlexAttention", ["q", "k", "v"], ["y"], domain="ai.onnx.preview", scale=0.3,
                            score_mod=score_mod, prob_mod=prob_mod)
    kr, vr = np.repeat(k, 2, axis=1), np.repeat(v, 2, axis=1)
    s_ = np.where(causal, q @ kr.transpose(0, 1, 3, 2) * 0.3 + bias, -np.inf)
    y = (softmax(s_) * 0.5) @ vr
    vi = lambda name, a: helper.make_tensor_value_info(name, TensorProto.FLOAT if a.dtype == np.float32 else TensorProto.BOOL, list(a.shape))  # noqa: E731,E501
    g = helper.make_graph([node], "g", [vi("q", q), vi("k", k), vi("v", v)], [vi("y", y)],
                          [numpy_helper.from_array(bias, "bias"), numpy_helper.from_array(causal, "causal")])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 26), helper.make_opsetid("ai.onnx.preview", 1)])
    m.ir_version = 12
    out.append(("flex_attention_gqa_mods", m, [q, k, v], [y.astype(np.float32)]))
    # RoiAlign-16 in both modes; boxes reach past the image.
    x = rand(2, 3, 6, 7)
    rois = np.array([[0.5, 1.0, 5.5, 4.0], [-1.0, -2.0, 3.0, 2.5], [2.0, 2.0, 9.0, 8.0]], np.float32)
    bidx = np.array([1, 0, 1], np.int64)
    for mode in ("avg", "max"):
        want = roi_align_ref(x, rois, bidx, 3, 2, 2, 0.8, mode)
        out.append((f"roi_align_{mode}", one("RoiAlign", [("x", x), ("r", rois), ("b", bidx)], [("y", want)], 16,
                                             mode=mode, output_height=3, output_width=2, sampling_ratio=2,
                                             spatial_scale=0.8), [x, rois, bidx], [want]))
    # Sizes past the compile-time constants (computed at run time): a 5000-point Hann
    # window, a 10000-element Range, a 2048-point real DFT.
    k = np.arange(5000)
    out.append(("hann_window_large", one("HannWindow", [], [("y", (0.5 - 0.5 * np.cos(2 * np.pi * k / 5000)).astype(np.float32))],
                                         17, inits=[("n", np.array(5000, np.int64))]), [],
                [(0.5 - 0.5 * np.cos(2 * np.pi * k / 5000)).astype(np.float32)]))
    out.append(("range_large", one("Range", [], [("y", np.arange(10000, dtype=np.float32))], 11,
                                   inits=[("a", np.array(-3.0, np.float32)), ("b", np.array(2497.0, np.float32)),
                                          ("d", np.array(0.25, np.float32))]), [],
                [(-3.0 + np.arange(10000) * 0.25).astype(np.float32)]))
    sig = rand(1, 2048, 1)
    spec = np.fft.rfft(sig[0, :, 0].astype(np.float64))
    want = np.stack([spec.real, spec.imag], -1)[None].astype(np.float32)
    out.append(("dft_2048_onesided", one("DFT", [("x", sig)], [("y", want)], 20, onesided=1,
                                         inits=[("len", np.array(2048, np.int64)), ("ax", np.array(1, np.int64))]),
                [sig], [want]))
    # DeformConv-19 against torchvision's deform_conv2d: groups, offset groups, stride,
    # padding, dilation and a mask; offsets reach outside the image.
    from torchvision.ops import deform_conv2d
    x, w, b = rand(2, 4, 7, 6), rand(6, 2, 3, 2), rand(6)
    offset = rand(2, 2 * 3 * 2 * 2, 4, 3) * 2.5
    mask = RNG.random((2, 2 * 3 * 2, 4, 3)).astype(np.float32)
    want = deform_conv2d(torch.from_numpy(x), torch.from_numpy(offset), torch.from_numpy(w), torch.from_numpy(b),
                         stride=(2, 2), padding=(1, 1), dilation=(1, 2), mask=torch.from_numpy(mask)).numpy()
    out.append(("deform_conv", one("DeformConv", [("x", x), ("w", w), ("o", offset), ("b", b), ("m", mask)], [("y", want)],
                                   19, group=2, offset_group=2, strides=[2, 2], pads=[1, 1, 1, 1], dilations=[1, 2]),
                [x, w, offset, b, mask], [want]))
    x, w, offset = rand(1, 3, 5, 5), rand(2, 3, 2, 2), rand(1, 2 * 4, 4, 4)
    want = deform_conv2d(torch.from_numpy(x), torch.from_numpy(offset), torch.from_numpy(w)).numpy()
    out.append(("deform_conv_plain", one("DeformConv", [("x", x), ("w", w), ("o", offset)], [("y", want)], 19),
                [x, w, offset], [want]))
    # Outputs sized at run time (through NAME_run_dynamic): NonZero, Compress, Unique
    # (numpy), NonMaxSuppression (torchvision's nms per class).
    x = (RNG.random((3, 4)) > 0.6).astype(np.float32) * rand(3, 4)
    want = np.array(np.nonzero(x), np.int64)
    out.append(("nonzero", one("NonZero", [("x", x)], [("y", want)], 13), [x], [want]))
    cond = np.array([True, False, True, True, False])
    x = rand(4, 5, 2)
    want = np.compress(cond, x, axis=1)
    out.append(("compress_axis1", one("Compress", [("x", x), ("c", cond)], [("y", want)], 11, axis=1), [x, cond], [want]))
    xi = RNG.integers(-3, 4, (12,)).astype(np.int64)
    u, idx, inv, cnt = np.unique(xi, return_index=True, return_inverse=True, return_counts=True)
    out.append(("unique_sorted", one("Unique", [("x", xi)], [("y", u), ("i", idx), ("v", inv), ("n", cnt)], 11),
                [xi], [u, idx.astype(np.int64), inv.astype(np.int64), cnt.astype(np.int64)]))
    rows = RNG.integers(0, 2, (6, 3)).astype(np.float32)
    u, idx, inv, cnt = np.unique(rows, axis=0, return_index=True, return_inverse=True, return_counts=True)
    out.append(("unique_axis0", one("Unique", [("x", rows)], [("y", u), ("i", idx), ("v", inv), ("n", cnt)], 11,
                                    axis=0), [rows], [u, idx.astype(np.int64), inv.reshape(-1).astype(np.int64),
                                                      cnt.astype(np.int64)]))
    # sorted = 0 along an axis: the unique slices in order of first occurrence.
    rows = RNG.integers(0, 3, (9, 2)).astype(np.int64)
    u, idx, inv, cnt = np.unique(rows, axis=0, return_index=True, return_inverse=True, return_counts=True)
    order = np.argsort(idx, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    out.append(("unique_axis0_unsorted", one("Unique", [("x", rows)], [("y", u), ("i", idx), ("v", inv), ("n", cnt)], 11,
                                             axis=0, sorted=0),
                [rows], [u[order], idx[order].astype(np.int64), rank[inv.reshape(-1)].astype(np.int64),
                         cnt[order].astype(np.int64)]))
    from torchvision.ops import nms
    xy = RNG.random((2, 20, 2)).astype(np.float32) * 10
    boxes = np.concatenate([xy, xy + 1 + RNG.random((2, 20, 2)).astype(np.float32) * 4], 2)  # x1 y1 x2 y2
    scores = RNG.random((2, 3, 20)).astype(np.float32)
    sel = []
    for b in range(2):
        for cl in range(3):
            keep_mask = scores[b, cl] > 0.2
            ids = np.flatnonzero(keep_mask)
            kept = nms(torch.from_numpy(boxes[b, ids]), torch.from_numpy(scores[b, cl, ids]), 0.4).numpy()[:5]
            sel += [[b, cl, int(ids[k])] for k in kept]
    want = np.array(sel, np.int64)
    yxyx = boxes[..., [1, 0, 3, 2]].copy()  # ONNX's default corner order (y1, x1, y2, x2)
    out.append(("nms", one("NonMaxSuppression", [("b", yxyx), ("s", scores)], [("y", want)], 11,
                           inits=[("m", np.array([5], np.int64)), ("iou", np.array([0.4], np.float32)),
                                  ("thr", np.array([0.2], np.float32))]), [yxyx, scores], [want]))
    # Control flow: If on a run-time condition; a Loop whose condition ends it early
    # (x doubled while the sum stays below a limit, at most 6 times); Scan with reversed input.
    x = rand(2, 3)
    flag = np.array(True)
    then_g = helper.make_graph([helper.make_node("Add", ["x", "x"], ["t"])], "then", [],
                               [helper.make_tensor_value_info("t", TensorProto.FLOAT, [2, 3])])
    else_g = helper.make_graph([helper.make_node("Neg", ["x"], ["e"])], "else", [],
                               [helper.make_tensor_value_info("e", TensorProto.FLOAT, [2, 3])])
    m = model([helper.make_node("If", ["c"], ["y"], then_branch=then_g, else_branch=else_g)],
              [("c", flag), ("x", x)], [("y", x)], 16)
    out.append(("if_runtime_true", m, [flag, x], [x + x]))
    out.append(("if_runtime_false", m, [np.array(False), x], [-x]))
    x = np.abs(rand(4)) + 0.1
    limit = np.float32(20.0)
    body = helper.make_graph(
        [helper.make_node("Add", ["v", "v"], ["v2"]), helper.make_node("ReduceSum", ["v2"], ["s"], keepdims=0),
         helper.make_node("Less", ["s", "lim"], ["go"])], "body",
        [helper.make_tensor_value_info("i", TensorProto.INT64, []), helper.make_tensor_value_info("c", TensorProto.BOOL, []),
         helper.make_tensor_value_info("v", TensorProto.FLOAT, [4])],
        [helper.make_tensor_value_info("go", TensorProto.BOOL, []), helper.make_tensor_value_info("v2", TensorProto.FLOAT, [4])])
    m = model([helper.make_node("Loop", ["m", "", "x"], ["y"], body=body)], [("x", x)], [("y", x)], 16,
              [("m", np.array(6, np.int64)), ("lim", np.array(limit))])
    want, steps = x.copy(), 0
    while steps < 6:
        want = want * 2
        steps += 1
        if not want.sum() < limit:
            break
    out.append(("loop_runtime_condition", m, [x], [want]))
    # The same with a scan output: as long as the steps that ran (known at run time).
    body_scan = helper.make_graph(list(body.node) + [helper.make_node("Identity", ["v2"], ["row"])], "body",
                                  list(body.input), list(body.output) + [helper.make_tensor_value_info("row", TensorProto.FLOAT, [4])])
    m = model([helper.make_node("Loop", ["m", "", "x"], ["y", "rows"], body=body_scan)], [("x", x)],
              [("y", x), ("rows", np.zeros((steps, 4), np.float32))], 16,
              [("m", np.array(6, np.int64)), ("lim", np.array(limit))])
    out.append(("loop_runtime_condition_scan", m, [x], [want, np.stack([x * 2 ** (k + 1) for k in range(steps)])]))
    # A trip count known only at run time, bounded by --max-trip-count: acc = 2 acc + i.
    body = helper.make_graph(
        [helper.make_node("Cast", ["i"], ["fi"], to=TensorProto.FLOAT), helper.make_node("Add", ["acc", "acc"], ["a2"]),
         helper.make_node("Add", ["a2", "fi"], ["acc2"]), helper.make_node("Identity", ["c"], ["go"]),
         helper.make_node("Identity", ["acc2"], ["row"])], "body",
        [helper.make_tensor_value_info("i", TensorProto.INT64, []), helper.make_tensor_value_info("c", TensorProto.BOOL, []),
         helper.make_tensor_value_info("acc", TensorProto.FLOAT, [3])],
        [helper.make_tensor_value_info("go", TensorProto.BOOL, []), helper.make_tensor_value_info("acc2", TensorProto.FLOAT, [3]),
         helper.make_tensor_value_info("row", TensorProto.FLOAT, [3])])
    acc0 = rand(3)
    for trips in (3, 0):
        rows, acc = [], acc0.copy()
        for i in range(trips):
            acc = acc * 2 + i
            rows.append(acc)
        m = model([helper.make_node("Loop", ["m", "", "acc"], ["y", "rows"], body=body)],
                  [("m", np.array(trips, np.int64)), ("acc", acc0)],
                  [("y", acc0), ("rows", np.zeros((trips, 3), np.float32))], 16)
        out.append((f"loop_runtime_trip_count_{trips}", m, [np.array(trips, np.int64), acc0],
                    [acc, np.array(rows, np.float32).reshape(trips, 3)], ["--max-trip-count=5"]))
    seq = rand(5, 3)
    body = helper.make_graph([helper.make_node("Add", ["acc", "row"], ["acc2"]),
                              helper.make_node("Identity", ["acc2"], ["out"])], "body",
                             [helper.make_tensor_value_info("acc", TensorProto.FLOAT, [3]),
                              helper.make_tensor_value_info("row", TensorProto.FLOAT, [3])],
                             [helper.make_tensor_value_info("acc2", TensorProto.FLOAT, [3]),
                              helper.make_tensor_value_info("out", TensorProto.FLOAT, [3])])
    init = np.zeros(3, np.float32)
    m = model([helper.make_node("Scan", ["init", "seq"], ["final", "running"], body=body, num_scan_inputs=1,
                                scan_input_directions=[1], scan_output_axes=[1])],
              [("init", init), ("seq", seq)], [("final", init), ("running", seq.T)], 16)
    running = np.cumsum(seq[::-1], 0)
    out.append(("scan_reverse", m, [init, seq], [running[-1], running.T.copy()]))
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    model_test.add_probe_args(ap)
    ap.add_argument("--filter", default="")
    args = ap.parse_args(argv)
    model_test.use_toolchain(args.target, args)
    failures = 0
    for name, m, inputs, wants, *flags in cases():
        if args.filter not in name:
            continue
        _, outs = model_test.run_probe(m.SerializeToString(), [np.ascontiguousarray(v) for v in inputs], len(wants),
                                       os.path.join(args.workdir, name), args, flags[0] if flags else ())
        for i, want in enumerate(wants):
            want = np.ascontiguousarray(want).reshape(-1)
            got = np.fromfile(outs[i], dtype=want.dtype.newbyteorder("<"))
            if np.issubdtype(want.dtype, np.floating):
                tol = 1e-4 * np.abs(want) + 1e-5 * (np.abs(want).max() if want.size else 0)
                ok = got.size == want.size and bool(np.all(np.abs(got - want) <= tol))
            else:
                ok = got.size == want.size and bool(np.all(got == want))
            if not ok:
                failures += 1
                err = np.abs(got - want).max() if got.size == want.size else f"size {got.size} vs {want.size}"
                print(f"FAIL {name} [{args.target}] output {i}: max error {err}")
            else:
                print(f"ok   {name} [{args.target}] output {i}: {want.size} values")
    if failures:
        raise SystemExit(f"{failures} outputs differ from the reference")
    print("all new-op cases match")


if __name__ == "__main__":
    main()
