// Lowers onnx MatMul and Gemm to linalg contractions.
#include "dialects/onnx/OnnxDialect.h"
#include "dialects/onnx/OnnxUtils.h"
#include "lowering/Common.h"

using namespace mlir;
using namespace onnxc::onnx;

namespace onnxc::lowering {

/// acc[outMap] += a[aMap] * b[bMap]; `reduced` marks the k loop. Callers put k
/// before the innermost (output-contiguous) loop so that loop vectorizes.
Value contract(OpBuilder &b, Location loc, Value lhs, Value rhs, Value acc,
               ArrayRef<AffineMap> maps, ArrayRef<bool> reduced) {
  SmallVector<utils::IteratorType> iters;
  for (bool r : reduced)
    iters.push_back(r ? utils::IteratorType::reduction : utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, loc, TypeRange{acc.getType()}, ValueRange{lhs, rhs}, acc, maps, iters,
             [&](OpBuilder &nb, Location nl, ValueRange a) {
               linalg::YieldOp::create(nb, nl, multiplyAdd(nb, nl, a[2], a[0], a[1]));
             })
      .getResult(0);
}

Value zeros(OpBuilder &b, Location loc, RankedTensorType type) {
  Value zero = scalarConstant(b, loc, type.getElementType(), 0);
  return linalg::FillOp::create(b, loc, zero, emptyTensor(b, loc, type)).getResult(0);
}

namespace {

struct MatMulLowering : OpConversionPattern<MatMulOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(MatMulOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto ta = cast<RankedTensorType>(adaptor.getA().getType());
    auto tb = cast<RankedTensorType>(adaptor.getB().getType());
    auto resultType = cast<RankedTensorType>(op.getType());
    Value lhs = adaptor.getA(), rhs = adaptor.getB();
    // Promote 1-D operands to matrices.
    if (ta.getRank() == 1) {
      ta = RankedTensorType::get({1, ta.getDimSize(0)}, ta.getElementType());
      lhs = reshapeTo(rewriter, loc, lhs, ta);
    }
    if (tb.getRank() == 1) {
      tb = RankedTensorType::get({tb.getDimSize(0), 1}, tb.getElementType());
      rhs = reshapeTo(rewriter, loc, rhs, tb);
    }
    int64_t batchRank = std::max(ta.getRank(), tb.getRank()) - 2;
    SmallVector<int64_t> outShape(
        *broadcastShapes(ta.getShape().drop_back(2), tb.getShape().drop_back(2)));
    int64_t m = ta.getDimSize(ta.getRank() - 2), n = tb.getDimSize(tb.getRank() - 1);
    outShape.append({m, n});
    auto outType = RankedTensorType::get(outShape, resultType.getElementType());
    // Loops: batch..., m, k, n.
    MLIRContext *ctx = rewriter.getContext();
    int64_t numDims = batchRank + 3;
    AffineExpr dm = getAffineDimExpr(batchRank, ctx), dk = getAffineDimExpr(batchRank + 1, ctx),
               dn = getAffineDimExpr(batchRank + 2, ctx);
    auto d = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
    auto operandMap = [&](RankedTensorType t, AffineExpr row, AffineExpr col) {
      SmallVector<AffineExpr> exprs;
      int64_t lead = batchRank - (t.getRank() - 2);
      for (int64_t i = 0; i < t.getRank() - 2; ++i)
        exprs.push_back(t.getDimSize(i) == 1 && outShape[i + lead] != 1
                            ? getAffineConstantExpr(0, ctx)
                            : d(i + lead));
      exprs.append({row, col});
      return AffineMap::get(numDims, 0, exprs, ctx);
    };
    SmallVector<AffineExpr> outExprs;
    for (int64_t i = 0; i < batchRank; ++i)
      outExprs.push_back(d(i));
    outExprs.append({dm, dn});
    SmallVector<AffineMap> maps{operandMap(ta, dm, dk), operandMap(tb, dk, dn),
                                AffineMap::get(numDims, 0, outExprs, ctx)};
    SmallVector<bool> reduced(numDims, false);
    reduced[batchRank + 1] = true;
    Value r = contract(rewriter, loc, lhs, rhs, zeros(rewriter, loc, outType), maps, reduced);
    rewriter.replaceOp(op, reshapeTo(rewriter, loc, r, resultType));
    return success();
  }
};

struct GemmLowering : OpConversionPattern<GemmOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(GemmOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    Type elem = type.getElementType();
    double alpha = op.getAlpha().convertToDouble(), beta = op.getBeta().convertToDouble();
    bool hasC = !isNone(adaptor.getC()) && beta != 0.0;
    // Seed the accumulator with beta * C when alpha is 1, else add it afterwards.
    auto scaledC = [&]() {
      return elementwise(rewriter, loc, type, adaptor.getC(),
                         [&](OpBuilder &b, Location l, ValueRange a) -> Value {
                           if (beta == 1.0)
                             return a[0];
                           return arith::MulFOp::create(b, l, a[0], scalarConstant(b, l, elem, beta));
                         });
    };
    Value init = hasC && alpha == 1.0 ? scaledC() : zeros(rewriter, loc, type);
    MLIRContext *ctx = rewriter.getContext();
    AffineExpr m = getAffineDimExpr(0, ctx), k = getAffineDimExpr(1, ctx),
               n = getAffineDimExpr(2, ctx);
    SmallVector<AffineMap> maps{
        AffineMap::get(3, 0, op.getTransA() ? ArrayRef<AffineExpr>{k, m} : ArrayRef<AffineExpr>{m, k}, ctx),
        AffineMap::get(3, 0, op.getTransB() ? ArrayRef<AffineExpr>{n, k} : ArrayRef<AffineExpr>{k, n}, ctx),
        AffineMap::get(3, 0, {m, n}, ctx)};
    Value r = contract(rewriter, loc, adaptor.getA(), adaptor.getB(), init, maps,
                       {false, true, false});
    if (alpha != 1.0) {
      SmallVector<Value> ins{r};
      if (hasC)
        ins.push_back(scaledC());
      r = elementwise(rewriter, loc, type, ins, [&](OpBuilder &b, Location l, ValueRange a) {
        Value v = arith::MulFOp::create(b, l, a[0], scalarConstant(b, l, elem, alpha));
        return a.size() > 1 ? (Value)arith::AddFOp::create(b, l, v, a[1]) : v;
      });
    }
    rewriter.replaceOp(op, r);
    return success();
  }
};

} // namespace

void populateLinearAlgebraPatterns(RewritePatternSet &patterns) {
  patterns.add<MatMulLowering, GemmLowering>(patterns.getContext());
}

} // namespace onnxc::lowering
