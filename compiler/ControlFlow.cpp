// If, Loop and Scan, imported inline: branches picked or selected, loops unrolled.
#include "compiler/Composer.h"
#include "compiler/Importer.h"

#include <onnx/onnx_pb.h>

using namespace mlir;

namespace onnxc {

namespace {

/// The value of a one-element bool constant, or nullopt.
std::optional<bool> constantBool(Value v) {
  auto c = v ? v.getDefiningOp<onnx::ConstantOp>() : onnx::ConstantOp();
  auto dense = c ? dyn_cast<DenseElementsAttr>(c.getValue()) : DenseElementsAttr();
  if (!dense || dense.getNumElements() != 1 || !dense.getElementType().isInteger(1))
    return std::nullopt;
  return !(*dense.value_begin<APInt>()).isZero();
}

Value scalarI64(Composer &c, int64_t v) { return c.scalar(IntegerType::get(&c.g.ctx, 64), v); }

Value trueScalar(Composer &c) { return c.scalar(IntegerType::get(&c.g.ctx, 1), 1); }

/// A one-element bool tensor as a rank-0 one (the form bodies and Where expect).
Value asScalarCondition(Composer &c, Value cond, StringRef what) {
  auto t = dyn_cast<RankedTensorType>(cond.getType());
  if (!t || !t.getElementType().isInteger(1) || t.getNumElements() != 1)
    return c.fail(what + Twine(" must be a one-element bool tensor"));
  return t.getRank() == 0 ? cond : c.op("Reshape", {cond, c.ints({})});
}


std::string typeString(Type t) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << t;
  return s;
}

LogicalResult importIf(Composer &c, NodeState &n, const Scope &scope) {
  const ::onnx::GraphProto *thenG = n.graph("then_branch"), *elseG = n.graph("else_branch");
  if (!thenG || !elseG || !input(n, 0))
    return emitError(n.loc) << "If needs a cond input and then_branch and else_branch graphs";
  Value cond = asScalarCondition(c, input(n, 0), "If's cond");
  if (!c.ok)
    return failure();
  if (std::optional<bool> known = constantBool(cond)) {
    auto outs = c.g.importBody(*known ? *thenG : *elseG, {}, scope, n.loc);
    if (failed(outs))
      return failure();
    return c.done(n, *outs);
  }
  auto thenOuts = c.g.importBody(*thenG, {}, scope, n.loc);
  if (failed(thenOuts))
    return failure();
  auto elseOuts = c.g.importBody(*elseG, {}, scope, n.loc);
  if (failed(elseOuts))
    return failure();
  if (thenOuts->size() != elseOuts->size())
    return emitError(n.loc) << "If's branches have " << thenOuts->size() << " and " << elseOuts->size()
                            << " outputs";
  SmallVector<Value> results;
  for (auto [i, pair] : llvm::enumerate(llvm::zip(*thenOuts, *elseOuts))) {
    auto [a, b] = pair;
    if (a.getType() != b.getType())
      return emitError(n.loc) << "If's branches give output " << i << " the types "
                              << typeString(a.getType()) << " and " << typeString(b.getType())
                              << "; with a condition known only at run time both must be the same "
                                 "static type";
    results.push_back(c.op("Where", {cond, a, b}));
  }
  return c.done(n, results);
}

/// Whether a Loop body's condition output is its condition input, unchanged.
bool conditionPassesThrough(const ::onnx::GraphProto &body) {
  if (body.input_size() < 2 || body.output_size() < 1)
    return false;
  const std::string &in = body.input(1).name(), &out = body.output(0).name();
  if (in == out)
    return true;
  for (const auto &node : body.node())
    if (node.op_type() == "Identity" && node.output_size() == 1 && node.output(0) == out)
      return node.input_size() == 1 && node.input(0) == in;
  return false;
}

/// Loop, unrolled. The trip count is a constant, absent (the condition
/// becomes a constant false), or known only at run time and bounded by
/// --max-trip-count (unrolled to the bound). A condition or trip count known
/// only at run time keeps the loop-carried values of the last step that ran
/// through Where; scan outputs then have the bound's length, with the number
/// of steps that ran as their run-time length (graph outputs only).
LogicalResult importLoop(Composer &c, NodeState &n, const Scope &scope) {
  const ::onnx::GraphProto *body = n.graph("body");
  if (!body)
    return emitError(n.loc) << "Loop needs a body graph";
  int64_t tripCount = INT64_MAX;
  Value runtimeTrips; // the trip count, when known only at run time (rank 0)
  if (Value m = input(n, 0)) {
    auto ints = onnx::getConstantInts(m);
    if (ints && ints->size() == 1) {
      tripCount = std::max<int64_t>((*ints)[0], 0);
    } else if (c.g.options.maxTripCount > 0 && Composer::shape(m).size() <= 1 && product(Composer::shape(m)) == 1) {
      tripCount = c.g.options.maxTripCount;
      runtimeTrips = c.op("Reshape", {c.castTo(m, IntegerType::get(&c.g.ctx, 64)), c.ints({})});
    } else {
      return onnx::emitNotConstant(n.loc, m, "M",
                                   "one-element trip count, or bounded with --max-trip-count=N (onnxc unrolls loops)");
    }
  }
  Value active = input(n, 1) ? asScalarCondition(c, input(n, 1), "Loop's cond") : trueScalar(c);
  if (!c.ok)
    return failure();
  if (!input(n, 0) && !constantBool(active))
    return emitError(n.loc) << "a Loop with no trip count needs a constant initial condition";
  SmallVector<Value> carried(n.inputs.begin() + std::min<size_t>(2, n.inputs.size()), n.inputs.end());
  for (Value v : carried)
    if (!v)
      return emitError(n.loc) << "Loop's loop-carried inputs must all be given";
  int numScans = body->output_size() - 1 - (int)carried.size();
  if (numScans < 0)
    return emitError(n.loc) << "Loop's body has " << body->output_size() << " outputs, fewer than 1 + "
                            << carried.size() << " loop-carried values";
  SmallVector<SmallVector<Value>> scans(numScans);
  std::optional<bool> known = constantBool(active);
  // A counted loop (its condition passes through) that cannot fit the node
  // budget is refused before it is unrolled.
  if (((known == true && conditionPassesThrough(*body)) || runtimeTrips) && tripCount != INT64_MAX &&
      tripCount > (c.g.options.maxNodes - c.g.nodesImported) / (body->node_size() + 1))
    return emitError(n.loc) << "the graph has more than " << c.g.options.maxNodes
                            << " nodes, with loops unrolled (raise the limit with --max-nodes)";
  if (runtimeTrips)
    known = std::nullopt;
  Value stepsRun = scalarI64(c, 0); // steps that ran (a constant while every step is known to run)
  bool runtimeSteps = false;
  int64_t step = 0;
  for (; step < tripCount && known != false; ++step) {
    if (runtimeTrips)
      active = c.op("And", {active, c.op("Less", {scalarI64(c, step), runtimeTrips})});
    SmallVector<Value> inputs{scalarI64(c, step), active};
    inputs.append(carried);
    auto outs = c.g.importBody(*body, inputs, scope, n.loc);
    if (failed(outs))
      return failure();
    Value condOut = asScalarCondition(c, (*outs)[0], "Loop's body condition output");
    if (!c.ok)
      return failure();
    ArrayRef<Value> next = ArrayRef<Value>(*outs).slice(1, carried.size());
    if (known) { // every earlier step ran
      carried.assign(next.begin(), next.end());
      for (int k = 0; k < numScans; ++k)
        scans[k].push_back((*outs)[1 + carried.size() + k]);
      stepsRun = c.op("Add", {stepsRun, scalarI64(c, 1)});
      active = condOut;
    } else {
      for (int k = 0; k < numScans; ++k)
        scans[k].push_back((*outs)[1 + carried.size() + k]);
      stepsRun = c.op("Add", {stepsRun, c.castTo(active, IntegerType::get(&c.g.ctx, 64))});
      runtimeSteps = true;
      for (auto [j, v] : llvm::enumerate(next)) {
        if (v.getType() != carried[j].getType())
          return emitError(n.loc) << "loop-carried value " << j << " changes type across steps of a Loop "
                                     "whose condition is known only at run time";
        carried[j] = c.op("Where", {active, v, carried[j]});
      }
      active = c.op("And", {active, condOut});
    }
    known = runtimeTrips ? std::nullopt : constantBool(active);
  }
  SmallVector<Value> results(carried);
  for (int k = 0; k < numScans; ++k) {
    if (scans[k].empty())
      return emitError(n.loc) << "Loop runs zero times, so scan output " << k << " would be empty; "
                              << "onnxc does not support empty scan outputs";
    results.push_back(c.stack(scans[k], 0));
    // Steps that ran form a prefix: the first stepsRun rows are the scan.
    if (runtimeSteps)
      c.runtimeDim(results.back(), 0, stepsRun);
  }
  return c.done(n, results);
}

/// Ints attribute `name` cut or padded with `dflt` to `count` entries.
SmallVector<int64_t> intsAttr(const NodeState &n, StringRef name, size_t count, int64_t dflt) {
  SmallVector<int64_t> out = intsOr(n, name, {});
  out.resize(count, dflt);
  return out;
}

/// The scan of opset 9+: `states` carried, `inputs` sliced along their axes
/// one step at a time, the per-step outputs stacked along theirs.
FailureOr<SmallVector<Value>> scanSteps(Composer &c, const NodeState &n, const Scope &scope,
                                        const ::onnx::GraphProto &body, SmallVector<Value> states,
                                        ArrayRef<Value> inputs, ArrayRef<int64_t> inAxes,
                                        ArrayRef<int64_t> inDirs, ArrayRef<int64_t> outAxes,
                                        ArrayRef<int64_t> outDirs) {
  int64_t length = -1;
  SmallVector<int64_t> axes;
  for (auto [j, x] : llvm::enumerate(inputs)) {
    int64_t rank = Composer::rank(x), axis = inAxes[j] < 0 ? inAxes[j] + rank : inAxes[j];
    if (axis < 0 || axis >= rank)
      return emitError(n.loc) << "scan input " << j << "'s axis " << inAxes[j] << " is out of range",
             failure();
    int64_t len = Composer::shape(x)[axis];
    if (length >= 0 && len != length)
      return emitError(n.loc) << "Scan's inputs have different lengths along their scan axes", failure();
    length = len;
    axes.push_back(axis);
  }
  if (length <= 0)
    return emitError(n.loc) << "Scan needs at least one scan input of nonzero length", failure();
  int numOuts = body.output_size() - (int)states.size();
  if (numOuts < 0)
    return emitError(n.loc) << "Scan's body has fewer outputs than states", failure();
  SmallVector<SmallVector<Value>> outs(numOuts);
  for (int64_t t = 0; t < length; ++t) {
    SmallVector<Value> bodyIn(states);
    for (auto [j, x] : llvm::enumerate(inputs))
      bodyIn.push_back(c.op("Gather", {x, scalarI64(c, inDirs[j] ? length - 1 - t : t)},
                            {c.attr("axis", axes[j])}));
    if (!c.ok)
      return failure();
    auto res = c.g.importBody(body, bodyIn, scope, n.loc);
    if (failed(res))
      return failure();
    states.assign(res->begin(), res->begin() + states.size());
    for (int k = 0; k < numOuts; ++k)
      outs[k].push_back((*res)[states.size() + k]);
  }
  SmallVector<Value> results(states);
  for (int k = 0; k < numOuts; ++k) {
    if (outDirs[k])
      std::reverse(outs[k].begin(), outs[k].end());
    int64_t rank = Composer::rank(outs[k][0]) + 1, axis = outAxes[k] < 0 ? outAxes[k] + rank : outAxes[k];
    if (axis < 0 || axis >= rank)
      return emitError(n.loc) << "scan output " << k << "'s axis " << outAxes[k] << " is out of range",
             failure();
    results.push_back(c.stack(outs[k], axis));
  }
  if (!c.ok)
    return failure();
  return results;
}

LogicalResult importScan(Composer &c, NodeState &n, const Scope &scope) {
  const ::onnx::GraphProto *body = n.graph("body");
  int64_t numScanInputs = intAttr(n, "num_scan_inputs", -1);
  bool batched = n.opset < 9; // Scan-8: a batch axis first, sequence_lens as input 0
  SmallVector<Value> ins(n.inputs.begin() + (batched ? std::min<size_t>(1, n.inputs.size()) : 0),
                         n.inputs.end());
  if (!body || numScanInputs < 1 || numScanInputs > (int64_t)ins.size())
    return emitError(n.loc) << "Scan needs a body graph and 1 to " << ins.size() << " num_scan_inputs";
  for (Value v : ins)
    if (!v)
      return emitError(n.loc) << "Scan's state and scan inputs must all be given";
  size_t numStates = ins.size() - numScanInputs;
  int numOuts = body->output_size() - (int)numStates;
  SmallVector<Value> states(ins.begin(), ins.begin() + numStates);
  ArrayRef<Value> scanIns = ArrayRef<Value>(ins).drop_front(numStates);
  SmallVector<int64_t> outDirs = intsAttr(n, "scan_output_directions", std::max(numOuts, 0), 0);
  if (!batched) {
    auto r = scanSteps(c, n, scope, *body, states, scanIns, intsAttr(n, "scan_input_axes", numScanInputs, 0),
                       intsAttr(n, "scan_input_directions", numScanInputs, 0),
                       intsAttr(n, "scan_output_axes", std::max(numOuts, 0), 0), outDirs);
    return failed(r) ? failure() : c.done(n, *r);
  }
  // Scan-8: every batch row scans independently along axis 1.
  SmallVector<int64_t> dirs = intsAttr(n, "directions", numScanInputs, 0);
  int64_t batch = Composer::shape(ins[0]).empty() ? -1 : Composer::shape(ins[0])[0];
  for (Value v : ins)
    if (Composer::rank(v) < 1 || Composer::shape(v)[0] != batch)
      return emitError(n.loc) << "Scan-8's inputs must share their batch (first) dimension";
  if (Value lens = input(n, 0)) {
    auto ints = onnx::getConstantInts(lens);
    if (!ints || Composer::rank(scanIns[0]) < 2 ||
        llvm::any_of(*ints, [&](int64_t l) { return l != Composer::shape(scanIns[0])[1]; }))
      return emitError(n.loc) << "Scan-8's sequence_lens must be constants equal to the full sequence length";
  }
  SmallVector<SmallVector<Value>> perRow(numStates + std::max(numOuts, 0));
  for (int64_t row = 0; row < batch; ++row) {
    auto pick = [&](Value v) { return c.op("Gather", {v, scalarI64(c, row)}, {c.attr("axis", 0)}); };
    SmallVector<Value> rowStates, rowIns;
    for (Value v : states)
      rowStates.push_back(pick(v));
    for (Value v : scanIns)
      rowIns.push_back(pick(v));
    if (!c.ok)
      return failure();
    auto r = scanSteps(c, n, scope, *body, rowStates, rowIns, SmallVector<int64_t>(numScanInputs, 0), dirs,
                       SmallVector<int64_t>(std::max(numOuts, 0), 0), outDirs);
    if (failed(r))
      return failure();
    for (auto [k, v] : llvm::enumerate(*r))
      perRow[k].push_back(v);
  }
  SmallVector<Value> results;
  for (auto &rows : perRow)
    results.push_back(c.stack(rows, 0));
  return c.done(n, results);
}

} // namespace

LogicalResult GraphImporter::importControlFlow(NodeState &n, const Scope &scope) {
  Composer c{*this, n.loc};
  if (n.opType == "If")
    return importIf(c, n, scope);
  if (n.opType == "Loop")
    return importLoop(c, n, scope);
  if (n.opType == "FlexAttention")
    return flexAttention(c, n, scope);
  return importScan(c, n, scope);
}

} // namespace onnxc
