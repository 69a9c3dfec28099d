// Lowers onnx ReduceSum/Mean/Max/Min/Prod to linalg reductions.
#include "dialects/onnx/OnnxDialect.h"
#include "dialects/onnx/OnnxUtils.h"
#include "lowering/Common.h"

using namespace mlir;
using namespace onnxc::onnx;

namespace onnxc::lowering {
namespace {

enum class Kind { Sum, Mean, Max, Min, Prod };

template <typename ReduceOp, Kind K>
struct ReduceLowering : OpConversionPattern<ReduceOp> {
  using OpConversionPattern<ReduceOp>::OpConversionPattern;
  LogicalResult matchAndRewrite(ReduceOp op, typename ReduceOp::Adaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto tx = cast<RankedTensorType>(adaptor.getData().getType());
    auto type = cast<RankedTensorType>(op.getType());
    Type elem = tx.getElementType();
    SmallVector<int64_t> axes;
    if (!isNone(op.getAxes())) {
      auto c = getConstantInts(op.getAxes());
      if (!c)
        return rewriter.notifyMatchFailure(op, "axes must be constant");
      for (int64_t a : *c)
        axes.push_back(*normalizeAxis(a, tx.getRank()));
    }
    if (axes.empty()) {
      if (op.getNoopWithEmptyAxes()) {
        rewriter.replaceOp(op, adaptor.getData());
        return success();
      }
      for (int64_t i = 0; i < tx.getRank(); ++i)
        axes.push_back(i);
    }
    llvm::sort(axes);
    bool isFloat = isa<FloatType>(elem), isUnsigned = elem.isUnsignedInteger();
    Value init = K == Kind::Max   ? scalarExtreme(rewriter, loc, elem, true)
                 : K == Kind::Min ? scalarExtreme(rewriter, loc, elem, false)
                 : scalarConstant(rewriter, loc, elem, K == Kind::Prod ? 1 : 0);
    Value r = reduce(rewriter, loc, adaptor.getData(), axes, op.getKeepdims() != 0, init,
                     [&](OpBuilder &b, Location l, ValueRange a) -> Value {
                       switch (K) {
                       case Kind::Max:
                         if (isFloat) return arith::MaximumFOp::create(b, l, a[0], a[1]);
                         return isUnsigned ? (Value)arith::MaxUIOp::create(b, l, a[0], a[1])
                                           : arith::MaxSIOp::create(b, l, a[0], a[1]);
                       case Kind::Min:
                         if (isFloat) return arith::MinimumFOp::create(b, l, a[0], a[1]);
                         return isUnsigned ? (Value)arith::MinUIOp::create(b, l, a[0], a[1])
                                           : arith::MinSIOp::create(b, l, a[0], a[1]);
                       case Kind::Prod:
                         return isFloat ? (Value)arith::MulFOp::create(b, l, a[0], a[1])
                                        : arith::MulIOp::create(b, l, a[0], a[1]);
                       default:
                         return isFloat ? (Value)arith::AddFOp::create(b, l, a[0], a[1])
                                        : arith::AddIOp::create(b, l, a[0], a[1]);
                       }
                     });
    if (K == Kind::Mean) {
      int64_t count = 1;
      for (int64_t a : axes)
        count *= tx.getDimSize(a);
      r = elementwise(rewriter, loc, type, r, [&](OpBuilder &b, Location l, ValueRange a) -> Value {
        Value c = scalarConstant(b, l, elem, (double)count);
        if (isFloat)
          return arith::DivFOp::create(b, l, a[0], c);
        return isUnsigned ? (Value)arith::DivUIOp::create(b, l, a[0], c) : arith::DivSIOp::create(b, l, a[0], c);
      });
    }
    rewriter.replaceOp(op, r);
    return success();
  }
};

} // namespace

void populateReductionPatterns(RewritePatternSet &patterns) {
  patterns.add<ReduceLowering<ReduceSumOp, Kind::Sum>, ReduceLowering<ReduceMeanOp, Kind::Mean>,
               ReduceLowering<ReduceMaxOp, Kind::Max>, ReduceLowering<ReduceMinOp, Kind::Min>,
               ReduceLowering<ReduceProdOp, Kind::Prod>>(patterns.getContext());
}

} // namespace onnxc::lowering
