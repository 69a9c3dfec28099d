# End-to-end checks of the narrow types (float8, float4, e8m0, int4/uint4, int2/uint2) in Cast, CastLike, QuantizeLinear, DequantizeLinear, constants and data movement, against a numpy reference written from the ONNX spec.
"""The reference enumerates each format's codes from the ONNX definitions
(docs/technical/float8.md, float4.md, int4.md, int2.md and the Cast operator's
saturation table) and rounds by brute force: the nearest representable value,
ties to the even code. onnxc computes the same with bit arithmetic
(dialects/onnx/NarrowTypeLowering.cpp), so the two are independent. Narrow
outputs are compared as codes (any NaN code matches a NaN), sub-byte tensors
cross the C ABI packed, first element in the lowest bits."""
import argparse
import math
import os
import subprocess
import sys

import numpy as np
from onnx import TensorProto, helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import model_test  # noqa: E402

RNG = np.random.default_rng(77)
F32, I32, I64 = TensorProto.FLOAT, TensorProto.INT32, TensorProto.INT64
# code: (exponent bits, mantissa bits, bias, special codes)
FLOATS = {17: (4, 3, 7, "one_nan"), 18: (4, 3, 8, "unsigned_zero"), 19: (5, 2, 15, "ieee"),
          20: (5, 2, 16, "unsigned_zero"), 23: (2, 1, 1, "finite")}
E8M0 = 24
INTS = {21: (4, False), 22: (4, True), 25: (2, False), 26: (2, True)}
NAMES = {17: "e4m3fn", 18: "e4m3fnuz", 19: "e5m2", 20: "e5m2fnuz", 21: "uint4", 22: "int4", 23: "float4e2m1",
         24: "e8m0", 25: "uint2", 26: "int2"}


def bits_of(code):
    return 4 if code in (21, 22, 23) else 2 if code in (25, 26) else 8


def decode(code, fmt):
    """The value of one float code, from the format's definition."""
    if fmt == E8M0:
        return math.nan if code == 0xFF else 2.0 ** (code - 127)
    e, m, bias, special = FLOATS[fmt]
    sign, exp, man = (code >> (e + m)) & 1, (code >> m) & ((1 << e) - 1), code & ((1 << m) - 1)
    top = (1 << e) - 1
    if special == "unsigned_zero" and code == 1 << (e + m):
        return math.nan
    if special == "one_nan" and exp == top and man == (1 << m) - 1:
        return math.nan
    if special == "ieee" and exp == top:
        return math.nan if man else (-math.inf if sign else math.inf)
    v = 2.0 ** (1 - bias) * man / 2 ** m if exp == 0 else 2.0 ** (exp - bias) * (1 + man / 2 ** m)
    return -v if sign else v


def encode(x, fmt, saturate=True):
    """Cast float -> fmt: nearest value, ties to the even code, then ONNX's
    saturation table. Returns a code, or None for "any NaN"."""
    e, m, bias, special = FLOATS[fmt]
    sign_bit = 1 << (e + m)
    finite = [(decode(c, fmt), c) for c in range(sign_bit) if math.isfinite(decode(c, fmt))]
    top_value, top_code = max(finite)
    beyond = top_value + 2.0 ** (math.floor(math.log2(top_value)) - m)  # the next grid point: overflow
    if math.isnan(x):
        return top_code if special == "finite" else None
    a, negative = abs(x), math.copysign(1.0, x) < 0
    if math.isinf(a):
        code = "over"
    else:
        best = min(finite + [(beyond, top_code + 1)], key=lambda vc: (abs(vc[0] - a), vc[1] & 1))
        code = "over" if a >= beyond or best[1] == top_code + 1 else best[1]
    if code == "over":
        if saturate or special == "finite":
            code = top_code
        elif special == "ieee":
            code = ((1 << e) - 1) << m
        else:
            return None
    if special == "unsigned_zero" and code == 0:
        return 0
    return code | (sign_bit if negative else 0)


def encode_e8m0(x, saturate=True, mode="up"):
    if math.isnan(x):
        return 0xFF
    if x == 0:
        return 0 if saturate else 0xFF
    if math.isinf(x):
        return 254 if saturate else 0xFF
    e = math.floor(math.log2(x))
    frac = x / 2.0 ** e
    if mode == "up" and frac > 1:
        e += 1
    elif mode == "nearest" and frac >= 1.5:
        e += 1
    code = e + 127
    return min(code, 254) if saturate else (code if code <= 254 else 0xFF)


def wrap_int(v, fmt):
    bits, signed = INTS[fmt]
    low = int(v) & ((1 << bits) - 1)
    return (low ^ (1 << (bits - 1))) - (1 << (bits - 1)) if signed else low


def pack(values, bits):
    """Codes or values (any ints) packed as ONNX raw_data, first lowest."""
    per = 8 // bits
    v = [int(x) & ((1 << bits) - 1) for x in np.ravel(values)]
    v += [0] * (-len(v) % per)
    return np.array([sum(v[i + j] << (bits * j) for j in range(per)) for i in range(0, len(v), per)], np.uint8)


def unpack(data, bits, count, signed=False):
    per = 8 // bits
    out = [(int(data[i // per]) >> (bits * (i % per))) & ((1 << bits) - 1) for i in range(count)]
    if signed:
        out = [(x ^ (1 << (bits - 1))) - (1 << (bits - 1)) for x in out]
    return np.array(out, np.int64)


def stored(codes, fmt):
    """Codes as the C ABI carries them."""
    codes = np.asarray(codes, np.int64)
    return pack(codes, bits_of(fmt)) if bits_of(fmt) < 8 else codes.astype(np.uint8)


def graph(nodes, ins, outs, inits=(), opset=25):
    """ins/outs: [(name, elem code, shape)]."""
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info(n, t, s) for n, t, s in ins],
                          [helper.make_tensor_value_info(n, t, s) for n, t, s in outs], list(inits))
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 11
    return m


def raw_tensor(name, fmt, shape, codes):
    t = TensorProto()
    t.name, t.data_type = name, fmt
    t.dims.extend(shape)
    t.raw_data = stored(codes, fmt).tobytes()
    return t


def probe_floats(fmt):
    """Values around every code: the values, the midpoints (ties), just
    beside them, beyond the range, specials."""
    e, m, _, _ = FLOATS[fmt]
    values = sorted({abs(decode(c, fmt)) for c in range(1 << (e + m)) if math.isfinite(decode(c, fmt))})
    xs = []
    for a, b in zip(values, values[1:]):
        mid = (a + b) / 2
        xs += [a, mid, np.nextafter(np.float32(mid), np.float32(0)), np.nextafter(np.float32(mid), np.float32(1e9))]
    top = values[-1]
    xs += [top, top * 1.03, top * 1.2, top * 4, 1e30, 3.0e38, math.inf, math.nan, 0.0, -0.0, values[1] / 3,
           values[1] * 0.5, values[1] * 0.51]
    xs = np.array(xs, np.float32)
    xs = np.concatenate([xs, -xs[~np.isnan(xs)], RNG.standard_normal(64).astype(np.float32) * top / 4])
    return xs


def cases():
    out = []
    for fmt in FLOATS:
        x = probe_floats(fmt)
        for sat in (1, 0):
            if fmt == 23 and sat == 0:
                continue  # FLOAT4E2M1 always saturates
            want = [encode(float(v), fmt, bool(sat)) for v in x]
            m = graph([helper.make_node("Cast", ["x"], ["y"], to=fmt, saturate=sat)], [("x", F32, [len(x)])],
                      [("y", fmt, [len(x)])])
            out.append((f"cast_f32_to_{NAMES[fmt]}_sat{sat}", m, [x], [("codes", fmt, want)]))
        codes = np.arange(1 << bits_of(fmt))
        m = graph([helper.make_node("Cast", ["x"], ["y"], to=F32)], [("x", fmt, [len(codes)])], [("y", F32, [len(codes)])])
        out.append((f"cast_{NAMES[fmt]}_to_f32", m, [stored(codes, fmt)],
                    [("f32", None, np.array([decode(int(c), fmt) for c in codes], np.float32))]))
    # FLOAT8E8M0: the three rounding modes.
    x = np.array([1.0, 1.5, 1.25, 1.75, 3.0, 0.75, 2.0 ** -100, 2.0 ** 100 * 1.3, 0.0, math.inf, math.nan, 3e38,
                  1e-30, 6.0, 5.0, 2.0 ** 127, 2.0 ** -126], np.float32)
    for mode in ("up", "down", "nearest"):
        m = graph([helper.make_node("Cast", ["x"], ["y"], to=E8M0, round_mode=mode)], [("x", F32, [len(x)])],
                  [("y", E8M0, [len(x)])])
        out.append((f"cast_f32_to_e8m0_{mode}", m, [x], [("codes", E8M0, [encode_e8m0(float(v), True, mode) for v in x])]))
    codes = np.arange(256)
    m = graph([helper.make_node("Cast", ["x"], ["y"], to=F32)], [("x", E8M0, [256])], [("y", F32, [256])])
    out.append(("cast_e8m0_to_f32", m, [stored(codes, E8M0)],
                [("f32", None, np.array([decode(int(c), E8M0) for c in codes], np.float32))]))
    # Integers: round half to even, then keep the low bits (odd counts pad the last byte).
    xf = np.array([0.5, 1.5, 2.5, -0.5, -1.5, 7.0, 8.0, -8.0, -9.0, 15.0, 16.0, 17.4, -3.6, 100.0], np.float32)
    xi = np.array([0, 1, -1, 7, 8, -8, -9, 15, 16, 255, -256, 1000001, -7], np.int32)
    for fmt, (bits, signed) in INTS.items():
        for src, x in (("f32", xf), ("i32", xi)):
            want = [wrap_int(np.rint(v) if src == "f32" else v, fmt) for v in x]
            m = graph([helper.make_node("Cast", ["x"], ["y"], to=fmt)], [("x", F32 if src == "f32" else I32, [len(x)])],
                      [("y", fmt, [len(x)])])
            out.append((f"cast_{src}_to_{NAMES[fmt]}", m, [x], [("codes", fmt, want)]))
        values = np.array([wrap_int(v, fmt) for v in range(-(1 << bits), 1 << bits)] * 2 + [0], np.int64)
        m = graph([helper.make_node("Cast", ["x"], ["y"], to=I64)], [("x", fmt, [len(values)])], [("y", I64, [len(values)])])
        out.append((f"cast_{NAMES[fmt]}_to_i64", m, [pack(values, bits)], [("i64", None, values)]))
    # f64 sources round once (a value just past an f8 tie, closer than f32 can tell).
    xd = np.array([1.0625 + 2.0 ** -40, 1.0625 - 2.0 ** -40, -(1.0625 + 2.0 ** -40), 1.0625, 464.0 + 2.0 ** -30,
                   1e300, -1e-300, 0.0], np.float64)
    m = graph([helper.make_node("Cast", ["x"], ["y"], to=17)], [("x", TensorProto.DOUBLE, [len(xd)])], [("y", 17, [len(xd)])])
    out.append(("cast_f64_to_e4m3fn", m, [xd], [("codes", 17, [encode(float(v), 17) for v in xd])]))
    xd = np.array([2.5 + 2.0 ** -30, 2.5, -1.5 - 2.0 ** -35, 7.5 - 2.0 ** -40], np.float64)
    m = graph([helper.make_node("Cast", ["x"], ["y"], to=22)], [("x", TensorProto.DOUBLE, [len(xd)])], [("y", 22, [len(xd)])])
    out.append(("cast_f64_to_int4", m, [xd], [("codes", 22, [wrap_int(np.rint(v), 22) for v in xd])]))
    # float8 <-> float8 and float8 -> int4 go through float32.
    x = probe_floats(19)[:40]
    want = [encode(decode(encode(float(v), 19), 19), 17) if encode(float(v), 19) is not None else None for v in x]
    m = graph([helper.make_node("Cast", ["x"], ["a"], to=19), helper.make_node("Cast", ["a"], ["y"], to=17)],
              [("x", F32, [len(x)])], [("y", 17, [len(x)])])
    out.append(("cast_e5m2_to_e4m3fn", m, [x], [("codes", 17, want)]))
    # QuantizeLinear / DequantizeLinear: int4 per axis, blocked int4, uint2, e4m3fn.
    x = RNG.standard_normal((4, 6)).astype(np.float32) * 3
    scale = np.array([0.5, 0.25, 1.0, 0.4], np.float32)
    zp = np.array([1, -2, 0, 3])
    q = np.clip(np.rint(x / scale[:, None]) + zp[:, None], -8, 7)
    m = graph([helper.make_node("QuantizeLinear", ["x", "s", "z"], ["y"], axis=0)], [("x", F32, [4, 6])],
              [("y", 22, [4, 6])], [helper.make_tensor("s", F32, [4], scale), raw_tensor("z", 22, [4], zp)])
    out.append(("quantize_int4_per_axis", m, [x], [("codes", 22, q.ravel())]))
    bscale = (RNG.random((4, 2)) + 0.2).astype(np.float32)  # blocks of 4 along axis 1 (6 = 4 + 2)
    bzp = RNG.integers(-3, 4, (4, 2))
    rep = lambda a: np.repeat(a, 4, axis=1)[:, :6]  # noqa: E731
    q = np.clip(np.rint(x / rep(bscale)) + rep(bzp), -8, 7)
    m = graph([helper.make_node("QuantizeLinear", ["x", "s", "z"], ["y"], axis=1, block_size=4)], [("x", F32, [4, 6])],
              [("y", 22, [4, 6])], [helper.make_tensor("s", F32, [4, 2], bscale.ravel()), raw_tensor("z", 22, [4, 2], bzp)])
    out.append(("quantize_int4_blocked", m, [x], [("codes", 22, q.ravel())]))
    xq = RNG.integers(-8, 8, (4, 6))
    deq = (xq - rep(bzp)) * rep(bscale)
    m = graph([helper.make_node("DequantizeLinear", ["x", "s", "z"], ["y"], axis=1, block_size=4)], [("x", 22, [4, 6])],
              [("y", F32, [4, 6])], [helper.make_tensor("s", F32, [4, 2], bscale.ravel()), raw_tensor("z", 22, [4, 2], bzp)])
    out.append(("dequantize_int4_blocked", m, [pack(xq, 4)], [("f32", None, deq.astype(np.float32))]))
    # An int4 weight stored in the model (odd count), dequantized per tensor.
    w = RNG.integers(-8, 8, 7)
    m = graph([helper.make_node("DequantizeLinear", ["w", "s"], ["y"])], [], [("y", F32, [7])],
              [raw_tensor("w", 22, [7], w), helper.make_tensor("s", F32, [], [0.125])])
    out.append(("dequantize_int4_initializer", m, [], [("f32", None, (w * 0.125).astype(np.float32))]))
    q = np.clip(np.rint(x.ravel() / 2.0) + 1, 0, 3)
    m = graph([helper.make_node("QuantizeLinear", ["x", "s", "z"], ["y"])], [("x", F32, [4, 6])], [("y", 25, [4, 6])],
              [helper.make_tensor("s", F32, [], [2.0]), raw_tensor("z", 25, [], [1])])
    out.append(("quantize_uint2", m, [x], [("codes", 25, q)]))
    xs = np.concatenate([x.ravel() * 100, [1e9, -1e9]]).astype(np.float32)
    for sat in (1, 0):
        want = [encode(float(v) / 0.5, 17, bool(sat)) for v in xs]
        m = graph([helper.make_node("QuantizeLinear", ["x", "s", "z"], ["y"], saturate=sat)], [("x", F32, [len(xs)])],
                  [("y", 17, [len(xs)])], [helper.make_tensor("s", F32, [], [0.5]), raw_tensor("z", 17, [], [0])])
        out.append((f"quantize_e4m3fn_sat{sat}", m, [xs], [("codes", 17, want)]))
    codes = RNG.integers(0, 256, 24)
    codes[codes == 0x7F] = 1
    codes[codes == 0xFF] = 2
    m = graph([helper.make_node("DequantizeLinear", ["x", "s"], ["y"])], [("x", 17, [24])], [("y", F32, [24])],
              [helper.make_tensor("s", F32, [], [0.25])])
    out.append(("dequantize_e4m3fn", m, [stored(codes, 17)],
                [("f32", None, np.array([decode(int(c), 17) * 0.25 for c in codes], np.float32))]))
    # MX scales: FLOAT8E8M0 as DequantizeLinear's scale.
    codes = np.array([120, 127, 130, 135])
    xq = RNG.integers(-8, 8, (4, 3))
    m = graph([helper.make_node("DequantizeLinear", ["x", "s"], ["y"], axis=0)], [("x", 22, [4, 3])], [("y", F32, [4, 3])],
              [raw_tensor("s", E8M0, [4], codes)])
    out.append(("dequantize_int4_e8m0_scale", m, [pack(xq, 4)],
                [("f32", None, (xq * (2.0 ** (codes - 127))[:, None]).astype(np.float32))]))
    # QLinearMatMul-21 on float8: decoded, multiplied in f32, scaled, cast back with saturation.
    grid = [-2.0, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0, 3.0]
    av, bv = RNG.choice(grid, (2, 3)), RNG.choice(grid, (3, 4))
    a_codes, b_codes = [encode(v, 17) for v in av.ravel()], [encode(v, 17) for v in bv.ravel()]
    want = [encode(float(v), 17) for v in ((av @ bv) * (0.5 * 0.25 / 0.125) + 1.0).ravel()]
    f8 = lambda name, code: raw_tensor(name, 17, [], [code])  # noqa: E731
    m = graph([helper.make_node("QLinearMatMul", ["a", "as", "az", "b", "bs", "bz", "ys", "yz"], ["y"])],
              [("a", 17, [2, 3]), ("b", 17, [3, 4])], [("y", 17, [2, 4])],
              [helper.make_tensor("as", F32, [], [0.5]), f8("az", 0), helper.make_tensor("bs", F32, [], [0.25]),
               f8("bz", 0), helper.make_tensor("ys", F32, [], [0.125]), f8("yz", encode(1.0, 17))], opset=21)
    out.append(("qlinear_matmul_e4m3fn", m, [stored(a_codes, 17), stored(b_codes, 17)], [("codes", 17, want)]))
    # Data movement keeps codes; CastLike takes the narrow type of its second input.
    codes = RNG.integers(0, 16, (3, 5))
    m = graph([helper.make_node("Transpose", ["x"], ["t"], perm=[1, 0]), helper.make_node("Reshape", ["t", "shape"], ["y"])],
              [("x", 23, [3, 5])], [("y", 23, [15])], [helper.make_tensor("shape", I64, [1], [15])])
    out.append(("float4_transpose_reshape", m, [pack(codes, 4)], [("codes", 23, codes.T.ravel())]))
    x = probe_floats(18)[:30]
    m = graph([helper.make_node("CastLike", ["x", "like"], ["y"])], [("x", F32, [len(x)])], [("y", 18, [len(x)])],
              [raw_tensor("like", 18, [1], [0])])
    out.append(("castlike_e4m3fnuz", m, [x], [("codes", 18, [encode(float(v), 18) for v in x])]))
    m = graph([helper.make_node("ConstantOfShape", ["shape"], ["y"], value=raw_tensor("v", 26, [1], [-2]))],
              [], [("y", 26, [2, 3])], [helper.make_tensor("shape", I64, [2], [2, 3])])
    out.append(("constant_of_shape_int2", m, [], [("codes", 26, [-2] * 6)]))
    return out


def check(name, kind, fmt, want, path, target):
    if kind == "codes":
        count = len(want)
        raw = np.fromfile(path, np.uint8)
        got = unpack(raw, bits_of(fmt), count) if bits_of(fmt) < 8 else raw.astype(np.int64)
        mask = (1 << bits_of(fmt)) - 1
        bad = []
        for i, (g, w) in enumerate(zip(got, want)):
            if w is None:
                ok = math.isnan(decode(int(g), fmt))
            else:
                ok = int(g) == (int(w) & mask)
            if not ok:
                bad.append(i)
        if len(got) != count or bad:
            i = bad[0] if bad else 0
            return f"FAIL {name} [{target}]: {len(bad)} of {count} codes differ (first: #{i} got {int(got[i]):#x}, " \
                   f"want {'NaN' if want[i] is None else hex(int(want[i]) & mask)})"
        return f"ok   {name} [{target}]: {count} codes"
    want = np.asarray(want).ravel()
    got = np.fromfile(path, want.dtype.newbyteorder("<"))
    same = got.size == want.size and bool(np.all((got == want) | (np.isnan(got.astype(np.float64)) &
                                                                  np.isnan(want.astype(np.float64)))))
    if not same:
        return f"FAIL {name} [{target}]: values differ: got {got[:8]} want {want[:8]}"
    return f"ok   {name} [{target}]: {want.size} values"


def check_reference_with_ort(args):
    """Validates the reference itself against ONNX Runtime (--ort-node-modules):
    float32 -> Cast to each float8 type (both saturate modes) -> float32, and
    int4/uint4 QuantizeLinear -> DequantizeLinear, must give the values the
    reference's codes decode to."""
    import json
    dirs, wants = [], []
    for fmt in (17, 18, 19, 20):
        x = probe_floats(fmt)
        for sat in (1, 0):
            m = graph([helper.make_node("Cast", ["x"], ["c"], to=fmt, saturate=sat),
                       helper.make_node("Cast", ["c"], ["y"], to=F32)], [("x", F32, [len(x)])], [("y", F32, [len(x)])],
                      opset=21)
            codes = [encode(float(v), fmt, bool(sat)) for v in x]
            wants.append((f"{NAMES[fmt]} sat{sat}", np.array([math.nan if c is None else decode(c, fmt) for c in codes],
                                                            np.float32)))
            dirs.append((m, x))
    x = (RNG.standard_normal(64) * 6).astype(np.float32)
    for fmt in (21, 22):
        zp = 3 if fmt == 21 else -1
        m = graph([helper.make_node("QuantizeLinear", ["x", "s", "z"], ["q"]),
                   helper.make_node("DequantizeLinear", ["q", "s", "z"], ["y"])], [("x", F32, [64])], [("y", F32, [64])],
                  [helper.make_tensor("s", F32, [], [0.5]), raw_tensor("z", fmt, [], [zp])], opset=21)
        lo, hi = (0, 15) if fmt == 21 else (-8, 7)
        wants.append((f"{NAMES[fmt]} quantize", ((np.clip(np.rint(x / 0.5) + zp, lo, hi) - zp) * 0.5).astype(np.float32)))
        dirs.append((m, x))
    paths = []
    for i, (m, x) in enumerate(dirs):
        d = os.path.join(args.workdir, f"ort{i}")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "model.onnx"), "wb") as f:
            f.write(m.SerializeToString())
        x.tofile(os.path.join(d, "x.bin"))
        with open(os.path.join(d, "inputs.json"), "w") as f:
            json.dump([{"name": "x", "type": "float32", "dims": [len(x)], "file": "x.bin"}], f)
        paths.append(d)
    runner = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "graphfuzz", "ort_run.js")
    subprocess.run(["node", runner, "--node-modules", args.ort_node_modules] + paths, check=True)
    lines = []
    for d, (name, want) in zip(paths, wants):
        res = json.load(open(os.path.join(d, "ort.json")))
        if "error" in res:
            lines.append(f"FAIL reference vs ORT {name}: ORT: {res['error'][:200]}")
            continue
        got = np.fromfile(os.path.join(d, res["outputs"][0]["file"]), np.float32)
        same = (got == want) | (np.isnan(got) & np.isnan(want))
        lines.append(f"ok   reference vs ORT {name}: {got.size} values" if same.all() else
                     f"FAIL reference vs ORT {name}: {int((~same).sum())} differ, first x={dirs[paths.index(d)][1][~same][0]}"
                     f" ORT {got[~same][0]} reference {want[~same][0]}")
    return lines


def check_refusal(args):
    """An op that computes on narrow values is refused, naming the type."""
    m = graph([helper.make_node("Add", ["x", "x"], ["y"], name="add_f8")], [("x", 17, [4])], [("y", 17, [4])])
    path = os.path.join(args.workdir, "refused.onnx")
    with open(path, "wb") as f:
        f.write(m.SerializeToString())
    r = subprocess.run([args.onnxc, path, "-o", os.path.join(args.workdir, "refused.o")], capture_output=True, text=True)
    if r.returncode == 1 and "FLOAT8E4M3FN (17)" in r.stderr and "add_f8" in r.stderr:
        return "ok   Add on FLOAT8E4M3FN is refused: " + r.stderr.strip().splitlines()[0][:120]
    return f"FAIL Add on FLOAT8E4M3FN: exit {r.returncode}: {r.stderr.strip()[:300]}"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    model_test.add_probe_args(ap)
    ap.add_argument("--filter", default="")
    ap.add_argument("--ort-node-modules", help="also check the reference against ONNX Runtime (onnxruntime-node there)")
    args = ap.parse_args(argv)
    model_test.use_toolchain(args.target, args)
    os.makedirs(args.workdir, exist_ok=True)
    lines = [check_refusal(args)]
    if args.ort_node_modules:
        lines += check_reference_with_ort(args)
        print("\n".join(lines[1:]), flush=True)
    for name, m, inputs, wants in cases():
        if args.filter not in name:
            continue
        try:
            _, outs = model_test.run_probe(m.SerializeToString(), [np.ascontiguousarray(v) for v in inputs], len(wants),
                                           os.path.join(args.workdir, name), args)
        except model_test.StepError as e:
            lines.append(f"FAIL {name} [{args.target}]: {e.step}: {e.first_line}")
            print(lines[-1], flush=True)
            continue
        for (kind, fmt, want), path in zip(wants, outs):
            lines.append(check(name, kind, fmt, want, path, args.target))
            print(lines[-1], flush=True)
    failures = [l for l in lines if l.startswith("FAIL")]
    print(lines[0])
    if failures:
        raise SystemExit(f"{len(failures)} narrow-type checks failed")
    print("all narrow-type cases match the reference")


if __name__ == "__main__":
    main()
