# Edge-value probes: one-node Pow/Div/Mod models on negative, zero and extreme inputs, and graphs that once gave wrong values, compared with numpy/Python.
"""Each probe is a one-node model whose two inputs hold the edge cases; onnxc
compiles it for the target, the e2e harness runs it, and every output element
must equal the reference: Python's exact integer arithmetic (wrapped to the
type) and numpy's float math. Integer division and remainder by zero give 0
(numpy's answer), INT_MIN / -1 wraps to INT_MIN; nothing may trap. The graph
probes are models that once compiled to wrong values (kept as regressions)."""
import argparse
import math
import os
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import model_test  # noqa: E402

ONNX_TYPES = {np.float32: TensorProto.FLOAT, np.float64: TensorProto.DOUBLE, np.int32: TensorProto.INT32,
              np.int64: TensorProto.INT64, np.uint8: TensorProto.UINT8, np.int8: TensorProto.INT8}


def wrap(v, dtype):
    info = np.iinfo(dtype)
    span = info.max - info.min + 1
    return (v - info.min) % span + info.min


def int_pow(x, e, dtype):
    if e < 0:
        return 1 if x == 1 else (-1 if e % 2 else 1) if x == -1 else 0
    return wrap(x ** e, dtype)


def int_div(x, y, dtype):
    if y == 0:
        return 0
    q = abs(x) // abs(y)
    return wrap(q if (x < 0) == (y < 0) else -q, dtype)


def int_rem(x, y, fmod, dtype):
    if y == 0:
        return 0
    if fmod:  # C: the sign of the dividend
        return wrap(x - int_div(x, y, dtype) * y, dtype) if not (x == np.iinfo(dtype).min and y == -1) else 0
    return wrap(x % y, dtype)  # Python: the sign of the divisor


def probes():
    """(name, op, attrs, dtype, x, y, expected)."""
    out = []
    i32min, i64min = np.iinfo(np.int32).min, np.iinfo(np.int64).min
    for dt in (np.float32, np.float64):
        x = np.array([-2, -3, 0, 2, -2, -8, 4, 1, 0, -0.5, -1.5, 2, -2, 10], dt)
        e = np.array([3, 2, 0, 0.5, 0.5, 1 / 3, -1, np.nan, -1, -3, 2, 64, 65, -2], dt)
        x = np.append(x, np.array([1.0001, -1.5, 2, 3], dt))
        e = np.append(e, np.array([5000.5, 2049, 0.75, -2.5], dt))
        with np.errstate(all="ignore"):
            out.append((f"pow_{np.dtype(dt).name}", "Pow", {}, dt, x, e, np.power(x, e)))
    for dt in (np.int32, np.int64):
        pairs = [(5, 3), (-2, 3), (-3, 2), (0, 0), (2, 31), (-7, 5), (3, 40), (-1, -3), (1, -2), (2, -1), (7, 1)]
        x = np.array([p[0] for p in pairs], dt)
        e = np.array([p[1] for p in pairs], dt)
        out.append((f"pow_{np.dtype(dt).name}", "Pow", {}, dt, x, e,
                    np.array([int_pow(int(a), int(b), dt) for a, b in pairs], dt)))
    for dt, mn in ((np.int32, i32min), (np.int64, i64min), (np.int8, -128)):
        pairs = [(7, 2), (-7, 2), (7, -2), (-7, -2), (mn, -1), (5, 0), (0, 0), (-5, 0), (mn, 1), (mn, 0)]
        x = np.array([p[0] for p in pairs], dt)
        y = np.array([p[1] for p in pairs], dt)
        out.append((f"div_{np.dtype(dt).name}", "Div", {}, dt, x, y,
                    np.array([int_div(int(a), int(b), dt) for a, b in pairs], dt)))
        for fmod in (0, 1):
            out.append((f"mod{fmod}_{np.dtype(dt).name}", "Mod", {"fmod": fmod}, dt, x, y,
                        np.array([int_rem(int(a), int(b), fmod, dt) for a, b in pairs], dt)))
    x = np.array([7, 255, 0, 9], np.uint8)
    y = np.array([2, 0, 0, 255], np.uint8)
    out.append(("div_uint8", "Div", {}, np.uint8, x, y, np.array([3, 0, 0, 0], np.uint8)))
    out.append(("mod_uint8", "Mod", {}, np.uint8, x, y, np.array([1, 0, 0, 9], np.uint8)))
    return out


def one_node(op, attrs, dt, n):
    t = ONNX_TYPES[dt]
    node = helper.make_node(op, ["x", "y"], ["z"], name="n", **attrs)
    return helper.make_graph([node], "g", [helper.make_tensor_value_info(i, t, [n]) for i in ("x", "y")],
                             [helper.make_tensor_value_info("z", t, [n])])


def graph_probes():
    """(name, graph, inputs, expected output)."""
    out = []
    # Einsum "ab->ba" (a generic that accumulates into its zeroed output) feeding a
    # broadcasting Expand: fused, it accumulated once per broadcast row.
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    shape = numpy_helper.from_array(np.array([4, 3, 2], np.int64), "shape")
    g = helper.make_graph([helper.make_node("Einsum", ["x"], ["t"], name="e", equation="ab->ba"),
                           helper.make_node("Expand", ["t", "shape"], ["z"], name="b")], "g",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])],
                          [helper.make_tensor_value_info("z", TensorProto.FLOAT, [4, 3, 2])], [shape])
    out.append(("einsum_transpose_expand", g, [x], np.broadcast_to(x.T, (4, 3, 2))))
    # A large ConstantOfShape (weights given as a fill) was refused; it must compile
    # without a copy of the splat (checked by size) and give the right values.
    x = (np.arange(1000) % 7).astype(np.float32).reshape(1, 1000)
    shape = numpy_helper.from_array(np.array([1000, 2048], np.int64), "shape")
    g = helper.make_graph([helper.make_node("ConstantOfShape", ["shape"], ["w"], name="c",
                                            value=helper.make_tensor("v", TensorProto.FLOAT, [1], [0.5])),
                           helper.make_node("MatMul", ["x", "w"], ["z"], name="m")], "g",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1000])],
                          [helper.make_tensor_value_info("z", TensorProto.FLOAT, [1, 2048])], [shape])
    out.append(("large_constant_of_shape", g, [x], np.full((1, 2048), x.sum() * 0.5, np.float32)))
    # Reductions on unsigned and integer types were refused; values per the reference
    # implementation (numpy in a wide type, cast back).
    u8 = np.array([[200, 100, 7], [0, 255, 3]], np.uint8)
    i32 = np.array([[3, -4, 12], [1, 0, 0]], np.int32)
    for name, op, x, attrs, want in [
            ("reduce_sum_u8", "ReduceSum", u8, {"keepdims": 0}, np.array(u8.sum(dtype=np.uint64), np.uint8)),
            ("reduce_max_u8", "ReduceMax", u8, {"axes": [1]}, u8.max(axis=1, keepdims=True)),
            ("reduce_min_u8", "ReduceMin", u8, {"axes": [1]}, u8.min(axis=1, keepdims=True)),
            ("argmax_u8", "ArgMax", u8, {"axis": 1}, np.argmax(u8, axis=1).reshape(2, 1).astype(np.int64)),
            ("argmin_u8", "ArgMin", u8, {"axis": 0}, np.argmin(u8, axis=0).reshape(1, 3).astype(np.int64)),
            ("reduce_mean_u8", "ReduceMean", u8, {"axes": [1]},
             np.mean(u8.astype(np.float64), axis=1, keepdims=True).astype(np.uint8)),
            ("reduce_mean_i8", "ReduceMean", np.array([[-7, -8], [127, 127]], np.int8), {"axes": [1]},
             np.array([[-7], [127]], np.int8)),
            ("reduce_l2_i32", "ReduceL2", i32, {"axes": [1]},
             np.sqrt(np.sum(np.square(i32.astype(np.float64)), axis=1, keepdims=True)).astype(np.int32)),
            ("reduce_logsum_i32", "ReduceLogSum", np.abs(i32) + 1, {"axes": [1]},
             np.log(np.sum(np.abs(i32) + 1, axis=1, keepdims=True).astype(np.float64)).astype(np.int32))]:
        elem = ONNX_TYPES[x.dtype.type]
        g = helper.make_graph([helper.make_node(op, ["x"], ["z"], name="n", **attrs)], "g",
                              [helper.make_tensor_value_info("x", elem, list(x.shape))],
                              [helper.make_tensor_value_info("z", ONNX_TYPES[want.dtype.type], list(want.shape))])
        out.append((name, g, [x], want))
    # f64 transcendentals expanded without libm: within 4 ulp of numpy, the special
    # values exact (overflow to inf, underflow to subnormals and 0, NaN, log of 0 and < 0).
    with np.errstate(all="ignore"):
        ex = np.array([0, 1, -1, 0.5, 1e-300, 20.5, -20.5, 700, 709.7, 709.8, -708, -740, -745.2, 1e308,
                       -np.inf, np.inf, np.nan, 3.3e-5, -3.3e-5, 88.7], np.float64)
        lx = np.array([1, 2, 0.5, 1e-310, 5e-324, 2.2250738585072014e-308, 1e308, 1.7976931348623157e308, 0, -0.0,
                       -1, np.inf, np.nan, 1 + 1e-12, 1 - 1e-12, 0.7071067811865476, 1.4142135623730951, 3e-5],
                      np.float64)
        erf_x = np.concatenate([np.linspace(-7, 7, 1401), [0.0, -0.0, 5e-324, 0.5, 1.2, 6.0, np.inf, -np.inf, np.nan]])
        for op, x, want in [("Exp", ex, np.exp(ex)), ("Log", lx, np.log(lx)),
                            ("Softplus", ex[ex < 700], np.log1p(np.exp(ex[ex < 700]))),
                            ("Tanh", ex, np.tanh(ex)), ("Sigmoid", ex, 1 / (1 + np.exp(-ex))),
                            ("Erf", erf_x, np.array([math.erf(v) if v == v else v for v in erf_x]))]:
            g = helper.make_graph([helper.make_node(op, ["x"], ["z"], name="n")], "g",
                                  [helper.make_tensor_value_info("x", TensorProto.DOUBLE, [len(x)])],
                                  [helper.make_tensor_value_info("z", TensorProto.DOUBLE, [len(x)])])
            out.append((f"{op.lower()}_float64", g, [x], want))
    out += large_kernel_pools()
    out += graphfuzz_regressions()
    return out


def pool2d(x, kernel, strides, dilations, pads, mode, count_include_pad=0):
    """numpy reference of a 2-D MaxPool/AveragePool (ceil_mode 0) on [N, C, H, W]."""
    h, w = x.shape[2:]
    span = [(k - 1) * d + 1 for k, d in zip(kernel, dilations)]
    oh = (h + pads[0] + pads[2] - span[0]) // strides[0] + 1
    ow = (w + pads[1] + pads[3] - span[1]) // strides[1] + 1
    y = np.zeros(x.shape[:2] + (oh, ow), x.dtype)
    for i in range(oh):
        for j in range(ow):
            rows = [i * strides[0] + a * dilations[0] - pads[0] for a in range(kernel[0])]
            cols = [j * strides[1] + b * dilations[1] - pads[1] for b in range(kernel[1])]
            inside = [(r, c) for r in rows for c in cols if 0 <= r < h and 0 <= c < w]
            vals = np.stack([x[:, :, r, c] for r, c in inside], -1)
            if mode == "MaxPool":
                y[:, :, i, j] = vals.max(-1)
            else:
                padded = [(r, c) for r in rows for c in cols
                          if -pads[0] <= r < h + pads[2] and -pads[1] <= c < w + pads[3]]
                y[:, :, i, j] = vals.sum(-1) / (len(padded) if count_include_pad else len(inside))
    return y


def large_kernel_pools():
    """Pools of more than 64 taps reduce in a loop nest (not one slice per tap)."""
    out = []
    x = np.random.default_rng(7).standard_normal((1, 3, 23, 21)).astype(np.float32)
    for name, op, kernel, strides, dil, pads, cip in [
            ("maxpool_9x9_dilated", "MaxPool", [9, 9], [2, 3], [2, 1], [4, 3, 5, 2], 0),
            ("avgpool_10x10", "AveragePool", [10, 10], [3, 2], [1, 1], [2, 4, 3, 1], 0),
            ("avgpool_10x10_include_pad", "AveragePool", [10, 10], [3, 2], [1, 1], [2, 4, 3, 1], 1)]:
        attrs = {"kernel_shape": kernel, "strides": strides, "pads": pads}
        if op == "MaxPool":
            attrs["dilations"] = dil
        else:
            attrs["count_include_pad"] = cip
        want = pool2d(x, kernel, strides, dil, pads, op, cip)
        g = helper.make_graph([helper.make_node(op, ["x"], ["z"], name="p", **attrs)], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(x.shape))],
                              [helper.make_tensor_value_info("z", TensorProto.FLOAT, list(want.shape))])
        out.append((name, g, [x], want))
    return out


def graphfuzz_regressions():
    """Graphs the differential tester (test/graphfuzz) found miscompiled, minimized."""
    out = []
    vi = helper.make_tensor_value_info
    # Cast of a folded constant bool to int32 gave -1 for true.
    flags = np.array([True, False, True, True, False, True])
    g = helper.make_graph([helper.make_node("Cast", ["c"], ["z"], to=TensorProto.INT32)], "g", [],
                          [vi("z", TensorProto.INT32, [6])], [numpy_helper.from_array(flags, "c")])
    out.append(("cast_constant_bool", g, [], flags.astype(np.int32)))
    # A constant bool Where fused after a Gemm with bias read its condition as packed bits.
    a = np.array([[0.91983867]], np.float32)
    x = np.array([[-1.1284072], [-1.1284072], [-2.2341707]], np.float32)
    b = np.array([[-0.6288, -0.4686, -1.2381, -1.4919, 0.5356, -1.7966]], np.float32)
    bias = np.array([[0.1928], [0.4387], [-0.1184]], np.float32)
    cond = np.array([[0, 1, 1, 0, 1, 0], [1, 0, 1, 0, 0, 1], [1, 1, 1, 0, 0, 1]], bool)
    g = helper.make_graph([helper.make_node("Gemm", ["x", "b", "bias"], ["v"], beta=0.5),
                           helper.make_node("Where", ["cond", "a", "v"], ["z"])], "g",
                          [vi("a", TensorProto.FLOAT, [1, 1]), vi("x", TensorProto.FLOAT, [3, 1])],
                          [vi("z", TensorProto.FLOAT, [3, 6])],
                          [numpy_helper.from_array(t, n) for t, n in ((b, "b"), (bias, "bias"), (cond, "cond"))])
    out.append(("gemm_bias_where_bool", g, [a, x], np.where(cond, a, x @ b + 0.5 * bias).astype(np.float32)))
    # Negative pads crop (they were refused).
    x = np.arange(45, dtype=np.float32).reshape(5, 3, 3)
    pads = numpy_helper.from_array(np.array([0, -1, 0, 0, 0, 1], np.int64), "pads")
    g = helper.make_graph([helper.make_node("Pad", ["x", "pads", "v"], ["z"])], "g",
                          [vi("x", TensorProto.FLOAT, [5, 3, 3])], [vi("z", TensorProto.FLOAT, [5, 2, 4])],
                          [pads, numpy_helper.from_array(np.array(0.25, np.float32), "v")])
    out.append(("pad_negative", g, [x], np.pad(x[:, 1:, :], ((0, 0), (0, 0), (0, 1)), constant_values=0.25)))
    # Resize with sizes making a 49-long axis 1 long: x_original = 0 (49 * (1/49) is not 1 in double).
    x = np.arange(98, dtype=np.float32).reshape(49, 2)
    sizes = numpy_helper.from_array(np.array([1, 2], np.int64), "sizes")
    g = helper.make_graph([helper.make_node("Resize", ["x", "", "", "sizes"], ["z"], mode="linear",
                                            coordinate_transformation_mode="pytorch_half_pixel")], "g",
                          [vi("x", TensorProto.FLOAT, [49, 2])], [vi("z", TensorProto.FLOAT, [1, 2])], [sizes])
    out.append(("resize_sizes_to_one", g, [x], x[:1]))
    return out


def same(got, want, x, y, op):
    """Integers and integral powers (|e| < 2048, square and multiply) exactly; other
    float results within powf's accuracy; NaN where numpy gives NaN."""
    if not np.issubdtype(want.dtype, np.floating):
        return got == want
    both_nan = np.isnan(got) & np.isnan(want)
    exact = np.isfinite(y) & (np.trunc(y) == y) & (np.abs(y) < 2048) if op == "Pow" else np.ones(len(y), bool)
    rtol = 2e-6 if want.dtype == np.float32 else 1e-13
    with np.errstate(all="ignore"):
        close = np.isfinite(want) & (np.abs(got - want) <= rtol * np.abs(want))
    return both_nan | (got == want) | (~exact & close)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    model_test.add_probe_args(ap)
    args = ap.parse_args(argv)
    model_test.use_toolchain(args.target, args)
    cases = [(name, one_node(op, attrs, dt, len(x)), [x, y], want, (x, y, op))
             for name, op, attrs, dt, x, y, want in probes()]
    cases += [(name, g, ins, want, None) for name, g, ins, want in graph_probes()]
    failures = 0
    for name, graph, inputs, want, operands in cases:
        opset = 13 if name.startswith(("reduce_", "argm")) else 18  # axes as an attribute
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)]).SerializeToString()
        obj, (out,) = model_test.run_probe(model, inputs, 1, os.path.join(args.workdir, name), args)
        if os.path.getsize(obj) > 1 << 20:
            failures += 1
            print(f"FAIL {name} [{args.target}]: a {os.path.getsize(obj)}-byte object (a splat copied in?)")
        want = np.ascontiguousarray(want).reshape(-1)
        got = np.fromfile(out, dtype=want.dtype.newbyteorder("<"))
        if operands:
            ok = same(got, want, *operands)
        elif want.dtype == np.float64:  # the f64 math probes: 4 ulp
            with np.errstate(all="ignore"):
                ok = (got == want) | (np.isnan(got) & np.isnan(want)) | \
                    (np.isfinite(want) & (np.abs(got - want) <= 4 * np.spacing(np.abs(want))))
        elif want.dtype == np.float32:  # graph probes: float32 arithmetic in any order
            ok = np.abs(got - want) <= 1e-6 * np.abs(want).max() if got.size == want.size else np.zeros(1, bool)
        else:
            ok = got == want
        if got.size != want.size or not ok.all():
            failures += 1
            for i in np.flatnonzero(~ok)[:10] if got.size == want.size else []:
                where = f"{operands[2]}({operands[0][i]!r}, {operands[1][i]!r})" if operands else f"[{i}]"
                print(f"FAIL {name} [{args.target}]: {where} = {got[i]!r}, expected {want[i]!r}")
        else:
            print(f"ok   {name} [{args.target}]: {want.size} values")
    if failures:
        raise SystemExit(f"{failures} probes gave wrong values")
    print("all probes match")


if __name__ == "__main__":
    main()
