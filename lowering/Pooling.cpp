// Lowers onnx MaxPool, AveragePool and the global pools to linalg.
//
// Windowed pools with small kernels combine one strided view of the padded
// input per kernel offset in a single elementwise linalg.generic (max, or sum
// times a per-position reciprocal count); larger kernels reduce over the window
// in one loop nest, so the IR does not grow with the kernel.
#include "dialects/onnx/OnnxDialect.h"
#include "dialects/onnx/OnnxUtils.h"
#include "lowering/Common.h"

using namespace mlir;
using namespace onnxc::onnx;

namespace onnxc::lowering {
namespace {

/// Kernels of more taps than this reduce in a loop nest instead of one slice per tap.
constexpr int64_t kMaxSliceTaps = 64;
/// The most taps a kernel may have (its shape-only window operand takes a buffer).
constexpr int64_t kMaxTaps = 1 << 16;

/// The taps of `op`'s kernel; fails with an error naming `op` above kMaxTaps.
FailureOr<int64_t> kernelTaps(Operation *op, ArrayRef<int64_t> kernel) {
  int64_t taps = 1;
  for (int64_t k : kernel)
    if (llvm::MulOverflow(taps, std::max<int64_t>(k, 1), taps) || taps > kMaxTaps)
      return op->emitError() << op->getName().stripDialect() << "'s kernel has more than " << kMaxTaps << " elements";
  return taps;
}

/// `combine(acc, x)` folded over every window of `padded` ([N, C, spatial...]),
/// seeded with `init`: one linalg reduction, parallel over [N, C, out...] and
/// reducing over the kernel taps (a kernel-shaped operand gives their ranges).
Value windowReduction(OpBuilder &b, Location loc, Value padded, const WindowGeometry &g, Value init,
                      function_ref<Value(OpBuilder &, Location, Value, Value)> combine) {
  auto tp = cast<RankedTensorType>(padded.getType());
  Type elem = tp.getElementType();
  int64_t k = g.kernel.size();
  SmallVector<int64_t> shape{tp.getDimSize(0), tp.getDimSize(1)};
  shape.append(g.outSizes);
  auto type = RankedTensorType::get(shape, elem);
  Value acc = linalg::FillOp::create(b, loc, init, emptyTensor(b, loc, type)).getResult(0);
  Value window = emptyTensor(b, loc, RankedTensorType::get(g.kernel, elem));
  MLIRContext *ctx = b.getContext();
  auto d = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
  SmallVector<AffineExpr> xExprs{d(0), d(1)}, wExprs, yExprs{d(0), d(1)};
  for (int64_t i = 0; i < k; ++i) {
    xExprs.push_back(d(2 + i) * g.strides[i] + d(2 + k + i) * g.dilations[i]);
    wExprs.push_back(d(2 + k + i));
    yExprs.push_back(d(2 + i));
  }
  SmallVector<AffineMap> maps{AffineMap::get(2 + 2 * k, 0, xExprs, ctx), AffineMap::get(2 + 2 * k, 0, wExprs, ctx),
                              AffineMap::get(2 + 2 * k, 0, yExprs, ctx)};
  SmallVector<utils::IteratorType> iters(2 + 2 * k, utils::IteratorType::reduction);
  std::fill_n(iters.begin(), 2 + k, utils::IteratorType::parallel);
  return linalg::GenericOp::create(b, loc, TypeRange{type}, ValueRange{padded, window}, acc, maps, iters,
                                   [&](OpBuilder &nb, Location l, ValueRange a) {
                                     linalg::YieldOp::create(nb, l, combine(nb, l, a[2], a[0]));
                                   })
      .getResult(0);
}

/// Geometry plus the padded input of a windowed pool; nullopt on bad attributes.
template <typename PoolOp>
std::optional<std::pair<WindowGeometry, Value>>
padForPool(OpBuilder &b, PoolOp op, Value x, Value padValue) {
  auto tx = cast<RankedTensorType>(x.getType());
  WindowGeometry g;
  if (computeWindowGeometry(tx.getShape().drop_front(2), op.getKernelShape(),
                            op.getAutoPad(), op.getPads(), op.getStrides(),
                            op.getDilations(), op.getCeilMode() != 0, g))
    return std::nullopt;
  SmallVector<int64_t> extra = windowOverrun(tx.getShape().drop_front(2), g);
  SmallVector<int64_t> low{0, 0}, high{0, 0};
  for (size_t i = 0; i < g.kernel.size(); ++i) {
    low.push_back(g.padsBegin[i]);
    high.push_back(g.padsEnd[i] + extra[i]);
  }
  return std::make_pair(g, padWith(b, op.getLoc(), x, low, high, padValue));
}

struct MaxPoolLowering : OpConversionPattern<MaxPoolOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(MaxPoolOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getType());
    Type elem = type.getElementType();
    Location loc = op.getLoc();
    if (type.getNumElements() == 0) {
      rewriter.replaceOp(op, emptyTensor(rewriter, loc, type));
      return success();
    }
    FailureOr<int64_t> taps = kernelTaps(op, op.getKernelShape());
    if (failed(taps))
      return failure();
    Value lowest = scalarExtreme(rewriter, loc, elem, true);
    auto padded = padForPool(rewriter, op, adaptor.getX(), lowest);
    if (!padded)
      return rewriter.notifyMatchFailure(op, "bad window geometry");
    auto maxOf = [&](OpBuilder &b, Location l, Value x, Value y) -> Value {
      return isa<FloatType>(elem) ? (Value)arith::MaximumFOp::create(b, l, x, y) : arith::MaxSIOp::create(b, l, x, y);
    };
    if (*taps > kMaxSliceTaps) {
      rewriter.replaceOp(op, windowReduction(rewriter, loc, padded->second, padded->first, lowest, maxOf));
      return success();
    }
    SmallVector<Value> slices = windowSlices(rewriter, loc, padded->second, padded->first, 2);
    rewriter.replaceOp(op, elementwise(rewriter, loc, type, slices,
                                       [&](OpBuilder &b, Location l, ValueRange a) {
                                         Value r = a[0];
                                         for (Value v : a.drop_front())
                                           r = maxOf(b, l, r, v);
                                         return r;
                                       }));
    return success();
  }
};

struct AveragePoolLowering : OpConversionPattern<AveragePoolOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(AveragePoolOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getType());
    auto tx = cast<RankedTensorType>(adaptor.getX().getType());
    Type elem = type.getElementType();
    Location loc = op.getLoc();
    if (!isa<FloatType>(elem))
      return rewriter.notifyMatchFailure(op, "AveragePool needs a float type");
    if (type.getNumElements() == 0) {
      rewriter.replaceOp(op, emptyTensor(rewriter, loc, type));
      return success();
    }
    FailureOr<int64_t> taps = kernelTaps(op, op.getKernelShape());
    if (failed(taps))
      return failure();
    Value zero = scalarConstant(rewriter, loc, elem, 0);
    auto padded = padForPool(rewriter, op, adaptor.getX(), zero);
    if (!padded)
      return rewriter.notifyMatchFailure(op, "bad window geometry");
    const WindowGeometry &g = padded->first;
    // Per output position: 1 / (number of window elements counted).
    size_t k = g.kernel.size();
    SmallVector<SmallVector<int64_t>> counts(k);
    for (size_t i = 0; i < k; ++i) {
      int64_t in = tx.getDimSize(2 + i);
      int64_t lo = op.getCountIncludePad() ? 0 : g.padsBegin[i];
      int64_t hi = op.getCountIncludePad() ? in + g.padsBegin[i] + g.padsEnd[i] : g.padsBegin[i] + in;
      for (int64_t o = 0; o < g.outSizes[i]; ++o) {
        int64_t cnt = 0;
        for (int64_t j = 0; j < g.kernel[i]; ++j) {
          int64_t p = o * g.strides[i] + j * g.dilations[i];
          cnt += p >= lo && p < hi;
        }
        counts[i].push_back(std::max<int64_t>(cnt, 1));
      }
    }
    auto scaleType = RankedTensorType::get(g.outSizes, elem);
    SmallVector<float> scale(scaleType.getNumElements());
    for (int64_t lin = 0; lin < (int64_t)scale.size(); ++lin) {
      int64_t rest = lin, total = 1;
      for (int64_t i = k - 1; i >= 0; --i) {
        total *= counts[i][rest % g.outSizes[i]];
        rest /= g.outSizes[i];
      }
      scale[lin] = 1.0f / (float)total;
    }
    Value scaleT = arith::ConstantOp::create(
        rewriter, loc, DenseElementsAttr::get(RankedTensorType::get(g.outSizes, rewriter.getF32Type()),
                                              ArrayRef<float>(scale)));
    if (!elem.isF32())
      scaleT = elementwise(rewriter, loc, scaleType, scaleT, [&](OpBuilder &b, Location l, ValueRange a) {
        return elem.getIntOrFloatBitWidth() > 32 ? (Value)arith::ExtFOp::create(b, l, elem, a[0])
                                                 : arith::TruncFOp::create(b, l, elem, a[0]);
      });
    if (*taps > kMaxSliceTaps) {
      Value sum = windowReduction(rewriter, loc, padded->second, g, zero,
                                  [](OpBuilder &b, Location l, Value x, Value y) -> Value {
                                    return arith::AddFOp::create(b, l, x, y);
                                  });
      rewriter.replaceOp(op, elementwise(rewriter, loc, type, {sum, scaleT},
                                         [](OpBuilder &b, Location l, ValueRange a) -> Value {
                                           return arith::MulFOp::create(b, l, a[0], a[1]);
                                         }));
      return success();
    }
    SmallVector<Value> inputs = windowSlices(rewriter, loc, padded->second, g, 2);
    inputs.push_back(scaleT);
    rewriter.replaceOp(op, elementwise(rewriter, loc, type, inputs,
                                       [&](OpBuilder &b, Location l, ValueRange a) {
                                         Value r = a[0];
                                         for (Value v : a.drop_front().drop_back())
                                           r = arith::AddFOp::create(b, l, r, v);
                                         return arith::MulFOp::create(b, l, r, a.back());
                                       }));
    return success();
  }
};

template <typename GlobalOp, bool IsMax>
struct GlobalPoolLowering : OpConversionPattern<GlobalOp> {
  using OpConversionPattern<GlobalOp>::OpConversionPattern;
  LogicalResult matchAndRewrite(GlobalOp op, typename GlobalOp::Adaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto tx = cast<RankedTensorType>(adaptor.getX().getType());
    Type elem = tx.getElementType();
    Location loc = op.getLoc();
    if (!isa<FloatType>(elem))
      return rewriter.notifyMatchFailure(op, "global pools need a float type");
    SmallVector<int64_t> axes;
    int64_t count = 1;
    for (int64_t i = 2; i < tx.getRank(); ++i) {
      axes.push_back(i);
      count *= tx.getDimSize(i);
    }
    Value init = IsMax ? scalarExtreme(rewriter, loc, elem, true) : scalarConstant(rewriter, loc, elem, 0);
    Value r = reduce(rewriter, loc, adaptor.getX(), axes, true, init,
                     [](OpBuilder &b, Location l, ValueRange a) -> Value {
                       if (IsMax)
                         return arith::MaximumFOp::create(b, l, a[0], a[1]);
                       return arith::AddFOp::create(b, l, a[0], a[1]);
                     });
    if (!IsMax)
      r = elementwise(rewriter, loc, cast<RankedTensorType>(r.getType()), r,
                      [&](OpBuilder &b, Location l, ValueRange a) {
                        return arith::MulFOp::create(b, l, a[0], scalarConstant(b, l, elem, 1.0 / count));
                      });
    rewriter.replaceOp(op, r);
    return success();
  }
};

} // namespace

void populatePoolingPatterns(RewritePatternSet &patterns) {
  patterns.add<MaxPoolLowering, AveragePoolLowering,
               GlobalPoolLowering<GlobalAveragePoolOp, false>,
               GlobalPoolLowering<GlobalMaxPoolOp, true>>(patterns.getContext());
}

} // namespace onnxc::lowering
