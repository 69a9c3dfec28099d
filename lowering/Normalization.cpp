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

/// LayerNormalization: mean and variance over the axes from `axis` on.
struct LayerNormLowering : OpConversionPattern<LayerNormalizationOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(LayerNormalizationOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getY().getType());
    auto statsType = cast<RankedTensorType>(op.getMean().getType());
    Type elem = type.getElementType();
    int64_t axis = *normalizeAxis((int64_t)op.getAxis(), type.getRank());
    SmallVector<int64_t> axes;
    int64_t count = 1;
    for (int64_t i = axis; i < type.getRank(); ++i) {
      axes.push_back(i);
      count *= type.getDimSize(i);
    }
    auto meanOf = [&](Value v) {
      Value sum = reduce(rewriter, loc, v, axes, true, scalarConstant(rewriter, loc, elem, 0),
                         [](OpBuilder &b, Location l, ValueRange a) -> Value {
                           return arith::AddFOp::create(b, l, a[0], a[1]);
                         });
      return elementwise(rewriter, loc, statsType, sum, [&](OpBuilder &b, Location l, ValueRange a) -> Value {
        return arith::DivFOp::create(b, l, a[0], scalarConstant(b, l, elem, (double)count));
      });
    };
    Value x = adaptor.getX();
    Value mean = meanOf(x);
    Value centered = elementwise(rewriter, loc, type, ValueRange{x, mean},
                                 [](OpBuilder &b, Location l, ValueRange a) -> Value {
                                   return arith::SubFOp::create(b, l, a[0], a[1]);
                                 });
    Value squares = elementwise(rewriter, loc, type, centered, [](OpBuilder &b, Location l, ValueRange a) -> Value {
      return arith::MulFOp::create(b, l, a[0], a[0]);
    });
    double eps = op.getEpsilon().convertToDouble();
    Value invStd = elementwise(rewriter, loc, statsType, meanOf(squares),
                               [&](OpBuilder &b, Location l, ValueRange a) -> Value {
                                 Value v = arith::AddFOp::create(b, l, a[0], scalarConstant(b, l, elem, eps));
                                 return math::RsqrtOp::create(b, l, v);
                               });
    SmallVector<Value> ins{centered, invStd, adaptor.getScale()};
    bool hasBias = !isNone(adaptor.getB());
    if (hasBias)
      ins.push_back(adaptor.getB());
    Value y = elementwise(rewriter, loc, type, ins, [&](OpBuilder &b, Location l, ValueRange a) -> Value {
      Value v = arith::MulFOp::create(b, l, arith::MulFOp::create(b, l, a[0], a[1]), a[2]);
      return hasBias ? (Value)arith::AddFOp::create(b, l, v, a[3]) : v;
    });
    rewriter.replaceOp(op, {y, mean, invStd});
    return success();
  }
};

} // namespace

void populateNormalizationPatterns(RewritePatternSet &patterns) {
  patterns.add<BatchNormLowering, LayerNormLowering, SoftmaxLowering<SoftmaxOp, false>,
               SoftmaxLowering<LogSoftmaxOp, true>>(patterns.getContext());
}

} // namespace onnxc::lowering
