// f64 exp, log, log1p, tanh and erf expanded into arithmetic (range reduction and series), and f64 -> 16-bit float casts through f32, so double-precision models need no libm or compiler-rt for them.
#include "codegen/Passes.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/PatternMatch.h"

#include <cmath>
#include <cstring>

using namespace mlir;

namespace onnxc::codegen {
namespace {

/// Scalar or vector f64 arithmetic with the matching i64 type for bit work.
struct F64Builder {
  PatternRewriter &b;
  Location loc;
  Type type, intType;

  F64Builder(PatternRewriter &b, Operation *op) : b(b), loc(op->getLoc()), type(op->getResult(0).getType()) {
    intType = b.getI64Type();
    if (auto vt = dyn_cast<VectorType>(type))
      intType = VectorType::get(vt.getShape(), intType);
  }
  static bool supports(Type t) { return getElementTypeOrSelf(t).isF64(); }

  Value splat(Type t, TypedAttr scalar) {
    if (auto vt = dyn_cast<VectorType>(t))
      return arith::ConstantOp::create(b, loc, DenseElementsAttr::get(vt, scalar));
    return arith::ConstantOp::create(b, loc, scalar);
  }
  Value f(double v) { return splat(type, b.getF64FloatAttr(v)); }
  Value i(int64_t v) { return splat(intType, b.getI64IntegerAttr(v)); }
  Value add(Value x, Value y) { return arith::AddFOp::create(b, loc, x, y); }
  Value sub(Value x, Value y) { return arith::SubFOp::create(b, loc, x, y); }
  Value mul(Value x, Value y) { return arith::MulFOp::create(b, loc, x, y); }
  Value div(Value x, Value y) { return arith::DivFOp::create(b, loc, x, y); }
  Value cmp(arith::CmpFPredicate p, Value x, Value y) { return arith::CmpFOp::create(b, loc, p, x, y); }
  Value sel(Value c, Value x, Value y) { return arith::SelectOp::create(b, loc, c, x, y); }
  Value bits(Value x) { return arith::BitcastOp::create(b, loc, intType, x); }
  Value fromBits(Value x) { return arith::BitcastOp::create(b, loc, type, x); }
  /// 2^k for integral k (as f64) in [-1022, 1023].
  Value pow2(Value k) {
    Value ki = arith::FPToSIOp::create(b, loc, intType, k);
    return fromBits(arith::ShLIOp::create(b, loc, arith::AddIOp::create(b, loc, ki, i(1023)), i(52)));
  }
  /// sum c[j] x^j by Horner.
  Value poly(Value x, ArrayRef<double> c) {
    Value r = f(c.back());
    for (int j = (int)c.size() - 2; j >= 0; --j)
      r = add(mul(r, x), f(c[j]));
    return r;
  }
};

/// ln 2 split so that k * hi is exact for |k| < 2^20, and the rest.
std::pair<double, double> ln2Parts() {
  const long double ln2 = 0.693147180559945309417232121458176568L;
  double full = (double)ln2;
  uint64_t u;
  std::memcpy(&u, &full, 8);
  u &= ~((uint64_t(1) << 32) - 1);
  double hi;
  std::memcpy(&hi, &u, 8);
  return {hi, (double)(ln2 - hi)};
}

/// exp(x) = 2^k e^r, k = round(x / ln 2), |r| <= ln2 / 2, e^r by its Taylor
/// series to r^13 (truncation below 1e-17 relative); 2^k applied in two
/// halves so that subnormal results and k = 1024 work.
Value expandExp(F64Builder &e, Value x) {
  PatternRewriter &rewriter = e.b;
  auto [hi, lo] = ln2Parts();
  // Clamp so the reduction stays finite; the results past the limits are set below.
  Value xc = arith::MinimumFOp::create(rewriter, e.loc, arith::MaximumFOp::create(rewriter, e.loc, x, e.f(-746.0)),
                                       e.f(710.0));
  Value shifter = e.f(6755399441055744.0); // 1.5 * 2^52: adding it rounds to an integer
  Value k = e.sub(e.add(e.mul(xc, e.f(1.4426950408889634)), shifter), shifter);
  Value r = e.sub(e.sub(xc, e.mul(k, e.f(hi))), e.mul(k, e.f(lo)));
  SmallVector<double> taylor{1.0};
  for (int n = 1; n <= 13; ++n)
    taylor.push_back(taylor.back() / n);
  Value p = e.poly(r, taylor);
  Value k1 = e.sub(e.add(e.mul(k, e.f(0.5)), shifter), shifter); // round(k / 2)
  Value result = e.mul(e.mul(p, e.pow2(k1)), e.pow2(e.sub(k, k1)));
  result = e.sel(e.cmp(arith::CmpFPredicate::OGT, x, e.f(709.782712893384)), e.f(INFINITY), result);
  result = e.sel(e.cmp(arith::CmpFPredicate::OLT, x, e.f(-745.1332191019412)), e.f(0.0), result);
  result = e.sel(e.cmp(arith::CmpFPredicate::UNO, x, x), x, result);
  return result;
}

/// log(x) = e ln 2 + 2 atanh(s), x = 2^e m with m in [sqrt(1/2), sqrt(2)),
/// s = (m - 1) / (m + 1), atanh by its series to s^23 (|s| < 0.172);
/// subnormals are scaled by 2^54 first.
Value expandLog(F64Builder &e, Value x) {
  PatternRewriter &rewriter = e.b;
  auto [hi, lo] = ln2Parts();
  Location loc = e.loc;
  Value tiny = e.cmp(arith::CmpFPredicate::OLT, x, e.f(std::ldexp(1.0, -1022)));
  Value xs = e.sel(tiny, e.mul(x, e.f(std::ldexp(1.0, 54))), x);
  Value bitsX = e.bits(xs);
  Value biased = arith::AndIOp::create(rewriter, loc, arith::ShRUIOp::create(rewriter, loc, bitsX, e.i(52)),
                                       e.i(0x7ff));
  Value exponent = arith::SIToFPOp::create(rewriter, loc, e.type, arith::SubIOp::create(rewriter, loc, biased, e.i(1023)));
  exponent = e.sel(tiny, e.sub(exponent, e.f(54.0)), exponent);
  Value m = e.fromBits(arith::OrIOp::create(
      rewriter, loc, arith::AndIOp::create(rewriter, loc, bitsX, e.i((int64_t(1) << 52) - 1)), e.i(int64_t(1023) << 52)));
  Value big = e.cmp(arith::CmpFPredicate::OGT, m, e.f(M_SQRT2));
  m = e.sel(big, e.mul(m, e.f(0.5)), m);
  exponent = e.sel(big, e.add(exponent, e.f(1.0)), exponent);
  Value s = e.div(e.sub(m, e.f(1.0)), e.add(m, e.f(1.0)));
  SmallVector<double> odd;
  for (int j = 0; j <= 11; ++j)
    odd.push_back(1.0 / (2 * j + 1));
  Value atanh2 = e.mul(e.mul(e.f(2.0), s), e.poly(e.mul(s, s), odd));
  Value result = e.add(e.mul(exponent, e.f(hi)), e.add(atanh2, e.mul(exponent, e.f(lo))));
  result = e.sel(e.cmp(arith::CmpFPredicate::OEQ, x, e.f(0.0)), e.f(-INFINITY), result);
  result = e.sel(e.cmp(arith::CmpFPredicate::OEQ, x, e.f(INFINITY)), x, result);
  result = e.sel(e.cmp(arith::CmpFPredicate::OLT, x, e.f(0.0)), e.f(NAN), result);
  result = e.sel(e.cmp(arith::CmpFPredicate::UNO, x, x), x, result);
  return result;
}

/// log1p(x) = log(u) * x / (u - 1), u = 1 + x: the division cancels the
/// rounding of u (x itself where u rounds to 1, x for +inf).
Value expandLog1p(F64Builder &e, Value x) {
  PatternRewriter &rewriter = e.b;
  Value u = e.add(x, e.f(1.0));
  Value r = e.div(e.mul(math::LogOp::create(rewriter, e.loc, u), x), e.sub(u, e.f(1.0)));
  r = e.sel(e.cmp(arith::CmpFPredicate::OEQ, u, e.f(1.0)), x, r);
  return e.sel(e.cmp(arith::CmpFPredicate::OEQ, x, e.f(INFINITY)), x, r);
}

/// tanh(x) with the sign of x: for |x| <= 1/4, m / (m + 2) with m = e^2|x| - 1
/// by its Taylor series (no cancellation: tiny x stays exact); above,
/// (1 - e) / (1 + e) with e = e^-2|x| (at most 1.5 ulp lost to the subtraction).
Value expandTanh(F64Builder &e, Value x) {
  PatternRewriter &rewriter = e.b;
  Value a = math::AbsFOp::create(rewriter, e.loc, x);
  Value twoA = e.mul(a, e.f(2.0));
  SmallVector<double> taylor{0.0, 1.0}; // expm1 on [0, 1/2]: to r^17, below 1e-19
  for (int n = 2; n <= 17; ++n)
    taylor.push_back(taylor.back() / n);
  Value m = e.poly(twoA, taylor);
  Value small = e.div(m, e.add(m, e.f(2.0)));
  Value ex = math::ExpOp::create(rewriter, e.loc, e.mul(twoA, e.f(-1.0)));
  Value large = e.div(e.sub(e.f(1.0), ex), e.add(e.f(1.0), ex));
  Value t = e.sel(e.cmp(arith::CmpFPredicate::OLE, a, e.f(0.25)), small, large);
  return math::CopySignOp::create(rewriter, e.loc, t, x);
}

/// erf(x) in three ranges (within 4 ulp of libm on [-7, 7]): |x| < 0.5, the
/// Taylor series 2/sqrt(pi) * sum (-1)^n x^(2n+1) / (n! (2n+1)) to n = 14;
/// |x| < 1.2, the all-positive series 2/sqrt(pi) * x * e^(-x^2) * sum
/// (2x^2)^n / (2n+1)!! (70 terms); |x| < 6, 1 - erfc(x) with erfc(x) =
/// e^(-x^2) / (sqrt(pi) K), K the continued fraction x + (1/2) / (x + 1 /
/// (x + (3/2) / ...)) (300 levels); beyond, +-1. e^(-x^2) takes x^2 as an
/// exact head plus a small tail.
Value expandErf(F64Builder &e, Value x) {
  PatternRewriter &rewriter = e.b;
  Value ax = math::AbsFOp::create(rewriter, e.loc, x);
  const double twoOverRootPi = 1.1283791670955126, oneOverRootPi = 0.5641895835477563;
  SmallVector<double> odd; // coefficients of x^(2n+1), as a polynomial in x^2
  double factorial = 1;
  for (int n = 0; n <= 14; ++n) {
    factorial *= n ? n : 1;
    odd.push_back((n % 2 ? -1 : 1) * twoOverRootPi / (factorial * (2 * n + 1)));
  }
  Value small = e.mul(x, e.poly(e.mul(x, x), odd));
  // e^(-a^2), a = |x| clamped to 6: the head keeps 26 bits so its square is exact.
  Value a = arith::MinimumFOp::create(rewriter, e.loc, ax, e.f(6.0));
  Value head = e.fromBits(arith::AndIOp::create(rewriter, e.loc, e.bits(a), e.i(~((int64_t(1) << 27) - 1))));
  Value gauss = e.mul(expandExp(e, e.sub(e.f(0.0), e.mul(head, head))),
                      expandExp(e, e.sub(e.f(0.0), e.mul(e.sub(a, head), e.add(a, head)))));
  Value twoA2 = e.mul(e.f(2.0), e.mul(a, a));
  Value term = e.f(1.0), sum = e.f(1.0);
  for (int n = 1; n <= 70; ++n) {
    term = e.mul(term, e.mul(twoA2, e.f(1.0 / (2 * n + 1))));
    sum = e.add(sum, term);
  }
  Value moderate = e.mul(e.mul(e.f(twoOverRootPi), a), e.mul(gauss, sum));
  Value fraction = a;
  for (int k = 300; k >= 1; --k)
    fraction = e.add(a, e.div(e.f(k / 2.0), fraction));
  Value tail = e.sub(e.f(1.0), e.div(e.mul(gauss, e.f(oneOverRootPi)), fraction));
  Value large = e.sel(e.cmp(arith::CmpFPredicate::OLT, ax, e.f(1.2)), moderate, tail);
  large = arith::MinimumFOp::create(rewriter, e.loc, large, e.f(1.0));
  large = e.sel(e.cmp(arith::CmpFPredicate::OGE, ax, e.f(6.0)), e.f(1.0), large);
  Value result = e.sel(e.cmp(arith::CmpFPredicate::OLT, ax, e.f(0.5)), small,
                       math::CopySignOp::create(rewriter, e.loc, large, x));
  return e.sel(e.cmp(arith::CmpFPredicate::UNO, x, x), x, result);
}

/// Replaces an f64 `Op` (scalar or vector) with `Expand`'s arithmetic, ahead
/// of upstream's expansions (benefit 3).
template <typename Op, Value (*Expand)(F64Builder &, Value)>
struct ExpandF64 : OpRewritePattern<Op> {
  ExpandF64(MLIRContext *ctx) : OpRewritePattern<Op>(ctx, /*benefit=*/3) {}
  LogicalResult matchAndRewrite(Op op, PatternRewriter &rewriter) const override {
    if (!F64Builder::supports(op.getType()))
      return rewriter.notifyMatchFailure(op, "only f64");
    F64Builder e(rewriter, op);
    rewriter.replaceOp(op, Expand(e, op.getOperand()));
    return success();
  }
};

/// f64 -> f16/bf16 in two steps without double rounding: to f32 rounding to
/// odd (truncate, then set the last bit when inexact), then to the narrow
/// type. Without it LLVM calls __truncdfhf2 / __truncdfbf2.
struct NarrowF64ThroughF32 : OpRewritePattern<arith::TruncFOp> {
  NarrowF64ThroughF32(MLIRContext *ctx) : OpRewritePattern(ctx, /*benefit=*/3) {}
  LogicalResult matchAndRewrite(arith::TruncFOp op, PatternRewriter &b) const override {
    Type from = getElementTypeOrSelf(op.getIn().getType()), to = getElementTypeOrSelf(op.getType());
    if (!from.isF64() || to.getIntOrFloatBitWidth() >= 32)
      return b.notifyMatchFailure(op, "not f64 to a 16-bit float");
    Location loc = op.getLoc();
    auto like = [&](Type elem) -> Type {
      if (auto vt = dyn_cast<VectorType>(op.getType()))
        return VectorType::get(vt.getShape(), elem);
      return elem;
    };
    Type f32 = like(b.getF32Type()), i32 = like(b.getI32Type());
    auto splat = [&](Type t, TypedAttr a) -> Value {
      if (auto vt = dyn_cast<VectorType>(t))
        return arith::ConstantOp::create(b, loc, DenseElementsAttr::get(vt, a));
      return arith::ConstantOp::create(b, loc, a);
    };
    Value x = op.getIn();
    Value nearest = arith::TruncFOp::create(b, loc, f32, x);
    Value back = arith::ExtFOp::create(b, loc, op.getIn().getType(), nearest);
    Value inexact = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNE, back, x);
    Value away = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, math::AbsFOp::create(b, loc, back),
                                       math::AbsFOp::create(b, loc, x));
    Value bits = arith::BitcastOp::create(b, loc, i32, nearest);
    bits = arith::SelectOp::create(b, loc, away, arith::SubIOp::create(b, loc, bits, splat(i32, b.getI32IntegerAttr(1))),
                                   bits);
    bits = arith::SelectOp::create(b, loc, inexact, arith::OrIOp::create(b, loc, bits, splat(i32, b.getI32IntegerAttr(1))),
                                   bits);
    Value odd = arith::BitcastOp::create(b, loc, f32, bits);
    b.replaceOpWithNewOp<arith::TruncFOp>(op, op.getType(), odd);
    return success();
  }
};

} // namespace

void populateDoubleMathPatterns(RewritePatternSet &patterns) {
  patterns.add<ExpandF64<math::ExpOp, expandExp>, ExpandF64<math::LogOp, expandLog>,
               ExpandF64<math::Log1pOp, expandLog1p>, ExpandF64<math::TanhOp, expandTanh>, ExpandF64<math::ErfOp, expandErf>,
               NarrowF64ThroughF32>(
      patterns.getContext());
}

} // namespace onnxc::codegen
