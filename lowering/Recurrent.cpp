// Lowers onnx RNN, GRU and LSTM: one input projection for all steps, then an scf.for over time.
//
// One skeleton serves the three ops: XW = X * W^T + biases for every step and
// direction at once (one contraction), then per direction an scf.for over the
// steps. The loop carries H (and C), Y and scratch buffers for the step's
// products as iter_args, each updated in place, so bufferization allocates
// nothing inside the loop. A step multiplies H by R^T (transposed outside the
// loop, at compile time for constant weights) into a scratch buffer, and
// linalg.map ops compute the gates and write the new H (and C) over the old
// ones; H is then inserted into Y. With sequence_lens, entries whose sequence
// has ended keep their state and write zeros to Y (a select on
// `t < sequence_lens[b]`), so the lengths may be a graph input.
#include "dialects/onnx/OnnxDialect.h"
#include "dialects/onnx/OnnxUtils.h"
#include "lowering/Common.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

#include <functional>

using namespace mlir;
using namespace onnxc::onnx;

namespace onnxc::lowering {
namespace {

/// An activation function (lower-case ONNX name) with its alpha and beta.
struct Activation {
  std::string name;
  double alpha = 0, beta = 0;
};

/// Each function, how many of alpha/beta it takes (0, 1: alpha, 2: both) and their defaults.
struct ActivationInfo {
  const char *name;
  int params;
  double alpha, beta;
};
constexpr ActivationInfo kActivations[] = {
    {"relu", 0, 0, 0},         {"tanh", 0, 0, 0},     {"sigmoid", 0, 0, 0},
    {"affine", 2, 1, 0},       {"leakyrelu", 1, 0.01, 0}, {"thresholdedrelu", 1, 1, 0},
    {"scaledtanh", 2, 1, 1},   {"hardsigmoid", 2, 0.2, 0.5}, {"elu", 1, 1, 0},
    {"softsign", 0, 0, 0},     {"softplus", 0, 0, 0}};

/// The functions of every direction: `activations`, or `defaults` per
/// direction. activation_alpha/beta are consumed in order by the functions
/// that take them (as ONNX Runtime does); missing ones take the defaults.
FailureOr<SmallVector<Activation>> activationsOf(Operation *op, ArrayRef<StringRef> defaults, int64_t dirs) {
  SmallVector<std::string> names;
  if (auto list = op->getAttrOfType<ArrayAttr>("activations")) {
    for (Attribute a : list)
      names.push_back(cast<StringAttr>(a).getValue().lower());
  } else {
    for (int64_t d = 0; d < dirs; ++d)
      for (StringRef n : defaults)
        names.push_back(n.lower());
  }
  auto alphas = op->getAttrOfType<DenseF32ArrayAttr>("activation_alpha");
  auto betas = op->getAttrOfType<DenseF32ArrayAttr>("activation_beta");
  int64_t nextAlpha = 0, nextBeta = 0;
  SmallVector<Activation> acts;
  for (const std::string &n : names) {
    const ActivationInfo *info = llvm::find_if(kActivations, [&](const ActivationInfo &i) { return n == i.name; });
    if (info == std::end(kActivations))
      return op->emitError("unsupported activation '") << n << "'", failure();
    Activation a{n, info->alpha, info->beta};
    if (info->params >= 1 && alphas && nextAlpha < alphas.size())
      a.alpha = alphas[nextAlpha++];
    if (info->params >= 2 && betas && nextBeta < betas.size())
      a.beta = betas[nextBeta++];
    acts.push_back(a);
  }
  return acts;
}

Value applyActivation(OpBuilder &b, Location loc, const Activation &a, Value x) {
  Type t = x.getType();
  auto c = [&](double v) { return scalarConstant(b, loc, t, v); };
  auto add = [&](Value p, Value q) -> Value { return arith::AddFOp::create(b, loc, p, q); };
  auto mul = [&](Value p, Value q) -> Value { return arith::MulFOp::create(b, loc, p, q); };
  auto max = [&](Value p, Value q) -> Value { return arith::MaximumFOp::create(b, loc, p, q); };
  auto min = [&](Value p, Value q) -> Value { return arith::MinimumFOp::create(b, loc, p, q); };
  auto less = [&](Value p, Value q) -> Value { return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, p, q); };
  auto select = [&](Value cond, Value p, Value q) -> Value { return arith::SelectOp::create(b, loc, cond, p, q); };
  auto exp = [&](Value p) -> Value { return math::ExpOp::create(b, loc, p); };
  auto abs = [&](Value p) -> Value { return math::AbsFOp::create(b, loc, p); };
  auto tanh = [&](Value p) -> Value { return math::TanhOp::create(b, loc, p); };
  StringRef n = a.name;
  if (n == "relu")
    return max(x, c(0));
  if (n == "tanh")
    return tanh(x);
  if (n == "sigmoid") {
    Value e = exp(arith::NegFOp::create(b, loc, x));
    Value one = c(1);
    Value denominator = add(one, e);
    return arith::DivFOp::create(b, loc, one, denominator);
  }
  if (n == "affine") {
    Value scaled = mul(c(a.alpha), x);
    return add(scaled, c(a.beta));
  }
  if (n == "leakyrelu") {
    Value negative = less(x, c(0));
    Value scaled = mul(c(a.alpha), x);
    return select(negative, scaled, x);
  }
  if (n == "thresholdedrelu") {
    Value above = less(c(a.alpha), x);
    return select(above, x, c(0));
  }
  if (n == "scaledtanh") {
    Value inner = tanh(mul(c(a.beta), x));
    return mul(c(a.alpha), inner);
  }
  if (n == "hardsigmoid") {
    Value scaled = mul(c(a.alpha), x);
    Value shifted = add(scaled, c(a.beta));
    Value low = max(shifted, c(0));
    return min(low, c(1));
  }
  if (n == "elu") {
    Value negative = less(x, c(0));
    Value ex = exp(x);
    Value expm1 = arith::SubFOp::create(b, loc, ex, c(1));
    Value scaled = mul(c(a.alpha), expm1);
    return select(negative, scaled, x);
  }
  if (n == "softsign") {
    Value magnitude = abs(x);
    Value denominator = add(c(1), magnitude);
    return arith::DivFOp::create(b, loc, x, denominator);
  }
  assert(n == "softplus" && "activation names are checked when parsed");
  // log(1 + e^x) without overflow: max(x, 0) + log1p(e^-|x|).
  Value positive = max(x, c(0));
  Value decay = exp(arith::NegFOp::create(b, loc, abs(x)));
  Value tail = math::Log1pOp::create(b, loc, decay);
  return add(positive, tail);
}

SmallVector<OpFoldResult> indexAttrs(OpBuilder &b, ArrayRef<int64_t> values) {
  return llvm::map_to_vector(values, [&](int64_t v) -> OpFoldResult { return b.getIndexAttr(v); });
}

/// The slice of `src` at `offsets` with `sizes` (unit strides) as `type`, which
/// drops unit dimensions when its rank is smaller.
Value sliceOf(OpBuilder &b, Location loc, RankedTensorType type, Value src, ArrayRef<OpFoldResult> offsets,
              ArrayRef<int64_t> sizes) {
  SmallVector<OpFoldResult> strides = indexAttrs(b, SmallVector<int64_t>(sizes.size(), 1));
  return tensor::ExtractSliceOp::create(b, loc, type, src, offsets, indexAttrs(b, sizes), strides);
}

Value insertAt(OpBuilder &b, Location loc, Value src, Value dest, ArrayRef<OpFoldResult> offsets,
               ArrayRef<int64_t> sizes) {
  SmallVector<OpFoldResult> strides = indexAttrs(b, SmallVector<int64_t>(sizes.size(), 1));
  return tensor::InsertSliceOp::create(b, loc, src, dest, offsets, indexAttrs(b, sizes), strides);
}

/// Rows [begin, begin + rows) of a 3-D weight tensor viewed as [d0 * d1, d2]
/// (canonical layout: products read it with a transposed map; the CPU code
/// generator packs constant weights for its vector loads).
Value weightRows(OpBuilder &b, Location loc, Value weights, int64_t begin, int64_t rows) {
  auto t = cast<RankedTensorType>(weights.getType());
  Type elem = t.getElementType();
  int64_t cols = t.getDimSize(2);
  Value flat = reshapeTo(b, loc, weights, RankedTensorType::get({t.getDimSize(0) * t.getDimSize(1), cols}, elem));
  return sliceOf(b, loc, RankedTensorType::get({rows, cols}, elem), flat, indexAttrs(b, {begin, 0}), {rows, cols});
}

/// `init` overwritten elementwise by body(ins); all are [batch, hidden]. A
/// linalg.map, not a generic: its init stays the loop-carried buffer (a
/// generic whose payload ignores its outs would get a fresh tensor.empty from
/// elementwise fusion, and the loop could not update its state in place).
Value mapInto(OpBuilder &b, Location loc, ValueRange ins, Value init,
              llvm::function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
  return linalg::MapOp::create(b, loc, ins, init,
                               [&](OpBuilder &nb, Location nl, ValueRange a) {
                                 // The block also takes the init's element (unused).
                                 linalg::YieldOp::create(nb, nl, body(nb, nl, a.take_front(ins.size())));
                               })
      ->getResult(0);
}

using StateBody = llvm::function_ref<Value(OpBuilder &, Location, ValueRange)>;

/// One step of one direction, as a cell's step function sees it. The step
/// replaces h (and c) by the new states and updates the scratch buffers.
struct Step {
  OpBuilder &b;
  Location loc;
  RankedTensorType state;       // [batch, hidden]
  SmallVector<Value> xw;        // per gate: X * W^T plus folded biases at this step
  Value h, c;                   // the states (c: LSTM only)
  ArrayRef<Value> weights;      // R blocks, transposed: [hidden, n * hidden]
  SmallVector<Value> scratch;   // loop-carried buffers
  ArrayRef<Activation> acts;    // this direction's functions
  std::optional<double> clip;
  ArrayRef<Value> vectors;      // this direction's per-unit vectors (peepholes, GRU's Rbh), [batch, hidden]
  Value time, seqLens;          // i32 step index and [batch, hidden] lengths, when sequences may end early

  int64_t hidden() const { return state.getDimSize(1); }

  /// scratch[s] = lhs * weights[w].
  Value matmul(Value lhs, unsigned w, unsigned s) {
    auto type = cast<RankedTensorType>(scratch[s].getType());
    Value zero = scalarConstant(b, loc, type.getElementType(), 0);
    Value acc = linalg::FillOp::create(b, loc, zero, scratch[s]).getResult(0);
    MLIRContext *ctx = b.getContext();
    AffineExpr m = getAffineDimExpr(0, ctx), k = getAffineDimExpr(1, ctx), n = getAffineDimExpr(2, ctx);
    SmallVector<AffineMap> maps{AffineMap::get(3, 0, {m, k}, ctx), AffineMap::get(3, 0, {n, k}, ctx),
                                AffineMap::get(3, 0, {m, n}, ctx)};
    scratch[s] = contract(b, loc, lhs, weights[w], acc, maps, {false, true, false});
    return scratch[s];
  }

  /// Gate `g`'s columns of a [batch, gates * hidden] product.
  Value gate(Value product, int64_t g) {
    return sliceOf(b, loc, state, product, indexAttrs(b, {0, g * hidden()}), {state.getDimSize(0), hidden()});
  }

  /// scratch[s] = body(ins) elementwise.
  Value map(ValueRange ins, unsigned s, StateBody body) { return scratch[s] = mapInto(b, loc, ins, scratch[s], body); }

  /// The new value of state `prev` (h or c): body(ins) written over it, except
  /// where the sequence has ended (there `prev` stays).
  Value update(ValueRange ins, Value prev, StateBody body) {
    if (!seqLens)
      return mapInto(b, loc, ins, prev, body);
    SmallVector<Value> all(ins);
    all.append({prev, seqLens});
    return mapInto(b, loc, all, prev, [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
      Value next = body(nb, nl, a.drop_back(2));
      Value live = arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::slt, time, a.back());
      return arith::SelectOp::create(nb, nl, live, next, a[a.size() - 2]);
    });
  }

  /// This direction's activation `k` of x, clipped to [-clip, clip] first when `clipped`.
  Value act(OpBuilder &nb, Location nl, unsigned k, Value x, bool clipped = true) const {
    if (clip && clipped) {
      x = arith::MaximumFOp::create(nb, nl, x, scalarConstant(nb, nl, x.getType(), -*clip));
      x = arith::MinimumFOp::create(nb, nl, x, scalarConstant(nb, nl, x.getType(), *clip));
    }
    return applyActivation(nb, nl, acts[k], x);
  }
};

/// What distinguishes RNN, GRU and LSTM for the shared skeleton.
struct Cell {
  int64_t gates;                   // weight blocks stacked in W, R and B
  SmallVector<StringRef, 3> defaults; // activations of one direction
  bool withCell = false;           // LSTM's C state
  int64_t foldedBiasGates;         // leading gates whose Rb joins Wb in the projection
  SmallVector<std::pair<int64_t, int64_t>, 2> weightBlocks; // (first gate, gates) of each R^T block
  SmallVector<int64_t, 3> scratchGates; // scratch buffers: [batch, n * hidden] each
  // Per-unit vectors of a direction ([hidden], broadcast to [batch, hidden] by the skeleton).
  std::function<SmallVector<Value>(OpBuilder &, Location, int64_t dir)> vectors;
  std::function<void(Step &)> step;
};

struct Inputs {
  Value x, w, r, bias, seqLens, initialH, initialC;
};

/// Wb + Rb of the folded gates (Wb alone for the others), [dirs * gates * hidden].
Value foldedBias(OpBuilder &b, Location loc, Value bias, int64_t dirs, int64_t gates, int64_t hidden,
                 int64_t foldedGates) {
  auto type = RankedTensorType::get({dirs, gates * hidden}, cast<RankedTensorType>(bias.getType()).getElementType());
  Value wb = sliceOf(b, loc, type, bias, indexAttrs(b, {0, 0}), type.getShape());
  Value rb = sliceOf(b, loc, type, bias, indexAttrs(b, {0, gates * hidden}), type.getShape());
  Value sum = elementwise(b, loc, type, ValueRange{wb, rb}, [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
    Value s = arith::AddFOp::create(nb, nl, a[0], a[1]);
    if (foldedGates == gates)
      return s;
    Value n = linalg::IndexOp::create(nb, nl, 1);
    Value end = arith::ConstantIndexOp::create(nb, nl, foldedGates * hidden);
    Value folded = arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::ult, n, end);
    return arith::SelectOp::create(nb, nl, folded, s, a[0]);
  });
  return reshapeTo(b, loc, sum, RankedTensorType::get({dirs * gates * hidden}, type.getElementType()));
}

/// Whether sequence_lens may end a sequence early (not a constant >= seq everywhere).
bool mayEndEarly(Value seqLens, int64_t seq) {
  if (isNone(seqLens))
    return false;
  auto lens = getConstantInts(seqLens);
  return !lens || llvm::any_of(*lens, [&](int64_t n) { return n < seq; });
}

LogicalResult lowerRecurrent(Operation *op, const Inputs &in, const Cell &cell, ConversionPatternRewriter &b) {
  Location loc = op->getLoc();
  auto xType = cast<RankedTensorType>(in.x.getType());
  auto rType = cast<RankedTensorType>(in.r.getType());
  Type elem = xType.getElementType();
  auto directionAttr = op->getAttrOfType<StringAttr>("direction");
  StringRef direction = directionAttr ? directionAttr.getValue() : "forward";
  auto layout = op->getAttrOfType<IntegerAttr>("layout");
  bool batchFirst = layout && layout.getInt() == 1;
  int64_t dirs = rType.getDimSize(0), hidden = rType.getDimSize(2), gates = cell.gates;
  int64_t seq = xType.getDimSize(batchFirst ? 1 : 0), batch = xType.getDimSize(batchFirst ? 0 : 1);
  FailureOr<SmallVector<Activation>> acts = activationsOf(op, cell.defaults, dirs);
  if (failed(acts))
    return failure();
  std::optional<double> clip;
  if (auto c = op->getAttrOfType<FloatAttr>("clip"))
    clip = c.getValueAsDouble();
  auto tensorOf = [&](ArrayRef<int64_t> shape) { return RankedTensorType::get(shape, elem); };
  RankedTensorType stateType = tensorOf({batch, hidden});
  MLIRContext *ctx = b.getContext();
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };

  // XW[s0, s1, n] = X[s0, s1, :] . W[n, :] + bias[n] for every step and direction.
  int64_t width = dirs * gates * hidden;
  Value wRows = weightRows(b, loc, in.w, 0, width);
  RankedTensorType xwType = tensorOf({xType.getDimSize(0), xType.getDimSize(1), width});
  Value acc = isNone(in.bias) ? zeros(b, loc, xwType)
                              : broadcastTo(b, loc, foldedBias(b, loc, in.bias, dirs, gates, hidden, cell.foldedBiasGates),
                                            xwType);
  Value xw = contract(b, loc, in.x, wRows, acc,
                      {AffineMap::get(4, 0, {d(0), d(1), d(2)}, ctx), AffineMap::get(4, 0, {d(3), d(2)}, ctx),
                       AffineMap::get(4, 0, {d(0), d(1), d(3)}, ctx)},
                      {false, false, true, false});

  // A [batch, hidden] block of XW (outer = step) or of a state (outer =
  // direction) is at (outer, 0, column), or (0, outer, column) batch first.
  auto blockAt = [&](OpFoldResult outer, int64_t column) -> SmallVector<OpFoldResult> {
    if (batchFirst)
      return {b.getIndexAttr(0), outer, b.getIndexAttr(column)};
    return {outer, b.getIndexAttr(0), b.getIndexAttr(column)};
  };
  SmallVector<int64_t> blockSizes = batchFirst ? SmallVector<int64_t>{batch, 1, hidden}
                                               : SmallVector<int64_t>{1, batch, hidden};
  // Y is [seq, dirs, batch, hidden], or [batch, seq, dirs, hidden] batch first.
  auto yOffsets = [&](Value t, int64_t dir) -> SmallVector<OpFoldResult> {
    if (batchFirst)
      return {b.getIndexAttr(0), t, b.getIndexAttr(dir), b.getIndexAttr(0)};
    return {t, b.getIndexAttr(dir), b.getIndexAttr(0), b.getIndexAttr(0)};
  };
  SmallVector<int64_t> ySizes = batchFirst ? SmallVector<int64_t>{batch, 1, 1, hidden}
                                           : SmallVector<int64_t>{1, 1, batch, hidden};
  // Every loop-carried tensor starts in a buffer of its own: the loop updates
  // it in place (a tensor.empty would be shared by CSE, and its users would
  // be allowed to alias; a graph input must not be written).
  auto fresh = [&](RankedTensorType type, Value copy = Value()) -> Value {
    return bufferization::AllocTensorOp::create(b, loc, type, ValueRange{}, copy);
  };
  auto initialState = [&](Value all, int64_t dir) -> Value {
    if (isNone(all)) {
      Value zero = scalarConstant(b, loc, elem, 0);
      return linalg::FillOp::create(b, loc, zero, fresh(stateType)).getResult(0);
    }
    return fresh(stateType, sliceOf(b, loc, stateType, all, blockAt(b.getIndexAttr(dir), 0), blockSizes));
  };

  auto resultType = [&](unsigned i) { return cast<RankedTensorType>(op->getResult(i).getType()); };
  Value y = op->getResult(0).use_empty() ? Value() : fresh(resultType(0));
  Value seqLens; // [batch, hidden] when sequences may end before the last step
  if (mayEndEarly(in.seqLens, seq))
    seqLens = broadcastAlongDim(b, loc, in.seqLens, RankedTensorType::get({batch, hidden}, b.getI32Type()), 0);
  SmallVector<Value> lastH, lastC;
  for (int64_t dir = 0; dir < dirs; ++dir) {
    bool reverse = direction == "reverse" || dir == 1;
    SmallVector<Value> weights;
    for (auto [first, count] : cell.weightBlocks)
      weights.push_back(weightRows(b, loc, in.r, (dir * gates + first) * hidden, count * hidden));
    SmallVector<Value> vectors;
    if (cell.vectors)
      for (Value v : cell.vectors(b, loc, dir))
        vectors.push_back(broadcastTo(b, loc, v, stateType));
    SmallVector<Value> inits{initialState(in.initialH, dir)};
    if (cell.withCell)
      inits.push_back(initialState(in.initialC, dir));
    size_t yIndex = inits.size();
    if (y)
      inits.push_back(y);
    size_t firstScratch = inits.size();
    for (int64_t n : cell.scratchGates)
      inits.push_back(fresh(tensorOf({batch, n * hidden})));
    ArrayRef<Activation> dirActs = ArrayRef<Activation>(*acts).slice(dir * cell.defaults.size(), cell.defaults.size());

    auto body = [&](OpBuilder &, Location l, Value iv, ValueRange iter) {
      Value t = iv;
      if (reverse)
        t = arith::SubIOp::create(b, l, arith::ConstantIndexOp::create(b, l, seq - 1), iv);
      Value time = seqLens ? arith::IndexCastOp::create(b, l, b.getI32Type(), t) : Value();
      Step step{b, l, stateType};
      for (int64_t g = 0; g < gates; ++g)
        step.xw.push_back(sliceOf(b, l, stateType, xw, blockAt(t, (dir * gates + g) * hidden), blockSizes));
      step.h = iter[0];
      step.c = cell.withCell ? iter[1] : Value();
      step.weights = weights;
      step.scratch.assign(iter.begin() + firstScratch, iter.end());
      step.acts = dirActs;
      step.clip = clip;
      step.vectors = vectors;
      step.time = time;
      step.seqLens = seqLens;
      cell.step(step);
      SmallVector<Value> yields{step.h};
      if (cell.withCell)
        yields.push_back(step.c);
      if (y) {
        Value row = step.h;
        if (seqLens) // zeros where the sequence has ended
          row = mapInto(b, l, {step.h, seqLens}, sliceOf(b, l, stateType, iter[yIndex], yOffsets(t, dir), ySizes),
                        [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
                          Value live = arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::slt, time, a[1]);
                          return arith::SelectOp::create(nb, nl, live, a[0], scalarConstant(nb, nl, elem, 0));
                        });
        yields.push_back(insertAt(b, l, row, iter[yIndex], yOffsets(t, dir), ySizes));
      }
      yields.append(step.scratch);
      scf::YieldOp::create(b, l, yields);
    };
    Value lb = arith::ConstantIndexOp::create(b, loc, 0), ub = arith::ConstantIndexOp::create(b, loc, seq),
          one = arith::ConstantIndexOp::create(b, loc, 1);
    auto loop = scf::ForOp::create(b, loc, lb, ub, one, inits, body);
    lastH.push_back(loop.getResult(0));
    if (cell.withCell)
      lastC.push_back(loop.getResult(1));
    if (y)
      y = loop.getResult(yIndex);
  }

  // Y_h (and Y_c): the last states of every direction.
  auto stack = [&](ArrayRef<Value> states, unsigned result) -> Value {
    Value all = emptyTensor(b, loc, resultType(result));
    if (op->getResult(result).use_empty())
      return all;
    for (int64_t dir = 0; dir < dirs; ++dir)
      all = insertAt(b, loc, states[dir], all, blockAt(b.getIndexAttr(dir), 0), blockSizes);
    return all;
  };
  SmallVector<Value> results{y ? y : emptyTensor(b, loc, resultType(0)), stack(lastH, 1)};
  if (cell.withCell)
    results.push_back(stack(lastC, 2));
  b.replaceOp(op, results);
  return success();
}

/// Scalar helpers for the cells' bodies.
struct Arith {
  OpBuilder &b;
  Location loc;
  Value add(Value x, Value y) { return arith::AddFOp::create(b, loc, x, y); }
  Value sub(Value x, Value y) { return arith::SubFOp::create(b, loc, x, y); }
  Value mul(Value x, Value y) { return arith::MulFOp::create(b, loc, x, y); }
  Value one(Value like) { return scalarConstant(b, loc, like.getType(), 1); }
};

struct RNNLowering : OpConversionPattern<RNNOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(RNNOp op, OpAdaptor a, ConversionPatternRewriter &rewriter) const override {
    // Ht = f(Xt*W^T + Ht-1*R^T + Wb + Rb)
    Cell cell{1, {"Tanh"}, false, 1, {{0, 1}}, {1}, nullptr, nullptr};
    cell.step = [](Step &s) {
      Value hr = s.matmul(s.h, 0, 0);
      s.h = s.update({s.xw[0], hr}, s.h, [&](OpBuilder &b, Location l, ValueRange in) {
        return s.act(b, l, 0, Arith{b, l}.add(in[0], in[1]));
      });
    };
    return lowerRecurrent(op, {a.getX(), a.getW(), a.getR(), a.getB(), a.getSequenceLens(), a.getInitialH(), Value()},
                          cell, rewriter);
  }
};

struct GRULowering : OpConversionPattern<GRUOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(GRUOp op, OpAdaptor a, ConversionPatternRewriter &rewriter) const override {
    // Gates z, r, h: zt = f(..z), rt = f(..r), Ht = (1 - zt) * ht + zt * Ht-1 with
    // ht = g(Xt*Wh^T + (rt * Ht-1)*Rh^T + Rbh + Wbh), or with linear_before_reset
    // ht = g(Xt*Wh^T + rt * (Ht-1*Rh^T + Rbh) + Wbh).
    Cell cell{3, {"Sigmoid", "Tanh"}, false, 3, {{0, 2}, {2, 1}}, {2, 1, 1}, nullptr, nullptr};
    auto mix = [](Arith &m, Value z, Value candidate, Value h) {
      Value keep = m.mul(m.sub(m.one(z), z), candidate);
      Value carry = m.mul(z, h);
      return m.add(keep, carry);
    };
    if (op.getLinearBeforeReset()) {
      Value bias = a.getB();
      cell.foldedBiasGates = 2;
      cell.weightBlocks = {{0, 3}};
      cell.scratchGates = {3};
      if (!isNone(bias))
        cell.vectors = [bias](OpBuilder &b, Location l, int64_t dir) {
          auto type = cast<RankedTensorType>(bias.getType());
          int64_t hidden = type.getDimSize(1) / 6;
          return SmallVector<Value>{sliceOf(b, l, RankedTensorType::get({hidden}, type.getElementType()), bias,
                                            indexAttrs(b, {dir, 5 * hidden}), {1, hidden})};
        };
      cell.step = [mix](Step &s) {
        Value hr = s.matmul(s.h, 0, 0);
        SmallVector<Value> ins{s.xw[0], s.xw[1], s.xw[2], s.gate(hr, 0), s.gate(hr, 1), s.gate(hr, 2), s.h};
        ins.append(s.vectors.begin(), s.vectors.end());
        s.h = s.update(ins, s.h, [&](OpBuilder &b, Location l, ValueRange in) {
          Arith m{b, l};
          Value z = s.act(b, l, 0, m.add(in[0], in[3]));
          Value r = s.act(b, l, 0, m.add(in[1], in[4]));
          Value linear = in.size() > 7 ? m.add(in[5], in[7]) : in[5];
          return mix(m, z, s.act(b, l, 1, m.add(in[2], m.mul(r, linear))), in[6]);
        });
      };
    } else {
      cell.step = [mix](Step &s) {
        Value hr = s.matmul(s.h, 0, 0);
        Value reset = s.map({s.xw[1], s.gate(hr, 1), s.h}, 1, [&](OpBuilder &b, Location l, ValueRange in) {
          Arith m{b, l};
          return m.mul(s.act(b, l, 0, m.add(in[0], in[1])), in[2]);
        });
        Value hh = s.matmul(reset, 1, 2);
        s.h = s.update({s.xw[0], s.gate(hr, 0), s.xw[2], hh, s.h}, s.h, [&](OpBuilder &b, Location l, ValueRange in) {
          Arith m{b, l};
          Value z = s.act(b, l, 0, m.add(in[0], in[1]));
          return mix(m, z, s.act(b, l, 1, m.add(in[2], in[3])), in[4]);
        });
      };
    }
    return lowerRecurrent(op, {a.getX(), a.getW(), a.getR(), a.getB(), a.getSequenceLens(), a.getInitialH(), Value()},
                          cell, rewriter);
  }
};

struct LSTMLowering : OpConversionPattern<LSTMOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(LSTMOp op, OpAdaptor a, ConversionPatternRewriter &rewriter) const override {
    // Gates i, o, f, c; peepholes P (i, o, f) read the previous C (i, f) or the new one (o):
    // Ct = ft * Ct-1 + it * g(..c), Ht = ot * h(Ct); input_forget couples ft = 1 - it.
    Cell cell{4, {"Sigmoid", "Tanh", "Tanh"}, true, 4, {{0, 4}}, {4}, nullptr, nullptr};
    Value p = a.getP();
    if (!isNone(p))
      cell.vectors = [p](OpBuilder &b, Location l, int64_t dir) {
        auto type = cast<RankedTensorType>(p.getType());
        int64_t hidden = type.getDimSize(1) / 3;
        SmallVector<Value> v;
        for (int64_t g = 0; g < 3; ++g)
          v.push_back(sliceOf(b, l, RankedTensorType::get({hidden}, type.getElementType()), p,
                              indexAttrs(b, {dir, g * hidden}), {1, hidden}));
        return v;
      };
    bool coupled = op.getInputForget() != 0;
    cell.step = [coupled](Step &s) {
      Value hr = s.matmul(s.h, 0, 0);
      bool peep = !s.vectors.empty();
      // Preactivation of gate g from in[2k], in[2k + 1] (+ peephole in[peephole] * state).
      auto pre = [&](Arith &m, ValueRange in, unsigned k, int64_t peephole, Value state) {
        Value v = m.add(in[2 * k], in[2 * k + 1]);
        return peep ? m.add(v, m.mul(in[peephole], state)) : v;
      };
      // i, f, c inputs, then C (and the peepholes of i and f).
      SmallVector<Value> ins{s.xw[0], s.gate(hr, 0), s.xw[2], s.gate(hr, 2), s.xw[3], s.gate(hr, 3), s.c};
      if (peep)
        ins.append({s.vectors[0], s.vectors[2]});
      s.c = s.update(ins, s.c, [&](OpBuilder &b, Location l, ValueRange in) {
        Arith m{b, l};
        Value i = s.act(b, l, 0, pre(m, in, 0, 7, in[6]));
        Value f = coupled ? m.sub(m.one(i), i) : s.act(b, l, 0, pre(m, in, 1, 8, in[6]));
        Value candidate = s.act(b, l, 1, m.add(in[4], in[5]));
        Value kept = m.mul(f, in[6]);
        Value added = m.mul(i, candidate);
        return m.add(kept, added);
      });
      // o from the new C, then H.
      SmallVector<Value> outIns{s.xw[1], s.gate(hr, 1), s.c};
      if (peep)
        outIns.push_back(s.vectors[1]);
      s.h = s.update(outIns, s.h, [&](OpBuilder &b, Location l, ValueRange in) {
        Arith m{b, l};
        Value o = s.act(b, l, 0, pre(m, in, 0, 3, in[2]));
        return m.mul(o, s.act(b, l, 2, in[2], /*clipped=*/false));
      });
    };
    return lowerRecurrent(op, {a.getX(), a.getW(), a.getR(), a.getB(), a.getSequenceLens(), a.getInitialH(),
                               a.getInitialC()},
                          cell, rewriter);
  }
};

} // namespace

void populateRecurrentPatterns(RewritePatternSet &patterns) {
  patterns.add<RNNLowering, GRULowering, LSTMLowering>(patterns.getContext());
}

} // namespace onnxc::lowering
