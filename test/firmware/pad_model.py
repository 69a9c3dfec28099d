# Writes a small ONNX model whose every window op pads (asymmetric Conv pads, stride, dilation, groups, MaxPool's -inf, AveragePool without the pad): the firmware tests check the guarded border reads of Cortex-M code.
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def build():
    rng = np.random.default_rng(0)
    weights = [numpy_helper.from_array(rng.standard_normal(shape).astype(np.float32), name)
               for name, shape in (("w1", (8, 3, 3, 3)), ("b1", (8,)), ("w2", (8, 1, 3, 3)))]
    node = helper.make_node
    nodes = [
        node("Conv", ["x", "w1", "b1"], ["c1"], pads=[1, 2, 0, 1], strides=[2, 1], name="conv1"),
        node("Relu", ["c1"], ["r1"], name="relu1"),
        node("MaxPool", ["r1"], ["p1"], kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[1, 2], name="pool1"),
        node("Neg", ["p1"], ["n1"], name="neg1"),
        node("Conv", ["n1", "w2"], ["c2"], pads=[2, 1, 2, 1], group=8, dilations=[2, 1], name="dw"),
        node("AveragePool", ["c2"], ["y"], kernel_shape=[3, 3], pads=[1, 1, 1, 1], count_include_pad=0,
             name="avg"),
    ]
    graph = helper.make_graph(nodes, "pads", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 11, 9])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], weights)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


if __name__ == "__main__":
    onnx.save(build(), sys.argv[1])
