// Result type inference for onnx ops; it also rejects bad shapes and attributes.
#include "dialects/onnx/OnnxDialect.h"
#include "dialects/onnx/OnnxUtils.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Diagnostics.h"

using namespace mlir;
using namespace onnxc::onnx;

using Types = SmallVectorImpl<Type>;
using Loc = std::optional<Location>;

namespace {
RankedTensorType tensorOf(ArrayRef<int64_t> shape, Type elem) {
  return RankedTensorType::get(shape, elem);
}

/// Normalizes every axis in `axes` for `rank`, rejecting out-of-range and repeated ones.
LogicalResult normalizeAxes(Loc loc, SmallVectorImpl<int64_t> &axes,
                            int64_t rank) {
  for (int64_t &a : axes) {
    auto n = normalizeAxis(a, rank);
    if (!n)
      return emitOptionalError(loc, "axis ", a, " is out of range for rank ",
                               rank);
    a = *n;
  }
  SmallVector<int64_t> sorted(axes.begin(), axes.end());
  llvm::sort(sorted);
  if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end())
    return emitOptionalError(loc, "axes must not repeat");
  return success();
}

LogicalResult inferBroadcast(Loc loc, Value a, Value b, bool sameElem,
                             Types &types) {
  RankedTensorType ta, tb;
  if (failed(requireStaticType(loc, a, "A", ta)) || failed(requireStaticType(loc, b, "B", tb)))
    return failure();
  if (sameElem && ta.getElementType() != tb.getElementType())
    return emitOptionalError(loc, "element types differ: ", ta.getElementType(),
                             " and ", tb.getElementType());
  auto shape = broadcastShapes(ta.getShape(), tb.getShape());
  if (!shape)
    return emitOptionalError(loc, "shapes ", ta, " and ", tb,
                             " do not broadcast");
  types.push_back(tensorOf(*shape, ta.getElementType()));
  return success();
}
} // namespace

#define BINARY_INFER(OP, SAME)                                                 \
  LogicalResult OP::inferReturnTypes(MLIRContext *, Loc loc, Adaptor a,        \
                                     Types &types) {                           \
    return inferBroadcast(loc, a.getA(), a.getB(), SAME, types);               \
  }
BINARY_INFER(AddOp, true)
BINARY_INFER(SubOp, true)
BINARY_INFER(MulOp, true)
BINARY_INFER(DivOp, true)
BINARY_INFER(PowOp, false)
BINARY_INFER(AndOp, true)
BINARY_INFER(OrOp, true)
BINARY_INFER(XorOp, true)
BINARY_INFER(ModOp, true)
BINARY_INFER(BitwiseAndOp, true)
BINARY_INFER(BitwiseOrOp, true)
BINARY_INFER(BitwiseXorOp, true)
#undef BINARY_INFER

/// Broadcast of all `inputs` (same element type) with `elem` (or theirs) as element type.
static LogicalResult inferBroadcastAll(Loc loc, ValueRange inputs, Type elem, Types &types) {
  if (inputs.empty())
    return emitOptionalError(loc, "expects at least one input");
  SmallVector<int64_t> shape;
  Type inElem;
  for (auto [i, v] : llvm::enumerate(inputs)) {
    RankedTensorType t;
    if (failed(requireStaticType(loc, v, "input", t)))
      return failure();
    if (inElem && t.getElementType() != inElem)
      return emitOptionalError(loc, "element types differ: ", inElem, " and ", t.getElementType());
    inElem = t.getElementType();
    auto b = i == 0 ? std::optional<SmallVector<int64_t>>(SmallVector<int64_t>(t.getShape()))
                    : broadcastShapes(shape, t.getShape());
    if (!b)
      return emitOptionalError(loc, "input shapes do not broadcast");
    shape = *b;
  }
  types.push_back(tensorOf(shape, elem ? elem : inElem));
  return success();
}

#define COMPARE_INFER(OP)                                                      \
  LogicalResult OP::inferReturnTypes(MLIRContext *ctx, Loc loc, Adaptor a,     \
                                     Types &types) {                           \
    return inferBroadcastAll(loc, {a.getA(), a.getB()}, IntegerType::get(ctx, 1), types); \
  }
COMPARE_INFER(EqualOp)
COMPARE_INFER(LessOp)
COMPARE_INFER(LessOrEqualOp)
COMPARE_INFER(GreaterOp)
COMPARE_INFER(GreaterOrEqualOp)
#undef COMPARE_INFER

#define VARIADIC_INFER(OP)                                                     \
  LogicalResult OP::inferReturnTypes(MLIRContext *, Loc loc, Adaptor a, Types &types) { \
    return inferBroadcastAll(loc, a.getData_0(), Type(), types);               \
  }
VARIADIC_INFER(MaxOp)
VARIADIC_INFER(MinOp)
VARIADIC_INFER(SumOp)
VARIADIC_INFER(MeanOp)
#undef VARIADIC_INFER

#define PREDICATE_INFER(OP)                                                    \
  LogicalResult OP::inferReturnTypes(MLIRContext *ctx, Loc loc, Adaptor a,     \
                                     Types &types) {                           \
    return inferBroadcastAll(loc, a.getX(), IntegerType::get(ctx, 1), types);  \
  }
PREDICATE_INFER(IsNaNOp)
PREDICATE_INFER(IsInfOp)
#undef PREDICATE_INFER

LogicalResult BitShiftOp::inferReturnTypes(MLIRContext *, Loc loc, Adaptor a, Types &types) {
  return inferBroadcast(loc, a.getX(), a.getY(), true, types);
}

LogicalResult PReluOp::inferReturnTypes(MLIRContext *, Loc loc, Adaptor a, Types &types) {
  RankedTensorType tx;
  if (failed(requireStaticType(loc, a.getX(), "X", tx)) ||
      failed(inferBroadcastAll(loc, {a.getX(), a.getSlope()}, Type(), types)))
    return failure();
  if (cast<RankedTensorType>(types.back()).getShape() != tx.getShape())
    return emitOptionalError(loc, "slope must broadcast to X's shape");
  return success();
}

LogicalResult WhereOp::inferReturnTypes(MLIRContext *, Loc loc, Adaptor a, Types &types) {
  RankedTensorType tc;
  if (failed(requireStaticType(loc, a.getCondition(), "condition", tc)))
    return failure();
  if (!tc.getElementType().isInteger(1))
    return emitOptionalError(loc, "condition must be a bool tensor");
  SmallVector<Type> xy;
  if (failed(inferBroadcastAll(loc, {a.getX(), a.getY()}, Type(), xy)))
    return failure();
  auto shape = broadcastShapes(tc.getShape(), cast<RankedTensorType>(xy[0]).getShape());
  if (!shape)
    return emitOptionalError(loc, "condition does not broadcast with X and Y");
  types.push_back(tensorOf(*shape, cast<RankedTensorType>(xy[0]).getElementType()));
  return success();
}

LogicalResult ClipOp::inferReturnTypes(MLIRContext *, Loc loc, Adaptor a,
                                       Types &types) {
  RankedTensorType t;
  if (failed(requireStaticType(loc, a.getInput(), "input", t)))
    return failure();
  for (Value bound : {a.getMin(), a.getMax()}) {
    if (isNone(bound))
      continue;
    auto bt = getStaticType(bound);
    if (!bt || bt.getNumElements() != 1 || bt.getElementType() != t.getElementType())
      return emitOptionalError(loc, "min and max must be scalars of the input's element type");
  }
  types.push_back(t);
  return success();
}

LogicalResult MatMulOp::inferReturnTypes(MLIRContext *, Loc loc, Adaptor a,
                                         Types &types) {
  RankedTensorType ta, tb;
  if (failed(requireStaticType(loc, a.getA(), "A", ta)) || failed(requireStaticType(loc, a.getB(), "B", tb)))
    return failure();
  if (ta.getRank() == 0 || tb.getRank() == 0)
    return emitOptionalError(loc, "MatMul operands must have rank >= 1");
  if (ta.getElementType() != tb.getElementType())
    return emitOptionalError(loc, "element types differ");
  SmallVector<int64_t> sa(ta.getShape()), sb(tb.getShape());
  bool vecA = sa.size() == 1, vecB = sb.size() == 1;
  if (vecA)
    sa.insert(sa.begin(), 1);
  if (vecB)
    sb.push_back(1);
  if (sa.back() != sb[sb.size() - 2])
    return emitOptionalError(loc, "inner dimensions differ: ", sa.back(),
                             " vs ", sb[sb.size() - 2]);
  auto batch = broadcastShapes(ArrayRef(sa).drop_back(2), ArrayRef(sb).drop_back(2));
  if (!batch)
    return emitOptionalError(loc, "batch dimensions do not broadcast");
  SmallVector<int64_t> out(*batch);
  if (!vecA)
    out.push_back(sa[sa.size() - 2]);
  if (!vecB)
    out.push_back(sb.back());
  types.push_back(tensorOf(out, ta.getElementType()));
  return success();
}

LogicalResult GemmOp::inferReturnTypes(MLIRContext *, Loc loc, Adaptor a,
                                       Types &types) {
  RankedTensorType ta, tb;
  if (failed(requireStaticType(loc, a.getA(), "A", ta)) || failed(requireStaticType(loc, a.getB(), "B", tb)))
    return failure();
  if (ta.getRank() != 2 || tb.getRank() != 2)
    return emitOptionalError(loc, "A and B must be 2-D");
  int64_t m = a.getTransA() ? ta.getDimSize(1) : ta.getDimSize(0);
  int64_t k = a.getTransA() ? ta.getDimSize(0) : ta.getDimSize(1);
  int64_t kb = a.getTransB() ? tb.getDimSize(1) : tb.getDimSize(0);
  int64_t n = a.getTransB() ? tb.getDimSize(0) : tb.getDimSize(1);
  if (k != kb)
    return emitOptionalError(loc, "inner dimensions differ: ", k, " vs ", kb);
  if (!isNone(a.getC())) {
    auto tc = getStaticType(a.getC());
    if (!tc || !broadcastShapes(tc.getShape(), {m, n}) ||
        tc.getRank() > 2 || (tc.getRank() >= 1 && tc.getShape().back() != n && tc.getShape().back() != 1) ||
        (tc.getRank() == 2 && tc.getDimSize(0) != m && tc.getDimSize(0) != 1))
      return emitOptionalError(loc, "C must broadcast to ", m, "x", n);
  }
  types.push_back(tensorOf({m, n}, ta.getElementType()));
  return success();
}

LogicalResult ConvOp::inferReturnTypes(MLIRContext *, Loc loc, Adaptor a,
                                       Types &types) {
  RankedTensorType tx, tw;
  if (failed(requireStaticType(loc, a.getX(), "X", tx)) || failed(requireStaticType(loc, a.getW(), "W", tw)))
    return failure();
  int64_t rank = tx.getRank();
  if (rank < 3 || tw.getRank() != rank)
    return emitOptionalError(loc, "X and W must have the same rank >= 3, got ",
                             rank, " and ", tw.getRank());
  int64_t group = a.getGroup();
  int64_t c = tx.getDimSize(1), m = tw.getDimSize(0);
  if (group < 1 || c % group != 0 || m % group != 0 || tw.getDimSize(1) * group != c)
    return emitOptionalError(loc, "group ", group, " does not fit ", c,
                             " input channels, W ", tw);
  ArrayRef<int64_t> kernel = tw.getShape().drop_front(2);
  if (auto ks = a.getKernelShape(); ks && *ks != kernel)
    return emitOptionalError(loc, "kernel_shape disagrees with W's shape");
  if (!isNone(a.getB())) {
    auto tb = getStaticType(a.getB());
    if (!tb || tb.getRank() != 1 || tb.getDimSize(0) != m)
      return emitOptionalError(loc, "B must be 1-D with ", m, " elements");
  }
  WindowGeometry g;
  if (auto err = computeWindowGeometry(tx.getShape().drop_front(2), kernel,
                                       a.getAutoPad(), a.getPads(),
                                       a.getStrides(), a.getDilations(),
                                       false, g))
    return emitOptionalError(loc, *err);
  SmallVector<int64_t> out{tx.getDimSize(0), m};
  out.append(g.outSizes);
  types.push_back(tensorOf(out, tx.getElementType()));
  return success();
}

LogicalResult BatchNormalizationOp::inferReturnTypes(MLIRContext *, Loc loc,
                                                     Adaptor a, Types &types) {
  RankedTensorType tx;
  if (failed(requireStaticType(loc, a.getX(), "X", tx)))
    return failure();
  if (a.getTrainingMode() != 0)
    return emitOptionalError(loc, "training_mode=1 is not supported (onnxc compiles inference)");
  if (tx.getRank() < 2)
    return emitOptionalError(loc, "X must have rank >= 2");
  int64_t c = tx.getDimSize(1);
  for (Value p : {a.getScale(), a.getB(), a.getInputMean(), a.getInputVar()}) {
    auto tp = getStaticType(p);
    if (!tp || tp.getRank() != 1 || tp.getDimSize(0) != c)
      return emitOptionalError(loc, "scale, B, mean and var must be 1-D with ", c, " elements");
  }
  types.push_back(tx);
  return success();
}

template <typename PoolAdaptor>
static LogicalResult inferPool(Loc loc, PoolAdaptor a, Types &types) {
  RankedTensorType tx;
  if (failed(requireStaticType(loc, a.getX(), "X", tx)))
    return failure();
  if (tx.getRank() < 3)
    return emitOptionalError(loc, "X must have rank >= 3");
  WindowGeometry g;
  if (auto err = computeWindowGeometry(tx.getShape().drop_front(2), a.getKernelShape(),
                                       a.getAutoPad(), a.getPads(), a.getStrides(),
                                       a.getDilations(), a.getCeilMode() != 0, g))
    return emitOptionalError(loc, *err);
  SmallVector<int64_t> out(tx.getShape().take_front(2));
  out.append(g.outSizes);
  types.push_back(tensorOf(out, tx.getElementType()));
  return success();
}

LogicalResult MaxPoolOp::inferReturnTypes(MLIRContext *, Loc loc, Adaptor a, Types &types) {
  return inferPool(loc, a, types);
}
LogicalResult AveragePoolOp::inferReturnTypes(MLIRContext *, Loc loc, Adaptor a, Types &types) {
  return inferPool(loc, a, types);
}

static LogicalResult inferGlobalPool(Loc loc, Value x, Types &types) {
  RankedTensorType tx;
  if (failed(requireStaticType(loc, x, "X", tx)))
    return failure();
  if (tx.getRank() < 3)
    return emitOptionalError(loc, "X must have rank >= 3");
  SmallVector<int64_t> out(tx.getShape());
  std::fill(out.begin() + 2, out.end(), 1);
  types.push_back(tensorOf(out, tx.getElementType()));
  return success();
}
LogicalResult GlobalAveragePoolOp::inferReturnTypes(MLIRContext *, Loc loc, Adaptor a, Types &types) {
  return inferGlobalPool(loc, a.getX(), types);
}
LogicalResult GlobalMaxPoolOp::inferReturnTypes(MLIRContext *, Loc loc, Adaptor a, Types &types) {
  return inferGlobalPool(loc, a.getX(), types);
}

/// The axes a reduction reduces (normalized, sorted); empty means identity.
template <typename ReduceAdaptor>
static LogicalResult inferReduce(Loc loc, ReduceAdaptor a, Types &types) {
  RankedTensorType t;
  if (failed(requireStaticType(loc, a.getData(), "data", t)))
    return failure();
  SmallVector<int64_t> axes;
  if (!isNone(a.getAxes()) && failed(requireConstantInts(loc, a.getAxes(), "axes", axes)))
    return failure();
  if (failed(normalizeAxes(loc, axes, t.getRank())))
    return failure();
  if (axes.empty()) {
    if (a.getNoopWithEmptyAxes()) {
      types.push_back(t);
      return success();
    }
    for (int64_t i = 0; i < t.getRank(); ++i)
      axes.push_back(i);
  }
  SmallVector<int64_t> out;
  for (int64_t i = 0; i < t.getRank(); ++i) {
    if (!llvm::is_contained(axes, i))
      out.push_back(t.getDimSize(i));
    else if (a.getKeepdims())
      out.push_back(1);
  }
  types.push_back(tensorOf(out, t.getElementType()));
  return success();
}
#define ARG_INFER(OP)                                                          \
  LogicalResult OP::inferReturnTypes(MLIRContext *ctx, Loc loc, Adaptor a, Types &types) { \
    RankedTensorType t;                                                        \
    if (failed(requireStaticType(loc, a.getData(), "data", t)))               \
      return failure();                                                        \
    auto axis = normalizeAxis(a.getAxis(), t.getRank());                       \
    if (!axis || t.getRank() == 0)                                             \
      return emitOptionalError(loc, "axis ", a.getAxis(), " is out of range for rank ", t.getRank()); \
    SmallVector<int64_t> shape(t.getShape());                                  \
    if (a.getKeepdims())                                                       \
      shape[*axis] = 1;                                                        \
    else                                                                       \
      shape.erase(shape.begin() + *axis);                                      \
    types.push_back(tensorOf(shape, IntegerType::get(ctx, 64)));               \
    return success();                                                          \
  }
ARG_INFER(ArgMaxOp)
ARG_INFER(ArgMinOp)
#undef ARG_INFER

#define REDUCE_INFER(OP)                                                       \
  LogicalResult OP::inferReturnTypes(MLIRContext *, Loc loc, Adaptor a,        \
                                     Types &types) {                           \
    return inferReduce(loc, a, types);                                         \
  }
REDUCE_INFER(ReduceMeanOp)
REDUCE_INFER(ReduceSumOp)
REDUCE_INFER(ReduceMaxOp)
REDUCE_INFER(ReduceMinOp)
REDUCE_INFER(ReduceProdOp)
REDUCE_INFER(ReduceL1Op)
REDUCE_INFER(ReduceL2Op)
REDUCE_INFER(ReduceLogSumOp)
REDUCE_INFER(ReduceLogSumExpOp)
REDUCE_INFER(ReduceSumSquareOp)
#undef REDUCE_INFER

template <typename SoftmaxOp> static LogicalResult verifySoftmax(SoftmaxOp op) {
  auto t = getStaticType(op.getInput());
  if (t && !normalizeAxis((int64_t)op.getAxis(), t.getRank()))
    return op.emitOpError("axis ") << (int64_t)op.getAxis() << " is out of range";
  return success();
}
LogicalResult SoftmaxOp::verify() { return verifySoftmax(*this); }
LogicalResult LogSoftmaxOp::verify() { return verifySoftmax(*this); }
LogicalResult HardmaxOp::verify() { return verifySoftmax(*this); }

/// Shared by the loss ops: checks shapes and the reduction; the loss is target-shaped or scalar.
static LogicalResult inferLoss(Loc loc, Value input, Value target, Value weight, StringRef reduction,
                               Types &types) {
  RankedTensorType tx, tt;
  if (failed(requireStaticType(loc, input, "input", tx)) ||
      failed(requireStaticType(loc, target, "target", tt)))
    return failure();
  if (tx.getRank() < 2 || tt.getRank() != tx.getRank() - 1 || tt.getDimSize(0) != tx.getDimSize(0) ||
      tt.getShape().drop_front() != tx.getShape().drop_front(2) || !isa<IntegerType>(tt.getElementType()))
    return emitOptionalError(loc, "target must be integers shaped like the input without its class axis");
  if (!isNone(weight)) {
    auto tw = getStaticType(weight);
    if (!tw || tw.getRank() != 1 || tw.getDimSize(0) != tx.getDimSize(1))
      return emitOptionalError(loc, "weight must have one value per class");
  }
  if (reduction != "none" && reduction != "sum" && reduction != "mean")
    return emitOptionalError(loc, "reduction must be none, sum or mean, not '", reduction, "'");
  types.push_back(tensorOf(reduction == "none" ? tt.getShape() : ArrayRef<int64_t>{}, tx.getElementType()));
  return success();
}

LogicalResult NegativeLogLikelihoodLossOp::inferReturnTypes(MLIRContext *, Loc loc, Adaptor a,
                                                            Types &types) {
  return inferLoss(loc, a.getInput(), a.getTarget(), a.getWeight(), a.getReduction(), types);
}

LogicalResult SoftmaxCrossEntropyLossOp::inferReturnTypes(MLIRContext *, Loc loc, Adaptor a,
                                                          Types &types) {
  if (failed(inferLoss(loc, a.getScores(), a.getLabels(), a.getWeights(), a.getReduction(), types)))
    return failure();
  types.push_back(a.getScores().getType());
  return success();
}

LogicalResult LayerNormalizationOp::inferReturnTypes(MLIRContext *, Loc loc, Adaptor a, Types &types) {
  RankedTensorType t;
  if (failed(requireStaticType(loc, a.getX(), "X", t)))
    return failure();
  auto axis = normalizeAxis((int64_t)a.getAxis(), t.getRank());
  if (!axis || !isa<FloatType>(t.getElementType()))
    return emitOptionalError(loc, "needs a float X and an axis within its rank");
  for (Value v : {a.getScale(), a.getB()}) {
    if (isNone(v))
      continue;
    auto tv = getStaticType(v);
    auto b = tv ? broadcastShapes(t.getShape(), tv.getShape()) : std::nullopt;
    if (!b || ArrayRef<int64_t>(*b) != t.getShape())
      return emitOptionalError(loc, "Scale and B must broadcast to X's shape");
  }
  SmallVector<int64_t> stats(t.getShape());
  for (int64_t i = *axis; i < t.getRank(); ++i)
    stats[i] = 1;
  types.push_back(t);
  types.push_back(tensorOf(stats, t.getElementType()));
  types.push_back(tensorOf(stats, t.getElementType()));
  return success();
}

LogicalResult InstanceNormalizationOp::inferReturnTypes(MLIRContext *, Loc loc, Adaptor a, Types &types) {
  RankedTensorType t;
  if (failed(requireStaticType(loc, a.getInput(), "input", t)))
    return failure();
  if (t.getRank() < 3 || !isa<FloatType>(t.getElementType()))
    return emitOptionalError(loc, "needs a float input of rank >= 3");
  for (Value v : {a.getScale(), a.getB()}) {
    auto tv = getStaticType(v);
    if (!tv || tv.getRank() != 1 || tv.getDimSize(0) != t.getDimSize(1))
      return emitOptionalError(loc, "scale and B must have one value per channel");
  }
  types.push_back(t);
  return success();
}

LogicalResult ConvTransposeOp::inferReturnTypes(MLIRContext *, Loc loc, Adaptor a, Types &types) {
  RankedTensorType tx, tw;
  if (failed(requireStaticType(loc, a.getX(), "X", tx)) || failed(requireStaticType(loc, a.getW(), "W", tw)))
    return failure();
  int64_t rank = tx.getRank(), group = a.getGroup();
  if (rank < 3 || tw.getRank() != rank || group < 1 || tw.getDimSize(0) != tx.getDimSize(1) ||
      tx.getDimSize(1) % group)
    return emitOptionalError(loc, "W must be [C, M/group, kernel...] for X's C channels");
  int64_t m = tw.getDimSize(1) * group;
  if (!isNone(a.getB())) {
    auto tb = getStaticType(a.getB());
    if (!tb || tb.getRank() != 1 || tb.getDimSize(0) != m)
      return emitOptionalError(loc, "B must be 1-D with ", m, " elements");
  }
  ArrayRef<int64_t> kernel = tw.getShape().drop_front(2);
  if (auto ks = a.getKernelShape(); ks && *ks != kernel)
    return emitOptionalError(loc, "kernel_shape disagrees with W's shape");
  WindowGeometry g;
  if (auto err = computeConvTransposeGeometry(tx.getShape().drop_front(2), kernel, a.getAutoPad(),
                                              a.getPads(), a.getStrides(), a.getDilations(),
                                              a.getOutputPadding(), a.getOutputShape(), g))
    return emitOptionalError(loc, *err);
  SmallVector<int64_t> out{tx.getDimSize(0), m};
  out.append(g.outSizes);
  types.push_back(tensorOf(out, tx.getElementType()));
  return success();
}

/// RNN, GRU and LSTM: checks every input's shape against X, W and R and
/// infers Y, Y_h (and Y_c when `withCell`). `gates` weight blocks are stacked
/// in W, R and B; `numActivations` functions per direction.
static LogicalResult inferRecurrent(Loc loc, int64_t gates, int64_t numActivations, Value x, Value w,
                                    Value r, Value bias, Value seqLens, Value initialH,
                                    Value initialC, Value peepholes, StringRef direction, std::optional<uint64_t> hiddenSize,
                                    uint64_t layout, std::optional<ArrayAttr> activations, bool withCell,
                                    Types &types) {
  RankedTensorType tx, tw, tr;
  if (failed(requireStaticType(loc, x, "X", tx)) || failed(requireStaticType(loc, w, "W", tw)) ||
      failed(requireStaticType(loc, r, "R", tr)))
    return failure();
  Type elem = tx.getElementType();
  if (!isa<FloatType>(elem))
    return emitOptionalError(loc, "X must have a float element type");
  if (direction != "forward" && direction != "reverse" && direction != "bidirectional")
    return emitOptionalError(loc, "direction must be forward, reverse or bidirectional, not '", direction, "'");
  if (layout > 1)
    return emitOptionalError(loc, "layout must be 0 or 1, not ", layout);
  int64_t dirs = direction == "bidirectional" ? 2 : 1;
  if (tx.getRank() != 3)
    return emitOptionalError(loc, "X must have rank 3, not ", tx.getRank());
  int64_t seq = tx.getDimSize(layout ? 1 : 0), batch = tx.getDimSize(layout ? 0 : 1);
  int64_t input = tx.getDimSize(2);
  if (tr.getRank() != 3 || tr.getDimSize(0) != dirs || tr.getDimSize(1) != gates * tr.getDimSize(2))
    return emitOptionalError(loc, "R must be [num_directions=", dirs, ", ", gates, " * hidden_size, hidden_size], not ",
                             tr);
  int64_t hidden = tr.getDimSize(2);
  if (hiddenSize && (int64_t)*hiddenSize != hidden)
    return emitOptionalError(loc, "hidden_size is ", *hiddenSize, " but R is ", tr);
  auto expect = [&](Value v, StringRef name, ArrayRef<int64_t> shape) -> LogicalResult {
    if (isNone(v))
      return success();
    auto t = getStaticType(v);
    if (!t || t.getShape() != shape)
      return emitOptionalError(loc, name, " must have shape [", shape, "], not ", v.getType());
    if (name != "sequence_lens" && t.getElementType() != elem)
      return emitOptionalError(loc, name, " must have X's element type ", elem);
    return success();
  };
  if (failed(expect(w, "W", {dirs, gates * hidden, input})) || failed(expect(r, "R", {dirs, gates * hidden, hidden})) ||
      failed(expect(bias, "B", {dirs, 2 * gates * hidden})) || failed(expect(seqLens, "sequence_lens", {batch})) ||
      failed(expect(peepholes, "P", {dirs, 3 * hidden})))
    return failure();
  if (!isNone(seqLens) && !getStaticType(seqLens).getElementType().isSignlessInteger(32))
    return emitOptionalError(loc, "sequence_lens must be int32");
  SmallVector<int64_t> stateShape = layout ? SmallVector<int64_t>{batch, dirs, hidden}
                                           : SmallVector<int64_t>{dirs, batch, hidden};
  if (failed(expect(initialH, "initial_h", stateShape)) || failed(expect(initialC, "initial_c", stateShape)))
    return failure();
  if (activations) {
    static const char *const known[] = {"Relu", "Tanh", "Sigmoid", "Affine", "LeakyRelu", "ThresholdedRelu",
                                        "ScaledTanh", "HardSigmoid", "Elu", "Softsign", "Softplus"};
    if ((int64_t)activations->size() != numActivations * dirs)
      return emitOptionalError(loc, "activations must list ", numActivations * dirs, " functions, not ",
                               activations->size());
    for (Attribute a : *activations) {
      StringRef name = cast<StringAttr>(a).getValue();
      if (llvm::none_of(known, [&](const char *k) { return name.equals_insensitive(k); }))
        return emitOptionalError(loc, "unsupported activation '", name, "'");
    }
  }
  types.push_back(tensorOf(layout ? ArrayRef<int64_t>{batch, seq, dirs, hidden}
                                  : ArrayRef<int64_t>{seq, dirs, batch, hidden},
                           elem));
  types.push_back(tensorOf(stateShape, elem));
  if (withCell)
    types.push_back(tensorOf(stateShape, elem));
  return success();
}

LogicalResult RNNOp::inferReturnTypes(MLIRContext *, Loc loc, Adaptor a, Types &types) {
  return inferRecurrent(loc, 1, 1, a.getX(), a.getW(), a.getR(), a.getB(), a.getSequenceLens(),
                        a.getInitialH(), Value(), Value(), a.getDirection(), a.getHiddenSize(), a.getLayout(),
                        a.getActivations(), false, types);
}

LogicalResult GRUOp::inferReturnTypes(MLIRContext *, Loc loc, Adaptor a, Types &types) {
  return inferRecurrent(loc, 3, 2, a.getX(), a.getW(), a.getR(), a.getB(), a.getSequenceLens(),
                        a.getInitialH(), Value(), Value(), a.getDirection(), a.getHiddenSize(), a.getLayout(),
                        a.getActivations(), false, types);
}

LogicalResult LSTMOp::inferReturnTypes(MLIRContext *, Loc loc, Adaptor a, Types &types) {
  return inferRecurrent(loc, 4, 3, a.getX(), a.getW(), a.getR(), a.getB(), a.getSequenceLens(),
                        a.getInitialH(), a.getInitialC(), a.getP(), a.getDirection(), a.getHiddenSize(),
                        a.getLayout(), a.getActivations(), true, types);
}
