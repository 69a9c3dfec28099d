// Lowers onnx.Resize to linalg: per-axis source taps and weights are computed at compile time.
//
// Every resized axis gets, for each output position, K source indices and
// weights (nearest: 1 tap, linear: 2, cubic: 4, antialiased downsampling: a
// filter as wide as the scale demands), as small constant tables. Axes are
// applied in stages of at most 16 tap combinations, each one parallel
// linalg.generic over its output that gathers with tensor.extract and sums the
// weighted taps (nearest is a pure gather). An axis with more than 16 taps is
// a stage of its own whose taps are a reduction dimension.
#include "dialects/onnx/OnnxDialect.h"
#include "dialects/onnx/OnnxUtils.h"
#include "lowering/Common.h"

#include <cmath>

using namespace mlir;
using namespace onnxc::onnx;

namespace onnxc::lowering {
namespace {

constexpr int64_t kMaxUnrolledTaps = 16;

/// Resize's attributes that decide how output positions map to input taps.
struct Sampling {
  StringRef mode, coordinates, nearestMode;
  double cubicA = -0.75;
  bool excludeOutside = false, antialias = false;
};

/// The taps of one resized axis: `taps` (index, weight) pairs per output
/// position, and where tf_crop_and_resize extrapolates instead.
struct AxisTaps {
  int64_t axis = 0, out = 0, taps = 1;
  SmallVector<int32_t> index; // [out][taps], inside the input
  SmallVector<double> weight; // [out][taps]
  SmallVector<bool> outside;  // [out]; empty when no position extrapolates
  bool gather = true;         // one tap of weight 1 at every position
};

/// x_original of output coordinate `x` (ONNX's coordinate transformations),
/// or nullopt where tf_crop_and_resize extrapolates.
std::optional<double> sourceCoordinate(const Sampling &s, int64_t x, int64_t in, int64_t out,
                                       double scale, double length, double roiStart, double roiEnd) {
  StringRef c = s.coordinates;
  double xf = (double)x;
  if (c == "align_corners") // over the integer output size, as ONNX Runtime does
    return out == 1 ? 0.0 : xf * (double)(in - 1) / (double)(out - 1);
  if (c == "asymmetric")
    return xf / scale;
  if (c == "tf_half_pixel_for_nn")
    return (xf + 0.5) / scale;
  if (c == "pytorch_half_pixel")
    return out == 1 ? 0.0 : (xf + 0.5) / scale - 0.5; // "length_resized > 1 ? ... : 0"
  if (c == "half_pixel_symmetric") {
    // Keeps the input's center at the output's center when the size was rounded.
    double offset = (double)in / 2 * (1 - (double)out / length);
    return offset + (xf + 0.5) / scale - 0.5;
  }
  if (c == "tf_crop_and_resize") {
    double v = length == 1 ? (roiEnd - roiStart) * (double)(in - 1) / 2
                           : xf * (roiEnd - roiStart) * (double)(in - 1) / (length - 1);
    v += roiStart * (double)(in - 1);
    if (v < 0 || v > (double)(in - 1))
      return std::nullopt;
    return v;
  }
  return (xf + 0.5) / scale - 0.5; // half_pixel
}

/// The cubic convolution kernel with parameter `a` at distance `d` >= 0.
double cubicKernel(double d, double a) {
  if (d <= 1)
    return ((a + 2) * d - (a + 3)) * d * d + 1;
  if (d < 2)
    return ((a * d - 5 * a) * d + 8 * a) * d - 4 * a;
  return 0;
}

/// Most filter taps per output position (antialiased downsampling by 1 / scale needs ~2 radius / scale).
constexpr int64_t kMaxFilterTaps = int64_t(1) << 20;

/// The number of coefficients `coefficients` computes at `scale` (NaN/huge when the scale is absurd).
double filterTaps(const Sampling &s, double scale) {
  if (s.mode == "nearest")
    return 2;
  double radius = s.mode == "cubic" ? 2 : 1, stretch = s.antialias ? std::min(scale, 1.0) : 1.0;
  return 2 * std::ceil(radius / stretch);
}

/// Coefficients of consecutive taps around x_original = base + ratio (ratio
/// in (0, 1]); `first` is the offset of the first tap from base. Antialiasing
/// stretches the linear/cubic kernel by 1 / scale when downsampling.
SmallVector<double> coefficients(const Sampling &s, double ratio, double scale, int64_t &first) {
  if (s.mode == "nearest") {
    first = 0;
    StringRef m = s.nearestMode;
    bool upper = ratio == 1 || m == "ceil" || (m == "round_prefer_floor" && ratio > 0.5) ||
                 (m == "round_prefer_ceil" && ratio >= 0.5);
    return {upper ? 0.0 : 1.0, upper ? 1.0 : 0.0};
  }
  bool cubic = s.mode == "cubic";
  double radius = cubic ? 2 : 1, stretch = s.antialias ? std::min(scale, 1.0) : 1.0;
  first = (int64_t)std::floor(-radius / stretch) + 1;
  SmallVector<double> c;
  double sum = 0;
  for (int64_t i = first; i <= 1 - first; ++i) { // 2 - 2 * first taps
    double d = std::abs(stretch * ((double)i - ratio));
    c.push_back(cubic ? cubicKernel(d, s.cubicA) : std::max(0.0, 1 - d));
    sum += c.back();
  }
  if (s.antialias && sum != 0)
    for (double &v : c)
      v /= sum;
  return c;
}

/// The taps of axis `axis` (input size `in`) for every output position.
AxisTaps axisTaps(const Sampling &s, const ResizeGeometry &g, int64_t axis, int64_t in) {
  AxisTaps t;
  t.axis = axis;
  t.out = g.outSizes[axis];
  SmallVector<SmallVector<std::pair<int64_t, double>, 4>> rows(t.out);
  SmallVector<bool> outside(t.out, false);
  for (int64_t o = 0; o < t.out; ++o) {
    auto x = sourceCoordinate(s, o, in, t.out, g.scales[axis], g.resizedLengths[axis],
                              g.roiStart[axis], g.roiEnd[axis]);
    if (!x || !std::isfinite(*x) || std::abs(*x) > 9.0e15) { // NaN/huge (e.g. a NaN roi): no input taps
      outside[o] = true;
      continue;
    }
    // The taps lie below x_original when it is integral (ratio 1).
    double base = std::floor(*x), ratio = *x - base;
    if (ratio == 0) {
      base -= 1;
      ratio = 1;
    }
    int64_t first;
    SmallVector<double> c = coefficients(s, ratio, g.scales[axis], first);
    int64_t n = c.size(), pad = (n + 1) / 2;
    // The n taps nearest x_original within the input extended by `pad` on each side.
    int64_t start = std::clamp((int64_t)base + first, -pad, in + pad - n);
    if (s.excludeOutside) {
      double sum = 0;
      SmallVector<double> kept(c);
      for (int64_t k = 0; k < n; ++k) {
        if (start + k < 0 || start + k >= in)
          kept[k] = 0;
        sum += kept[k];
      }
      if (sum != 0)
        for (int64_t k = 0; k < n; ++k)
          c[k] = kept[k] / sum;
    }
    for (int64_t k = 0; k < n; ++k) {
      if (c[k] == 0)
        continue;
      // Edge padding; clamped indices do not decrease, so repeats are adjacent.
      int64_t j = std::clamp<int64_t>(start + k, 0, in - 1);
      if (!rows[o].empty() && rows[o].back().first == j)
        rows[o].back().second += c[k];
      else
        rows[o].push_back({j, c[k]});
    }
  }
  for (int64_t o = 0; o < t.out; ++o) {
    t.taps = std::max<int64_t>(t.taps, rows[o].size());
    if (!outside[o])
      t.gather &= rows[o].size() == 1 && rows[o][0].second == 1.0;
  }
  for (auto &row : rows) {
    row.resize(t.taps, {0, 0.0});
    for (auto [j, w] : row) {
      t.index.push_back((int32_t)j);
      t.weight.push_back(w);
    }
  }
  if (llvm::is_contained(outside, true))
    t.outside = outside;
  return t;
}

/// Whether the axis reads input position o for output position o.
bool isIdentity(const AxisTaps &t, int64_t in) {
  if (t.out != in || !t.gather || !t.outside.empty())
    return false;
  for (int64_t o = 0; o < t.out; ++o)
    if (t.index[o] != o)
      return false;
  return true;
}

/// A constant tensor of `shape` and element type `elem` holding `values`.
template <typename T>
Value table(OpBuilder &b, Location loc, ArrayRef<int64_t> shape, Type elem, ArrayRef<T> values) {
  return arith::ConstantOp::create(b, loc, DenseElementsAttr::get(RankedTensorType::get(shape, elem), values));
}

/// Weights as a constant of the compute type (f32 or f64).
Value weightTable(OpBuilder &b, Location loc, ArrayRef<int64_t> shape, Type elem, ArrayRef<double> w) {
  if (elem.isF64())
    return table<double>(b, loc, shape, elem, w);
  SmallVector<float> f(w.begin(), w.end());
  return table<float>(b, loc, shape, elem, f);
}

/// Column `k` of a [out][taps] table.
template <typename T>
SmallVector<T> column(ArrayRef<T> values, int64_t taps, int64_t k) {
  SmallVector<T> col;
  for (size_t i = k; i < values.size(); i += taps)
    col.push_back(values[i]);
  return col;
}

/// How a stage computes: element type, arithmetic type and extrapolation value.
struct StageTypes {
  Type elem, compute;
  double extrapolation;
};

/// The extrapolation value as a scalar of `elem` (arith constants are signless).
Value extrapolationValue(OpBuilder &b, Location loc, const StageTypes &st) {
  Type elem = st.elem;
  if (!elem.isIntOrIndex() || elem.isSignlessInteger())
    return scalarConstant(b, loc, elem, st.extrapolation);
  Value v = scalarConstant(b, loc, b.getIntegerType(elem.getIntOrFloatBitWidth()), st.extrapolation);
  return UnrealizedConversionCastOp::create(b, loc, elem, v).getResult(0);
}

/// Resizes the axes of `stage` in one parallel generic whose body sums every
/// combination of their taps.
Value unrolledStage(OpBuilder &b, Location loc, Value src, ArrayRef<const AxisTaps *> stage,
                    const StageTypes &st) {
  auto srcType = cast<RankedTensorType>(src.getType());
  int64_t rank = srcType.getRank();
  SmallVector<int64_t> shape(srcType.getShape());
  for (const AxisTaps *t : stage)
    shape[t->axis] = t->out;
  auto type = RankedTensorType::get(shape, st.elem);
  MLIRContext *ctx = b.getContext();
  SmallVector<Value> inputs;
  SmallVector<AffineMap> maps;
  struct Args {
    int64_t index, weight = -1, outside = -1;
  };
  SmallVector<Args> args;
  for (const AxisTaps *t : stage) {
    AffineMap m = AffineMap::get(rank, 0, getAffineDimExpr(t->axis, ctx), ctx);
    auto add = [&](Value v) {
      inputs.push_back(v);
      maps.push_back(m);
    };
    Args a{(int64_t)inputs.size()};
    for (int64_t k = 0; k < t->taps; ++k)
      add(table<int32_t>(b, loc, {t->out}, b.getI32Type(), column<int32_t>(t->index, t->taps, k)));
    if (!t->gather) {
      a.weight = inputs.size();
      for (int64_t k = 0; k < t->taps; ++k)
        add(weightTable(b, loc, {t->out}, st.compute, column<double>(t->weight, t->taps, k)));
    }
    if (!t->outside.empty()) {
      a.outside = inputs.size();
      add(table<bool>(b, loc, {t->out}, b.getI1Type(), t->outside));
    }
    args.push_back(a);
  }
  maps.push_back(b.getMultiDimIdentityMap(rank));
  // A pure gather moves elements as they are; weighted sums use the compute type.
  bool widen = st.compute != st.elem && llvm::any_of(args, [](const Args &a) { return a.weight >= 0; });
  auto body = [&](OpBuilder &nb, Location nl, ValueRange in) {
    SmallVector<Value> at;
    for (int64_t d = 0; d < rank; ++d)
      at.push_back(linalg::IndexOp::create(nb, nl, d));
    SmallVector<SmallVector<Value>> index(stage.size());
    for (auto [s, t] : llvm::enumerate(stage))
      for (int64_t k = 0; k < t->taps; ++k)
        index[s].push_back(arith::IndexCastOp::create(nb, nl, nb.getIndexType(), in[args[s].index + k]));
    Value acc;
    SmallVector<int64_t> pick(stage.size(), 0);
    while (true) {
      Value weight;
      for (auto [s, t] : llvm::enumerate(stage)) {
        at[t->axis] = index[s][pick[s]];
        if (args[s].weight >= 0) {
          Value w = in[args[s].weight + pick[s]];
          weight = weight ? (Value)arith::MulFOp::create(nb, nl, weight, w) : w;
        }
      }
      Value v = tensor::ExtractOp::create(nb, nl, src, at);
      if (widen)
        v = arith::ExtFOp::create(nb, nl, st.compute, v);
      if (weight)
        v = arith::MulFOp::create(nb, nl, v, weight);
      acc = acc ? (Value)arith::AddFOp::create(nb, nl, acc, v) : v;
      int64_t s = stage.size() - 1;
      while (s >= 0 && ++pick[s] == stage[s]->taps)
        pick[s--] = 0;
      if (s < 0)
        break;
    }
    if (widen)
      acc = arith::TruncFOp::create(nb, nl, st.elem, acc);
    for (const Args &a : args)
      if (a.outside >= 0)
        acc = arith::SelectOp::create(nb, nl, in[a.outside], extrapolationValue(nb, nl, st), acc);
    linalg::YieldOp::create(nb, nl, acc);
  };
  return linalg::GenericOp::create(b, loc, TypeRange{type}, inputs, emptyTensor(b, loc, type), maps,
                                   SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
                                   body)
      .getResult(0);
}

/// Resizes one axis with many taps (antialiased downsampling): the taps are a
/// reduction dimension that reads [out, taps] tables.
Value reductionStage(OpBuilder &b, Location loc, Value src, const AxisTaps &t, const StageTypes &st) {
  auto srcType = cast<RankedTensorType>(src.getType());
  int64_t rank = srcType.getRank(), axis = t.axis;
  SmallVector<int64_t> shape(srcType.getShape());
  shape[axis] = t.out;
  auto accType = RankedTensorType::get(shape, st.compute);
  MLIRContext *ctx = b.getContext();
  AffineMap tableMap = AffineMap::get(rank + 1, 0, {getAffineDimExpr(axis, ctx), getAffineDimExpr(rank, ctx)}, ctx);
  SmallVector<AffineMap> maps{tableMap, tableMap, AffineMap::getMultiDimIdentityMap(rank + 1, ctx).dropResult(rank)};
  SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
  iters.push_back(utils::IteratorType::reduction);
  Value zero = scalarConstant(b, loc, st.compute, 0);
  Value init = linalg::FillOp::create(b, loc, zero, emptyTensor(b, loc, accType)).getResult(0);
  Value index = table<int32_t>(b, loc, {t.out, t.taps}, b.getI32Type(), t.index);
  Value weight = weightTable(b, loc, {t.out, t.taps}, st.compute, t.weight);
  Value acc = linalg::GenericOp::create(
                  b, loc, TypeRange{accType}, ValueRange{index, weight}, init, maps, iters,
                  [&](OpBuilder &nb, Location nl, ValueRange in) {
                    SmallVector<Value> at;
                    for (int64_t d = 0; d < rank; ++d)
                      at.push_back(d == axis ? (Value)arith::IndexCastOp::create(nb, nl, nb.getIndexType(), in[0])
                                             : linalg::IndexOp::create(nb, nl, d));
                    Value v = tensor::ExtractOp::create(nb, nl, src, at);
                    if (st.compute != st.elem)
                      v = arith::ExtFOp::create(nb, nl, st.compute, v);
                    v = arith::MulFOp::create(nb, nl, v, in[1]);
                    linalg::YieldOp::create(nb, nl, arith::AddFOp::create(nb, nl, in[2], v).getResult());
                  })
                  .getResult(0);
  if (st.compute == st.elem && t.outside.empty())
    return acc;
  // Narrow to the element type; extrapolated positions take the extrapolation value.
  auto type = RankedTensorType::get(shape, st.elem);
  SmallVector<Value> inputs{acc};
  SmallVector<AffineMap> outMaps{b.getMultiDimIdentityMap(rank)};
  if (!t.outside.empty()) {
    inputs.push_back(table<bool>(b, loc, {t.out}, b.getI1Type(), t.outside));
    outMaps.push_back(AffineMap::get(rank, 0, getAffineDimExpr(axis, ctx), ctx));
  }
  outMaps.push_back(b.getMultiDimIdentityMap(rank));
  return linalg::GenericOp::create(
             b, loc, TypeRange{type}, inputs, emptyTensor(b, loc, type), outMaps,
             SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
             [&](OpBuilder &nb, Location nl, ValueRange in) {
               Value v = in[0];
               if (st.compute != st.elem)
                 v = arith::TruncFOp::create(nb, nl, st.elem, v);
               if (in.size() > 2)
                 v = arith::SelectOp::create(nb, nl, in[1], extrapolationValue(nb, nl, st), v);
               linalg::YieldOp::create(nb, nl, v);
             })
      .getResult(0);
}

/// Most output positions along one resized axis (each needs a row of taps at compile time).
constexpr int64_t kMaxTapRows = int64_t(1) << 22;

struct ResizeLowering : OpConversionPattern<ResizeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(ResizeOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getType());
    auto tx = cast<RankedTensorType>(adaptor.getX().getType());
    Location loc = op.getLoc();
    ResizeGeometry g;
    if (failed(getResizeGeometry(std::nullopt, tx, op.getRoi(), op.getScales(), op.getSizes(), op.getAxes(),
                                 op.getCoordinateTransformationMode(), op.getKeepAspectRatioPolicy(), g)))
      return rewriter.notifyMatchFailure(op, "scales/sizes are not constant");
    if (type.getNumElements() == 0) {
      rewriter.replaceOp(op, emptyTensor(rewriter, loc, type));
      return success();
    }
    Sampling s{op.getMode(), op.getCoordinateTransformationMode(), op.getNearestMode(),
               op.getCubicCoeffAAttr().getValueAsDouble(), op.getExcludeOutside() != 0, op.getAntialias() != 0};
    Type elem = type.getElementType();
    StageTypes st{elem, elem, op.getExtrapolationValueAttr().getValueAsDouble()};
    if (isa<FloatType>(elem) && elem.getIntOrFloatBitWidth() < 32)
      st.compute = rewriter.getF32Type();
    // Axes that change, the most shrinking first (later stages then work on less data).
    SmallVector<AxisTaps> axes;
    // The tap tables hold a row per output position of each axis: bound them.
    for (int64_t d = 0; d < tx.getRank(); ++d)
      if (g.outSizes[d] > kMaxTapRows)
        return emitError(loc) << "resize output axis " << d << " has " << g.outSizes[d]
                              << " positions, more than the supported " << kMaxTapRows;
    for (int64_t d = 0; d < tx.getRank(); ++d)
      if (!(filterTaps(s, g.scales[d]) <= kMaxFilterTaps))
        return emitError(loc) << "Resize axis " << d << " (scale " << g.scales[d] << ") needs more than "
                              << kMaxFilterTaps << " filter taps per output position";
    for (int64_t d = 0; d < tx.getRank(); ++d) {
      AxisTaps t = axisTaps(s, g, d, tx.getDimSize(d));
      if (!isIdentity(t, tx.getDimSize(d)))
        axes.push_back(std::move(t));
    }
    if (!isa<FloatType>(elem) && llvm::any_of(axes, [](const AxisTaps &t) { return !t.gather; }))
      return rewriter.notifyMatchFailure(op, "weighted taps need a float type");
    llvm::stable_sort(axes, [&](const AxisTaps &a, const AxisTaps &b) {
      return a.out * tx.getDimSize(b.axis) < b.out * tx.getDimSize(a.axis);
    });
    Value cur = adaptor.getX();
    SmallVector<const AxisTaps *> stage;
    int64_t combos = 1;
    auto flush = [&]() {
      if (!stage.empty())
        cur = unrolledStage(rewriter, loc, cur, stage, st);
      stage.clear();
      combos = 1;
    };
    for (const AxisTaps &t : axes) {
      if (t.taps > kMaxUnrolledTaps) {
        flush();
        cur = reductionStage(rewriter, loc, cur, t, st);
        continue;
      }
      if (combos * t.taps > kMaxUnrolledTaps)
        flush();
      stage.push_back(&t);
      combos *= t.taps;
    }
    flush();
    rewriter.replaceOp(op, cur);
    return success();
  }
};

} // namespace

void populateResizePatterns(RewritePatternSet &patterns) {
  patterns.add<ResizeLowering>(patterns.getContext());
}

} // namespace onnxc::lowering
