# The graphfuzz generator's ops on tensors: elementwise, integer, logic, reductions, indexing, shapes.
import math

import numpy as np
from onnx import numpy_helper

from gen_common import (BOOL, F, I32, I64, I64_MAX, I64_MIN, INTS, MAX_RANK, NP_TYPE, ONNX_TYPE, Skip, Val,
                        bcast, fits, numel, slice_len)


class TensorOps:
    """Op generators (a mixin of gen_graph.Gen): each adds one op on values it picks, or raises Skip."""

    UNARY = {  # op: (largest input bound, result bound, result exact given exact input)
        "Abs": (1e30, lambda b: b, True), "Neg": (1e30, lambda b: b, True), "Relu": (1e30, lambda b: b, True),
        "Sigmoid": (1e30, lambda b: 1, False), "Tanh": (1e30, lambda b: 1, False),
        "Exp": (5, math.exp, False), "Erf": (1e30, lambda b: 1, False), "Softsign": (1e30, lambda b: 1, False),
        "Softplus": (30, lambda b: b + 1, False), "Elu": (1e30, lambda b: max(b, 1), False),
        "Selu": (1e30, lambda b: 1.06 * max(b, 1.8), False), "HardSigmoid": (1e30, lambda b: 1, False),
        "LeakyRelu": (1e30, lambda b: b, False), "Sin": (6, lambda b: 1, False), "Cos": (6, lambda b: 1, False),
        "Floor": (1e6, lambda b: b + 1, True), "Ceil": (1e6, lambda b: b + 1, True),
        "Round": (1e6, lambda b: b + 1, True), "Sqrt": (1e30, math.sqrt, False), "Log": (1e30, None, False),
    }

    def op_unary(self):
        op = self.r.choice(list(self.UNARY))
        lim, fb, keep = self.UNARY[op]
        rounding = op in ("Floor", "Ceil", "Round")
        v = self.need(lambda v: v.bound <= lim and (v.exact or not rounding))
        attrs = {}
        if op == "LeakyRelu":
            attrs["alpha"] = self.r.choice([0.01, 0.1, 0.3])
        elif op == "Elu":
            attrs["alpha"] = self.r.choice([0.5, 1.0, 1.5])
        elif op == "HardSigmoid":
            attrs = {"alpha": self.r.choice([0.2, 0.5]), "beta": self.r.choice([0.5, 0.3])}
        if op == "Sqrt":
            v = self.node("Abs", [v], F, v.shape, v.bound, v.exact)
        if op == "Log":
            v = self.positive(v)
            return self.node("Log", [v], F, v.shape, max(abs(math.log(0.5)), math.log(v.bound)))
        return self.node(op, [v], F, v.shape, fb(v.bound), v.exact and keep, **attrs)

    def op_binary(self):
        op = self.r.choice(["Add", "Sub", "Mul", "Div", "Max", "Min"])
        v = self.need()
        if op == "Div":
            if self.r.random() < 0.5:
                w = self.positive(self.partner(v, F))
                lo = 0.5 if w.bound >= 0.5 else w.bound  # |divisor| >= c >= 0.5
            else:
                w = self.partner(v, F, lambda w: False, lambda s: self.cval(
                    (self.np.uniform(0.5, 2, s) * self.np.choice([-1, 1], s)).astype(np.float32)))
                lo = 0.5
            ins, bound = ([v, w], v.bound / lo)
        else:
            w = self.partner(v, F)
            ins = [v, w] if self.r.random() < 0.7 else [w, v]
            bound = {"Add": v.bound + w.bound, "Sub": v.bound + w.bound, "Mul": v.bound * w.bound}.get(
                op, max(v.bound, w.bound))
        exact = op in ("Max", "Min") and v.exact and w.exact
        return self.node(op, ins, F, bcast(v.shape, w.shape), bound, exact)

    def op_pow(self):
        e = self.r.choice([2.0, 3.0, 0.5, -1.0, 1.5, -0.5])
        v = self.need(lambda v: v.bound <= 20)
        if e != int(e) or e < 0:
            v = self.positive(v)  # >= 0.5
        c = self.cval(np.array(e, np.float32))
        bound = v.bound ** e if e > 0 else 2 ** -e
        return self.node("Pow", [v, c], F, v.shape, bound)

    def op_variadic(self):
        """Sum/Mean/Max/Min of three broadcast operands."""
        op = self.r.choice(["Sum", "Mean", "Max", "Min"])
        v = self.need()
        ins = [v, self.partner(v, F)]
        ins.append(self.partner(Val("", F, bcast(*[w.shape for w in ins]), 0, False), F))
        bound = sum(w.bound for w in ins) if op == "Sum" else max(w.bound for w in ins)
        exact = op in ("Max", "Min") and all(w.exact for w in ins)
        return self.node(op, ins, F, bcast(*[w.shape for w in ins]), bound, exact)

    def op_clip(self):
        v = self.need(dts=(F, I32, I64))
        b = max(v.bound, 1.0)
        lo, hi = (self.np.uniform(-b, 0), self.np.uniform(0, b)) if v.dt == F else \
            (self.r.randint(-int(b), 0), self.r.randint(0, int(b)))
        mk = lambda x: self.cval(np.array(x, NP_TYPE[v.dt]))
        ins = [v, mk(lo) if self.r.random() < 0.8 else "", mk(hi) if self.r.random() < 0.8 else ""]
        while ins and ins[-1] == "":
            ins.pop()
        return self.node("Clip", ins, v.dt, v.shape, v.bound, v.exact, False)

    def cond(self, shape):
        """A bool value broadcastable with shape: a comparison of exact values, or a constant."""
        w = self.pick(lambda w: w.exact and fits(bcast(w.shape, shape)), (F, I32, I64))
        if w is None or self.r.random() < 0.4:
            return self.rand_const(BOOL, self.compat_shape(shape))
        op = self.r.choice(["Greater", "Less"] + (["Equal"] if w.dt in INTS else []))
        c = self.rand_const(w.dt, self.compat_shape(w.shape), -w.bound, w.bound)
        return self.node(op, [w, c], BOOL, bcast(w.shape, c.shape), 1, True)

    def op_where(self):
        v = self.need(dts=(F, I32, I64))
        w = self.partner(v, v.dt)
        c = self.cond(bcast(v.shape, w.shape))
        ins = [c, v, w] if self.r.random() < 0.5 else [c, w, v]
        return self.node("Where", ins, v.dt, bcast(v.shape, w.shape, c.shape), max(v.bound, w.bound),
                         v.exact and w.exact, v.nonzero and w.nonzero)

    def op_logic(self):
        """And/Or/Xor/Not on comparisons, cast back to a number."""
        v = self.need(dts=(F, I32, I64))
        a = self.cond(v.shape)
        op = self.r.choice(["And", "Or", "Xor", "Not"])
        if op == "Not":
            b = self.node("Not", [a], BOOL, a.shape, 1, True)
        else:
            c = self.cond(a.shape)
            b = self.node(op, [a, c], BOOL, bcast(a.shape, c.shape), 1, True)
        to = self.r.choice([F, I32, I64])
        return self.node("Cast", [b], to, b.shape, 1, True, to=ONNX_TYPE[to])

    def int_value(self):
        v = self.pick(dts=INTS)
        if v is not None and self.r.random() < 0.8:
            return v
        dt = self.r.choice(INTS)
        if self.n_int_in == 0 and self.r.random() < 0.5:
            return self.new_input(dt, self.compat_shape(self.need().shape))
        f = self.need(lambda f: f.exact and f.bound < 1e6)
        return self.node("Cast", [f], dt, f.shape, f.bound, True, to=ONNX_TYPE[dt])

    def op_int(self):
        v = self.int_value()
        op = self.r.choice(["Add", "Sub", "Mul", "Div", "Mod", "Max", "Min", "Abs", "Neg"])
        if op in ("Abs", "Neg"):
            return self.node(op, [v], v.dt, v.shape, v.bound, True, v.nonzero)
        attrs = {"fmod": self.r.randint(0, 1)} if op == "Mod" else {}
        w = self.partner(v, v.dt, (lambda w: w.nonzero) if op in ("Div", "Mod") else (lambda w: True))
        if op in ("Div", "Mod") and not w.nonzero:
            w = self.positive(w)
        bound = {"Add": v.bound + w.bound, "Sub": v.bound + w.bound, "Mul": v.bound * w.bound,
                 "Mod": w.bound}.get(op, max(v.bound, w.bound))
        ins = [v, w] if op in ("Div", "Mod") or self.r.random() < 0.6 else [w, v]
        nonzero = op == "Mul" and v.nonzero and w.nonzero
        return self.node(op, ins, v.dt, bcast(v.shape, w.shape), bound, True, nonzero, **attrs)

    def op_cast(self):
        v = self.need(lambda v: v.exact and v.bound < 1e6, (F, I32, I64, BOOL))
        to = self.r.choice([t for t in (F, I32, I64, BOOL) if t != v.dt])
        out = self.node("Cast", [v], to, v.shape, 1 if to == BOOL else v.bound, True, False,
                        to=ONNX_TYPE[to])
        if to == BOOL:  # bool values only feed Where and Cast; cast back so it joins the graph
            back = self.r.choice([F, I32, I64])
            return self.node("Cast", [out], back, v.shape, 1, True, False, to=ONNX_TYPE[back])
        return out

    def op_reduce(self):
        v = self.need(lambda v: len(v.shape) >= 1, (F, F, I32, I64))
        ops = ["ReduceSum", "ReduceMax", "ReduceMin"] + (
            ["ReduceMean", "ReduceMean", "ReduceL1", "ReduceL2", "ReduceSumSquare", "ReduceLogSumExp",
             "ReduceProd"] if v.dt == F else [])
        op = self.r.choice(ops)
        r = len(v.shape)
        axes = sorted(self.r.sample(range(r), self.r.randint(1, r)))
        keep = self.r.randint(0, 1)
        all_axes = self.r.random() < 0.15
        if all_axes:
            axes = list(range(r))
        n = numel([v.shape[a] for a in axes])
        bound = {"ReduceSum": v.bound * n, "ReduceL1": v.bound * n, "ReduceL2": v.bound * math.sqrt(n),
                 "ReduceSumSquare": v.bound ** 2 * n, "ReduceLogSumExp": v.bound + math.log(n) + 1,
                 "ReduceProd": max(v.bound, 1) ** n}.get(op, v.bound)
        if op == "ReduceLogSumExp" and v.bound > 30 or op == "ReduceProd" and n > 8:
            raise Skip(op)
        shape = [1 if i in axes else d for i, d in enumerate(v.shape)] if keep else \
            [d for i, d in enumerate(v.shape) if i not in axes]
        spec = [a - r if self.r.random() < 0.4 else a for a in axes]
        attrs = {"keepdims": keep}
        ins = [v]
        if op == "ReduceSum":
            if not all_axes:
                ins.append(self.ints(spec))
        elif not all_axes:
            attrs["axes"] = spec
        exact = v.dt in INTS or (v.exact and op in ("ReduceMax", "ReduceMin"))
        return self.node(op, ins, v.dt, shape, bound, exact, **attrs)

    def op_argmax(self):
        v = self.need(lambda v: v.exact and len(v.shape) >= 1, (F, I32))
        r = len(v.shape)
        a, keep = self.axis(r), self.r.randint(0, 1)
        shape = [1 if i == a % r else d for i, d in enumerate(v.shape)] if keep else \
            [d for i, d in enumerate(v.shape) if i != a % r]
        op = self.r.choice(["ArgMax", "ArgMin"])
        return self.node(op, [v], I64, shape, v.shape[a], True, axis=a, keepdims=keep,
                         select_last_index=self.r.randint(0, 1))

    def op_topk(self):
        v = self.need(lambda v: len(v.shape) >= 1, (F, F, I32, I64))
        r = len(v.shape)
        a = self.axis(r)
        k = self.r.randint(1, v.shape[a])
        shape = list(v.shape)
        shape[a] = k
        if not fits(shape):
            raise Skip("topk")
        outs = self.emit("TopK", [v, self.ints([k])], 2, axis=a, largest=self.r.randint(0, 1), sorted=1)
        self.op_types.append("TopK")
        vals = self.val(outs[0], v.dt, shape, v.bound, v.exact, v.nonzero)
        if v.exact:  # ties are spec-defined (lower index first) only when values are bit-identical
            self.val(outs[1], I64, shape, v.shape[a], True)
        return vals

    def op_cumsum(self):
        v = self.need(lambda v: len(v.shape) >= 1, (F, F, I32, I64))
        a = self.axis(len(v.shape))
        ax = self.cval(np.array(a, NP_TYPE[self.r.choice(INTS)]))
        return self.node("CumSum", [v, ax], v.dt, v.shape, v.bound * v.shape[a], v.dt in INTS,
                         exclusive=self.r.randint(0, 1), reverse=self.r.randint(0, 1))

    def op_gather(self):
        v = self.need(lambda v: len(v.shape) >= 1, (F, F, I32, I64))
        a = self.axis(len(v.shape))
        d = v.shape[a]
        ishape = [self.r.randint(1, 4) for _ in range(self.r.choice([0, 1, 1, 2]))]
        idx = self.np.integers(-d, d, ishape).astype(NP_TYPE[self.r.choice(INTS)])
        shape = list(v.shape[:a % len(v.shape)]) + ishape + list(v.shape[a % len(v.shape) + 1:])
        return self.node("Gather", [v, self.cval(idx)], v.dt, shape, v.bound, v.exact, v.nonzero, axis=a)

    def op_gather_elements(self):
        v = self.need(lambda v: len(v.shape) >= 1, (F, F, I32, I64))
        r = len(v.shape)
        a = self.axis(r)
        ishape = [self.r.randint(1, 5) if i == a % r else self.r.randint(1, d) for i, d in enumerate(v.shape)]
        idx = self.np.integers(-v.shape[a], v.shape[a], ishape).astype(NP_TYPE[self.r.choice(INTS)])
        return self.node("GatherElements", [v, self.cval(idx)], v.dt, ishape, v.bound, v.exact, v.nonzero,
                         axis=a)

    def op_gather_nd(self):
        v = self.need(lambda v: len(v.shape) >= 1, (F, F, I32, I64))
        r = len(v.shape)
        b = self.r.choice([0, 0, 1]) if r >= 2 else 0
        q = self.r.randint(1, r - b)
        lead = list(v.shape[:b]) + [self.r.randint(1, 4) for _ in range(self.r.randint(0, 1))]
        idx = np.stack([self.np.integers(-v.shape[b + i], v.shape[b + i], lead) for i in range(q)], -1)
        shape = lead + list(v.shape[b + q:])
        return self.node("GatherND", [v, self.cval(idx.astype(np.int64))], v.dt, shape, v.bound, v.exact,
                         v.nonzero, batch_dims=b)

    def op_scatter(self):
        """ScatterElements or ScatterND; unique targets unless the reduction is add."""
        v = self.need(lambda v: len(v.shape) >= 1, (F, F, I32, I64))
        r = len(v.shape)
        red = self.r.choice(["none", "none", "add"])
        if self.r.random() < 0.5:
            a = self.axis(r)
            d = v.shape[a]
            ushape = [self.r.randint(1, d) if i == a % r else self.r.randint(1, dd) for i, dd in enumerate(v.shape)]
            idx = np.moveaxis(self.np.permuted(np.broadcast_to(np.arange(d), ushape[:a % r] + ushape[a % r + 1:] + [d]),
                                               axis=-1)[..., :ushape[a]], -1, a % r)
            idx = np.where(self.np.random(idx.shape) < 0.3, idx - d, idx)
            upd = self.rand_const(v.dt, ushape, -v.bound, v.bound)
            op, ins, attrs = "ScatterElements", [v, self.cval(idx.astype(np.int64)), upd], {"axis": a}
        else:
            q = self.r.randint(1, r)
            space = numel(v.shape[:q])
            k = self.r.randint(1, min(space, 6))
            flat = self.np.choice(space, k, replace=False)
            idx = np.stack(np.unravel_index(flat, v.shape[:q]), -1)
            upd = self.rand_const(v.dt, [k] + list(v.shape[q:]), -v.bound, v.bound)
            op, ins, attrs = "ScatterND", [v, self.cval(idx.astype(np.int64)), upd], {}
        if red != "none":
            attrs["reduction"] = red
        bound = v.bound * (numel(upd.shape) + 1) if red == "add" else v.bound
        return self.node(op, ins, v.dt, v.shape, bound, v.dt in INTS or (v.exact and red == "none"), **attrs)

    def op_slice(self):
        v = self.need(lambda v: len(v.shape) >= 1, (F, F, I32, I64))
        r = len(v.shape)
        axes = self.r.sample(range(r), self.r.randint(1, r))
        starts, ends, steps, shape = [], [], [], list(v.shape)
        for a in axes:
            d = v.shape[a]
            for _ in range(20):
                st = self.r.choice([1, 1, 2, 3, -1, -1, -2])
                s = self.r.choice([self.r.randint(-d, d - 1), 0, d + 3, -d - 3] if st > 0 else
                                  [self.r.randint(-d, d - 1), d - 1, -1, d + 3, I64_MAX])
                e = self.r.choice([self.r.randint(-d, d), d, I64_MAX, -d - 2] if st > 0 else
                                  [self.r.randint(-d - 1, d - 1), -d - 1, I64_MIN, -d - 3])
                n = slice_len(d, s, e, st)
                if n > 0:
                    break
            else:
                raise Skip("slice")
            starts.append(s), ends.append(e), steps.append(st)
            shape[a] = n
        spec_axes = [a - r if self.r.random() < 0.3 else a for a in axes]
        ins = [v, self.ints(starts), self.ints(ends)]
        if spec_axes != list(range(len(axes))) or any(st != 1 for st in steps) or self.r.random() < 0.5:
            ins.append(self.ints(spec_axes))
            if any(st != 1 for st in steps) or self.r.random() < 0.5:
                ins.append(self.ints(steps))
        return self.node("Slice", ins, v.dt, shape, v.bound, v.exact, v.nonzero)

    def op_pad(self):
        v = self.need(lambda v: len(v.shape) >= 1, (F, F, I32, I64))
        r = len(v.shape)
        mode = self.r.choice(["constant", "constant", "reflect", "edge"])
        pads = []
        for i in range(2 * r):
            d = v.shape[i % r]
            hi = d - 1 if mode == "reflect" else 3
            p = self.r.randint(0, hi) if self.r.random() < 0.6 else 0
            if mode == "constant" and self.r.random() < 0.03 and d > 2:  # onnxc rejects negative pads
                p = -1
            pads.append(p)
        shape = [d + pads[i] + pads[i + r] for i, d in enumerate(v.shape)]
        ins = [v, self.ints(pads)]
        cv = 0.0
        if mode == "constant" and self.r.random() < 0.5:
            cv = self.r.choice([1.5, -2.0, 0.25]) if v.dt == F else self.r.randint(-5, 5)
            ins.append(self.cval(np.array(cv, NP_TYPE[v.dt])))
        return self.node("Pad", ins, v.dt, shape, max(v.bound, abs(cv)), v.exact, v.nonzero and cv != 0,
                         mode=mode)

    def op_reshape(self):
        v = self.need(dts=(F, F, I32, I64))
        return self.reshape_to(v, self.r.randint(1, 4))

    def op_transpose(self):
        v = self.need(lambda v: len(v.shape) >= 2, (F, F, I32, I64))
        perm = list(range(len(v.shape)))
        self.r.shuffle(perm)
        if self.r.random() < 0.2:
            return self.node("Transpose", [v], v.dt, v.shape[::-1], v.bound, v.exact, v.nonzero)
        return self.node("Transpose", [v], v.dt, [v.shape[p] for p in perm], v.bound, v.exact, v.nonzero,
                         perm=perm)

    def op_flatten(self):
        v = self.need(lambda v: len(v.shape) >= 1, (F, F, I32, I64))
        r = len(v.shape)
        a = self.axis(r, allow_end=True)
        a0 = a % r if a < 0 else a
        return self.node("Flatten", [v], v.dt, [numel(v.shape[:a0]), numel(v.shape[a0:])], v.bound, v.exact,
                         v.nonzero, axis=a)

    def op_squeeze(self):
        v = self.need(lambda v: 1 in v.shape, (F, F, I32, I64))
        r = len(v.shape)
        ones = [i for i, d in enumerate(v.shape) if d == 1]
        ins = [v]
        if self.r.random() < 0.8:
            ones = self.r.sample(ones, self.r.randint(1, len(ones)))
            ins.append(self.ints([a - r if self.r.random() < 0.4 else a for a in ones]))
        return self.node("Squeeze", ins, v.dt, [d for i, d in enumerate(v.shape) if i not in ones], v.bound,
                         v.exact, v.nonzero)

    def op_unsqueeze(self):
        v = self.need(lambda v: len(v.shape) < MAX_RANK, (F, F, I32, I64))
        r = len(v.shape) + self.r.randint(1, min(2, MAX_RANK - len(v.shape)))
        axes = sorted(self.r.sample(range(r), r - len(v.shape)))
        it = iter(v.shape)
        shape = [1 if i in axes else next(it) for i in range(r)]
        spec = [a - r if self.r.random() < 0.4 else a for a in axes]
        return self.node("Unsqueeze", [v, self.ints(spec)], v.dt, shape, v.bound, v.exact, v.nonzero)

    def op_expand(self):
        v = self.need(dts=(F, F, I32, I64))
        spec = [self.r.randint(1, 4) if d == 1 else self.r.choice([d, d, 1]) for d in v.shape]
        spec = [self.r.randint(1, 3) for _ in range(self.r.choice([0, 0, 1]))] + spec
        return self.node("Expand", [v, self.ints(spec)], v.dt, bcast(v.shape, tuple(spec)), v.bound, v.exact,
                         v.nonzero)

    def op_tile(self):
        v = self.need(lambda v: len(v.shape) >= 1, (F, F, I32, I64))
        reps = [self.r.choice([1, 1, 2, 3]) for _ in v.shape]
        return self.node("Tile", [v, self.ints(reps)], v.dt, [d * k for d, k in zip(v.shape, reps)], v.bound,
                         v.exact, v.nonzero)

    def op_concat(self):
        v = self.need(lambda v: len(v.shape) >= 1, (F, F, I32, I64))
        a = self.axis(len(v.shape))
        ins, total = [v], v.shape[a]
        for _ in range(self.r.randint(1, 2)):
            same = [w for w in self.vals if w.dt == v.dt and len(w.shape) == len(v.shape) and all(
                x == y for i, (x, y) in enumerate(zip(w.shape, v.shape)) if i != a % len(v.shape))]
            if same and self.r.random() < 0.6:
                w = self.r.choice(same)
            else:
                shp = list(v.shape)
                shp[a] = self.r.randint(1, 4)
                w = self.rand_const(v.dt, shp)
            ins.append(w)
            total += w.shape[a]
        self.r.shuffle(ins)
        shape = list(v.shape)
        shape[a] = total
        return self.node("Concat", ins, v.dt, shape, max(w.bound for w in ins), all(w.exact for w in ins),
                         all(w.nonzero for w in ins), axis=a)

    def op_split(self):
        v = self.need(lambda v: max(v.shape, default=1) >= 2, (F, F, I32, I64))
        a = self.axis(len(v.shape))
        d = v.shape[a]
        if d < 2:
            raise Skip("split")
        ins = [v]
        if self.r.random() < 0.6:
            cuts = sorted(self.r.sample(range(1, d), self.r.randint(1, min(2, d - 1))))
            sizes = [b - e for b, e in zip(cuts + [d], [0] + cuts)]
            ins.append(self.ints(sizes))
        else:
            n = self.r.choice([k for k in (2, 3) if d % k == 0] or ([d] if d <= 5 else [0]))
            if n == 0:
                raise Skip("split")
            sizes = [d // n] * n
        outs = self.emit("Split", ins, len(sizes), axis=a)
        self.op_types.append("Split")
        last = None
        for o, sz in zip(outs, sizes):
            shape = list(v.shape)
            shape[a] = sz
            last = self.val(o, v.dt, shape, v.bound, v.exact, v.nonzero)
        return last

    def op_shape(self):
        """Shape/Size (folded by onnxc), sometimes fed to ConstantOfShape."""
        v = self.need(lambda v: len(v.shape) >= 1, (F, F, I32, I64))
        r = len(v.shape)
        if self.r.random() < 0.25:
            return self.node("Size", [v], I64, (), numel(v.shape), True, True)
        st, en = sorted(self.r.sample(range(-r, r + 1), 2))
        dims = list(v.shape)[st:en] if st != en else []
        if not dims:
            return self.node("Shape", [v], I64, [r], max(v.shape), True, True)
        s = self.node("Shape", [v], I64, [len(dims)], max(dims), True, True, start=st, end=en)
        if self.r.random() < 0.5:
            fill = self.r.choice([1.5, -0.5, 2.0])
            t = numpy_helper.from_array(np.array([fill], np.float32), "value")
            return self.node("ConstantOfShape", [s], F, dims, abs(fill), True, value=t)
        return s
