// Lowers onnx elementwise math and activations to linalg.generic (one pattern for all).
#include "dialects/onnx/OnnxDialect.h"
#include "dialects/onnx/OnnxUtils.h"
#include "lowering/Common.h"

using namespace mlir;
using namespace onnxc::onnx;

namespace onnxc::lowering {
namespace {

/// Scalar arithmetic that picks the float, signed or unsigned form by type.
struct Scalar {
  OpBuilder &b;
  Location loc;
  Type type;
  bool isFloat() const { return isa<FloatType>(type); }
  bool isUnsigned() const { return type.isUnsignedInteger(); }
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
  Value div(Value x, Value y) {
    if (isFloat())
      return arith::DivFOp::create(b, loc, x, y);
    return isUnsigned() ? (Value)arith::DivUIOp::create(b, loc, x, y) : arith::DivSIOp::create(b, loc, x, y);
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
  Value lessThanZero(Value x) {
    if (isFloat())
      return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, x, c(0));
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, x, c(0));
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
#undef SCALAR

template <> struct ScalarOf<PowOp> {
  static Value compute(Scalar s, PowOp, ValueRange a) {
    Value e = a[1];
    if (s.isFloat()) {
      if (isa<IntegerType>(e.getType()))
        e = arith::SIToFPOp::create(s.b, s.loc, s.type, e);
      else if (e.getType() != s.type)
        e = arith::ExtFOp::create(s.b, s.loc, s.type, e);
      return math::PowFOp::create(s.b, s.loc, a[0], e);
    }
    if (e.getType() != s.type)
      e = arith::ExtSIOp::create(s.b, s.loc, s.type, e);
    return math::IPowIOp::create(s.b, s.loc, a[0], e);
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
                            return ScalarOf<OpTy>::compute(Scalar{b, loc, elem}, op, args);
                          });
    rewriter.replaceOp(op, r);
    return success();
  }
};

} // namespace

void populateElementwisePatterns(RewritePatternSet &patterns) {
  patterns.add<ElementwiseLowering<AddOp>, ElementwiseLowering<SubOp>,
               ElementwiseLowering<MulOp>, ElementwiseLowering<DivOp>,
               ElementwiseLowering<PowOp>, ElementwiseLowering<SqrtOp>,
               ElementwiseLowering<ExpOp>, ElementwiseLowering<LogOp>,
               ElementwiseLowering<NegOp>, ElementwiseLowering<AbsOp>,
               ElementwiseLowering<ErfOp>, ElementwiseLowering<ReluOp>,
               ElementwiseLowering<SigmoidOp>, ElementwiseLowering<TanhOp>,
               ElementwiseLowering<HardSwishOp>, ElementwiseLowering<ReciprocalOp>,
               ElementwiseLowering<FloorOp>, ElementwiseLowering<CeilOp>,
               ElementwiseLowering<SoftplusOp>, ElementwiseLowering<SoftsignOp>,
               ElementwiseLowering<LeakyReluOp>, ElementwiseLowering<HardSigmoidOp>,
               ElementwiseLowering<EluOp>, ElementwiseLowering<SeluOp>,
               ElementwiseLowering<ClipOp>>(patterns.getContext());
}

} // namespace onnxc::lowering
