# Shared pieces of the graphfuzz generator (gen_graph.py): element types, limits, shape helpers, Val, Skip.
import numpy as np
from onnx import TensorProto

F, I32, I64, BOOL = "float32", "int32", "int64", "bool"
INTS = (I32, I64)
ONNX_TYPE = {F: TensorProto.FLOAT, I32: TensorProto.INT32, I64: TensorProto.INT64, BOOL: TensorProto.BOOL}
NP_TYPE = {F: np.float32, I32: np.int32, I64: np.int64, BOOL: np.bool_}
MAX_ELEMS, MAX_RANK, FLOAT_BOUND, INT_BOUND = 16384, 5, 1e4, 1 << 24
I64_MAX, I64_MIN = np.iinfo(np.int64).max, np.iinfo(np.int64).min


def numel(shape):
    return int(np.prod(shape, dtype=np.int64)) if shape else 1


def bcast(*shapes):
    try:
        return tuple(int(d) for d in np.broadcast_shapes(*shapes))
    except ValueError:
        return None


def fits(shape):
    return shape is not None and len(shape) <= MAX_RANK and 0 < numel(shape) <= MAX_ELEMS and min(shape, default=1) > 0


def slice_len(dim, start, end, step):
    """Elements ONNX Slice takes from a dimension (the spec's clamping rules)."""
    start, end = start + dim if start < 0 else start, end + dim if end < 0 else end
    if step > 0:
        start, end = min(max(start, 0), dim), min(max(end, 0), dim)
        return max(0, -(-(end - start) // step))
    start, end = min(max(start, 0), dim - 1), min(max(end, -1), dim - 1)
    return max(0, -(-(start - end) // -step))


class Val:
    def __init__(self, name, dt, shape, bound, exact, nonzero=False):
        self.name, self.dt, self.shape, self.bound = name, dt, tuple(shape), float(bound)
        self.exact, self.nonzero, self.uses = exact, nonzero, 0


class Skip(Exception):
    """The op cannot be built on the chosen operands; the generator tries another."""
