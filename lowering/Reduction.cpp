// Lowers onnx ReduceSum/Mean/Max/Min/Prod/L1/L2/LogSum/LogSumExp/SumSquare to linalg reductions.
#include "dialects/onnx/OnnxDialect.h"
#include "dialects/onnx/OnnxUtils.h"
#include "lowering/Common.h"

using namespace mlir;
using namespace onnxc::onnx;

namespace onnxc::lowering {
namespace {

enum class Kind { Sum, Mean, Max, Min, Prod, L1, L2, LogSum, LogSumExp, SumSquare };

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
                       default: {
                         Value x = a[1];
                         if (K == Kind::L1)
                           x = isFloat ? (Value)math::AbsFOp::create(b, l, x) : math::AbsIOp::create(b, l, x);
                         else if (K == Kind::L2 || K == Kind::SumSquare)
                           x = isFloat ? (Value)arith::MulFOp::create(b, l, x, x) : arith::MulIOp::create(b, l, x, x);
                         else if (K == Kind::LogSumExp)
                           x = math::ExpOp::create(b, l, x);
                         return isFloat ? (Value)arith::AddFOp::create(b, l, a[0], x)
                                        : arith::AddIOp::create(b, l, a[0], x);
                       }
                       }
                     });
    if (K == Kind::L2 || K == Kind::LogSum || K == Kind::LogSumExp) {
      if (!isFloat)
        return rewriter.notifyMatchFailure(op, "needs a float element type");
      r = elementwise(rewriter, loc, type, r, [&](OpBuilder &b, Location l, ValueRange a) -> Value {
        if (K == Kind::L2)
          return math::SqrtOp::create(b, l, a[0]);
        return math::LogOp::create(b, l, a[0]);
      });
    }
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

/// ArgMax/ArgMin: one generic carrying (best value, its index) along `axis`.
template <typename ArgOp, bool IsMax> struct ArgLowering : OpConversionPattern<ArgOp> {
  using OpConversionPattern<ArgOp>::OpConversionPattern;
  LogicalResult matchAndRewrite(ArgOp op, typename ArgOp::Adaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto tx = cast<RankedTensorType>(adaptor.getData().getType());
    Type elem = tx.getElementType();
    if (!elem.isSignlessInteger() && !isa<FloatType>(elem))
      return rewriter.notifyMatchFailure(op, "needs a float or signless integer element type");
    int64_t axis = *normalizeAxis(op.getAxis(), tx.getRank());
    MLIRContext *ctx = rewriter.getContext();
    SmallVector<int64_t> outShape;
    SmallVector<AffineExpr> outExprs;
    SmallVector<utils::IteratorType> iters;
    for (int64_t i = 0; i < tx.getRank(); ++i) {
      iters.push_back(i == axis ? utils::IteratorType::reduction : utils::IteratorType::parallel);
      if (i != axis) {
        outShape.push_back(tx.getDimSize(i));
        outExprs.push_back(getAffineDimExpr(i, ctx));
      }
    }
    auto i64 = rewriter.getI64Type();
    auto valType = RankedTensorType::get(outShape, elem), idxType = RankedTensorType::get(outShape, i64);
    Value vals = linalg::FillOp::create(rewriter, loc, scalarExtreme(rewriter, loc, elem, IsMax),
                                        emptyTensor(rewriter, loc, valType)).getResult(0);
    Value idxs = linalg::FillOp::create(rewriter, loc, scalarConstant(rewriter, loc, i64, 0),
                                        emptyTensor(rewriter, loc, idxType)).getResult(0);
    AffineMap outMap = AffineMap::get(tx.getRank(), 0, outExprs, ctx);
    bool last = op.getSelectLastIndex() != 0;
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{valType, idxType}, adaptor.getData(), ValueRange{vals, idxs},
        SmallVector<AffineMap>{rewriter.getMultiDimIdentityMap(tx.getRank()), outMap, outMap}, iters,
        [&](OpBuilder &b, Location l, ValueRange a) {
          Value better;
          if (isa<FloatType>(elem))
            better = arith::CmpFOp::create(b, l, IsMax ? (last ? arith::CmpFPredicate::OGE : arith::CmpFPredicate::OGT)
                                                       : (last ? arith::CmpFPredicate::OLE : arith::CmpFPredicate::OLT),
                                           a[0], a[1]);
          else
            better = arith::CmpIOp::create(b, l, IsMax ? (last ? arith::CmpIPredicate::sge : arith::CmpIPredicate::sgt)
                                                       : (last ? arith::CmpIPredicate::sle : arith::CmpIPredicate::slt),
                                           a[0], a[1]);
          Value index = arith::IndexCastOp::create(b, l, i64, linalg::IndexOp::create(b, l, axis));
          linalg::YieldOp::create(b, l, ValueRange{arith::SelectOp::create(b, l, better, a[0], a[1]),
                                                   arith::SelectOp::create(b, l, better, index, a[2])});
        });
    rewriter.replaceOp(op, reshapeTo(rewriter, loc, generic.getResult(1),
                                     cast<RankedTensorType>(op.getType())));
    return success();
  }
};

} // namespace

void populateReductionPatterns(RewritePatternSet &patterns) {
  patterns.add<ReduceLowering<ReduceSumOp, Kind::Sum>, ReduceLowering<ReduceMeanOp, Kind::Mean>,
               ReduceLowering<ReduceMaxOp, Kind::Max>, ReduceLowering<ReduceMinOp, Kind::Min>,
               ReduceLowering<ReduceProdOp, Kind::Prod>, ReduceLowering<ReduceL1Op, Kind::L1>,
               ReduceLowering<ReduceL2Op, Kind::L2>, ReduceLowering<ReduceLogSumOp, Kind::LogSum>,
               ReduceLowering<ReduceLogSumExpOp, Kind::LogSumExp>,
               ReduceLowering<ReduceSumSquareOp, Kind::SumSquare>, ArgLowering<ArgMaxOp, true>,
               ArgLowering<ArgMinOp, false>>(patterns.getContext());
}

} // namespace onnxc::lowering
