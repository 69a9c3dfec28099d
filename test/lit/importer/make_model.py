# Writes small ONNX models (valid and deliberately broken) for the importer lit tests.
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def conv_relu():
    rng = np.random.default_rng(0)
    w = numpy_helper.from_array(rng.standard_normal((4, 3, 3, 3)).astype(np.float32), "w")
    b = numpy_helper.from_array(np.zeros(4, np.float32), "b")
    nodes = [
        helper.make_node("Conv", ["x", "w", "b"], ["c"], name="conv1", pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c"], ["y"], name="relu1"),
    ]
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4, 8, 8])], [w, b])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])


def linear():
    rng = np.random.default_rng(1)
    w = numpy_helper.from_array(rng.standard_normal((64, 128)).astype(np.float32), "w")
    b = numpy_helper.from_array(rng.standard_normal(64).astype(np.float32), "b")
    nodes = [helper.make_node("Gemm", ["x", "w", "b"], ["y"], name="fc", transB=1)]
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4, 128])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4, 64])], [w, b])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])


def conv_block():
    """Convs big enough for the GPU's tensor cores, and a residual Add + Relu between
    workspace buffers (16-byte accesses)."""
    rng = np.random.default_rng(0)
    init = [numpy_helper.from_array(rng.standard_normal(shape).astype(np.float32), name)
            for name, shape in [("w1", (32, 16, 3, 3)), ("b1", (32,)), ("w2", (32, 32, 1, 1)), ("w3", (8, 32, 1, 1))]]
    nodes = [
        helper.make_node("Conv", ["x", "w1", "b1"], ["c"], name="conv1", pads=[1, 1, 1, 1]),
        helper.make_node("Conv", ["c", "w2"], ["d"], name="conv2"),
        helper.make_node("Add", ["c", "d"], ["s"], name="add"),
        helper.make_node("Relu", ["s"], ["r"], name="relu"),
        helper.make_node("Conv", ["r", "w3"], ["y"], name="conv3"),
    ]
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 16, 16, 16])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 8, 16, 16])], init)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])


def single(op, inputs, outputs, shape=(2, 3), opset=13, **attrs):
    nodes = [helper.make_node(op, inputs, outputs, name="n0", **attrs)]
    ins = [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(shape))]
    outs = [helper.make_tensor_value_info(o, TensorProto.FLOAT, None) for o in outputs]
    g = helper.make_graph(nodes, "g", ins, outs)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])


def dynamic_input():
    g = helper.make_graph([helper.make_node("Relu", ["x"], ["y"], name="r")], "g",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 3])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])


def softmax_v11():
    return single("Softmax", ["x"], ["y"], shape=(2, 3, 4), opset=11, axis=1)


def reduce_v11():
    return single("ReduceMean", ["x"], ["y"], shape=(2, 3, 4), opset=11, axes=[1], keepdims=0)


def gru_activations_v7():
    """An opset 7 GRU with initializer weights, a string-list attribute and alphas."""
    rng = np.random.default_rng(2)
    w = numpy_helper.from_array(rng.standard_normal((1, 15, 4)).astype(np.float32), "w")
    r = numpy_helper.from_array(rng.standard_normal((1, 15, 5)).astype(np.float32), "r")
    nodes = [helper.make_node("GRU", ["x", "w", "r"], ["", "y"], name="gru", hidden_size=5,
                              activations=["HardSigmoid", "LeakyRelu"], activation_alpha=[0.3, 0.1],
                              linear_before_reset=1)]
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [3, 2, 4])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], [w, r])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 7)])


def with_consts(op, consts, shape=(2, 3, 4), opset=18, outputs=("y",), **attrs):
    """One `op` node fed by x and constant int64 inputs (the opset 18+ forms)."""
    nodes, names = [], ["x"]
    for i, values in enumerate(consts):
        if values is None:
            names.append("")
            continue
        names.append(f"c{i}")
        nodes.append(helper.make_node("Constant", [], [f"c{i}"], name=f"const{i}",
                                      value=numpy_helper.from_array(np.array(values, np.int64))))
    nodes.append(helper.make_node(op, names, list(outputs), name="n0", **attrs))
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(shape))],
                          [helper.make_tensor_value_info(o, TensorProto.FLOAT, None) for o in outputs])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])


def resize(consts, shape=(1, 1, 4, 4), opset=18, op="Resize", graph_input=None, **attrs):
    """One `op` node on x whose other inputs are constants: a list of None
    (omitted) or float (roi, scales) / int (sizes) values; `graph_input`
    names an input index fed by a float graph input instead."""
    nodes, names = [], ["x"]
    ins = [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(shape))]
    for i, values in enumerate(consts):
        if i == graph_input:
            names.append("s")
            ins.append(helper.make_tensor_value_info("s", TensorProto.FLOAT, [len(values)]))
            continue
        if values is None:
            names.append("")
            continue
        names.append(f"c{i}")
        dtype = np.int64 if all(isinstance(v, int) for v in values) and values else np.float32
        nodes.append(helper.make_node("Constant", [], [f"c{i}"], name=f"const{i}",
                                      value=numpy_helper.from_array(np.array(values, dtype))))
    nodes.append(helper.make_node(op, names, ["y"], name="n0", **attrs))
    g = helper.make_graph(nodes, "g", ins, [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])


def shape_arith():
    # Shape -> Gather -> Concat -> Reshape, as PyTorch exports x.view(x.size(0), -1).
    nodes = [
        helper.make_node("Shape", ["x"], ["s"], name="shape"),
        helper.make_node("Constant", [], ["i"], name="c0", value=numpy_helper.from_array(np.array(0, np.int64))),
        helper.make_node("Gather", ["s", "i"], ["d"], name="gather", axis=0),
        helper.make_node("Unsqueeze", ["d"], ["du"], name="unsq", axes=[0]),
        helper.make_node("Constant", [], ["m"], name="c1", value=numpy_helper.from_array(np.array([-1], np.int64))),
        helper.make_node("Concat", ["du", "m"], ["shape2"], name="concat", axis=0),
        helper.make_node("Reshape", ["x", "shape2"], ["y"], name="reshape"),
    ]
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3, 4])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 11)])


def graph_model(nodes, inputs, outputs, opset=13):
    """A model from nodes and (name, elem_type, shape) inputs/outputs."""
    vi = helper.make_tensor_value_info
    g = helper.make_graph(nodes, "g", [vi(*i) for i in inputs], [vi(*o) for o in outputs])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])


def reshape_by_input():
    return graph_model([helper.make_node("Reshape", ["x", "shape"], ["y"], name="n0")],
                       [("x", TensorProto.FLOAT, [2, 3]), ("shape", TensorProto.INT64, [2])],
                       [("y", TensorProto.FLOAT, None)])


def range_from_input():
    nodes = [helper.make_node("Cast", ["n"], ["limit"], name="n0", to=TensorProto.FLOAT),
             helper.make_node("Range", ["start", "limit", "delta"], ["y"], name="n1")]
    consts = [numpy_helper.from_array(np.array(v, np.float32), k) for k, v in (("start", 0), ("delta", 1))]
    m = graph_model(nodes, [("n", TensorProto.INT64, [])], [("y", TensorProto.FLOAT, None)], opset=13)
    m.graph.initializer.extend(consts)
    return m


def quantize():
    scale = numpy_helper.from_array(np.array(0.5, np.float32), "scale")
    zp = numpy_helper.from_array(np.array(3, np.int8), "zp")
    m = graph_model([helper.make_node("QuantizeLinear", ["x", "scale", "zp"], ["y"], name="n0")],
                    [("x", TensorProto.FLOAT, [2, 3])], [("y", TensorProto.INT8, None)])
    m.graph.initializer.extend([scale, zp])
    return m


def control_flow(kind, opset=16):
    """If with a constant or run-time condition, Loop with a constant or run-time trip
    count, Scan: the bodies double their input."""
    f = TensorProto.FLOAT
    vi = helper.make_tensor_value_info
    x = vi("x", f, [3])
    if kind.startswith("if"):
        branch = lambda op, out: helper.make_graph([helper.make_node(op, ["x", "x"], [out])], out, [],  # noqa: E731
                                                   [vi(out, f, [3])])
        cond = [numpy_helper.from_array(np.array(True), "c")] if kind == "if_const" else []
        g = helper.make_graph([helper.make_node("If", ["c"], ["y"], name="if1", then_branch=branch("Add", "t"),
                                                else_branch=branch("Mul", "e"))], "g",
                              [x] + ([] if cond else [vi("c", TensorProto.BOOL, [])]), [vi("y", f, [3])], cond)
    elif kind.startswith("loop"):
        body = helper.make_graph([helper.make_node("Add", ["v", "v"], ["v2"]), helper.make_node("Identity", ["c"], ["c2"])],
                                 "body", [vi("i", TensorProto.INT64, []), vi("c", TensorProto.BOOL, []), vi("v", f, [3])],
                                 [vi("c2", TensorProto.BOOL, []), vi("v2", f, [3])])
        trip = [numpy_helper.from_array(np.array(3, np.int64), "m")] if kind == "loop_const" else []
        g = helper.make_graph([helper.make_node("Loop", ["m", "", "x"], ["y"], name="loop1", body=body)], "g",
                              [x] + ([] if trip else [vi("m", TensorProto.INT64, [])]), [vi("y", f, [3])], trip)
    else:
        body = helper.make_graph([helper.make_node("Add", ["s", "r"], ["s2"]), helper.make_node("Add", ["r", "r"], ["o"])],
                                 "body", [vi("s", f, [3]), vi("r", f, [3])], [vi("s2", f, [3]), vi("o", f, [3])])
        g = helper.make_graph([helper.make_node("Scan", ["x", "seq"], ["y", "outs"], name="scan1", body=body,
                                                num_scan_inputs=1)], "g", [x, vi("seq", f, [2, 3])],
                              [vi("y", f, [3]), vi("outs", f, [2, 3])])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])


def newest_opset_op(op, ins, attrs=None, opset=28, ir=13, elem=TensorProto.FLOAT):
    """One node of a newer opset; inputs (name, shape), the output shaped like the first."""
    vi = helper.make_tensor_value_info
    g = helper.make_graph([helper.make_node(op, [n for n, _ in ins], ["y"], name="n1", **(attrs or {}))], "g",
                          [vi(n, elem, s) for n, s in ins], [vi("y", elem, ins[0][1])])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = ir
    return m


MODELS = {
    "if_const": lambda: control_flow("if_const"),
    "if_runtime": lambda: control_flow("if_runtime"),
    "loop_const": lambda: control_flow("loop_const"),
    "loop_runtime": lambda: control_flow("loop_runtime"),
    "scan": lambda: control_flow("scan"),
    "relu_opset28": lambda: newest_opset_op("Relu", [("x", [2, 3])]),
    "swiglu_opset28": lambda: newest_opset_op("SwiGLU", [("a", [2, 3]), ("b", [2, 3])]),
    "attention_opset24": lambda: newest_opset_op("Attention", [("q", [1, 2, 3, 4]), ("k", [1, 2, 3, 4]),
                                                               ("v", [1, 2, 3, 4])], {"is_causal": 1}, opset=24),
    "bitcast_opset26": lambda: newest_opset_op("BitCast", [("x", [2])], {"to": 6}, opset=26),
    "deform_conv_opset19": lambda: newest_opset_op("DeformConv", [("x", [1, 1, 3, 3]), ("w", [1, 1, 2, 2]),
                                                                  ("o", [1, 8, 2, 2])], opset=19),
    "image_decoder_opset20": lambda: newest_opset_op("ImageDecoder", [("x", [16])], opset=20, elem=2),
    "float8_input": lambda: newest_opset_op("Identity", [("x", [2])], opset=21, elem=17),
    "float8_relu": lambda: newest_opset_op("Relu", [("x", [2])], opset=21, elem=17),
    "shape_arith": shape_arith,
    "conv_relu": conv_relu,
    "conv_block": conv_block,
    "linear": linear,
    "unsupported_op": lambda: single("FancyOp", ["x"], ["y"]),
    "undefined_input": lambda: single("Add", ["x", "nowhere"], ["y"]),
    "bad_perm": lambda: single("Transpose", ["x"], ["y"], perm=[0, 0]),
    "dynamic_input": dynamic_input,
    "softmax_v11": softmax_v11,
    "reduce_v11": reduce_v11,
    "gru_activations_v7": gru_activations_v7,
    "reduce_l2_v18": lambda: with_consts("ReduceL2", [[-1]], keepdims=0),
    "reduce_empty_axes_noop_v18": lambda: with_consts("ReduceSum", [[]], noop_with_empty_axes=1),
    "split_num_outputs_v18": lambda: with_consts("Split", [], outputs=("a", "b"), axis=2, num_outputs=2),
    "split_uneven_v18": lambda: with_consts("Split", [], shape=(5,), outputs=("a", "b", "c"), num_outputs=3),
    "pad_axes_v18": lambda: with_consts("Pad", [[1, 2], None, [2]], mode="edge"),
    "reduce_max_v20": lambda: with_consts("ReduceMax", [[0, 2]], opset=20),
    "reshape_by_input": reshape_by_input,
    "range_from_input": range_from_input,
    "quantize": quantize,
    "add_f64": lambda: graph_model([helper.make_node("Add", ["x", "x"], ["y"], name="add0")],
                                   [("x", TensorProto.DOUBLE, [2, 3])], [("y", TensorProto.DOUBLE, [2, 3])]),
    "resize_not_larger_v18": lambda: resize([None, None, [7, 8]], shape=(1, 3, 4, 6), axes=[2, 3],
                                            keep_aspect_ratio_policy="not_larger", mode="linear"),
    "resize_not_smaller_v18": lambda: resize([None, None, [7, 8]], shape=(1, 3, 4, 6), axes=[-2, -1],
                                             keep_aspect_ratio_policy="not_smaller"),
    "resize_antialias_v18": lambda: resize([None, [0.5, 0.25]], shape=(1, 1, 8, 8), axes=[2, 3],
                                           antialias=1, mode="cubic"),
    "resize_symmetric_v19": lambda: resize([None, [1.0, 1.0, 0.7, 1.3]], shape=(1, 1, 5, 7), opset=19,
                                           coordinate_transformation_mode="half_pixel_symmetric",
                                           mode="linear"),
    "resize_crop_v18": lambda: resize([[0.1, 0.9], None, [3]], axes=[3], mode="linear",
                                      coordinate_transformation_mode="tf_crop_and_resize",
                                      extrapolation_value=1.5),
    "resize_v10": lambda: resize([[1.0, 1.0, 2.0, 1.5]], shape=(1, 1, 2, 2), opset=10),
    "upsample_v7": lambda: resize([], shape=(1, 1, 2, 2), opset=7, op="Upsample", scales=[1.0, 1.0, 2.0, 3.0],
                                  mode="linear"),
    "resize_scales_input": lambda: resize([None, [1.0, 1.0, 2.0, 2.0]], graph_input=1),
    "resize_scales_and_sizes": lambda: resize([None, [1.0, 1.0, 2.0, 2.0], [1, 1, 8, 8]]),
}

if __name__ == "__main__":
    name, path = sys.argv[1], sys.argv[2]
    if name == "garbage":
        with open(path, "wb") as f:
            f.write(bytes(range(256)) * 4)
    elif name == "empty":
        open(path, "wb").close()
    elif name == "shape_tensor":  # a TensorProto for --bind-input
        with open(path, "wb") as f:
            f.write(numpy_helper.from_array(np.array([3, 2], np.int64), "shape").SerializeToString())
    else:
        onnx.save(MODELS[name](), path)
