// Lowers onnx elementwise math and activations to linalg.generic (one pattern for all).
#include "dialects/onnx/OnnxDialect.h"
#include "dialects/onnx/OnnxUtils.h"
#include "lowering/Common.h"

#include "mlir/Dialect/SCF/IR/SCF.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace onnxc::onnx;

namespace onnxc::lowering {
namespace {

/// Scalar arithmetic that picks the float, signed or unsigned form by type.
/// `type` is signless (arith's view); `unsignedInt` keeps ONNX's signedness.
struct Scalar {
  OpBuilder &b;
  Location loc;
  Type type;
  bool unsignedInt = false;
  /// Arithmetic on values of the ONNX element type `onnxType`.
  static Scalar of(OpBuilder &b, Location loc, Type onnxType) {
    return Scalar{b, loc, signlessType(onnxType), onnxType.isUnsignedInteger()};
  }
  bool isFloat() const { return isa<FloatType>(type); }
  bool isUnsigned() const { return unsignedInt; }
  Value c(double v) { return scalarConstant(b, loc, type, v); }
  Value add(Value x, Value y) {
    return isFloat() ? (Value)arith::AddFOp::create(b, loc, x, y) : arith::AddIOp::create(b, loc, x, y);
  }
  Value sub(Value x, Value y) {
    return isFloat() ? (Value)arith::SubFOp::create(b, loc, x, y) : arith::SubIOp::create(b, loc, x, y);
  }
  Value mul(Value x, Value y) {
    return isFloat() ? (Value)arith::MulFOp::create(b, loc, x, y) : arith::MulIOp::create(b, loc, x, y);
  }
  /// Integer division never traps: x / 0 is 0 (numpy's answer), and
  /// INT_MIN / -1 wraps to INT_MIN, as two's complement does.
  Value div(Value x, Value y) {
    if (isFloat())
      return arith::DivFOp::create(b, loc, x, y);
    auto [safe, byZero] = safeDivisor(x, y);
    Value q = isUnsigned() ? (Value)arith::DivUIOp::create(b, loc, x, safe) : arith::DivSIOp::create(b, loc, x, safe);
    return select(byZero, c(0), q);
  }
  /// The divisor with the trapping cases (0, and -1 under INT_MIN) made 1,
  /// and whether it was 0.
  std::pair<Value, Value> safeDivisor(Value x, Value y) {
    Value byZero = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, y, c(0));
    Value trap = byZero;
    if (!isUnsigned()) {
      unsigned bits = type.getIntOrFloatBitWidth();
      Value min = arith::ConstantOp::create(b, loc, IntegerAttr::get(type, APInt::getSignedMinValue(bits)));
      Value isMin = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, x, min);
      Value isMinusOne = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, y, c(-1));
      Value overflow = arith::AndIOp::create(b, loc, isMin, isMinusOne);
      trap = arith::OrIOp::create(b, loc, trap, overflow);
    }
    return {select(trap, c(1), y), byZero};
  }
  Value max(Value x, Value y) {
    if (isFloat())
      return arith::MaximumFOp::create(b, loc, x, y);
    return isUnsigned() ? (Value)arith::MaxUIOp::create(b, loc, x, y) : arith::MaxSIOp::create(b, loc, x, y);
  }
  Value min(Value x, Value y) {
    if (isFloat())
      return arith::MinimumFOp::create(b, loc, x, y);
    return isUnsigned() ? (Value)arith::MinUIOp::create(b, loc, x, y) : arith::MinSIOp::create(b, loc, x, y);
  }
  Value lessThanZero(Value x) { return compare(arith::CmpFPredicate::OLT, arith::CmpIPredicate::slt, x, c(0)); }
  /// x <pred> y with the float, signed or unsigned predicate.
  Value compare(arith::CmpFPredicate f, arith::CmpIPredicate i, Value x, Value y) {
    if (isFloat())
      return arith::CmpFOp::create(b, loc, f, x, y);
    if (isUnsigned())
      i = toUnsigned(i);
    return arith::CmpIOp::create(b, loc, i, x, y);
  }
  static arith::CmpIPredicate toUnsigned(arith::CmpIPredicate p) {
    switch (p) {
    case arith::CmpIPredicate::slt: return arith::CmpIPredicate::ult;
    case arith::CmpIPredicate::sle: return arith::CmpIPredicate::ule;
    case arith::CmpIPredicate::sgt: return arith::CmpIPredicate::ugt;
    case arith::CmpIPredicate::sge: return arith::CmpIPredicate::uge;
    default: return p;
    }
  }
  Value gt(Value x, Value y) { return compare(arith::CmpFPredicate::OGT, arith::CmpIPredicate::sgt, x, y); }
  Value lt(Value x, Value y) { return compare(arith::CmpFPredicate::OLT, arith::CmpIPredicate::slt, x, y); }
  /// Integer remainder never traps: x % 0 is 0 (numpy's answer), INT_MIN % -1 is 0.
  Value rem(Value x, Value y) {
    if (isFloat())
      return arith::RemFOp::create(b, loc, x, y);
    auto [safe, byZero] = safeDivisor(x, y);
    Value r = isUnsigned() ? (Value)arith::RemUIOp::create(b, loc, x, safe) : arith::RemSIOp::create(b, loc, x, safe);
    return select(byZero, c(0), r);
  }
  Value select(Value cond, Value x, Value y) { return arith::SelectOp::create(b, loc, cond, x, y); }
  Value exp(Value x) { return math::ExpOp::create(b, loc, x); }
  Value abs(Value x) {
    return isFloat() ? (Value)math::AbsFOp::create(b, loc, x) : math::AbsIOp::create(b, loc, x);
  }
  Value neg(Value x) { return isFloat() ? (Value)arith::NegFOp::create(b, loc, x) : sub(c(0), x); }
  /// x < 0 ? alpha * (exp(x) - 1) : x
  Value elu(Value x, double alpha) {
    return select(lessThanZero(x), mul(c(alpha), sub(exp(x), c(1))), x);
  }
};

/// The scalar computation of each elementwise op; args are the block arguments.
template <typename OpTy> struct ScalarOf;

/// Arithmetic on the ONNX element type of `v` (for ops whose result type differs).
Scalar operandScalar(Scalar s, Value v) { return Scalar::of(s.b, s.loc, getElementTypeOrSelf(v.getType())); }

template <typename MathOp> Value math1(Scalar s, Value x) { return MathOp::create(s.b, s.loc, x); }
#define SCALAR(OP, EXPR)                                                       \
  template <> struct ScalarOf<OP> {                                            \
    static Value compute(Scalar s, OP op, ValueRange a) { return EXPR; }       \
  };
SCALAR(AddOp, s.add(a[0], a[1]))
SCALAR(SubOp, s.sub(a[0], a[1]))
SCALAR(MulOp, s.mul(a[0], a[1]))
SCALAR(DivOp, s.div(a[0], a[1]))
SCALAR(SqrtOp, math::SqrtOp::create(s.b, s.loc, a[0]))
SCALAR(ExpOp, s.exp(a[0]))
SCALAR(LogOp, math::LogOp::create(s.b, s.loc, a[0]))
SCALAR(NegOp, s.neg(a[0]))
SCALAR(AbsOp, s.abs(a[0]))
SCALAR(ErfOp, math::ErfOp::create(s.b, s.loc, a[0]))
SCALAR(ReluOp, s.max(a[0], s.c(0)))
SCALAR(SigmoidOp, s.div(s.c(1), s.add(s.c(1), s.exp(s.neg(a[0])))))
SCALAR(TanhOp, math::TanhOp::create(s.b, s.loc, a[0]))
SCALAR(HardSwishOp,
       s.mul(a[0], s.max(s.c(0), s.min(s.c(1), s.add(s.mul(a[0], s.c(1.0 / 6)), s.c(0.5))))))
SCALAR(ReciprocalOp, s.div(s.c(1), a[0]))
SCALAR(FloorOp, math::FloorOp::create(s.b, s.loc, a[0]))
SCALAR(CeilOp, math::CeilOp::create(s.b, s.loc, a[0]))
SCALAR(SoftplusOp, s.add(s.max(a[0], s.c(0)),
                         math::Log1pOp::create(s.b, s.loc, s.exp(s.neg(s.abs(a[0]))))))
SCALAR(SoftsignOp, s.div(a[0], s.add(s.c(1), s.abs(a[0]))))
SCALAR(LeakyReluOp, s.select(s.lessThanZero(a[0]),
                             s.mul(a[0], s.c(op.getAlpha().convertToDouble())), a[0]))
SCALAR(HardSigmoidOp,
       s.max(s.c(0), s.min(s.c(1), s.add(s.mul(a[0], s.c(op.getAlpha().convertToDouble())),
                                         s.c(op.getBeta().convertToDouble())))))
SCALAR(EluOp, s.elu(a[0], op.getAlpha().convertToDouble()))
SCALAR(SeluOp, s.mul(s.c(op.getGamma().convertToDouble()),
                     s.elu(a[0], op.getAlpha().convertToDouble())))
SCALAR(SinOp, math1<math::SinOp>(s, a[0]))
SCALAR(CosOp, math1<math::CosOp>(s, a[0]))
SCALAR(TanOp, math1<math::TanOp>(s, a[0]))
SCALAR(AsinOp, math1<math::AsinOp>(s, a[0]))
SCALAR(AcosOp, math1<math::AcosOp>(s, a[0]))
SCALAR(AtanOp, math1<math::AtanOp>(s, a[0]))
SCALAR(SinhOp, math1<math::SinhOp>(s, a[0]))
SCALAR(CoshOp, math1<math::CoshOp>(s, a[0]))
SCALAR(AsinhOp, math1<math::AsinhOp>(s, a[0]))
SCALAR(AcoshOp, math1<math::AcoshOp>(s, a[0]))
SCALAR(AtanhOp, math1<math::AtanhOp>(s, a[0]))
SCALAR(RoundOp, math1<math::RoundEvenOp>(s, a[0]))
SCALAR(SignOp, s.select(s.gt(a[0], s.c(0)), s.c(1), s.select(s.lt(a[0], s.c(0)), s.c(-1), s.c(0))))
SCALAR(MishOp, s.mul(a[0], math1<math::TanhOp>(s, s.add(s.max(a[0], s.c(0)),
                     math1<math::Log1pOp>(s, s.exp(s.neg(s.abs(a[0]))))))))
SCALAR(NotOp, arith::XOrIOp::create(s.b, s.loc, a[0], s.c(1)))
SCALAR(CeluOp, s.add(s.max(a[0], s.c(0)),
                     s.min(s.c(0), s.mul(s.c(op.getAlpha().convertToDouble()),
                                         s.sub(s.exp(s.div(a[0], s.c(op.getAlpha().convertToDouble()))), s.c(1))))))
SCALAR(ThresholdedReluOp, s.select(s.gt(a[0], s.c(op.getAlpha().convertToDouble())), a[0], s.c(0)))
SCALAR(ShrinkOp, s.select(s.lt(a[0], s.c(-op.getLambd().convertToDouble())),
                          s.add(a[0], s.c(op.getBias().convertToDouble())),
                          s.select(s.gt(a[0], s.c(op.getLambd().convertToDouble())),
                                   s.sub(a[0], s.c(op.getBias().convertToDouble())), s.c(0))))
SCALAR(IsNaNOp, arith::CmpFOp::create(s.b, s.loc, arith::CmpFPredicate::UNO, a[0], a[0]))
SCALAR(EqualOp, operandScalar(s, op.getA()).compare(arith::CmpFPredicate::OEQ, arith::CmpIPredicate::eq, a[0], a[1]))
SCALAR(LessOp, operandScalar(s, op.getA()).compare(arith::CmpFPredicate::OLT, arith::CmpIPredicate::slt, a[0], a[1]))
SCALAR(LessOrEqualOp, operandScalar(s, op.getA()).compare(arith::CmpFPredicate::OLE, arith::CmpIPredicate::sle, a[0], a[1]))
SCALAR(GreaterOp, operandScalar(s, op.getA()).compare(arith::CmpFPredicate::OGT, arith::CmpIPredicate::sgt, a[0], a[1]))
SCALAR(GreaterOrEqualOp, operandScalar(s, op.getA()).compare(arith::CmpFPredicate::OGE, arith::CmpIPredicate::sge, a[0], a[1]))
SCALAR(AndOp, arith::AndIOp::create(s.b, s.loc, a[0], a[1]))
SCALAR(OrOp, arith::OrIOp::create(s.b, s.loc, a[0], a[1]))
SCALAR(XorOp, arith::XOrIOp::create(s.b, s.loc, a[0], a[1]))
SCALAR(BitwiseAndOp, arith::AndIOp::create(s.b, s.loc, a[0], a[1]))
SCALAR(BitwiseOrOp, arith::OrIOp::create(s.b, s.loc, a[0], a[1]))
SCALAR(BitwiseXorOp, arith::XOrIOp::create(s.b, s.loc, a[0], a[1]))
SCALAR(BitwiseNotOp, arith::XOrIOp::create(s.b, s.loc, a[0], s.c(-1)))
SCALAR(PReluOp, s.select(s.lessThanZero(a[0]), s.mul(a[1], a[0]), a[0]))
SCALAR(WhereOp, s.select(a[0], a[1], a[2]))
#undef SCALAR

template <> struct ScalarOf<IsInfOp> {
  static Value compute(Scalar s, IsInfOp op, ValueRange a) {
    Scalar in = operandScalar(s, op.getX());
    auto inf = [&](bool neg) {
      auto ft = cast<FloatType>(in.type);
      return arith::ConstantOp::create(s.b, s.loc, FloatAttr::get(ft, APFloat::getInf(ft.getFloatSemantics(), neg)));
    };
    auto eq = [&](Value v) { return arith::CmpFOp::create(s.b, s.loc, arith::CmpFPredicate::OEQ, a[0], v); };
    Value r = arith::ConstantIntOp::create(s.b, s.loc, 0, 1);
    if (op.getDetectPositive())
      r = arith::OrIOp::create(s.b, s.loc, r, eq(inf(false)));
    if (op.getDetectNegative())
      r = arith::OrIOp::create(s.b, s.loc, r, eq(inf(true)));
    return r;
  }
};

template <> struct ScalarOf<GeluOp> {
  static Value compute(Scalar s, GeluOp op, ValueRange a) {
    Value x = a[0];
    if (op.getApproximate() == "tanh") {
      Value inner = s.mul(s.c(0.7978845608028654), s.add(x, s.mul(s.c(0.044715), s.mul(x, s.mul(x, x)))));
      return s.mul(s.mul(s.c(0.5), x), s.add(s.c(1), math1<math::TanhOp>(s, inner)));
    }
    return s.mul(s.mul(s.c(0.5), x), s.add(s.c(1), math1<math::ErfOp>(s, s.mul(x, s.c(0.7071067811865476)))));
  }
};

/// fmod = 1: C's fmod (sign of the dividend); fmod = 0: the sign of the divisor.
template <> struct ScalarOf<ModOp> {
  static Value compute(Scalar s, ModOp op, ValueRange a) {
    Value r = s.rem(a[0], a[1]);
    if (op.getFmod() || s.isUnsigned())
      return r;
    Value nonzero = s.compare(arith::CmpFPredicate::ONE, arith::CmpIPredicate::ne, r, s.c(0));
    Value signsDiffer = arith::XOrIOp::create(s.b, s.loc, s.lessThanZero(r), s.lessThanZero(a[1]));
    Value fix = arith::AndIOp::create(s.b, s.loc, nonzero, signsDiffer);
    return s.select(fix, s.add(r, a[1]), r);
  }
};

template <> struct ScalarOf<BitShiftOp> {
  static Value compute(Scalar s, BitShiftOp op, ValueRange a) {
    if (op.getDirection() == "LEFT")
      return arith::ShLIOp::create(s.b, s.loc, a[0], a[1]);
    return arith::ShRUIOp::create(s.b, s.loc, a[0], a[1]);
  }
};

/// Max, Min, Sum, Mean fold their inputs left to right.
template <typename OpTy> struct VariadicScalar {
  static Value compute(Scalar s, OpTy, ValueRange a) {
    Value r = a[0];
    for (Value v : a.drop_front()) {
      if constexpr (std::is_same_v<OpTy, MaxOp>)
        r = s.max(r, v);
      else if constexpr (std::is_same_v<OpTy, MinOp>)
        r = s.min(r, v);
      else
        r = s.add(r, v);
    }
    if constexpr (std::is_same_v<OpTy, MeanOp>)
      r = s.div(r, s.c((double)a.size()));
    return r;
  }
};
template <> struct ScalarOf<MaxOp> : VariadicScalar<MaxOp> {};
template <> struct ScalarOf<MinOp> : VariadicScalar<MinOp> {};
template <> struct ScalarOf<SumOp> : VariadicScalar<SumOp> {};
template <> struct ScalarOf<MeanOp> : VariadicScalar<MeanOp> {};

/// base^e for integer base and exponent: square and multiply over e's bits,
/// wrapping like C (no f64, no libm). A negative e gives what truncating the
/// real power gives: 1 for base 1, +-1 for base -1, else 0.
Value integerPower(Scalar s, const Scalar &exp, Value base, Value e) {
  OpBuilder &b = s.b;
  Location loc = s.loc;
  unsigned bits = e.getType().getIntOrFloatBitWidth();
  Value zeroE = arith::ConstantIntOp::create(b, loc, e.getType(), 0);
  Value oneE = arith::ConstantIntOp::create(b, loc, e.getType(), 1);
  Value one = s.c(1), zero = s.c(0);
  auto loop = scf::ForOp::create(
      b, loc, arith::ConstantIndexOp::create(b, loc, 0), arith::ConstantIndexOp::create(b, loc, bits),
      arith::ConstantIndexOp::create(b, loc, 1), ValueRange{one, base, e},
      [&](OpBuilder &nb, Location l, Value, ValueRange it) {
        Value odd = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::ne, arith::AndIOp::create(nb, l, it[2], oneE),
                                          zeroE);
        Value r = arith::SelectOp::create(nb, l, odd, arith::MulIOp::create(nb, l, it[0], it[1]), it[0]);
        Value sq = arith::MulIOp::create(nb, l, it[1], it[1]);
        scf::YieldOp::create(nb, l, ValueRange{r, sq, arith::ShRUIOp::create(nb, l, it[2], oneE)});
      });
  Value power = loop.getResult(0);
  if (exp.isUnsigned())
    return power;
  Value negative = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, e, zeroE);
  Value isOne = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, base, one);
  Value fraction = arith::SelectOp::create(b, loc, isOne, one, zero);
  if (!s.isUnsigned()) {
    Value minusOne = s.c(-1);
    Value oddE = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, arith::AndIOp::create(b, loc, e, oneE), zeroE);
    Value isMinusOne = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, base, minusOne);
    fraction = arith::SelectOp::create(b, loc, isMinusOne, arith::SelectOp::create(b, loc, oddE, minusOne, one),
                                       fraction);
  }
  return arith::SelectOp::create(b, loc, negative, fraction, power);
}

/// x^e for floats of one type: an integral |e| < 2048 multiplies (square and
/// multiply: exact where the result is representable, (-2)^3 = -8, 0^0 = 1,
/// a negative e takes the reciprocal); other exponents use powf on |x| with
/// the sign of an odd integral power, NaN for a negative base and a
/// fractional exponent, and 1 for a base of 1.
Value floatPower(OpBuilder &b, Location loc, Value x, Value e) {
  Type f = x.getType(), i64 = b.getI64Type();
  auto c = [&](double v) { return arith::ConstantOp::create(b, loc, FloatAttr::get(f, v)).getResult(); };
  auto cmp = [&](arith::CmpFPredicate p, Value l, Value r) { return arith::CmpFOp::create(b, loc, p, l, r); };
  auto sel = [&](Value cond, Value t, Value o) { return arith::SelectOp::create(b, loc, cond, t, o).getResult(); };
  // e as an integer when it is one (clamped: beyond 2^62 every float is an even integer).
  Value limit = c(std::ldexp(1.0, 62));
  Value clamped = arith::MaximumFOp::create(b, loc, arith::MinimumFOp::create(b, loc, e, limit),
                                            arith::NegFOp::create(b, loc, limit));
  Value safe = sel(cmp(arith::CmpFPredicate::UNO, e, e), c(0.5), clamped); // no poison from a NaN
  Value ei = arith::FPToSIOp::create(b, loc, i64, safe);
  Value isInt = cmp(arith::CmpFPredicate::OEQ, arith::SIToFPOp::create(b, loc, f, ei), safe);
  auto i = [&](int64_t v) { return arith::ConstantIntOp::create(b, loc, i64, v).getResult(); };
  Value magnitude = math::AbsIOp::create(b, loc, ei);
  Value small = arith::AndIOp::create(b, loc, isInt,
                                      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, magnitude, i(2048)));
  Value r = c(1), p = x;
  for (int bit = 0; bit < 11; ++bit) {
    Value set = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne,
                                      arith::AndIOp::create(b, loc, magnitude, i(int64_t(1) << bit)), i(0));
    r = sel(set, arith::MulFOp::create(b, loc, r, p), r);
    if (bit < 10)
      p = arith::MulFOp::create(b, loc, p, p);
  }
  Value negativeE = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, ei, i(0));
  Value exact = sel(negativeE, arith::DivFOp::create(b, loc, c(1), r), r);
  Value mag = math::PowFOp::create(b, loc, math::AbsFOp::create(b, loc, x), e);
  Value odd = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, arith::AndIOp::create(b, loc, ei, i(1)), i(0));
  Value signedMag = sel(odd, arith::NegFOp::create(b, loc, mag), mag);
  Value nan = c(std::numeric_limits<double>::quiet_NaN());
  Value general = sel(cmp(arith::CmpFPredicate::OLT, x, c(0)), sel(isInt, signedMag, nan), mag);
  general = sel(cmp(arith::CmpFPredicate::OEQ, x, c(1)), c(1), general);
  return sel(small, exact, general);
}

/// Pow: floats per floatPower (an integer exponent converted); integer bases
/// with an integer exponent multiply; integer bases with a float exponent go
/// through f64 (floatPower) and truncate back, like the reference implementation.
template <> struct ScalarOf<PowOp> {
  static Value compute(Scalar s, PowOp op, ValueRange a) {
    Scalar exp = operandScalar(s, op.getB());
    if (!s.isFloat() && !exp.isFloat())
      return integerPower(s, exp, a[0], a[1]);
    Type f = s.isFloat() ? s.type : Float64Type::get(s.b.getContext());
    auto toFloat = [&](Value v, const Scalar &of) -> Value {
      if (!of.isFloat())
        return of.isUnsigned() ? (Value)arith::UIToFPOp::create(s.b, s.loc, f, v)
                               : arith::SIToFPOp::create(s.b, s.loc, f, v);
      if (v.getType() == f)
        return v;
      return cast<FloatType>(v.getType()).getWidth() < cast<FloatType>(f).getWidth()
                 ? (Value)arith::ExtFOp::create(s.b, s.loc, f, v)
                 : arith::TruncFOp::create(s.b, s.loc, f, v);
    };
    Value r = floatPower(s.b, s.loc, toFloat(a[0], s), toFloat(a[1], exp));
    if (s.isFloat())
      return r;
    return s.isUnsigned() ? (Value)arith::FPToUIOp::create(s.b, s.loc, s.type, r)
                          : arith::FPToSIOp::create(s.b, s.loc, s.type, r);
  }
};

/// Clip's bounds are optional; the body receives only the present ones.
template <> struct ScalarOf<ClipOp> {
  static Value compute(Scalar s, ClipOp op, ValueRange a) {
    Value x = a[0];
    unsigned next = 1;
    if (!isNone(op.getMin()))
      x = s.max(x, a[next++]);
    if (!isNone(op.getMax()))
      x = s.min(x, a[next]);
    return x;
  }
};

template <typename OpTy> struct ElementwiseLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  LogicalResult matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto type = dyn_cast<RankedTensorType>(op->getResult(0).getType());
    if (!type)
      return rewriter.notifyMatchFailure(op, "result is not a ranked tensor");
    SmallVector<Value> inputs;
    for (Value v : adaptor.getOperands())
      if (!isNone(v))
        inputs.push_back(v);
    Type elem = type.getElementType();
    Value r = elementwise(rewriter, op.getLoc(), type, inputs,
                          [&](OpBuilder &b, Location loc, ValueRange args) {
                            // arith works on signless integers; signedness stays in Scalar.
                            SmallVector<Value> signless;
                            for (Value a : args)
                              signless.push_back(castTo(b, loc, a, signlessType(a.getType())));
                            Value v = ScalarOf<OpTy>::compute(Scalar::of(b, loc, elem), op, signless);
                            return castTo(b, loc, v, elem);
                          });
    rewriter.replaceOp(op, r);
    return success();
  }
};

template <typename... Ops> void addElementwise(RewritePatternSet &patterns) {
  patterns.add<ElementwiseLowering<Ops>...>(patterns.getContext());
}

} // namespace

void populateElementwisePatterns(RewritePatternSet &patterns) {
  addElementwise<
      AddOp, SubOp, MulOp, DivOp, PowOp, SqrtOp, ExpOp, LogOp, NegOp, AbsOp, ErfOp, ReluOp,
      SigmoidOp, TanhOp, HardSwishOp, ReciprocalOp, FloorOp, CeilOp, SoftplusOp, SoftsignOp,
      LeakyReluOp, HardSigmoidOp, EluOp, SeluOp, ClipOp, SinOp, CosOp, TanOp, AsinOp, AcosOp,
      AtanOp, SinhOp, CoshOp, AsinhOp, AcoshOp, AtanhOp, RoundOp, SignOp, MishOp, NotOp,
      CeluOp, ThresholdedReluOp, ShrinkOp, IsNaNOp, IsInfOp, GeluOp, EqualOp, LessOp,
      LessOrEqualOp, GreaterOp, GreaterOrEqualOp, AndOp, OrOp, XorOp, PReluOp, WhereOp, ModOp,
      BitShiftOp, MaxOp, MinOp, SumOp, MeanOp, BitwiseAndOp, BitwiseOrOp, BitwiseXorOp, BitwiseNotOp>(patterns);
}

} // namespace onnxc::lowering
