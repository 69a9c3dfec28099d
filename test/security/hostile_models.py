# Generates malformed and hostile ONNX models, each with the error onnxc must give for it.
"""Every case is (name, builder, extra onnxc flags, expected stderr text).

A builder returns the model file's bytes (FILE_CASES builders get the
case's folder and write the files beside the model first) (most build a ModelProto and
serialize it; some write raw bytes). `None` as expected text means the model
must compile (names that could break the generated header); those cases also
compile the header with the C compiler.
"""
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

F, I64 = TensorProto.FLOAT, TensorProto.INT64


def vi(name, elem=F, shape=(2, 3)):
    return helper.make_tensor_value_info(name, elem, None if shape is None else list(shape))


def model(nodes, inputs=None, outputs=None, inits=(), opset=13, ir=8, domains=()):
    g = helper.make_graph(nodes, "g", inputs if inputs is not None else [vi("x")],
                          outputs if outputs is not None else [vi("y", shape=None)], list(inits))
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)] +
                          [helper.make_opsetid(d, 1) for d in domains])
    m.ir_version = ir
    return m.SerializeToString()


def node(op, ins, outs, name="n0", **attrs):
    return helper.make_node(op, ins, outs, name=name, **attrs)


def relu():
    return model([node("Relu", ["x"], ["y"])])


def const(name, array):
    return numpy_helper.from_array(np.asarray(array), name)


def bad_raw_data():
    t = const("w", np.zeros((2, 3), np.float32))
    t.raw_data = t.raw_data[:-4]  # 20 bytes for 6 floats
    return model([node("Add", ["x", "w"], ["y"])], inits=[t])


def undefined_dtype():
    t = const("w", np.zeros((2, 3), np.float32))
    t.data_type = 0
    return model([node("Add", ["x", "w"], ["y"])], inits=[t])


def external(location, **keys):
    t = TensorProto(name="w", data_type=F, dims=[2, 3])
    t.data_location = TensorProto.EXTERNAL
    t.external_data.add(key="location", value=location)
    for k, v in keys.items():
        t.external_data.add(key=k, value=str(v))
    return lambda: model([node("Add", ["x", "w"], ["y"])], inits=[t])


def loop_trip_count(trips):
    """A Loop whose constant trip count would unroll past --max-nodes."""
    body = helper.make_graph([node("Identity", ["c"], ["c2"]), node("Relu", ["v"], ["v2"])], "body",
                             [vi("i", TensorProto.INT64, ()), vi("c", TensorProto.BOOL, ()), vi("v")],
                             [vi("c2", TensorProto.BOOL, ()), vi("v2")])
    return lambda: model([node("Loop", ["m", "", "x"], ["y"], body=body)],
                         inits=[const("m", np.array(trips, np.int64))])


def nested_ifs(depth):
    def branch(level):
        if level == 0:
            return helper.make_graph([node("Identity", ["x"], ["o"], name=f"leaf{level}")], "b", [],
                                     [vi("o", shape=None)])
        return helper.make_graph([node("If", ["c"], ["o"], name=f"if{level}", then_branch=branch(level - 1),
                                       else_branch=branch(0))], "b", [], [vi("o", shape=None)])
    return lambda: model([node("If", ["c"], ["y"], then_branch=branch(depth), else_branch=branch(0))],
                         inputs=[vi("x"), vi("c", TensorProto.BOOL, ())])


# Text that breaks the header's compile wherever it would become code: a line of
# its own (#error), outside a comment (_Static_assert), inside a string literal.
INJECTED = 'y\n#error injected\n*/ _Static_assert(0, "injected"); /* "\\'


def header_names(name):
    return lambda: model([node("Relu", [name], [INJECTED])], inputs=[vi(name)],
                         outputs=[vi(INJECTED, shape=None)])


def seq_input():
    t = helper.make_tensor_sequence_value_info("x", F, [2, 3])
    return model([node("Identity", ["x"], ["y"])], inputs=[t])


def optional_input():
    t = helper.make_value_info("x", helper.make_optional_type_proto(helper.make_tensor_type_proto(F, [2])))
    return model([node("Identity", ["x"], ["y"])], inputs=[t])


CASES = [
    ("empty_file", lambda: b"", [], "is not a valid ONNX model"),
    ("truncated", lambda: relu()[: len(relu()) // 2], [], "is not a valid ONNX model"),
    ("garbage", lambda: bytes(range(256)) * 8, [], "is not a valid ONNX model"),
    ("no_graph", lambda: onnx.ModelProto(ir_version=8).SerializeToString(), [], "the file has no graph"),
    ("ir_too_new", lambda: model([node("Relu", ["x"], ["y"])], ir=99), [], "IR version 99 is newer"),
    # IR 13 is accepted; a type onnxc does not know (27, past the newest it reads) is an
    # error, and so is arithmetic on a narrow type it only moves and converts (int2, 26).
    ("ir13_new_type", lambda: model([node("Identity", ["x"], ["y"])], inputs=[vi("x", 27)],
                                    outputs=[vi("y", 27)], opset=21, ir=13), [],
     "input 'x' has unsupported element type type 27"),
    ("int2_arithmetic", lambda: model([node("Neg", ["x"], ["y"])], inputs=[vi("x", 26)],
                                      outputs=[vi("y", 26)], opset=25, ir=13), [],
     "Neg does not take INT2 (26) tensors"),
    ("opset_too_new", lambda: model([node("Relu", ["x"], ["y"])], opset=99), [], "opset 99 is newer"),
    ("unknown_op", lambda: model([node("FancyOp", ["x"], ["y"])]), [],
     "unsupported op FancyOp (node 'n0', op FancyOp)"),
    ("unknown_domain", lambda: model([helper.make_node("Relu", ["x"], ["y"], name="n0", domain="com.evil")],
                                     domains=["com.evil"]), [], "from domain 'com.evil'"),
    ("undefined_input", lambda: model([node("Add", ["x", "nowhere"], ["y"])]), [],
     "input 'nowhere' is not defined (node 'n0', op Add)"),
    ("cycle", lambda: model([node("Relu", ["b"], ["a"], "n0"), node("Relu", ["a"], ["b"], "n1"),
                             node("Add", ["x", "a"], ["y"], "n2")]), [], "the graph has a cycle"),
    ("output_not_produced", lambda: model([node("Relu", ["x"], ["y"])], outputs=[vi("z")]), [],
     "graph output 'z' is not produced by any node"),
    ("produced_twice", lambda: model([node("Relu", ["x"], ["y"], "n0"), node("Neg", ["x"], ["y"], "n1")]), [],
     "value 'y' is produced more than once"),
    ("no_outputs", lambda: model([node("Relu", ["x"], ["y"])], outputs=[]), [], "the graph has no outputs"),
    ("negative_dim", lambda: model([node("Relu", ["x"], ["y"])], inputs=[vi("x", shape=(2, -3))]), [],
     "input 'x' has dynamic dimension 1"),
    ("dim_overflow", lambda: model([node("Relu", ["x"], ["y"])], inputs=[vi("x", shape=(1 << 40, 1 << 40))]),
     [], "input 'x' has too many elements"),
    ("raw_data_size", bad_raw_data, [], "initializer 'w'"),
    ("undefined_dtype", undefined_dtype, [], "unsupported tensor data type UNDEFINED (0)"),
    ("mismatched_types", lambda: model([node("Add", ["x", "i"], ["y"])],
                                       inputs=[vi("x"), vi("i", I64)]), [], "(node 'n0', op Add)"),
    ("float_op_on_integers", lambda: model([node("Selu", ["x"], ["y"])], inputs=[vi("x", TensorProto.INT8)]), [],
     "must be tensor of floating-point values, but got 'tensor<2x3xi8>' (node 'n0', op Selu)"),
    ("huge_attribute_on_integers",  # 1e30 -> INT64_MAX -> int8 -1, not an undefined float -> int conversion
     lambda: model([node("Shrink", ["x"], ["y"], bias=1e30, lambd=-1e30)], inputs=[vi("x", TensorProto.INT8)],
                   outputs=[vi("y", TensorProto.INT8)]), ["--emit=linalg"], ("compiles", "arith.constant -1 : i8")),
    ("conv_without_weights", lambda: model([node("Conv", ["x"], ["y"])], inputs=[vi("x", shape=(1, 3, 4, 4))]),
     [], "required input 1 is missing (node 'n0', op Conv)"),
    ("conv_bad_group", lambda: model([node("Conv", ["x", "w"], ["y"], group=2)],
                                     inputs=[vi("x", shape=(1, 3, 4, 4))],
                                     inits=[const("w", np.zeros((4, 3, 1, 1), np.float32))]), [],
     "(node 'n0', op Conv)"),
    ("bad_perm", lambda: model([node("Transpose", ["x"], ["y"], perm=[0, 0])]), [],
     "perm is not a permutation (node 'n0', op Transpose)"),
    ("axis_out_of_range", lambda: model([node("Softmax", ["x"], ["y"], axis=5)]), [],
     "axis 5 is out of range (node 'n0', op Softmax)"),
    ("gather_index_out_of_range", lambda: model([node("Gather", ["x", "i"], ["y"])],
                                                inits=[const("i", np.array([7], np.int64))]), [],
     "(node 'n0', op Gather)"),
    ("reshape_two_minus_one", lambda: model([node("Reshape", ["x", "s"], ["y"])],
                                            inits=[const("s", np.array([-1, -1], np.int64))]), [],
     "(node 'n0', op Reshape)"),
    ("reshape_wrong_count", lambda: model([node("Reshape", ["x", "s"], ["y"])],
                                          inits=[const("s", np.array([4, 4], np.int64))]), [],
     "(node 'n0', op Reshape)"),
    ("matmul_mismatch", lambda: model([node("MatMul", ["x", "x"], ["y"])]), [], "(node 'n0', op MatMul)"),
    ("missing_required_attr", lambda: model([node("Cast", ["x"], ["y"])]), [],
     "requires attribute 'to' (node 'n0', op Cast)"),
    ("ill_typed_attr", lambda: model([node("Transpose", ["x"], ["y"], perm=[0.5, 1.5])]), [],
     "attribute 'perm' failed to satisfy constraint"),
    ("string_input", lambda: model([node("Identity", ["x"], ["y"])], inputs=[vi("x", TensorProto.STRING)]),
     [], "input 'x' has unsupported element type STRING (8)"),
    ("sequence_input", seq_input, [], "input 'x' is not a tensor"),
    ("optional_input", optional_input, [], "input 'x' is not a tensor"),
    ("graph_attribute", lambda: model([node("Relu", ["x"], ["y"], g=helper.make_graph([], "b", [], []))]), [],
     "attribute 'g' has an unsupported kind (GRAPH)"),
    ("if_run_time_condition", nested_ifs(0), [], None),  # compiles: both branches give x
    ("loop_huge_trip_count", loop_trip_count(10 ** 12), [],
     "more than 1048576 nodes, with loops unrolled (raise the limit with --max-nodes)"),
    ("deep_nesting", nested_ifs(200), [], "nests subgraphs deeper than 16 levels (raise it with --max-nesting)"),
    ("nesting_limit", nested_ifs(5), ["--max-nesting=2"], "nests subgraphs deeper than 2 levels"),
    ("file_size_limit", relu, ["--max-file-size=16"], "larger than the limit of 16 bytes"),
    ("node_limit", lambda: model([node("Relu", ["x"], ["a"], "n0"), node("Relu", ["a"], ["y"], "n1")]),
     ["--max-nodes=1"], "more than the limit 1"),
    ("constant_limit", lambda: model([node("Add", ["x", "w"], ["y"])],
                                     inits=[const("w", np.zeros((2, 3), np.float32))]),
     ["--max-constant-bytes=8"], "constants exceed the limit of 8 bytes"),
    ("tensor_limit", lambda: model([node("Expand", ["x", "s"], ["y"])], inits=[
        numpy_helper.from_array(np.array([1 << 20, 1 << 20, 3], dtype=np.int64), "s")], inputs=[vi("x", shape=(3,))]),
     [], "needs 13194139533312 bytes, more than the limit of 68719476736 (raise it with --max-tensor-bytes)"),
    ("huge_constant_of_shape", lambda: model([node("ConstantOfShape", ["s"], ["y"])], inputs=[],
                                             inits=[const("s", np.array([1 << 40, 1 << 40], np.int64))]),
     [], "(node 'n0', op ConstantOfShape)"),
    ("external_absolute", external("/etc/passwd"), [], "location '/etc/passwd' must be a relative path"),
    ("external_parent", external("../../etc/passwd"), [], "location '../../etc/passwd' must be a relative path"),
    ("external_missing", external("weights.bin"), [], "external data: cannot open 'weights.bin'"),
    ("header_quote_names", header_names('x"\\'), [], None),
    ("header_comment_names", header_names("x */ #error bad /*"), [], None),
]


def with_files(location, files, links=(), **keys):
    """External data at `location`; `files` maps names to bytes, `links` are
    (name, target, kind) with kind 'sym' or 'hard', created in the case's folder."""
    def build(folder):
        import os
        for name, data in files.items():
            path = os.path.join(folder, name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(data)
        for name, target, kind in links:
            path = os.path.join(folder, name)
            if os.path.lexists(path):
                os.remove(path)
            if kind == "sym":
                os.symlink(target, path)  # relative to the link's folder
            else:
                os.link(os.path.join(folder, target), path)
        return external(location, **keys)()
    return build


WEIGHTS = np.arange(6, dtype=np.float32).tobytes()

# Cases whose model has files beside it; the folder is the case's own.
FILE_CASES = [
    ("external_ok", with_files("w/weights.bin", {"w/weights.bin": WEIGHTS}), ["--emit=onnx"],
     ("compiles", "dense<[[0.000000e+00, 1.000000e+00, 2.000000e+00], [3.000000e+00, 4.000000e+00, 5.000000e+00]]>")),
    ("external_offset_ok", with_files("w.bin", {"w.bin": b"\0" * 8 + WEIGHTS}, offset=8, length=24), ["--emit=onnx"],
     ("compiles", "dense<[[0.000000e+00, 1.000000e+00")),
    ("external_symlink_out", with_files("w.bin", {"../outside.bin": WEIGHTS}, links=[("w.bin", "../outside.bin", "sym")]),
     [], "'w.bin' leads outside the model's folder"),
    ("external_hardlink", with_files("w.bin", {"../outside2.bin": WEIGHTS}, links=[("w.bin", "../outside2.bin", "hard")]),
     [], "'w.bin' has 2 hard links"),
    ("external_offset_beyond", with_files("w.bin", {"w.bin": WEIGHTS}, offset=8), [],
     "offset 8 + length 24 exceeds the 24 bytes of 'w.bin'"),
    ("external_length_mismatch", with_files("w.bin", {"w.bin": WEIGHTS}, length=12), [],
     "length 12 differs from the tensor's 24 bytes"),
    ("external_unknown_key", with_files("w.bin", {"w.bin": WEIGHTS}, checksum="abc"), [],
     "unsupported key 'checksum'"),
    ("external_directory", with_files("w", {"w/x": b""}), [], "'w' is not a regular file"),
    ("external_bad_offset", with_files("w.bin", {"w.bin": WEIGHTS}, offset="-1"), [], "'offset' is not a number"),
]
