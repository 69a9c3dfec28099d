// Rewrites older ONNX opset forms into the newest semantics the onnx dialect models.
#include "compiler/GraphImporter.h"
#include "dialects/onnx/OnnxDialect.h"
#include "dialects/onnx/OnnxUtils.h"

#include "mlir/IR/Diagnostics.h"

using namespace mlir;

namespace onnxc {

namespace {
/// Removes attribute `name` and returns it, or null.
Attribute take(NodeState &n, StringRef name) {
  Attribute a = n.attrs.get(name);
  if (a)
    n.attrs.erase(name);
  return a;
}

void setInput(NodeState &n, unsigned index, Value v) {
  if (n.inputs.size() <= index)
    n.inputs.resize(index + 1);
  n.inputs[index] = v;
}

/// Moves an ints attribute to input `index` as a 1-D int64 constant.
LogicalResult intsAttrToInput(GraphImporter &g, NodeState &n, StringRef name, unsigned index) {
  Attribute a = take(n, name);
  if (!a)
    return success();
  auto ints = dyn_cast<DenseI64ArrayAttr>(a);
  if (!ints)
    return emitError(n.loc) << "attribute '" << name << "' must be a list of ints";
  setInput(n, index, g.constI64(ints.asArrayRef(), n.loc));
  return success();
}

/// Moves a float attribute to input `index` as a scalar constant.
LogicalResult floatAttrToInput(GraphImporter &g, NodeState &n, StringRef name, unsigned index) {
  Attribute a = take(n, name);
  if (!a)
    return success();
  auto f = dyn_cast<FloatAttr>(a);
  if (!f)
    return emitError(n.loc) << "attribute '" << name << "' must be a float";
  setInput(n, index, g.constF32Scalar(f.getValueAsDouble(), n.loc));
  return success();
}

/// Opsets before 7 broadcast B onto A starting at `axis` when broadcast=1.
LogicalResult upgradeLegacyBroadcast(GraphImporter &g, NodeState &n) {
  auto bcast = dyn_cast_or_null<IntegerAttr>(take(n, "broadcast"));
  Attribute axisAttr = take(n, "axis");
  if (!bcast || bcast.getInt() == 0 || n.inputs.size() != 2 || !n.inputs[0] || !n.inputs[1])
    return success();
  auto ta = dyn_cast<RankedTensorType>(n.inputs[0].getType());
  auto tb = dyn_cast<RankedTensorType>(n.inputs[1].getType());
  if (!ta || !tb)
    return success();
  int64_t axis = ta.getRank() - tb.getRank();
  if (auto ax = dyn_cast_or_null<IntegerAttr>(axisAttr))
    axis = ax.getInt() < 0 ? ax.getInt() + ta.getRank() : ax.getInt();
  int64_t trailing = ta.getRank() - axis - tb.getRank();
  if (axis < 0 || trailing < 0)
    return emitError(n.loc) << "legacy broadcast axis does not fit the operands";
  SmallVector<int64_t> shape(tb.getShape());
  shape.append(trailing, 1);
  auto r = g.buildOp("Reshape", {n.inputs[1], g.constI64(shape, n.loc)}, {}, n.loc);
  if (failed(r))
    return failure();
  n.inputs[1] = (*r)[0];
  return success();
}

/// Softmax/LogSoftmax before 13 coerce the input to 2-D at `axis` (default 1).
LogicalResult upgradeCoercedSoftmax(GraphImporter &g, NodeState &n) {
  auto t = n.inputs.empty() || !n.inputs[0] ? RankedTensorType()
                                            : dyn_cast<RankedTensorType>(n.inputs[0].getType());
  if (!t)
    return success();
  int64_t axis = 1;
  if (auto a = dyn_cast_or_null<IntegerAttr>(take(n, "axis")))
    axis = a.getInt() < 0 ? a.getInt() + t.getRank() : a.getInt();
  Builder b(&g.ctx);
  if (axis == t.getRank() - 1) {
    n.attrs.set("axis", b.getI64IntegerAttr(-1));
    return success();
  }
  auto flat = g.buildOp("Flatten", {n.inputs[0]}, {b.getNamedAttr("axis", b.getI64IntegerAttr(axis))}, n.loc);
  if (failed(flat))
    return failure();
  auto sm = g.buildOp(n.opType, *flat, {b.getNamedAttr("axis", b.getI64IntegerAttr(1))}, n.loc);
  if (failed(sm))
    return failure();
  auto back = g.buildOp("Reshape", {(*sm)[0], g.constI64(t.getShape(), n.loc)}, {}, n.loc);
  if (failed(back))
    return failure();
  n.results = *back;
  return success();
}

/// Constant's value_float(s)/value_int(s) forms become a `value` tensor.
LogicalResult upgradeConstantForms(NodeState &n) {
  Builder b(n.loc.getContext());
  Attribute value;
  if (auto f = dyn_cast_or_null<FloatAttr>(take(n, "value_float")))
    value = DenseElementsAttr::get(RankedTensorType::get({}, b.getF32Type()), (float)f.getValueAsDouble());
  else if (auto fs = dyn_cast_or_null<DenseF32ArrayAttr>(take(n, "value_floats")))
    value = DenseElementsAttr::get(RankedTensorType::get({(int64_t)fs.size()}, b.getF32Type()), fs.asArrayRef());
  else if (auto i = dyn_cast_or_null<IntegerAttr>(take(n, "value_int")))
    value = DenseElementsAttr::get(RankedTensorType::get({}, b.getI64Type()), (int64_t)i.getInt());
  else if (auto is = dyn_cast_or_null<DenseI64ArrayAttr>(take(n, "value_ints")))
    value = DenseElementsAttr::get(RankedTensorType::get({(int64_t)is.size()}, b.getI64Type()), is.asArrayRef());
  if (value)
    n.attrs.set("value", value);
  return success();
}

/// Resize-10 (X, scales) and Upsample-7/9 (scales attribute or input) become
/// the newest Resize: (X, roi, scales, sizes), sampling x_resized / scale
/// (asymmetric) and, for nearest, the floor of it.
LogicalResult upgradeToResize(GraphImporter &g, NodeState &n) {
  Builder b(&g.ctx);
  Value x = n.inputs.empty() ? Value() : n.inputs[0];
  Value scales = n.inputs.size() > 1 ? n.inputs[1] : Value();
  if (Attribute a = take(n, "scales")) {
    auto fs = dyn_cast<DenseF32ArrayAttr>(a);
    if (!fs)
      return emitError(n.loc) << "attribute 'scales' must be a list of floats";
    auto type = RankedTensorType::get({(int64_t)fs.size()}, b.getF32Type());
    scales = onnx::ConstantOp::create(g.b, n.loc, DenseElementsAttr::get(type, fs.asArrayRef()));
  }
  if (n.opType == "Upsample" && n.attrs.get("mode") == b.getStringAttr("bilinear"))
    n.attrs.set("mode", b.getStringAttr("linear"));
  n.opType = "Resize";
  n.inputs = {x, Value(), scales, Value()};
  n.attrs.set("coordinate_transformation_mode", b.getStringAttr("asymmetric"));
  n.attrs.set("nearest_mode", b.getStringAttr("floor"));
  return success();
}

/// Cast before 6 names the target type as a string.
LogicalResult upgradeCastName(NodeState &n) {
  auto s = dyn_cast_or_null<StringAttr>(n.attrs.get("to"));
  if (!s)
    return success();
  static const std::pair<const char *, int64_t> names[] = {
      {"FLOAT", 1}, {"UINT8", 2}, {"INT8", 3}, {"UINT16", 4}, {"INT16", 5}, {"INT32", 6},
      {"INT64", 7}, {"BOOL", 9}, {"FLOAT16", 10}, {"DOUBLE", 11}, {"UINT32", 12}, {"UINT64", 13}};
  for (auto [name, code] : names)
    if (s.getValue() == name) {
      n.attrs.set("to", Builder(s.getContext()).getI64IntegerAttr(code));
      return success();
    }
  return emitError(n.loc) << "unknown Cast target type '" << s.getValue() << "'";
}
} // namespace

LogicalResult GraphImporter::upgrade(NodeState &n) {
  StringRef op = n.opType;
  int64_t v = n.opset;
  if (v < 7 && (op == "Add" || op == "Sub" || op == "Mul" || op == "Div" || op == "Pow"))
    return upgradeLegacyBroadcast(*this, n);
  if (op == "ReduceSum" && v < 13)
    return intsAttrToInput(*this, n, "axes", 1);
  if ((op == "ReduceMean" || op == "ReduceMax" || op == "ReduceMin" || op == "ReduceProd" ||
       op == "ReduceL1" || op == "ReduceL2" || op == "ReduceLogSum" || op == "ReduceLogSumExp" ||
       op == "ReduceSumSquare") &&
      v < 18)
    return intsAttrToInput(*this, n, "axes", 1);
  if ((op == "Squeeze" || op == "Unsqueeze") && v < 13)
    return intsAttrToInput(*this, n, "axes", 1);
  if (op == "Slice" && v < 10) {
    if (failed(intsAttrToInput(*this, n, "starts", 1)) || failed(intsAttrToInput(*this, n, "ends", 2)))
      return failure();
    return intsAttrToInput(*this, n, "axes", 3);
  }
  if (op == "Clip" && v < 11) {
    if (failed(floatAttrToInput(*this, n, "min", 1)))
      return failure();
    return floatAttrToInput(*this, n, "max", 2);
  }
  if (op == "Pad" && v < 11) {
    if (Attribute p = take(n, "paddings"))
      n.attrs.set("pads", p);
    if (failed(intsAttrToInput(*this, n, "pads", 1)))
      return failure();
    return floatAttrToInput(*this, n, "value", 2);
  }
  if (op == "Reshape" && v < 5)
    return intsAttrToInput(*this, n, "shape", 1);
  if ((op == "Softmax" || op == "LogSoftmax") && v < 13)
    return upgradeCoercedSoftmax(*this, n);
  if (op == "Concat" && v < 4 && !n.attrs.get("axis"))
    n.attrs.set("axis", Builder(&ctx).getI64IntegerAttr(1));
  if (op == "Cast")
    return upgradeCastName(n);
  if (op == "Scatter") // deprecated in opset 11: the same as ScatterElements
    n.opType = "ScatterElements";
  if (op == "TopK" && v < 10)
    if (auto k = dyn_cast_or_null<IntegerAttr>(take(n, "k")))
      setInput(n, 1, constI64({k.getInt()}, n.loc));
  if (op == "GridSample" && v < 20) // opset 20 renamed bilinear/bicubic
    if (auto mode = dyn_cast_or_null<StringAttr>(n.attrs.get("mode")))
      n.attrs.set("mode", StringAttr::get(&ctx, mode.getValue() == "bilinear"  ? "linear"
                                                : mode.getValue() == "bicubic" ? "cubic"
                                                                               : mode.getValue()));
  if (op == "Constant")
    return upgradeConstantForms(n);
  if (op == "PRelu" && v < 7 && n.inputs.size() == 2 && n.inputs[0] && n.inputs[1]) {
    // Before opset 7 a 1-D slope of C values applied per channel (axis 1).
    auto tx = dyn_cast<RankedTensorType>(n.inputs[0].getType());
    auto ts = dyn_cast<RankedTensorType>(n.inputs[1].getType());
    if (tx && ts && tx.getRank() >= 3 && ts.getRank() == 1 && ts.getDimSize(0) == tx.getDimSize(1) &&
        ts.getDimSize(0) != 1) {
      SmallVector<int64_t> shape(tx.getRank() - 1, 1);
      shape[0] = ts.getDimSize(0);
      auto built = buildOp("Reshape", {n.inputs[1], constI64(shape, n.loc)}, {}, n.loc);
      if (failed(built))
        return failure();
      n.inputs[1] = (*built)[0];
    }
    return success();
  }
  if (op == "CastLike") {
    // CastLike(x, like) is Cast(x) to like's element type.
    auto like = n.inputs.size() == 2 && n.inputs[1] ? dyn_cast<TensorType>(n.inputs[1].getType()) : nullptr;
    int32_t code = like ? onnxc::onnx::onnxCodeFromElementType(like.getElementType()) : 0;
    if (!code)
      return emitError(n.loc) << "CastLike needs a tensor 'target_type' input of a supported type";
    n.opType = "Cast";
    n.inputs.resize(1);
    n.attrs.set("to", Builder(&ctx).getI64IntegerAttr(code));
    return success();
  }
  if ((op == "Resize" && v < 11) || op == "Upsample")
    return upgradeToResize(*this, n);
  if (op == "Split") {
    if (v < 13 && failed(intsAttrToInput(*this, n, "split", 1)))
      return failure();
    bool hasSplit = n.inputs.size() > 1 && n.inputs[1];
    auto given = dyn_cast_or_null<IntegerAttr>(n.attrs.get("num_outputs"));
    // The spec ties num_outputs to the node's output count; a larger value would only
    // make shape inference size pieces nobody reads (a fuzzed 3e9 exhausted memory).
    if (given && given.getInt() != n.numOutputs)
      return emitError(n.loc) << "Split's num_outputs (" << given.getInt()
                              << ") must equal the node's output count (" << n.numOutputs << ")";
    if (!hasSplit && !given)
      n.attrs.set("num_outputs", Builder(&ctx).getI64IntegerAttr(n.numOutputs));
    return success();
  }
  return success();
}

} // namespace onnxc
