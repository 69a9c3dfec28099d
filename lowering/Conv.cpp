// Lowers onnx Conv and ConvTranspose (any rank, groups, strides, dilations, pads) to linalg.
//
// A convolution is one linalg.generic over (n, g, m, out..., c, kernel...) that
// reads the zero-padded input at out * stride + kernel * dilation; the codegen
// register-tiles it over output channels x output columns.
#include "dialects/onnx/OnnxDialect.h"
#include "dialects/onnx/OnnxUtils.h"
#include "lowering/Common.h"

using namespace mlir;
using namespace onnxc::onnx;

namespace onnxc::lowering {
namespace {

/// An [N, G, Mg, out...] accumulator holding bias[g * Mg + m] (or zeros without a bias).
Value seedWithBias(OpBuilder &b, Location loc, Value bias, RankedTensorType accType) {
  Type elem = accType.getElementType();
  if (isNone(bias))
    return linalg::FillOp::create(b, loc, scalarConstant(b, loc, elem, 0), emptyTensor(b, loc, accType))
        .getResult(0);
  int64_t group = accType.getDimSize(1), mg = accType.getDimSize(2), rank = accType.getRank();
  bias = reshapeTo(b, loc, bias, RankedTensorType::get({group, mg}, elem));
  MLIRContext *ctx = b.getContext();
  SmallVector<AffineMap> maps{AffineMap::get(rank, 0, {getAffineDimExpr(1, ctx), getAffineDimExpr(2, ctx)}, ctx),
                              b.getMultiDimIdentityMap(rank)};
  return linalg::GenericOp::create(
             b, loc, TypeRange{accType}, bias, emptyTensor(b, loc, accType), maps,
             SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
             [](OpBuilder &nb, Location l, ValueRange a) { linalg::YieldOp::create(nb, l, a[0]); })
      .getResult(0);
}

/// Whether a conv with window geometry `g` reads each input pixel once, in place.
bool isPointwise(const WindowGeometry &g) {
  auto ones = [](ArrayRef<int64_t> v) { return llvm::all_of(v, [](int64_t x) { return x == 1; }); };
  auto zeros = [](ArrayRef<int64_t> v) { return llvm::all_of(v, [](int64_t x) { return x == 0; }); };
  return ones(g.kernel) && ones(g.strides) && zeros(g.padsBegin) && zeros(g.padsEnd);
}

struct ConvLowering : OpConversionPattern<ConvOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(ConvOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto tx = cast<RankedTensorType>(adaptor.getX().getType());
    auto tw = cast<RankedTensorType>(adaptor.getW().getType());
    auto ty = cast<RankedTensorType>(op.getType());
    Type elem = ty.getElementType();
    int64_t k = tx.getRank() - 2, group = op.getGroup();
    int64_t n = tx.getDimSize(0), c = tx.getDimSize(1), m = tw.getDimSize(0);
    int64_t cg = c / group, mg = m / group;
    WindowGeometry g;
    if (computeWindowGeometry(tx.getShape().drop_front(2), tw.getShape().drop_front(2),
                              op.getAutoPad(), op.getPads(), op.getStrides(),
                              op.getDilations(), false, g))
      return rewriter.notifyMatchFailure(op, "bad window geometry");
    Value xIn = adaptor.getX(), wIn = adaptor.getW();
    if (k > 1 && isPointwise(g)) {
      // A 1x1, stride-1, unpadded conv is a matmul over the flattened pixels: one long
      // contiguous axis for the vector lanes instead of short rows.
      int64_t pixels = tx.getNumElements() / (n * c);
      xIn = reshapeTo(rewriter, loc, xIn, RankedTensorType::get({n, c, pixels}, elem));
      tw = RankedTensorType::get({m, cg, 1}, elem);
      wIn = reshapeTo(rewriter, loc, wIn, tw);
      g.padsBegin = g.padsEnd = {0};
      g.kernel = g.strides = g.dilations = {1};
      g.outSizes = {pixels};
      k = 1;
    }

    // Padded input viewed as [N, G, Cg, spatial...], weights as [G, Mg, Cg, kernel...].
    SmallVector<int64_t> low{0, 0}, high{0, 0};
    low.append(g.padsBegin);
    high.append(g.padsEnd);
    Value x = padWith(rewriter, loc, xIn, low, high, scalarConstant(rewriter, loc, elem, 0));
    auto tp = cast<RankedTensorType>(x.getType());
    SmallVector<int64_t> x5{n, group, cg};
    x5.append(tp.getShape().begin() + 2, tp.getShape().end());
    x = reshapeTo(rewriter, loc, x, RankedTensorType::get(x5, elem));
    // Weights in their canonical layout [G, Mg, Cg, kernel...]; the CPU code
    // generator packs constant ones for its vector loads.
    SmallVector<int64_t> w4{group, mg, cg};
    w4.append(tw.getShape().begin() + 2, tw.getShape().end());
    Value w = reshapeTo(rewriter, loc, wIn, RankedTensorType::get(w4, elem));

    // Accumulator [N, G, Mg, out...] seeded with the bias.
    SmallVector<int64_t> y5{n, group, mg};
    y5.append(g.outSizes);
    auto accType = RankedTensorType::get(y5, elem);
    Value acc = seedWithBias(rewriter, loc, adaptor.getB(), accType);

    // Loops: n, g, mg, out... (parallel), cg, kernel... (reduction).
    MLIRContext *ctx = rewriter.getContext();
    int64_t numDims = 4 + 2 * k;
    auto d = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
    SmallVector<AffineExpr> wExprs{d(1), d(2), d(3 + k)}, xExprs{d(0), d(1), d(3 + k)}, yExprs{d(0), d(1), d(2)};
    for (int64_t i = 0; i < k; ++i) {
      wExprs.push_back(d(4 + k + i));
      xExprs.push_back(d(3 + i) * g.strides[i] + d(4 + k + i) * g.dilations[i]);
      yExprs.push_back(d(3 + i));
    }
    SmallVector<AffineMap> maps{AffineMap::get(numDims, 0, wExprs, ctx),
                                AffineMap::get(numDims, 0, xExprs, ctx),
                                AffineMap::get(numDims, 0, yExprs, ctx)};
    SmallVector<utils::IteratorType> iters(numDims, utils::IteratorType::reduction);
    std::fill_n(iters.begin(), 3 + k, utils::IteratorType::parallel);
    acc = linalg::GenericOp::create(
              rewriter, loc, TypeRange{accType}, ValueRange{w, x}, acc, maps, iters,
              [](OpBuilder &b, Location l, ValueRange a) {
                linalg::YieldOp::create(b, l, multiplyAdd(b, l, a[2], a[0], a[1]));
              })
              .getResult(0);
    rewriter.replaceOp(op, reshapeTo(rewriter, loc, acc, ty));
    return success();
  }
};

/// ConvTranspose as a gather over output positions: y[n, g, m, o...] sums, over
/// input channels c and taps k, x[n, g, c, i...] * w[g, c, m, k...] where
/// o + pad = i * stride + k * dilation (terms with no such integer i add 0).
struct ConvTransposeLowering : OpConversionPattern<ConvTransposeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(ConvTransposeOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto tx = cast<RankedTensorType>(adaptor.getX().getType());
    auto tw = cast<RankedTensorType>(adaptor.getW().getType());
    auto ty = cast<RankedTensorType>(op.getType());
    Type elem = ty.getElementType();
    if (!isa<FloatType>(elem))
      return rewriter.notifyMatchFailure(op, "only float transposed convolutions are supported");
    int64_t k = tx.getRank() - 2, group = op.getGroup();
    int64_t n = tx.getDimSize(0), cg = tx.getDimSize(1) / group, mg = tw.getDimSize(1);
    ArrayRef<int64_t> kernel = tw.getShape().drop_front(2);
    WindowGeometry g;
    if (computeConvTransposeGeometry(tx.getShape().drop_front(2), kernel, op.getAutoPad(), op.getPads(),
                                     op.getStrides(), op.getDilations(), op.getOutputPadding(),
                                     op.getOutputShape(), g))
      return rewriter.notifyMatchFailure(op, "bad geometry");
    SmallVector<int64_t> x5{n, group, cg}, w5{group, cg, mg}, y5{n, group, mg};
    x5.append(tx.getShape().begin() + 2, tx.getShape().end());
    w5.append(kernel.begin(), kernel.end());
    y5.append(g.outSizes);
    Value x = reshapeTo(rewriter, loc, adaptor.getX(), RankedTensorType::get(x5, elem));
    Value w = reshapeTo(rewriter, loc, adaptor.getW(), RankedTensorType::get(w5, elem));
    auto accType = RankedTensorType::get(y5, elem);
    Value acc = seedWithBias(rewriter, loc, adaptor.getB(), accType);
    // Loops: n, g, m, out... (parallel), c, kernel... (reduction).
    MLIRContext *ctx = rewriter.getContext();
    int64_t numDims = 4 + 2 * k;
    auto d = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
    SmallVector<AffineExpr> wExprs{d(1), d(3 + k), d(2)}, yExprs{d(0), d(1), d(2)};
    for (int64_t i = 0; i < k; ++i) {
      wExprs.push_back(d(4 + k + i));
      yExprs.push_back(d(3 + i));
    }
    SmallVector<utils::IteratorType> iters(numDims, utils::IteratorType::reduction);
    std::fill_n(iters.begin(), 3 + k, utils::IteratorType::parallel);
    Value y = linalg::GenericOp::create(
                  rewriter, loc, TypeRange{accType}, ValueRange{w}, acc,
                  SmallVector<AffineMap>{AffineMap::get(numDims, 0, wExprs, ctx),
                                         AffineMap::get(numDims, 0, yExprs, ctx)},
                  iters,
                  [&](OpBuilder &b, Location l, ValueRange a) {
                    auto c = [&](int64_t v) { return (Value)arith::ConstantIndexOp::create(b, l, v); };
                    Value valid = arith::ConstantIntOp::create(b, l, 1, 1);
                    SmallVector<Value> idx{linalg::IndexOp::create(b, l, 0), linalg::IndexOp::create(b, l, 1),
                                           linalg::IndexOp::create(b, l, 3 + k)};
                    for (int64_t i = 0; i < k; ++i) {
                      // t = o + pad - tap * dilation must be a multiple of the stride within the input.
                      Value o = linalg::IndexOp::create(b, l, 3 + i), tap = linalg::IndexOp::create(b, l, 4 + k + i);
                      Value t = arith::SubIOp::create(b, l, arith::AddIOp::create(b, l, o, c(g.padsBegin[i])),
                                                      arith::MulIOp::create(b, l, tap, c(g.dilations[i])));
                      Value q = arith::DivSIOp::create(b, l, t, c(g.strides[i]));
                      Value ok = arith::AndIOp::create(
                          b, l, arith::CmpIOp::create(b, l, arith::CmpIPredicate::sge, t, c(0)),
                          arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq,
                                                arith::RemSIOp::create(b, l, t, c(g.strides[i])), c(0)));
                      ok = arith::AndIOp::create(b, l, ok,
                                                 arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, q,
                                                                       c(tx.getDimSize(2 + i))));
                      valid = arith::AndIOp::create(b, l, valid, ok);
                      idx.push_back(arith::MaxSIOp::create(
                          b, l, arith::MinSIOp::create(b, l, q, c(tx.getDimSize(2 + i) - 1)), c(0)));
                    }
                    Value xv = tensor::ExtractOp::create(b, l, x, idx);
                    Value p = arith::MulFOp::create(b, l, xv, a[0]);
                    Value term = arith::SelectOp::create(b, l, valid, p, scalarConstant(b, l, elem, 0));
                    linalg::YieldOp::create(b, l, arith::AddFOp::create(b, l, a[1], term).getResult());
                  })
                  .getResult(0);
    rewriter.replaceOp(op, reshapeTo(rewriter, loc, y, ty));
    return success();
  }
};

} // namespace

void populateConvPatterns(RewritePatternSet &patterns) {
  patterns.add<ConvLowering, ConvTransposeLowering>(patterns.getContext());
}

} // namespace onnxc::lowering
