// Lowers GridSample to one generic over the output that reads X at computed taps (nearest, linear, cubic).
#include "dialects/onnx/OnnxDialect.h"
#include "lowering/Common.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace onnxc::onnx;

namespace onnxc::lowering {
namespace {

/// One sample position along one axis: index into X, weight, in-bounds flag.
struct Tap {
  Value index, weight, valid;
};

/// Scalar float math for one output element.
struct Sampler {
  OpBuilder &b;
  Location loc;
  FloatType f;
  bool alignCorners;
  StringRef padding;

  Value c(double v) { return arith::ConstantOp::create(b, loc, FloatAttr::get(f, v)); }
  Value add(Value x, Value y) { return arith::AddFOp::create(b, loc, x, y); }
  Value sub(Value x, Value y) { return arith::SubFOp::create(b, loc, x, y); }
  Value mul(Value x, Value y) { return arith::MulFOp::create(b, loc, x, y); }
  Value floor(Value x) { return math::FloorOp::create(b, loc, x); }
  Value clip(Value x, double lo, double hi) {
    return arith::MinimumFOp::create(b, loc, arith::MaximumFOp::create(b, loc, x, c(lo)), c(hi));
  }
  /// Normalized [-1, 1] to pixel coordinates.
  Value unnormalize(Value g, int64_t size) {
    Value g1 = add(g, c(1));
    return alignCorners ? mul(g1, c(0.5 * (size - 1))) : mul(sub(mul(g1, c(size)), c(1)), c(0.5));
  }
  /// Reflects x into [twiceLow/2, twiceHigh/2] as often as needed.
  Value reflect(Value x, double twiceLow, double twiceHigh) {
    if (twiceLow == twiceHigh)
      return c(0);
    double lo = twiceLow / 2, span = (twiceHigh - twiceLow) / 2;
    Value d = math::AbsFOp::create(b, loc, sub(x, c(lo)));
    Value flips = floor(mul(d, c(1 / span)));
    Value extra = sub(d, mul(flips, c(span)));
    Value half = mul(flips, c(0.5));
    Value even = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, floor(half), half);
    return arith::SelectOp::create(b, loc, even, add(extra, c(lo)), add(sub(c(span), extra), c(lo)));
  }
  /// Border and reflection padding move a coordinate into [0, size - 1].
  Value pad(Value x, int64_t size) {
    if (padding == "border")
      return clip(x, 0, size - 1);
    if (padding == "reflection") {
      x = alignCorners ? reflect(x, 0, 2.0 * (size - 1)) : reflect(x, -1, 2.0 * size - 1);
      return clip(x, 0, size - 1);
    }
    return x;
  }
  /// A tap at integral float position `p` with `weight`; out-of-range positions are invalid.
  Tap tap(Value p, Value weight, int64_t size) {
    Value valid = arith::AndIOp::create(
        b, loc, arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGE, p, c(0)),
        arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLE, p, c(size - 1)));
    // i32 when the axis allows: 32-bit targets convert it without a libgcc call.
    Type intType = size <= INT32_MAX ? b.getI32Type() : b.getI64Type();
    Value i = arith::FPToSIOp::create(b, loc, intType, clip(p, 0, size - 1));
    return {arith::IndexCastOp::create(b, loc, b.getIndexType(), i), weight, valid};
  }
  /// The taps of one axis for grid coordinate `g`.
  SmallVector<Tap> taps(StringRef mode, Value g, int64_t size) {
    Value x = unnormalize(g, size);
    if (mode == "nearest")
      return {tap(math::RoundEvenOp::create(b, loc, pad(x, size)), c(1), size)};
    if (mode == "linear") {
      x = pad(x, size);
      Value x0 = floor(x), t = sub(x, x0);
      return {tap(x0, sub(c(1), t), size), tap(add(x0, c(1)), t, size)};
    }
    // Cubic (A = -0.75): taps at x0 - 1 .. x0 + 2, each padded on its own.
    Value x0 = floor(x), t = sub(x, x0);
    const double a = -0.75;
    auto outer = [&](Value s) { // |s| in [1, 2]
      return sub(mul(add(mul(sub(mul(c(a), s), c(5 * a)), s), c(8 * a)), s), c(4 * a));
    };
    auto inner = [&](Value s) { // |s| in [0, 1]
      return add(mul(mul(sub(mul(c(a + 2), s), c(a + 3)), s), s), c(1));
    };
    Value weights[4] = {outer(add(t, c(1))), inner(t), inner(sub(c(1), t)), outer(sub(c(2), t))};
    SmallVector<Tap> out;
    for (int k = 0; k < 4; ++k) {
      Value p = add(x0, c(k - 1));
      if (padding != "zeros")
        p = pad(p, size);
      out.push_back(tap(p, weights[k], size));
    }
    return out;
  }
};

struct GridSampleLowering : OpConversionPattern<GridSampleOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(GridSampleOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto tx = cast<RankedTensorType>(adaptor.getX().getType());
    auto ty = cast<RankedTensorType>(op.getType());
    auto f = cast<FloatType>(tx.getElementType());
    int64_t r = tx.getRank() - 2;
    Value x = adaptor.getX(), grid = adaptor.getGrid();
    std::string mode = op.getMode().str(), padding = op.getPaddingMode().str();
    bool align = op.getAlignCorners();
    SmallVector<AffineMap> maps{rewriter.getMultiDimIdentityMap(ty.getRank())};
    SmallVector<utils::IteratorType> iters(ty.getRank(), utils::IteratorType::parallel);
    Value y = linalg::GenericOp::create(
                  rewriter, loc, TypeRange{ty}, ValueRange{}, emptyTensor(rewriter, loc, ty), maps, iters,
                  [&](OpBuilder &b, Location l, ValueRange) {
                    Sampler s{b, l, f, align, padding};
                    SmallVector<Value> outIdx;
                    for (int64_t d = 0; d < ty.getRank(); ++d)
                      outIdx.push_back(linalg::IndexOp::create(b, l, d));
                    // Per spatial axis i, the grid holds its coordinate at r - 1 - i.
                    SmallVector<SmallVector<Tap>> axes;
                    for (int64_t i = 0; i < r; ++i) {
                      SmallVector<Value> gIdx{outIdx[0]};
                      gIdx.append(outIdx.begin() + 2, outIdx.end());
                      gIdx.push_back(arith::ConstantIndexOp::create(b, l, r - 1 - i));
                      Value g = tensor::ExtractOp::create(b, l, grid, gIdx);
                      axes.push_back(s.taps(mode, g, tx.getDimSize(2 + i)));
                    }
                    // Sum over every combination of one tap per axis.
                    Value sum = s.c(0);
                    SmallVector<size_t> pick(r, 0);
                    while (true) {
                      SmallVector<Value> xIdx{outIdx[0], outIdx[1]};
                      Value w = s.c(1), valid = arith::ConstantIntOp::create(b, l, 1, 1);
                      for (int64_t i = 0; i < r; ++i) {
                        const Tap &t = axes[i][pick[i]];
                        xIdx.push_back(t.index);
                        w = s.mul(w, t.weight);
                        valid = arith::AndIOp::create(b, l, valid, t.valid);
                      }
                      Value v = tensor::ExtractOp::create(b, l, x, xIdx);
                      v = arith::SelectOp::create(b, l, valid, v, s.c(0));
                      sum = s.add(sum, s.mul(v, w));
                      int64_t i = r - 1;
                      while (i >= 0 && ++pick[i] == axes[i].size())
                        pick[i--] = 0;
                      if (i < 0)
                        break;
                    }
                    linalg::YieldOp::create(b, l, sum);
                  })
                  .getResult(0);
    rewriter.replaceOp(op, y);
    return success();
  }
};

} // namespace

void populateGridSamplePatterns(RewritePatternSet &patterns) {
  patterns.add<GridSampleLowering>(patterns.getContext());
}

} // namespace onnxc::lowering
