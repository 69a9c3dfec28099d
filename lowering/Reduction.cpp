// Lowers onnx ReduceSum/Mean/Max/Min/Prod/L1/L2/LogSum/LogSumExp/SumSquare to linalg reductions.
#include "dialects/onnx/OnnxDialect.h"
#include "dialects/onnx/OnnxUtils.h"
#include "lowering/Common.h"

using namespace mlir;
using namespace onnxc::onnx;

namespace onnxc::lowering {
namespace {

enum class Kind { Sum, Mean, Max, Min, Prod, L1, L2, LogSum, LogSumExp, SumSquare };

/// ReduceMean of integers as the reference computes it: the sum in a wide
/// type (int64/uint64, no overflow of the element type), divided and
/// truncated back.
Value integerMean(OpBuilder &b, Location loc, Value data, ArrayRef<int64_t> axes, bool keepDims,
                  RankedTensorType type) {
  auto tx = cast<RankedTensorType>(data.getType());
  Type elem = tx.getElementType(), signless = signlessType(elem), i64 = b.getI64Type();
  bool isUnsigned = elem.isUnsignedInteger();
  int64_t count = 1;
  for (int64_t a : axes)
    count *= tx.getDimSize(a);
  Value wide = elementwise(b, loc, RankedTensorType::get(tx.getShape(), i64), data,
                           [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
                             Value x = castTo(nb, l, a[0], signless);
                             if (signless.getIntOrFloatBitWidth() == 64)
                               return x;
                             return isUnsigned ? (Value)arith::ExtUIOp::create(nb, l, i64, x)
                                               : arith::ExtSIOp::create(nb, l, i64, x);
                           });
  Value sum = reduce(b, loc, wide, axes, keepDims, scalarConstant(b, loc, i64, 0),
                     [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
                       return arith::AddIOp::create(nb, l, a[0], a[1]);
                     });
  return elementwise(b, loc, type, sum, [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
    Value c = scalarConstant(nb, l, i64, (double)count);
    Value q = isUnsigned ? (Value)arith::DivUIOp::create(nb, l, a[0], c) : arith::DivSIOp::create(nb, l, a[0], c);
    if (signless.getIntOrFloatBitWidth() < 64)
      q = arith::TruncIOp::create(nb, l, signless, q);
    return castTo(nb, l, q, elem);
  });
}

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
    // arith works on signless integers: unsigned values are cast inside the bodies.
    bool isFloat = isa<FloatType>(elem), isUnsigned = elem.isUnsignedInteger();
    Type signless = signlessType(elem);
    if (K == Kind::Mean && !isFloat) {
      rewriter.replaceOp(op, integerMean(rewriter, loc, adaptor.getData(), axes, op.getKeepdims() != 0, type));
      return success();
    }
    Value seed = K == Kind::Max   ? (isUnsigned ? scalarConstant(rewriter, loc, signless, 0)
                                                : scalarExtreme(rewriter, loc, elem, true))
                 : K == Kind::Min ? (isUnsigned ? scalarConstant(rewriter, loc, signless, -1)
                                                : scalarExtreme(rewriter, loc, elem, false))
                                  : scalarConstant(rewriter, loc, signless, K == Kind::Prod ? 1 : 0);
    Value r = reduce(rewriter, loc, adaptor.getData(), axes, op.getKeepdims() != 0, castTo(rewriter, loc, seed, elem),
                     [&](OpBuilder &b, Location l, ValueRange args) -> Value {
                       Value acc = castTo(b, l, args[0], signless), x = castTo(b, l, args[1], signless);
                       Value next;
                       switch (K) {
                       case Kind::Max:
                         next = isFloat      ? (Value)arith::MaximumFOp::create(b, l, acc, x)
                                : isUnsigned ? (Value)arith::MaxUIOp::create(b, l, acc, x)
                                             : arith::MaxSIOp::create(b, l, acc, x);
                         break;
                       case Kind::Min:
                         next = isFloat      ? (Value)arith::MinimumFOp::create(b, l, acc, x)
                                : isUnsigned ? (Value)arith::MinUIOp::create(b, l, acc, x)
                                             : arith::MinSIOp::create(b, l, acc, x);
                         break;
                       case Kind::Prod:
                         next = isFloat ? (Value)arith::MulFOp::create(b, l, acc, x) : arith::MulIOp::create(b, l, acc, x);
                         break;
                       default:
                         if (K == Kind::L1 && !isUnsigned)
                           x = isFloat ? (Value)math::AbsFOp::create(b, l, x) : math::AbsIOp::create(b, l, x);
                         else if (K == Kind::L2 || K == Kind::SumSquare)
                           x = isFloat ? (Value)arith::MulFOp::create(b, l, x, x) : arith::MulIOp::create(b, l, x, x);
                         else if (K == Kind::LogSumExp)
                           x = math::ExpOp::create(b, l, x);
                         next = isFloat ? (Value)arith::AddFOp::create(b, l, acc, x) : arith::AddIOp::create(b, l, acc, x);
                       }
                       return castTo(b, l, next, elem);
                     });
    if (K == Kind::L2 || K == Kind::LogSum || K == Kind::LogSumExp) {
      if (!isFloat && K == Kind::LogSumExp)
        return rewriter.notifyMatchFailure(op, "needs a float element type");
      // Integers: the float result truncated back, as the reference implementation does.
      r = elementwise(rewriter, loc, type, r, [&](OpBuilder &b, Location l, ValueRange a) -> Value {
        if (isFloat)
          return K == Kind::L2 ? (Value)math::SqrtOp::create(b, l, a[0]) : math::LogOp::create(b, l, a[0]);
        Value x = castTo(b, l, a[0], signless);
        Type f64 = b.getF64Type();
        Value v = isUnsigned ? (Value)arith::UIToFPOp::create(b, l, f64, x) : arith::SIToFPOp::create(b, l, f64, x);
        if (K == Kind::L2)
          v = math::SqrtOp::create(b, l, v);
        else // log in f32: the approximation needs no libm, and ints lose nothing that matters
          v = arith::ExtFOp::create(b, l, f64,
                                    math::LogOp::create(b, l, arith::TruncFOp::create(b, l, b.getF32Type(), v).getResult())
                                        .getResult());
        Value back = isUnsigned ? (Value)arith::FPToUIOp::create(b, l, signless, v)
                                : arith::FPToSIOp::create(b, l, signless, v);
        return castTo(b, l, back, elem);
      });
    }
    if (K == Kind::Mean) {
      int64_t count = 1;
      for (int64_t a : axes)
        count *= tx.getDimSize(a);
      r = elementwise(rewriter, loc, type, r, [&](OpBuilder &b, Location l, ValueRange a) -> Value {
        return arith::DivFOp::create(b, l, a[0], scalarConstant(b, l, elem, (double)count));
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
    if (!isa<IntegerType, FloatType>(elem))
      return rewriter.notifyMatchFailure(op, "needs a float or integer element type");
    bool isUnsigned = elem.isUnsignedInteger();
    Type signless = signlessType(elem);
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
    Value seed = isUnsigned ? scalarConstant(rewriter, loc, signless, IsMax ? 0 : -1)
                            : scalarExtreme(rewriter, loc, elem, IsMax);
    Value vals = linalg::FillOp::create(rewriter, loc, castTo(rewriter, loc, seed, elem),
                                        emptyTensor(rewriter, loc, valType)).getResult(0);
    Value idxs = linalg::FillOp::create(rewriter, loc, scalarConstant(rewriter, loc, i64, 0),
                                        emptyTensor(rewriter, loc, idxType)).getResult(0);
    AffineMap outMap = AffineMap::get(tx.getRank(), 0, outExprs, ctx);
    bool last = op.getSelectLastIndex() != 0;
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{valType, idxType}, adaptor.getData(), ValueRange{vals, idxs},
        SmallVector<AffineMap>{rewriter.getMultiDimIdentityMap(tx.getRank()), outMap, outMap}, iters,
        [&](OpBuilder &b, Location l, ValueRange a) {
          Value better, x = castTo(b, l, a[0], signless), best = castTo(b, l, a[1], signless);
          if (isa<FloatType>(elem))
            better = arith::CmpFOp::create(b, l, IsMax ? (last ? arith::CmpFPredicate::OGE : arith::CmpFPredicate::OGT)
                                                       : (last ? arith::CmpFPredicate::OLE : arith::CmpFPredicate::OLT),
                                           x, best);
          else if (isUnsigned)
            better = arith::CmpIOp::create(b, l, IsMax ? (last ? arith::CmpIPredicate::uge : arith::CmpIPredicate::ugt)
                                                       : (last ? arith::CmpIPredicate::ule : arith::CmpIPredicate::ult),
                                           x, best);
          else
            better = arith::CmpIOp::create(b, l, IsMax ? (last ? arith::CmpIPredicate::sge : arith::CmpIPredicate::sgt)
                                                       : (last ? arith::CmpIPredicate::sle : arith::CmpIPredicate::slt),
                                           x, best);
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
