// Lowers onnx BatchNormalization (inference), Softmax and LogSoftmax to linalg.
#include "dialects/onnx/OnnxDialect.h"
#include "dialects/onnx/OnnxUtils.h"
#include "lowering/Common.h"

using namespace mlir;
using namespace onnxc::onnx;

namespace onnxc::lowering {
namespace {

struct BatchNormLowering : OpConversionPattern<BatchNormalizationOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(BatchNormalizationOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    Type elem = type.getElementType();
    if (!isa<FloatType>(elem))
      return rewriter.notifyMatchFailure(op, "BatchNormalization needs a float type");
    int64_t c = type.getDimSize(1);
    auto vecType = RankedTensorType::get({c}, elem);
    double eps = op.getEpsilon().convertToDouble();
    // s = scale / sqrt(var + eps); t = B - mean * s, then Y = X * s + t.
    Value s = elementwise(rewriter, loc, vecType, ValueRange{adaptor.getScale(), adaptor.getInputVar()},
                          [&](OpBuilder &b, Location l, ValueRange a) {
                            Value v = arith::AddFOp::create(b, l, a[1], scalarConstant(b, l, elem, eps));
                            return arith::DivFOp::create(b, l, a[0], math::SqrtOp::create(b, l, v));
                          });
    Value t = elementwise(rewriter, loc, vecType, ValueRange{adaptor.getB(), adaptor.getInputMean(), s},
                          [&](OpBuilder &b, Location l, ValueRange a) {
                            return arith::SubFOp::create(b, l, a[0], arith::MulFOp::create(b, l, a[1], a[2]));
                          });
    SmallVector<int64_t> chanShape(type.getRank() - 1, 1);
    chanShape[0] = c;
    auto chanType = RankedTensorType::get(chanShape, elem);
    Value y = elementwise(rewriter, loc, type,
                          ValueRange{adaptor.getX(), reshapeTo(rewriter, loc, s, chanType),
                                     reshapeTo(rewriter, loc, t, chanType)},
                          [](OpBuilder &b, Location l, ValueRange a) {
                            return arith::AddFOp::create(b, l, arith::MulFOp::create(b, l, a[0], a[1]), a[2]);
                          });
    rewriter.replaceOp(op, y);
    return success();
  }
};

template <typename SoftmaxOp, bool IsLog>
struct SoftmaxLowering : OpConversionPattern<SoftmaxOp> {
  using OpConversionPattern<SoftmaxOp>::OpConversionPattern;
  LogicalResult matchAndRewrite(SoftmaxOp op, typename SoftmaxOp::Adaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    Type elem = type.getElementType();
    if (!isa<FloatType>(elem))
      return rewriter.notifyMatchFailure(op, "softmax needs a float type");
    int64_t axis = *normalizeAxis((int64_t)op.getAxis(), type.getRank());
    Value x = adaptor.getInput();
    Value max = reduce(rewriter, loc, x, {axis}, true, scalarExtreme(rewriter, loc, elem, true),
                       [](OpBuilder &b, Location l, ValueRange a) {
                         return arith::MaxNumFOp::create(b, l, a[0], a[1]);
                       });
    Value shifted = elementwise(rewriter, loc, type, ValueRange{x, max},
                                [](OpBuilder &b, Location l, ValueRange a) {
                                  return arith::SubFOp::create(b, l, a[0], a[1]);
                                });
    Value e = elementwise(rewriter, loc, type, shifted, [](OpBuilder &b, Location l, ValueRange a) {
      return math::ExpOp::create(b, l, a[0]);
    });
    Value sum = reduce(rewriter, loc, e, {axis}, true, scalarConstant(rewriter, loc, elem, 0),
                       [](OpBuilder &b, Location l, ValueRange a) {
                         return arith::AddFOp::create(b, l, a[0], a[1]);
                       });
    Value y = IsLog ? elementwise(rewriter, loc, type, ValueRange{shifted, sum},
                                  [](OpBuilder &b, Location l, ValueRange a) {
                                    return arith::SubFOp::create(b, l, a[0], math::LogOp::create(b, l, a[1]));
                                  })
                    : elementwise(rewriter, loc, type, ValueRange{e, sum},
                                  [](OpBuilder &b, Location l, ValueRange a) {
                                    return arith::DivFOp::create(b, l, a[0], a[1]);
                                  });
    rewriter.replaceOp(op, y);
    return success();
  }
};

/// (x - mean) and 1 / sqrt(var + eps) over the axes from `axis` on (the
/// statistics keep those axes as 1).
struct Standardized {
  Value centered, mean, invStd;
};
Standardized standardize(OpBuilder &b, Location loc, Value x, int64_t axis, double eps) {
  auto type = cast<RankedTensorType>(x.getType());
  Type elem = type.getElementType();
  SmallVector<int64_t> axes, statsShape(type.getShape());
  int64_t count = 1;
  for (int64_t i = axis; i < type.getRank(); ++i) {
    axes.push_back(i);
    count *= type.getDimSize(i);
    statsShape[i] = 1;
  }
  auto statsType = RankedTensorType::get(statsShape, elem);
  auto meanOf = [&](Value v) {
    Value sum = reduce(b, loc, v, axes, true, scalarConstant(b, loc, elem, 0),
                       [](OpBuilder &nb, Location l, ValueRange a) -> Value {
                         return arith::AddFOp::create(nb, l, a[0], a[1]);
                       });
    return elementwise(b, loc, statsType, sum, [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
      return arith::DivFOp::create(nb, l, a[0], scalarConstant(nb, l, elem, (double)count));
    });
  };
  Standardized r;
  r.mean = meanOf(x);
  r.centered = elementwise(b, loc, type, ValueRange{x, r.mean},
                           [](OpBuilder &nb, Location l, ValueRange a) -> Value {
                             return arith::SubFOp::create(nb, l, a[0], a[1]);
                           });
  Value squares = elementwise(b, loc, type, r.centered, [](OpBuilder &nb, Location l, ValueRange a) -> Value {
    return arith::MulFOp::create(nb, l, a[0], a[0]);
  });
  r.invStd = elementwise(b, loc, statsType, meanOf(squares), [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
    Value v = arith::AddFOp::create(nb, l, a[0], scalarConstant(nb, l, elem, eps));
    return math::RsqrtOp::create(nb, l, v);
  });
  return r;
}

/// centered * invStd * scale (+ bias), all broadcast to `type`.
Value scaleAndShift(OpBuilder &b, Location loc, RankedTensorType type, const Standardized &s,
                    Value scale, Value bias) {
  SmallVector<Value> ins{s.centered, s.invStd, scale};
  if (bias)
    ins.push_back(bias);
  return elementwise(b, loc, type, ins, [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
    Value v = arith::MulFOp::create(nb, l, arith::MulFOp::create(nb, l, a[0], a[1]), a[2]);
    return a.size() > 3 ? (Value)arith::AddFOp::create(nb, l, v, a[3]) : v;
  });
}

struct LayerNormLowering : OpConversionPattern<LayerNormalizationOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(LayerNormalizationOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getY().getType());
    int64_t axis = *normalizeAxis((int64_t)op.getAxis(), type.getRank());
    Standardized s = standardize(rewriter, op.getLoc(), adaptor.getX(), axis,
                                 op.getEpsilon().convertToDouble());
    Value bias = isNone(adaptor.getB()) ? Value() : adaptor.getB();
    Value y = scaleAndShift(rewriter, op.getLoc(), type, s, adaptor.getScale(), bias);
    rewriter.replaceOp(op, {y, s.mean, s.invStd});
    return success();
  }
};

/// InstanceNormalization: per (n, c) statistics; scale and B are per channel.
struct InstanceNormLowering : OpConversionPattern<InstanceNormalizationOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(InstanceNormalizationOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    Standardized s = standardize(rewriter, loc, adaptor.getInput(), 2, op.getEpsilon().convertToDouble());
    SmallVector<int64_t> perChannel(type.getRank() - 1, 1);
    perChannel[0] = type.getDimSize(1);
    auto channelType = RankedTensorType::get(perChannel, type.getElementType());
    Value y = scaleAndShift(rewriter, loc, type, s, reshapeTo(rewriter, loc, adaptor.getScale(), channelType),
                            reshapeTo(rewriter, loc, adaptor.getB(), channelType));
    rewriter.replaceOp(op, y);
    return success();
  }
};

/// Hardmax: 1 where the index along `axis` is ArgMax's (first maximum).
struct HardmaxLowering : OpConversionPattern<HardmaxOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(HardmaxOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    int64_t axis = *normalizeAxis((int64_t)op.getAxis(), type.getRank());
    SmallVector<int64_t> shape(type.getShape());
    shape[axis] = 1;
    OperationState argMax(loc, ArgMaxOp::getOperationName());
    argMax.addOperands(adaptor.getInput());
    argMax.addAttribute("axis", rewriter.getI64IntegerAttr(axis));
    argMax.addAttribute("keepdims", rewriter.getI64IntegerAttr(1));
    argMax.addTypes(RankedTensorType::get(shape, rewriter.getI64Type()));
    Value best = rewriter.create(argMax)->getResult(0);
    Type elem = type.getElementType();
    rewriter.replaceOp(op, elementwise(rewriter, loc, type, best, [&](OpBuilder &b, Location l, ValueRange a) -> Value {
      Value here = arith::IndexCastOp::create(b, l, b.getI64Type(), linalg::IndexOp::create(b, l, axis));
      Value hit = arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, here, a[0]);
      return arith::SelectOp::create(b, l, hit, scalarConstant(b, l, elem, 1), scalarConstant(b, l, elem, 0));
    }));
    return success();
  }
};

} // namespace

void populateNormalizationPatterns(RewritePatternSet &patterns) {
  patterns.add<BatchNormLowering, LayerNormLowering, InstanceNormLowering, HardmaxLowering, SoftmaxLowering<SoftmaxOp, false>,
               SoftmaxLowering<LogSoftmaxOp, true>>(patterns.getContext());
}

} // namespace onnxc::lowering
