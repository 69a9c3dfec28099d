// Lowers CumSum and CumProd (a loop over the axis), ScatterElements/ScatterND (loops of tensor.insert), TopK (ranks, then a scatter) and Einsum (one generic).
#include "dialects/onnx/Einsum.h"
#include "dialects/onnx/OnnxDialect.h"
#include "dialects/onnx/OnnxUtils.h"
#include "lowering/Common.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace onnxc::onnx;

namespace onnxc::lowering {
namespace {

/// x `kind` y on scalars of ONNX element type `elem` (kind: add, mul, max, min).
Value combine(OpBuilder &b, Location loc, StringRef kind, Value x, Value y, Type elem) {
  Type s = signlessType(elem);
  x = castTo(b, loc, x, s);
  y = castTo(b, loc, y, s);
  bool isFloat = isa<FloatType>(elem), isUnsigned = elem.isUnsignedInteger();
  Value r;
  if (kind == "add")
    r = isFloat ? (Value)arith::AddFOp::create(b, loc, x, y) : arith::AddIOp::create(b, loc, x, y);
  else if (kind == "mul")
    r = isFloat ? (Value)arith::MulFOp::create(b, loc, x, y) : arith::MulIOp::create(b, loc, x, y);
  else if (kind == "max")
    r = isFloat      ? (Value)arith::MaximumFOp::create(b, loc, x, y)
        : isUnsigned ? (Value)arith::MaxUIOp::create(b, loc, x, y)
                     : arith::MaxSIOp::create(b, loc, x, y);
  else
    r = isFloat      ? (Value)arith::MinimumFOp::create(b, loc, x, y)
        : isUnsigned ? (Value)arith::MinUIOp::create(b, loc, x, y)
                     : arith::MinSIOp::create(b, loc, x, y);
  return castTo(b, loc, r, elem);
}

/// Running sum (CumSum) or product (CumProd): out[first] = x[first] (or the
/// identity when exclusive), then out[k] = out[previous] op x[k (or previous
/// when exclusive)] slice by slice.
template <typename OpTy> struct CumulativeLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  using OpAdaptor = typename OpTy::Adaptor;
  static constexpr bool isProduct = std::is_same_v<OpTy, CumProdOp>;
  LogicalResult matchAndRewrite(OpTy op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    int64_t rank = type.getRank();
    int64_t axis = *normalizeAxis((*getConstantInts(op.getAxis()))[0], rank);
    int64_t n = type.getDimSize(axis);
    Value out = emptyTensor(rewriter, loc, type);
    if (type.getNumElements() == 0) {
      rewriter.replaceOp(op, out);
      return success();
    }
    bool reverse = op.getReverse(), exclusive = op.getExclusive();
    SmallVector<int64_t> sliceShape(type.getShape());
    sliceShape[axis] = 1;
    auto sliceType = RankedTensorType::get(sliceShape, type.getElementType());
    auto place = [&](OpBuilder &b, OpFoldResult k) {
      SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0)), sizes, strides(rank, b.getIndexAttr(1));
      for (int64_t d : sliceShape)
        sizes.push_back(b.getIndexAttr(d));
      offsets[axis] = k;
      return std::make_tuple(offsets, sizes, strides);
    };
    auto extract = [&](OpBuilder &b, Location l, Value t, OpFoldResult k) -> Value {
      auto [o, s, st] = place(b, k);
      return tensor::ExtractSliceOp::create(b, l, sliceType, t, o, s, st);
    };
    auto insert = [&](OpBuilder &b, Location l, Value slice, Value t, OpFoldResult k) -> Value {
      auto [o, s, st] = place(b, k);
      return tensor::InsertSliceOp::create(b, l, slice, t, o, s, st);
    };
    int64_t first = reverse ? n - 1 : 0;
    Value init = exclusive ? linalg::FillOp::create(rewriter, loc,
                                                    castTo(rewriter, loc,
                                                           scalarConstant(rewriter, loc, signlessType(type.getElementType()),
                                                                          isProduct ? 1 : 0),
                                                           type.getElementType()),
                                                    emptyTensor(rewriter, loc, sliceType))
                                 .getResult(0)
                           : extract(rewriter, loc, adaptor.getX(), rewriter.getIndexAttr(first));
    out = insert(rewriter, loc, init, out, rewriter.getIndexAttr(first));
    Value lb = arith::ConstantIndexOp::create(rewriter, loc, 1);
    Value ub = arith::ConstantIndexOp::create(rewriter, loc, n);
    Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
    Value last = arith::ConstantIndexOp::create(rewriter, loc, n - 1);
    Type elem = type.getElementType();
    auto loop = scf::ForOp::create(
        rewriter, loc, lb, ub, one, ValueRange{out},
        [&](OpBuilder &b, Location l, Value i, ValueRange acc) {
          Value k = reverse ? (Value)arith::SubIOp::create(b, l, last, i) : i;
          Value prev = reverse ? (Value)arith::AddIOp::create(b, l, k, one) : arith::SubIOp::create(b, l, k, one);
          Value sum = elementwise(b, l, sliceType,
                                  {extract(b, l, acc[0], prev), extract(b, l, adaptor.getX(), exclusive ? prev : k)},
                                  [&](OpBuilder &nb, Location nl, ValueRange a) {
                                    return combine(nb, nl, isProduct ? "mul" : "add", a[0], a[1], elem);
                                  });
          scf::YieldOp::create(b, l, insert(b, l, sum, acc[0], k));
        });
    rewriter.replaceOp(op, loop.getResult(0));
    return success();
  }
};

/// Loops over every element of `updates` carrying the output tensor; `position`
/// maps the loop indices to the data position written.
template <typename OpTy>
LogicalResult lowerScatter(OpTy op, Value data, Value updates, ConversionPatternRewriter &rewriter,
                           function_ref<SmallVector<Value>(OpBuilder &, Location, ValueRange)> position) {
  Location loc = op.getLoc();
  auto tu = cast<RankedTensorType>(updates.getType());
  Type elem = tu.getElementType();
  if (tu.getNumElements() == 0) {
    rewriter.replaceOp(op, data);
    return success();
  }
  StringRef reduction = op.getReduction();
  SmallVector<Value> lbs, ubs, steps;
  for (int64_t d : tu.getShape()) {
    lbs.push_back(arith::ConstantIndexOp::create(rewriter, loc, 0));
    ubs.push_back(arith::ConstantIndexOp::create(rewriter, loc, d));
    steps.push_back(arith::ConstantIndexOp::create(rewriter, loc, 1));
  }
  scf::LoopNest nest = scf::buildLoopNest(
      rewriter, loc, lbs, ubs, steps, ValueRange{data},
      [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange acc) -> scf::ValueVector {
        SmallVector<Value> pos = position(b, l, ivs);
        Value u = tensor::ExtractOp::create(b, l, updates, ivs);
        if (reduction != "none")
          u = combine(b, l, reduction, tensor::ExtractOp::create(b, l, acc[0], pos), u, elem);
        return {tensor::InsertOp::create(b, l, u, acc[0], pos)};
      });
  rewriter.replaceOp(op, nest.results[0]);
  return success();
}

struct ScatterElementsLowering : OpConversionPattern<ScatterElementsOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(ScatterElementsOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto td = cast<RankedTensorType>(op.getType());
    int64_t axis = *normalizeAxis(op.getAxis(), td.getRank());
    Value indices = adaptor.getIndices();
    return lowerScatter(op, adaptor.getData(), adaptor.getUpdates(), rewriter,
                        [&](OpBuilder &b, Location l, ValueRange ivs) {
                          SmallVector<Value> pos(ivs);
                          Value i = tensor::ExtractOp::create(b, l, indices, ivs);
                          pos[axis] = clampedIndex(b, l, castTo(b, l, i, signlessType(i.getType())),
                                                   td.getDimSize(axis));
                          return pos;
                        });
  }
};

struct ScatterNDLowering : OpConversionPattern<ScatterNDOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(ScatterNDOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto td = cast<RankedTensorType>(op.getType());
    auto ti = cast<RankedTensorType>(adaptor.getIndices().getType());
    int64_t batch = ti.getRank() - 1, k = ti.getShape().back();
    Value indices = adaptor.getIndices();
    return lowerScatter(op, adaptor.getData(), adaptor.getUpdates(), rewriter,
                        [&](OpBuilder &b, Location l, ValueRange ivs) {
                          SmallVector<Value> pos, at(ivs.take_front(batch));
                          at.push_back(Value());
                          for (int64_t j = 0; j < k; ++j) {
                            at.back() = arith::ConstantIndexOp::create(b, l, j);
                            Value i = tensor::ExtractOp::create(b, l, indices, at);
                            pos.push_back(clampedIndex(b, l, castTo(b, l, i, signlessType(i.getType())),
                                                       td.getDimSize(j)));
                          }
                          llvm::append_range(pos, ivs.drop_front(batch));
                          return pos;
                        });
  }
};

/// TopK: each element's rank along the axis is the number of elements that
/// come before it (better, or equal at a lower index); elements ranked below
/// K are then written to position rank. O(n^2) per row along the axis.
struct TopKLowering : OpConversionPattern<TopKOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(TopKOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getX();
    auto tx = cast<RankedTensorType>(x.getType());
    Type elem = tx.getElementType();
    int64_t rank = tx.getRank(), axis = *normalizeAxis(op.getAxis(), rank);
    auto valuesType = cast<RankedTensorType>(op.getValues().getType());
    auto indicesType = cast<RankedTensorType>(op.getIndices().getType());
    int64_t k = valuesType.getDimSize(axis);
    Value values = emptyTensor(rewriter, loc, valuesType), indices = emptyTensor(rewriter, loc, indicesType);
    if (k == 0 || tx.getNumElements() == 0) {
      rewriter.replaceOp(op, {values, indices});
      return success();
    }
    // ranks[..., i, ...] over loops (x dims..., j) with j reduced.
    MLIRContext *ctx = rewriter.getContext();
    auto i64 = rewriter.getI64Type();
    auto ranksType = RankedTensorType::get(tx.getShape(), i64);
    Value zero = linalg::FillOp::create(rewriter, loc, scalarConstant(rewriter, loc, i64, 0),
                                        emptyTensor(rewriter, loc, ranksType))
                     .getResult(0);
    SmallVector<AffineExpr> self, other;
    for (int64_t d = 0; d < rank; ++d) {
      self.push_back(getAffineDimExpr(d, ctx));
      other.push_back(getAffineDimExpr(d == axis ? rank : d, ctx));
    }
    SmallVector<AffineMap> maps{AffineMap::get(rank + 1, 0, other, ctx), AffineMap::get(rank + 1, 0, self, ctx),
                                AffineMap::get(rank + 1, 0, self, ctx)};
    SmallVector<utils::IteratorType> iters(rank + 1, utils::IteratorType::parallel);
    iters.back() = utils::IteratorType::reduction;
    bool largest = op.getLargest();
    Value ranks = linalg::GenericOp::create(
                      rewriter, loc, TypeRange{ranksType}, ValueRange{x, x}, zero, maps, iters,
                      [&](OpBuilder &b, Location l, ValueRange a) {
                        Value xj = castTo(b, l, a[0], signlessType(elem)), xi = castTo(b, l, a[1], signlessType(elem));
                        Value better, equal;
                        if (isa<FloatType>(elem)) {
                          better = arith::CmpFOp::create(b, l, largest ? arith::CmpFPredicate::OGT : arith::CmpFPredicate::OLT, xj, xi);
                          equal = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OEQ, xj, xi);
                        } else {
                          bool u = elem.isUnsignedInteger();
                          auto pred = largest ? (u ? arith::CmpIPredicate::ugt : arith::CmpIPredicate::sgt)
                                              : (u ? arith::CmpIPredicate::ult : arith::CmpIPredicate::slt);
                          better = arith::CmpIOp::create(b, l, pred, xj, xi);
                          equal = arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, xj, xi);
                        }
                        Value earlier = arith::CmpIOp::create(b, l, arith::CmpIPredicate::ult,
                                                              linalg::IndexOp::create(b, l, rank),
                                                              linalg::IndexOp::create(b, l, axis));
                        Value before = arith::OrIOp::create(b, l, better, arith::AndIOp::create(b, l, equal, earlier));
                        Value inc = arith::ExtUIOp::create(b, l, i64, before);
                        linalg::YieldOp::create(b, l, arith::AddIOp::create(b, l, a[2], inc).getResult());
                      })
                      .getResult(0);
    // Scatter the elements ranked below K.
    SmallVector<Value> lbs, ubs, steps;
    for (int64_t d : tx.getShape()) {
      lbs.push_back(arith::ConstantIndexOp::create(rewriter, loc, 0));
      ubs.push_back(arith::ConstantIndexOp::create(rewriter, loc, d));
      steps.push_back(arith::ConstantIndexOp::create(rewriter, loc, 1));
    }
    scf::LoopNest nest = scf::buildLoopNest(
        rewriter, loc, lbs, ubs, steps, ValueRange{values, indices},
        [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange acc) -> scf::ValueVector {
          Value r = tensor::ExtractOp::create(b, l, ranks, ivs);
          Value kept = arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, r, scalarConstant(b, l, i64, k));
          auto ifOp = scf::IfOp::create(
              b, l, kept,
              [&](OpBuilder &tb, Location tl) {
                SmallVector<Value> pos(ivs);
                pos[axis] = arith::IndexCastOp::create(tb, tl, tb.getIndexType(), r);
                Value v = tensor::InsertOp::create(tb, tl, tensor::ExtractOp::create(tb, tl, x, ivs), acc[0], pos);
                Value i = arith::IndexCastOp::create(tb, tl, i64, ivs[axis]);
                Value idx = tensor::InsertOp::create(tb, tl, i, acc[1], pos);
                scf::YieldOp::create(tb, tl, ValueRange{v, idx});
              },
              [&](OpBuilder &eb, Location el) { scf::YieldOp::create(eb, el, acc); });
          return {ifOp.getResult(0), ifOp.getResult(1)};
        });
    rewriter.replaceOp(op, nest.results);
    return success();
  }
};

/// One generic: loops over every subscript (output ones parallel, the rest
/// reduced); the body multiplies the operands and accumulates.
struct EinsumLowering : OpConversionPattern<EinsumOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(EinsumOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    SmallVector<ArrayRef<int64_t>> shapes;
    for (Value v : adaptor.getInputs())
      shapes.push_back(cast<RankedTensorType>(v.getType()).getShape());
    EinsumSpec spec;
    if (parseEinsum(op.getEquation(), shapes, spec))
      return rewriter.notifyMatchFailure(op, "bad equation");
    // Loop order: output dimensions first, then the reduced ones.
    int64_t numDims = spec.sizes.size();
    SmallVector<int64_t> loopOf(numDims, -1);
    int64_t next = 0;
    for (int64_t d : spec.output)
      loopOf[d] = next++;
    for (int64_t d = 0; d < numDims; ++d)
      if (loopOf[d] < 0)
        loopOf[d] = next++;
    MLIRContext *ctx = rewriter.getContext();
    SmallVector<AffineMap> maps;
    for (auto [axes, shape] : llvm::zip(spec.operands, shapes)) {
      SmallVector<AffineExpr> exprs;
      for (auto [a, size] : llvm::zip(axes, shape))
        exprs.push_back(size == 1 && spec.sizes[a] != 1 ? getAffineConstantExpr(0, ctx)
                                                        : getAffineDimExpr(loopOf[a], ctx));
      maps.push_back(AffineMap::get(numDims, 0, exprs, ctx));
    }
    SmallVector<AffineExpr> outExprs;
    for (int64_t d : spec.output)
      outExprs.push_back(getAffineDimExpr(loopOf[d], ctx));
    maps.push_back(AffineMap::get(numDims, 0, outExprs, ctx));
    SmallVector<utils::IteratorType> iters(numDims, utils::IteratorType::reduction);
    std::fill_n(iters.begin(), spec.output.size(), utils::IteratorType::parallel);
    Type elem = type.getElementType();
    if (elem.isUnsignedInteger())
      return rewriter.notifyMatchFailure(op, "Einsum on unsigned integers");
    Value init = linalg::FillOp::create(rewriter, loc, scalarConstant(rewriter, loc, signlessType(elem), 0),
                                        emptyTensor(rewriter, loc, RankedTensorType::get(type.getShape(),
                                                                                         signlessType(elem))))
                     .getResult(0);
    Value acc = linalg::GenericOp::create(
                    rewriter, loc, TypeRange{init.getType()}, adaptor.getInputs(), init, maps, iters,
                    [&](OpBuilder &b, Location l, ValueRange a) {
                      Value p = castTo(b, l, a[0], signlessType(elem));
                      for (Value v : a.drop_front().drop_back())
                        p = combine(b, l, "mul", p, castTo(b, l, v, signlessType(elem)), signlessType(elem));
                      linalg::YieldOp::create(b, l, combine(b, l, "add", a.back(), p, signlessType(elem)));
                    })
                    .getResult(0);
    rewriter.replaceOp(op, acc);
    return success();
  }
};

} // namespace

void populateIndexingPatterns(RewritePatternSet &patterns) {
  patterns.add<CumulativeLowering<CumSumOp>, CumulativeLowering<CumProdOp>, ScatterElementsLowering, ScatterNDLowering, TopKLowering, EinsumLowering>(
      patterns.getContext());
}

} // namespace onnxc::lowering
