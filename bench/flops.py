# Counts a model's multiply-add FLOPs (2 per MAC) in Conv, ConvTranspose, Gemm, MatMul, LSTM and GRU from ONNX shape inference.
import numpy as np


def _shapes(model):
    import onnx
    inferred = onnx.shape_inference.infer_shapes(model)
    shapes = {}
    for vi in list(inferred.graph.value_info) + list(inferred.graph.input) + list(inferred.graph.output):
        dims = [d.dim_value if d.HasField("dim_value") else None
                for d in vi.type.tensor_type.shape.dim]
        shapes[vi.name] = dims
    for init in inferred.graph.initializer:
        shapes[init.name] = list(init.dims)
    return inferred, shapes


def _attr(node, name, default):
    for a in node.attribute:
        if a.name == name:
            return a.i if a.type == a.INT else list(a.ints)
    return default


def model_flops(model):
    """FLOPs of one inference; None when a counted op's shapes are unknown."""
    graph, shapes = _shapes(model)
    total = 0
    for n in graph.graph.node:
        try:
            if n.op_type in ("Conv", "ConvTranspose"):
                # Conv: every output element takes prod(w[1:]) MACs; ConvTranspose: every input element.
                w = shapes[n.input[1]]
                each = shapes[n.output[0]] if n.op_type == "Conv" else shapes[n.input[0]]
                total += 2 * int(np.prod(each)) * int(np.prod(w[1:]))
            elif n.op_type == "MatMul":
                a, out = shapes[n.input[0]], shapes[n.output[0]]
                total += 2 * int(np.prod(out)) * int(a[-1])
            elif n.op_type == "Gemm":
                a, out = shapes[n.input[0]], shapes[n.output[0]]
                k = a[0] if _attr(n, "transA", 0) else a[1]
                total += 2 * int(np.prod(out)) * int(k)
            elif n.op_type in ("LSTM", "GRU"):
                x, w, r = shapes[n.input[0]], shapes[n.input[1]], shapes[n.input[2]]
                seq, batch = (x[1], x[0]) if _attr(n, "layout", 0) else (x[0], x[1])
                dirs, gates_h, inp = w[0], w[1], w[2]
                total += 2 * seq * batch * dirs * gates_h * (inp + r[2])
        except (KeyError, TypeError, IndexError):
            return None
    return total
