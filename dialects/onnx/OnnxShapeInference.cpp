// Result type inference for onnx constants, casts and shape/data-movement ops.
#include "dialects/onnx/OnnxDialect.h"
#include "dialects/onnx/OnnxUtils.h"

#include "llvm/Support/MathExtras.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Diagnostics.h"

using namespace mlir;
using namespace onnxc::onnx;

using Types = SmallVectorImpl<Type>;
using Loc = std::optional<Location>;

static LogicalResult pushTensor(Loc loc, ArrayRef<int64_t> shape, Type elem,
                                Types &types) {
  for (int64_t d : shape)
    if (d < 0)
      return emitOptionalError(loc, "negative dimension ", d, " in result");
  if (!checkedProduct(shape))
    return emitOptionalError(loc, "result element count overflows");
  types.push_back(RankedTensorType::get(shape, elem));
  return success();
}

LogicalResult ConstantOp::inferReturnTypes(MLIRContext *, Loc loc, Adaptor a,
                                           Types &types) {
  auto t = dyn_cast<RankedTensorType>(a.getValue().getType());
  if (!t || !t.hasStaticShape())
    return emitOptionalError(loc, "constant must have a static tensor type");
  types.push_back(t);
  return success();
}

LogicalResult CastOp::inferReturnTypes(MLIRContext *ctx, Loc loc, Adaptor a,
                                       Types &types) {
  RankedTensorType t;
  if (failed(requireStaticType(loc, a.getInput(), "input", t)))
    return failure();
  Type elem = elementTypeFromOnnx(ctx, (int64_t)a.getTo());
  if (!elem)
    return emitOptionalError(loc, "unsupported target data type ", onnxTypeName(a.getTo()));
  types.push_back(t.clone(elem));
  return success();
}

LogicalResult BitCastOp::inferReturnTypes(MLIRContext *ctx, Loc loc, Adaptor a, Types &types) {
  RankedTensorType t;
  if (failed(requireStaticType(loc, a.getInput(), "input", t)))
    return failure();
  Type elem = elementTypeFromOnnx(ctx, (int64_t)a.getTo());
  if (!elem || elem.isInteger(1) || t.getElementType().isInteger(1))
    return emitOptionalError(loc, "unsupported BitCast type ", onnxTypeName(a.getTo()), " (bool excluded)");
  if (elem.getIntOrFloatBitWidth() != t.getElementType().getIntOrFloatBitWidth())
    return emitOptionalError(loc, "BitCast needs types of one width: ", t.getElementType(), " and ", elem);
  types.push_back(t.clone(elem));
  return success();
}

LogicalResult DropoutOp::inferReturnTypes(MLIRContext *, Loc loc, Adaptor a,
                                          Types &types) {
  RankedTensorType t;
  if (failed(requireStaticType(loc, a.getData(), "data", t)))
    return failure();
  SmallVector<int64_t> mode;
  if (!isNone(a.getTrainingMode())) {
    if (failed(requireConstantInts(loc, a.getTrainingMode(), "training_mode", mode)))
      return failure();
    if (mode.size() != 1)
      return emitOptionalError(loc, "training_mode must be a scalar");
  }
  if (!mode.empty() && mode[0]) {
    auto ratio = isNone(a.getRatio()) ? std::optional<SmallVector<double>>(SmallVector<double>{0.5})
                                      : getConstantFloats(a.getRatio());
    if (!ratio)
      return emitNotConstant(loc, a.getRatio(), "ratio", "in training mode");
    if (ratio->size() != 1 || (*ratio)[0] != 0)
      return emitOptionalError(loc, "training-mode Dropout with a ratio other than a constant 0 is "
                                    "random; onnxc compiles inference");
  }
  types.push_back(t);
  types.push_back(t.clone(IntegerType::get(t.getContext(), 1)));
  return success();
}

LogicalResult SizeOp::inferReturnTypes(MLIRContext *ctx, Loc loc, Adaptor a, Types &types) {
  RankedTensorType t;
  if (failed(requireStaticType(loc, a.getData(), "data", t)))
    return failure();
  types.push_back(RankedTensorType::get({}, IntegerType::get(ctx, 64)));
  return success();
}

LogicalResult ShapeOfOp::inferReturnTypes(MLIRContext *ctx, Loc loc, Adaptor a,
                                          Types &types) {
  RankedTensorType t;
  if (failed(requireStaticType(loc, a.getData(), "data", t)))
    return failure();
  int64_t r = t.getRank();
  auto clampAxis = [&](int64_t x) { return std::clamp<int64_t>(x < 0 ? x + r : x, 0, r); };
  int64_t start = clampAxis((int64_t)a.getStart());
  int64_t end = a.getEnd() ? clampAxis((int64_t)*a.getEnd()) : r;
  types.push_back(RankedTensorType::get({std::max<int64_t>(0, end - start)},
                                        IntegerType::get(ctx, 64)));
  return success();
}

LogicalResult FlattenOp::inferReturnTypes(MLIRContext *, Loc loc, Adaptor a,
                                          Types &types) {
  RankedTensorType t;
  if (failed(requireStaticType(loc, a.getInput(), "input", t)))
    return failure();
  int64_t r = t.getRank(), axis = (int64_t)a.getAxis();
  if (axis < -r || axis > r)
    return emitOptionalError(loc, "axis ", axis, " is out of range for rank ", r);
  if (axis < 0)
    axis += r;
  int64_t outer = *checkedProduct(t.getShape().take_front(axis));
  int64_t inner = *checkedProduct(t.getShape().drop_front(axis));
  return pushTensor(loc, {outer, inner}, t.getElementType(), types);
}

LogicalResult ReshapeOp::inferReturnTypes(MLIRContext *, Loc loc, Adaptor a,
                                          Types &types) {
  RankedTensorType t;
  SmallVector<int64_t> shape;
  if (failed(requireStaticType(loc, a.getData(), "data", t)) ||
      failed(requireConstantInts(loc, a.getShape(), "shape", shape)))
    return failure();
  int64_t known = 1, inferAt = -1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 0 && !a.getAllowzero()) {
      if ((int64_t)i >= t.getRank())
        return emitOptionalError(loc, "shape copies dimension ", i,
                                 " that the input does not have");
      shape[i] = t.getDimSize(i);
    }
    if (shape[i] == -1) {
      if (inferAt >= 0)
        return emitOptionalError(loc, "shape has more than one -1");
      inferAt = i;
      continue;
    }
    if (shape[i] < 0)
      return emitOptionalError(loc, "shape has negative dimension ", shape[i]);
    if (llvm::MulOverflow(known, shape[i], known))
      return emitOptionalError(loc, "shape's element count overflows");
  }
  int64_t total = t.getNumElements();
  if (inferAt >= 0) {
    if (known == 0 || total % known != 0)
      return emitOptionalError(loc, "cannot infer -1: ", total,
                               " elements do not divide into ", known);
    shape[inferAt] = total / known;
  } else if (known != total) {
    return emitOptionalError(loc, "shape has ", known, " elements, input has ",
                             total);
  }
  return pushTensor(loc, shape, t.getElementType(), types);
}

LogicalResult TransposeOp::inferReturnTypes(MLIRContext *, Loc loc, Adaptor a,
                                            Types &types) {
  RankedTensorType t;
  if (failed(requireStaticType(loc, a.getData(), "data", t)))
    return failure();
  SmallVector<int64_t> perm, shape;
  if (auto err = computeTransposePerm(t.getRank(), a.getPerm(), perm))
    return emitOptionalError(loc, *err);
  for (int64_t p : perm)
    shape.push_back(t.getDimSize(p));
  return pushTensor(loc, shape, t.getElementType(), types);
}

LogicalResult ConcatOp::inferReturnTypes(MLIRContext *, Loc loc, Adaptor a,
                                         Types &types) {
  if (a.getInputs().empty())
    return emitOptionalError(loc, "Concat needs at least one input");
  RankedTensorType first;
  if (failed(requireStaticType(loc, a.getInputs()[0], "inputs", first)))
    return failure();
  auto axis = normalizeAxis((int64_t)a.getAxis(), first.getRank());
  if (!axis)
    return emitOptionalError(loc, "axis is out of range");
  SmallVector<int64_t> shape(first.getShape());
  shape[*axis] = 0;
  for (Value v : a.getInputs()) {
    RankedTensorType t;
    if (failed(requireStaticType(loc, v, "inputs", t)))
      return failure();
    if (t.getRank() != first.getRank() || t.getElementType() != first.getElementType())
      return emitOptionalError(loc, "inputs differ in rank or element type");
    for (int64_t i = 0; i < t.getRank(); ++i)
      if (i != *axis && t.getDimSize(i) != shape[i])
        return emitOptionalError(loc, "inputs differ in dimension ", i);
    shape[*axis] += t.getDimSize(*axis);
  }
  return pushTensor(loc, shape, first.getElementType(), types);
}

LogicalResult SqueezeOp::inferReturnTypes(MLIRContext *, Loc loc, Adaptor a,
                                          Types &types) {
  RankedTensorType t;
  if (failed(requireStaticType(loc, a.getData(), "data", t)))
    return failure();
  SmallVector<int64_t> axes;
  if (!isNone(a.getAxes()) && failed(requireConstantInts(loc, a.getAxes(), "axes", axes)))
    return failure();
  SmallVector<bool> drop(t.getRank(), false);
  for (int64_t ax : axes) {
    auto n = normalizeAxis(ax, t.getRank());
    if (!n)
      return emitOptionalError(loc, "axis ", ax, " is out of range");
    if (t.getDimSize(*n) != 1)
      return emitOptionalError(loc, "cannot squeeze axis ", ax, " of size ",
                               t.getDimSize(*n));
    drop[*n] = true;
  }
  SmallVector<int64_t> shape;
  for (int64_t i = 0; i < t.getRank(); ++i)
    if (!(axes.empty() ? t.getDimSize(i) == 1 : drop[i]))
      shape.push_back(t.getDimSize(i));
  return pushTensor(loc, shape, t.getElementType(), types);
}

LogicalResult UnsqueezeOp::inferReturnTypes(MLIRContext *, Loc loc, Adaptor a,
                                            Types &types) {
  RankedTensorType t;
  SmallVector<int64_t> axes;
  if (failed(requireStaticType(loc, a.getData(), "data", t)) ||
      failed(requireConstantInts(loc, a.getAxes(), "axes", axes)))
    return failure();
  int64_t outRank = t.getRank() + axes.size();
  SmallVector<bool> inserted(outRank, false);
  for (int64_t ax : axes) {
    auto n = normalizeAxis(ax, outRank);
    if (!n || inserted[*n])
      return emitOptionalError(loc, "axis ", ax, " is out of range or repeated");
    inserted[*n] = true;
  }
  SmallVector<int64_t> shape;
  int64_t src = 0;
  for (int64_t i = 0; i < outRank; ++i)
    shape.push_back(inserted[i] ? 1 : t.getDimSize(src++));
  return pushTensor(loc, shape, t.getElementType(), types);
}

LogicalResult SliceOp::inferReturnTypes(MLIRContext *, Loc loc, Adaptor a,
                                        Types &types) {
  RankedTensorType t;
  SmallVector<int64_t> starts, ends, axes, steps;
  if (failed(requireStaticType(loc, a.getData(), "data", t)) ||
      failed(requireConstantInts(loc, a.getStarts(), "starts", starts)) ||
      failed(requireConstantInts(loc, a.getEnds(), "ends", ends)) ||
      (!isNone(a.getAxes()) && failed(requireConstantInts(loc, a.getAxes(), "axes", axes))) ||
      (!isNone(a.getSteps()) && failed(requireConstantInts(loc, a.getSteps(), "steps", steps))))
    return failure();
  SliceGeometry g;
  if (auto err = computeSliceGeometry(t.getShape(), starts, ends, axes, steps, g))
    return emitOptionalError(loc, *err);
  return pushTensor(loc, g.sizes, t.getElementType(), types);
}

LogicalResult GatherOp::inferReturnTypes(MLIRContext *, Loc loc, Adaptor a,
                                         Types &types) {
  RankedTensorType t, ti;
  if (failed(requireStaticType(loc, a.getData(), "data", t)) ||
      failed(requireStaticType(loc, a.getIndices(), "indices", ti)))
    return failure();
  if (!isa<IntegerType>(ti.getElementType()))
    return emitOptionalError(loc, "indices must be integers");
  auto axis = normalizeAxis((int64_t)a.getAxis(), t.getRank());
  if (!axis)
    return emitOptionalError(loc, "axis is out of range");
  int64_t dim = t.getDimSize(*axis);
  if (auto idx = getConstantInts(a.getIndices()))
    for (int64_t i : *idx)
      if (i < -dim || i >= dim)
        return emitOptionalError(loc, "index ", i, " is out of bounds for axis of size ", dim);
  SmallVector<int64_t> shape(t.getShape().take_front(*axis));
  shape.append(ti.getShape().begin(), ti.getShape().end());
  shape.append(t.getShape().begin() + *axis + 1, t.getShape().end());
  return pushTensor(loc, shape, t.getElementType(), types);
}

LogicalResult GatherElementsOp::inferReturnTypes(MLIRContext *, Loc loc, Adaptor a, Types &types) {
  RankedTensorType t, ti;
  if (failed(requireStaticType(loc, a.getData(), "data", t)) ||
      failed(requireStaticType(loc, a.getIndices(), "indices", ti)))
    return failure();
  if (!isa<IntegerType>(ti.getElementType()) || ti.getRank() != t.getRank())
    return emitOptionalError(loc, "indices must be integers of the data's rank");
  if (!normalizeAxis((int64_t)a.getAxis(), t.getRank()))
    return emitOptionalError(loc, "axis is out of range");
  return pushTensor(loc, ti.getShape(), t.getElementType(), types);
}

LogicalResult TriluOp::inferReturnTypes(MLIRContext *, Loc loc, Adaptor a, Types &types) {
  RankedTensorType t;
  if (failed(requireStaticType(loc, a.getInput(), "input", t)))
    return failure();
  if (t.getRank() < 2)
    return emitOptionalError(loc, "input must have rank >= 2");
  if (!isNone(a.getK())) {
    auto tk = getStaticType(a.getK());
    if (!tk || tk.getNumElements() != 1 || !isa<IntegerType>(tk.getElementType()))
      return emitOptionalError(loc, "input 'k' must be one integer");
  }
  types.push_back(t);
  return success();
}

/// Sizes of Split's pieces along its axis (from `split`, or num_outputs near-equal parts).
static FailureOr<SmallVector<int64_t>> splitSizes(Loc loc, int64_t dim, Value split,
                                                  std::optional<int64_t> numOutputs) {
  if (!isNone(split)) {
    SmallVector<int64_t> sizes;
    if (failed(requireConstantInts(loc, split, "split", sizes)))
      return failure();
    int64_t total = 0;
    for (int64_t s : sizes) {
      if (s < 0)
        return emitOptionalError(loc, "split sizes must not be negative");
      total += s;
    }
    if (total != dim)
      return emitOptionalError(loc, "split sizes add up to ", total, ", not the axis size ", dim);
    return sizes;
  }
  if (!numOutputs || *numOutputs < 1 || *numOutputs > dim)
    return emitOptionalError(loc, "num_outputs must be between 1 and the axis size");
  int64_t n = *numOutputs, chunk = llvm::divideCeil(dim, n);
  SmallVector<int64_t> sizes;
  for (int64_t i = 0, left = dim; i < n; ++i, left -= chunk)
    sizes.push_back(std::min(chunk, std::max<int64_t>(left, 0)));
  return sizes;
}

LogicalResult SplitOp::inferReturnTypes(MLIRContext *, Loc loc, Adaptor a, Types &types) {
  RankedTensorType t;
  if (failed(requireStaticType(loc, a.getInput(), "input", t)))
    return failure();
  auto axis = normalizeAxis((int64_t)a.getAxis(), t.getRank());
  if (!axis)
    return emitOptionalError(loc, "axis is out of range");
  std::optional<int64_t> n;
  if (a.getNumOutputs())
    n = *a.getNumOutputs();
  auto sizes = splitSizes(loc, t.getDimSize(*axis), a.getSplit(), n);
  if (failed(sizes))
    return failure();
  for (int64_t s : *sizes) {
    SmallVector<int64_t> shape(t.getShape());
    shape[*axis] = s;
    types.push_back(RankedTensorType::get(shape, t.getElementType()));
  }
  return success();
}

LogicalResult EyeLikeOp::inferReturnTypes(MLIRContext *ctx, Loc loc, Adaptor a, Types &types) {
  RankedTensorType t;
  if (failed(requireStaticType(loc, a.getInput(), "input", t)))
    return failure();
  if (t.getRank() != 2)
    return emitOptionalError(loc, "input must be 2-D");
  Type elem = a.getDtype() ? elementTypeFromOnnx(ctx, *a.getDtype()) : t.getElementType();
  if (!elem)
    return emitOptionalError(loc, "unsupported dtype");
  return pushTensor(loc, t.getShape(), elem, types);
}

LogicalResult DepthToSpaceOp::inferReturnTypes(MLIRContext *, Loc loc, Adaptor a, Types &types) {
  RankedTensorType t;
  if (failed(requireStaticType(loc, a.getInput(), "input", t)))
    return failure();
  int64_t b = a.getBlocksize(), bb, h, w;
  if (b >= 1 && llvm::MulOverflow(b, b, bb))
    return emitOptionalError(loc, "blocksize^2 overflows");
  if (t.getRank() != 4 || b < 1 || t.getDimSize(1) % bb)
    return emitOptionalError(loc, "needs a 4-D input whose channels divide by blocksize^2");
  if (a.getMode() != "DCR" && a.getMode() != "CRD")
    return emitOptionalError(loc, "mode must be DCR or CRD");
  if (llvm::MulOverflow(t.getDimSize(2), b, h) || llvm::MulOverflow(t.getDimSize(3), b, w))
    return emitOptionalError(loc, "height or width times blocksize overflows");
  return pushTensor(loc, {t.getDimSize(0), t.getDimSize(1) / bb, h, w}, t.getElementType(), types);
}

LogicalResult SpaceToDepthOp::inferReturnTypes(MLIRContext *, Loc loc, Adaptor a, Types &types) {
  RankedTensorType t;
  if (failed(requireStaticType(loc, a.getInput(), "input", t)))
    return failure();
  int64_t b = a.getBlocksize(), bb, ch;
  if (t.getRank() != 4 || b < 1 || t.getDimSize(2) % b || t.getDimSize(3) % b)
    return emitOptionalError(loc, "needs a 4-D input whose height and width divide by blocksize");
  if (llvm::MulOverflow(b, b, bb) || llvm::MulOverflow(t.getDimSize(1), bb, ch))
    return emitOptionalError(loc, "channels times blocksize^2 overflows");
  return pushTensor(loc, {t.getDimSize(0), ch, t.getDimSize(2) / b, t.getDimSize(3) / b}, t.getElementType(),
                    types);
}

LogicalResult GatherNDOp::inferReturnTypes(MLIRContext *, Loc loc, Adaptor a, Types &types) {
  RankedTensorType t, ti;
  if (failed(requireStaticType(loc, a.getData(), "data", t)) ||
      failed(requireStaticType(loc, a.getIndices(), "indices", ti)))
    return failure();
  int64_t bd = a.getBatchDims(), q = ti.getRank();
  if (q < 1 || !isa<IntegerType>(ti.getElementType()) || bd < 0 || bd >= std::min<int64_t>(q, t.getRank()))
    return emitOptionalError(loc, "bad indices rank or batch_dims");
  int64_t k = ti.getDimSize(q - 1);
  if (k < 1 || bd + k > t.getRank() || ti.getShape().take_front(bd) != t.getShape().take_front(bd))
    return emitOptionalError(loc, "indices do not address the data");
  SmallVector<int64_t> shape(ti.getShape().drop_back());
  shape.append(t.getShape().begin() + bd + k, t.getShape().end());
  return pushTensor(loc, shape, t.getElementType(), types);
}

LogicalResult TileOp::inferReturnTypes(MLIRContext *, Loc loc, Adaptor a, Types &types) {
  RankedTensorType t;
  SmallVector<int64_t> repeats;
  if (failed(requireStaticType(loc, a.getInput(), "input", t)) ||
      failed(requireConstantInts(loc, a.getRepeats(), "repeats", repeats)))
    return failure();
  if ((int64_t)repeats.size() != t.getRank())
    return emitOptionalError(loc, "repeats must have one value per input axis");
  SmallVector<int64_t> shape;
  for (auto [d, r] : llvm::zip(t.getShape(), repeats)) {
    int64_t size;
    if (r < 0)
      return emitOptionalError(loc, "repeats must not be negative");
    if (llvm::MulOverflow(d, r, size))
      return emitOptionalError(loc, "dimension ", d, " repeated ", r, " times overflows");
    shape.push_back(size);
  }
  return pushTensor(loc, shape, t.getElementType(), types);
}

LogicalResult ExpandOp::inferReturnTypes(MLIRContext *, Loc loc, Adaptor a,
                                         Types &types) {
  RankedTensorType t;
  SmallVector<int64_t> shape;
  if (failed(requireStaticType(loc, a.getInput(), "input", t)) ||
      failed(requireConstantInts(loc, a.getShape(), "shape", shape)))
    return failure();
  auto out = broadcastShapes(t.getShape(), shape);
  if (!out)
    return emitOptionalError(loc, "input ", t, " does not broadcast to the shape");
  return pushTensor(loc, *out, t.getElementType(), types);
}

LogicalResult PadOp::inferReturnTypes(MLIRContext *, Loc loc, Adaptor a,
                                      Types &types) {
  RankedTensorType t;
  SmallVector<int64_t> pads, axes, begin, end;
  if (failed(requireStaticType(loc, a.getData(), "data", t)) ||
      failed(requireConstantInts(loc, a.getPads(), "pads", pads)) ||
      (!isNone(a.getAxes()) && failed(requireConstantInts(loc, a.getAxes(), "axes", axes))))
    return failure();
  StringRef mode = a.getMode();
  if (mode != "constant" && mode != "reflect" && mode != "edge" && mode != "wrap")
    return emitOptionalError(loc, "unknown mode '", mode, "'");
  if (auto err = computePadAmounts(t.getRank(), pads, axes, begin, end))
    return emitOptionalError(loc, *err);
  SmallVector<int64_t> shape;
  for (int64_t i = 0; i < t.getRank(); ++i) {
    int64_t withBegin, size;
    if (llvm::AddOverflow(t.getDimSize(i), begin[i], withBegin) || llvm::AddOverflow(withBegin, end[i], size))
      return emitOptionalError(loc, "pads of axis ", i, " overflow the dimension");
    shape.push_back(size);
  }
  return pushTensor(loc, shape, t.getElementType(), types);
}

LogicalResult ConstantOfShapeOp::inferReturnTypes(MLIRContext *ctx, Loc loc,
                                                  Adaptor a, Types &types) {
  SmallVector<int64_t> shape;
  if (failed(requireConstantInts(loc, a.getInput(), "input", shape)))
    return failure();
  Type elem = Float32Type::get(ctx);
  if (auto v = a.getValueAttr()) {
    if (v.getNumElements() != 1)
      return emitOptionalError(loc, "value must have one element");
    elem = v.getElementType();
  }
  return pushTensor(loc, shape, elem, types);
}
