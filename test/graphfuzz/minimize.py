#!/usr/bin/env python3
# Cuts a failing graphfuzz case down to a small graph that still fails the same way (delta debugging on the graph).
"""Usage: minimize.py CASE_DIR [graphfuzz.py options]

CASE_DIR holds model.onnx, inputs.json and the input files (a folder graphfuzz.py saved).
Each step is kept only when the case still fails the same way (graphfuzz.evaluate): keep
one output; make an intermediate value the only output; cut the graph at a value, which becomes a graph input fed with ONNX Runtime's
value of it (everything above it goes); bypass a node whose input has its output's type
and shape. Writes the smallest failing case to CASE_DIR/min/, with report.txt.
"""
import copy
import json
import os
import shutil
import sys

import numpy as np
import onnx
from onnx import helper, shape_inference

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gen_graph  # noqa: E402
import graphfuzz  # noqa: E402

NP = {"float32": np.float32, "int32": np.int32, "int64": np.int64, "bool": np.bool_}


def load_case(case):
    model = onnx.load(os.path.join(case, "model.onnx"))
    feeds = {t["name"]: np.fromfile(os.path.join(case, t["file"]), NP[t["type"]]).reshape(t["dims"])
             for t in json.load(open(os.path.join(case, "inputs.json")))}
    return model, feeds


def intermediates(model, feeds, workdir, args):
    """ONNX Runtime's value of every node output: {name: array}."""
    m = copy.deepcopy(model)
    inferred = shape_inference.infer_shapes(model)
    types = {vi.name: vi.type.tensor_type.elem_type for vi in inferred.graph.value_info}
    have = {o.name for o in m.graph.output}
    for n in m.graph.node:
        for o in n.output:
            if o and o not in have and o in types and n.op_type != "Constant":
                m.graph.output.append(helper.make_tensor_value_info(o, types[o], None))
    d = os.path.join(workdir, "all_values")
    gen_graph.write_case(m, feeds, d)
    graphfuzz.run_ort([d], args.node_modules, args.ort_opt, os.path.join(d, "ort.log")).wait()
    ort = json.load(open(os.path.join(d, "ort.json")))
    if "error" in ort:
        return {}
    return {o["name"]: np.fromfile(os.path.join(d, o["file"]), NP[o["type"]]).reshape(o["dims"])
            for o in ort["outputs"]}


def prune(model, feeds):
    """Drops nodes, inputs and initializers no graph output needs."""
    g = model.graph
    need = {o.name for o in g.output}
    keep = []
    for n in reversed(g.node):
        if any(o in need for o in n.output):
            keep.append(n)
            need.update(i for i in n.input if i)
    nodes = list(reversed(keep))
    del g.node[:]
    g.node.extend(nodes)
    inits = [t for t in g.initializer if t.name in need]
    del g.initializer[:]
    g.initializer.extend(inits)
    inputs = [i for i in g.input if i.name in need]
    del g.input[:]
    g.input.extend(inputs)
    return model, {k: v for k, v in feeds.items() if k in need}


def cut(model, feeds, value, array):
    """value becomes a graph input holding array."""
    m = copy.deepcopy(model)
    for n in m.graph.node:
        for i, o in enumerate(n.output):
            if o == value:
                n.output[i] = value + "_cut"
    dt = {np.dtype(v): k for k, v in NP.items()}[array.dtype]
    m.graph.input.append(helper.make_tensor_value_info(value, gen_graph.ONNX_TYPE[dt], list(array.shape)))
    return prune(m, dict(feeds, **{value: array}))


def truncate(model, feeds, value, array):
    """value becomes the only graph output."""
    m = copy.deepcopy(model)
    dt = {np.dtype(v): k for k, v in NP.items()}[array.dtype]
    del m.graph.output[:]
    m.graph.output.append(helper.make_tensor_value_info(value, gen_graph.ONNX_TYPE[dt], list(array.shape)))
    return prune(m, feeds)


def bypass(model, feeds, node_index, src):
    """The node's output is replaced by its input src everywhere."""
    m = copy.deepcopy(model)
    out = m.graph.node[node_index].output[0]
    for n in m.graph.node:
        for i, x in enumerate(n.input):
            if x == out:
                n.input[i] = src
    for o in m.graph.output:
        if o.name == out:
            o.name = src
    return prune(m, feeds)


def same_type_inputs(model, node):
    """Inputs of node with the type and shape of its first output."""
    inferred = shape_inference.infer_shapes(model)
    vis = {vi.name: vi.type for vi in list(inferred.graph.value_info) + list(inferred.graph.input)}
    t = vis.get(node.output[0])
    return [i for i in node.input if i and t is not None and vis.get(i) == t]


def minimize_case(case, outcome, args, log=print):
    """Writes case/min/ (the smallest graph found that still fails like case) and returns its path."""
    work = os.path.join(case, "min_work")
    model, feeds = load_case(case)
    values = intermediates(model, feeds, work, args)

    def fails(m, f):
        d = os.path.join(work, "try")
        shutil.rmtree(d, ignore_errors=True)
        if not m.graph.output or not m.graph.node or any(o.name in f for o in m.graph.output):
            return False
        gen_graph.write_case(m, f, d)
        got, lines = graphfuzz.evaluate(d, args)
        return got == outcome

    changed = True
    while changed:
        changed = False
        cands = []
        if len(model.graph.output) > 1:
            for o in model.graph.output:
                m = copy.deepcopy(model)
                del m.graph.output[:]
                m.graph.output.append(o)
                cands.append(prune(m, feeds))
        names = [o for n in model.graph.node if n.op_type != "Constant" for o in n.output if o in values]
        outs = {o.name for o in model.graph.output}
        cands += [truncate(model, feeds, v, values[v]) for v in names if v not in outs]
        cands += [cut(model, feeds, v, values[v]) for v in reversed(names) if v not in outs]
        for i, n in enumerate(model.graph.node):
            if n.op_type != "Constant":
                cands += [bypass(model, feeds, i, s) for s in same_type_inputs(model, n)]
        for m, f in cands:
            if len(m.graph.node) < len(model.graph.node) or len(m.graph.output) < len(model.graph.output) or \
                    len(f) < len(feeds):
                if fails(m, f):
                    model, feeds, changed = m, f, True
                    log(f"minimize: {len(model.graph.node)} nodes")
                    break
    dest = os.path.join(case, "min")
    shutil.rmtree(dest, ignore_errors=True)
    gen_graph.write_case(model, feeds, dest)
    got, lines = graphfuzz.evaluate(dest, args)
    with open(os.path.join(dest, "report.txt"), "w") as f:
        f.write(f"minimized: {got}\n" + "".join(f"  {l}\n" for l in lines) + "\n")
        f.write(gen_graph.describe(model) + "\n")
        for name, arr in feeds.items():
            if arr.size <= 64:
                f.write(f"{name} = {arr.tolist()}\n")
    shutil.rmtree(work, ignore_errors=True)
    return dest


def main():
    case = sys.argv[1]
    args = graphfuzz.parse_args(sys.argv[2:])
    graphfuzz.setup(args)
    got, lines = graphfuzz.evaluate(os.path.abspath(case), args)
    print(f"{case}: {got}")
    if got in ("mismatch", "crash"):
        dest = minimize_case(os.path.abspath(case), got, args)
        print(open(os.path.join(dest, "report.txt")).read())


if __name__ == "__main__":
    main()
