#!/usr/bin/env python3
# Generates a valid random ONNX graph (opset 17, IR 8) and its input data from an integer seed, deterministically.
"""NNSmith-style graph generator for differential testing (graphfuzz.py).

Every value records its element type, static shape, a bound on |x| and whether it is
*exact*: bit-identical in any correct implementation (inputs, constants, and what only
selects, moves or exactly converts elements). Floor/Round, float->int Cast, comparisons
and TopK/ArgMax indices only take exact values, so rounding differences between
implementations never flip a discrete decision. Shape-deciding inputs are constants.
The op generators are in gen_ops_tensor.py and gen_ops_nn.py; OPS below weighs them.

Usage: gen_graph.py SEED OUTDIR   (writes model.onnx, in<i>.bin, inputs.json; prints the graph)
"""
import argparse
import json
import os
import random

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper, shape_inference

from gen_common import (BOOL, F, FLOAT_BOUND, I64, INT_BOUND, INTS, MAX_ELEMS, MAX_RANK, NP_TYPE, ONNX_TYPE, Skip,
                        Val, bcast, fits, numel)
from gen_ops_nn import NnOps
from gen_ops_tensor import TensorOps


class Gen(TensorOps, NnOps):
    """One random graph: inputs, values, nodes and constants, grown op by op (build())."""

    def __init__(self, seed):
        self.seed, self.r, self.np = seed, random.Random(seed), np.random.default_rng(seed)
        self.nodes, self.inits, self.inputs, self.vals, self.feeds = [], [], [], [], {}
        self.count, self.n_float_in, self.n_int_in, self.op_types = 0, 0, 0, []

    def name(self, prefix):
        self.count += 1
        return f"{prefix}{self.count}"

    def const(self, arr, prefix="c"):
        """A constant: an initializer, or (one in five) a Constant node."""
        name = self.name(prefix)
        t = numpy_helper.from_array(np.asarray(arr), name)
        if self.r.random() < 0.2:
            self.nodes.append(helper.make_node("Constant", [], [name], value=t))
        else:
            self.inits.append(t)
        return name

    def ints(self, values, dt=I64):
        return self.const(np.array(values, NP_TYPE[dt]), "k")

    def cval(self, arr):
        arr = np.asarray(arr)
        dt = {np.dtype(v): k for k, v in NP_TYPE.items()}[arr.dtype]
        b = float(np.abs(arr.astype(np.float64)).max()) if arr.size and dt != BOOL else 1.0
        return Val(self.const(arr), dt, arr.shape, b, True, bool(np.all(arr != 0)))

    def emit(self, op, ins, n_out=1, **attrs):
        names = []
        for v in ins:
            if isinstance(v, Val):
                v.uses += 1
            names.append(v.name if isinstance(v, Val) else v)
        outs = [self.name("v") for _ in range(n_out)]
        self.nodes.append(helper.make_node(op, names, outs, **attrs))
        return outs

    def val(self, name, dt, shape, bound, exact=False, nonzero=False):
        v = Val(name, dt, shape, bound, exact, nonzero)
        self.vals.append(v)
        return v

    def node(self, op, ins, dt, shape, bound, exact=False, nonzero=False, **attrs):
        """Emits a one-output node and records the op type; returns the new value."""
        if not fits(shape) or (dt == F and bound > FLOAT_BOUND) or (dt in INTS and bound > INT_BOUND):
            raise Skip(op)
        self.op_types.append(op)
        return self.val(self.emit(op, ins, **attrs)[0], dt, shape, bound, exact, nonzero)

    def new_input(self, dt, shape):
        name = f"in{len(self.inputs)}"
        n = numel(shape)
        if dt == F:  # distinct values spread over [-3, 3]
            arr = ((self.np.permutation(n) + self.np.uniform(0.1, 0.9, n)) / n * 6 - 3).astype(np.float32)
            bound, nonzero, self.n_float_in = 3.0, False, self.n_float_in + 1
        else:  # nonzero, so any integer input may be a divisor
            arr = self.np.choice(np.r_[-20:0, 1:21], n).astype(NP_TYPE[dt])
            bound, nonzero, self.n_int_in = 20.0, True, self.n_int_in + 1
        self.inputs.append(helper.make_tensor_value_info(name, ONNX_TYPE[dt], list(shape)))
        self.feeds[name] = arr.reshape(shape)
        return self.val(name, dt, shape, bound, True, nonzero)

    def rand_shape(self, lo=1, hi=4):
        rank = self.r.choice([r for r in (1, 2, 2, 3, 3, 4, 4, 4) if lo <= r <= hi])
        while True:
            shape = tuple(self.dim() for _ in range(rank))
            if numel(shape) <= MAX_ELEMS // 4:
                return shape

    def dim(self):
        """Mostly 1..7; one in five around a vector width (tiles with and without remainders)."""
        return self.r.randint(1, 7) if self.r.random() < 0.8 else self.r.choice([8, 9, 12, 15, 16, 17, 31, 32, 33])

    def rand_const(self, dt, shape, lo=-2.0, hi=2.0):
        if dt == F:
            return self.cval(self.np.uniform(lo, hi, shape).astype(np.float32))
        if dt == BOOL:
            return self.cval(self.np.random(shape) < 0.5)
        return self.cval(self.np.choice(np.r_[-9:0, 1:10], shape).astype(NP_TYPE[dt]))

    def pick(self, pred=lambda v: True, dts=(F,)):
        """A computed value or input; unused and recent ones are likelier (branches and joins)."""
        c = [v for v in self.vals if v.dt in dts and pred(v)]
        if not c:
            return None
        w = [(4 if v.uses == 0 else 1) * (1 + i / len(c)) for i, v in enumerate(c)]
        return self.r.choices(c, w)[0]

    def need(self, pred=lambda v: True, dts=(F,)):
        v = self.pick(pred, dts)
        if v is None:
            raise Skip("no operand")
        return v

    def compat_shape(self, s):
        """A shape that broadcasts with s."""
        k, s = self.r.randrange(5), list(s)
        if k == 1:
            return tuple(s[self.r.randint(0, len(s)):])
        if k == 2:
            return tuple(1 if self.r.random() < 0.5 else d for d in s)
        if k == 3 and len(s) < MAX_RANK:
            return tuple([self.r.randint(1, 3)] + s)
        if k == 4:
            return tuple(self.r.randint(2, 4) if d == 1 and self.r.random() < 0.5 else d for d in s)
        return tuple(s)

    def partner(self, v, dt, pred=lambda w: True, const=None):
        """A second operand broadcast-compatible with v: a value, a new input or a constant."""
        r = self.r.random()
        if r < 0.45:
            c = [w for w in self.vals if w.dt == dt and pred(w) and fits(bcast(v.shape, w.shape))]
            if c:
                return self.r.choice(c)
        shape = self.compat_shape(v.shape)
        if r > 0.85 and dt == F and self.n_float_in < 3 and shape and const is None:
            return self.new_input(F, shape)
        return const(shape) if const else self.rand_const(dt, shape)

    def factor_shape(self, n, rank):
        dims = []
        for _ in range(rank - 1):
            d = self.r.choice([d for d in range(1, min(n, 7) + 1) if n % d == 0])
            dims.append(d)
            n //= d
        dims.append(n)
        self.r.shuffle(dims)
        return tuple(dims)

    def reshape_to(self, v, rank):
        shape = self.factor_shape(numel(v.shape), rank)
        spec = list(shape)
        if self.r.random() < 0.4:
            spec[self.r.randrange(rank)] = -1
        for i in range(min(rank, len(v.shape))):
            if spec[i] == v.shape[i] and self.r.random() < 0.3:
                spec[i] = 0
        return self.node("Reshape", [v, self.ints(spec)], v.dt, shape, v.bound, v.exact, v.nonzero)

    def pick_rank(self, lo, hi, dts=(F,), pred=lambda v: True):
        """A value of rank lo..hi; else some value reshaped to such a rank."""
        v = self.pick(lambda v: lo <= len(v.shape) <= hi and pred(v), dts)
        if v is not None and self.r.random() < 0.85:
            return v
        return self.reshape_to(self.need(pred, dts), self.r.randint(lo, hi))

    def axis(self, rank, allow_end=False):
        a = self.r.randrange(rank + (1 if allow_end else 0))
        return a - rank if self.r.random() < 0.4 and a < rank else a

    def positive(self, v):
        """|v| + c with c > 0: a safe divisor or Sqrt/Log operand."""
        a = self.node("Abs", [v], v.dt, v.shape, v.bound, v.exact, v.nonzero)
        c = self.r.choice([0.5, 1.0, 1.5]) if v.dt == F else self.r.randint(1, 3)
        return self.node("Add", [a, self.cval(np.array(c, NP_TYPE[v.dt]))], v.dt, v.shape, v.bound + c,
                         v.dt != F, True)

    OPS = {  # op generator: weight
        "unary": 10, "binary": 10, "clip": 3, "where": 4, "int": 6, "cast": 3, "conv": 7, "convtranspose": 4,
        "pool": 6, "matmul": 5, "gemm": 4, "einsum": 4, "reduce": 6, "argmax": 2, "topk": 3, "cumsum": 3,
        "softmax": 3, "layernorm": 3, "batchnorm": 3, "gather": 4, "gather_elements": 3, "slice": 5,
        "pad": 4, "reshape": 3, "transpose": 3, "flatten": 2, "squeeze": 2, "unsqueeze": 2, "expand": 3,
        "tile": 3, "concat": 4, "split": 3, "resize": 5, "crop_resize": 1, "shape": 2, "pow": 2, "variadic": 2,
        "prelu": 2, "instancenorm": 2, "depth_space": 2, "gather_nd": 2, "scatter": 2, "logic": 2,
    }

    def build(self):
        for _ in range(self.r.choice([1, 1, 2, 2, 3])):
            self.new_input(F, self.rand_shape())
        if self.r.random() < 0.3:
            self.new_input(self.r.choice(INTS), self.compat_shape(self.vals[0].shape) or (3,))
        target, n_ops, tries = self.r.randint(3, 12), 0, 0
        names, weights = list(self.OPS), list(self.OPS.values())
        while n_ops < target and tries < 400:
            tries += 1
            op = self.r.choices(names, weights)[0]
            mark = (len(self.nodes), len(self.inits), len(self.vals), len(self.op_types), len(self.inputs),
                    self.n_float_in, self.n_int_in)
            try:
                getattr(self, "op_" + op)()
                n_ops += 1
            except (Skip, OverflowError):  # undo what a failed attempt added
                for v in self.vals[mark[2]:]:
                    self.feeds.pop(v.name, None)
                del self.nodes[mark[0]:], self.inits[mark[1]:], self.vals[mark[2]:], self.op_types[mark[3]:]
                del self.inputs[mark[4]:]
                self.n_float_in, self.n_int_in = mark[5], mark[6]
        computed = [v for v in self.vals if v.name not in self.feeds]
        if not computed:
            computed = [self.node("Relu", [self.vals[0]], F, self.vals[0].shape, self.vals[0].bound)]
        outs = [computed[-1]]
        rest = [v for v in computed[:-1] if v.uses == 0 or self.r.random() < 0.3]  # used ones too: out-params
        if rest and self.r.random() < 0.6:                                         # that are read again
            outs.append(self.r.choice(rest))
        graph = helper.make_graph(
            self.nodes, f"graphfuzz_{self.seed}", self.inputs,
            [helper.make_tensor_value_info(v.name, ONNX_TYPE[v.dt], list(v.shape)) for v in outs], self.inits)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)],
                                  producer_name="onnxc-graphfuzz")
        model.ir_version = 8
        onnx.checker.check_model(model, full_check=True)
        return model


def generate(seed):
    """(model, {input name: array}, [op types]) for seed."""
    g = Gen(seed)
    model = g.build()
    return model, g.feeds, g.op_types


def write_case(model, feeds, outdir):
    """Writes model.onnx, in<i>.bin and inputs.json (what ort_run.js and the harness read). Float
    inputs also get in<i>.p.bin, the values scaled by 1 +- 2^-20 (graphfuzz.py's conditioning check)."""
    os.makedirs(outdir, exist_ok=True)
    onnx.save(model, os.path.join(outdir, "model.onnx"))
    entries = []
    for i, inp in enumerate(model.graph.input):
        arr = feeds[inp.name]
        fname = f"in{i}.bin"
        arr.tofile(os.path.join(outdir, fname))
        entries.append({"name": inp.name, "type": arr.dtype.name if arr.dtype != np.bool_ else "bool",
                        "dims": list(arr.shape), "file": fname})
        if arr.dtype == np.float32:
            sign = np.random.default_rng(i).choice([-1.0, 1.0], arr.shape)
            (arr * (1 + sign * 2.0 ** -20)).astype(np.float32).tofile(os.path.join(outdir, f"in{i}.p.bin"))
            entries[-1]["pfile"] = f"in{i}.p.bin"
    with open(os.path.join(outdir, "inputs.json"), "w") as f:
        json.dump(entries, f)


def fmt_attr(v):
    if isinstance(v, bytes):
        return v.decode()
    if isinstance(v, float):
        return f"{v:.6g}"
    if isinstance(v, list):
        return "[" + ", ".join(fmt_attr(x) for x in v) + "]"
    return repr(v)


def describe(model):
    """One line per node: outputs = Op(inputs with shapes) attributes."""
    inferred = shape_inference.infer_shapes(model)
    types = {}
    for vi in list(inferred.graph.value_info) + list(inferred.graph.input) + list(inferred.graph.output):
        t = vi.type.tensor_type
        types[vi.name] = "%s[%s]" % (TensorProto.DataType.Name(t.elem_type).lower(), "x".join(
            str(d.dim_value) if d.HasField("dim_value") else "?" for d in t.shape.dim))
    for t in model.graph.initializer:
        types[t.name] = "const %s%s" % (TensorProto.DataType.Name(t.data_type).lower(), list(t.dims))
        if numel(t.dims) <= 8:
            types[t.name] += "=" + str(numpy_helper.to_array(t).tolist())
    lines = ["inputs: " + ", ".join(f"{i.name}:{types.get(i.name, '?')}" for i in model.graph.input)]
    for n in model.graph.node:
        attrs = ", ".join(f"{a.name}={fmt_attr(helper.get_attribute_value(a))}" for a in n.attribute)
        if n.op_type == "Constant":
            arr = numpy_helper.to_array(n.attribute[0].t)
            attrs = str(arr.tolist()) if arr.size <= 8 else f"{arr.dtype}{list(arr.shape)}"
        ins = ", ".join(f"{i}:{types.get(i, '?')}" if i else "''" for i in n.input)
        outs = ", ".join(f"{o}:{types.get(o, '?')}" for o in n.output)
        lines.append(f"{outs} = {n.op_type}({ins}){' {' + attrs + '}' if attrs else ''}")
    lines.append("outputs: " + ", ".join(o.name for o in model.graph.output))
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("seed", type=int)
    ap.add_argument("outdir", nargs="?")
    args = ap.parse_args()
    model, feeds, _ = generate(args.seed)
    if args.outdir:
        write_case(model, feeds, args.outdir)
    print(describe(model))


if __name__ == "__main__":
    main()
