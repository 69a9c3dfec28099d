// Small CPU codegen rewrites: math approximations, copies (memref.copy -> linalg.copy, repeated results), empty arguments.
#include "codegen/Passes.h"

#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Math/Transforms/Approximation.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

using namespace mlir;

namespace onnxc::codegen {
#define GEN_PASS_DEF_APPROXIMATEMATH
#define GEN_PASS_DEF_LOWERCOPIES
#define GEN_PASS_DEF_FLATTENEMPTYARGUMENTS
#define GEN_PASS_DEF_COPYREPEATEDRESULTS
#include "codegen/Passes.h.inc"

namespace {
/// Builds rounding and min/max from comparisons, selects and same-width
/// integer conversions: no libm call (the Cortex-M4 has no rounding or maxnum
/// instruction, nor x86-64 before SSE4.1) and no 64-bit conversion helper on
/// 32-bit targets (upstream's expansions go through i64).
class RoundingBuilder {
public:
  RoundingBuilder(PatternRewriter &rewriter, Operation *op)
      : b(rewriter), loc(op->getLoc()), type(op->getResult(0).getType()),
        elem(cast<FloatType>(getElementTypeOrSelf(type))) {}

  static bool supports(Type t) {
    auto f = dyn_cast<FloatType>(getElementTypeOrSelf(t));
    return f && (f.isF32() || f.isF64());
  }

  Value constant(double v) {
    TypedAttr attr = b.getFloatAttr(elem, v);
    if (auto vt = dyn_cast<VectorType>(type))
      attr = DenseElementsAttr::get(vt, attr);
    return arith::ConstantOp::create(b, loc, attr);
  }
  Value cmp(arith::CmpFPredicate p, Value x, Value y) { return arith::CmpFOp::create(b, loc, p, x, y); }
  Value select(Value c, Value x, Value y) { return arith::SelectOp::create(b, loc, c, x, y); }
  Value abs(Value x) { return math::AbsFOp::create(b, loc, x); }
  Value add(Value x, Value y) { return arith::AddFOp::create(b, loc, x, y); }
  Value sub(Value x, Value y) { return arith::SubFOp::create(b, loc, x, y); }
  /// Whether |x| is already integral (or inf, or NaN: unordered).
  Value integral(Value x) {
    return cmp(arith::CmpFPredicate::UGE, abs(x), constant(elem.isF32() ? 8388608.0 : 4503599627370496.0));
  }
  /// floor(x): truncate through an integer, step down below negative values.
  Value floor(Value x) {
    Type intType = b.getIntegerType(elem.getWidth());
    if (auto vt = dyn_cast<VectorType>(type))
      intType = VectorType::get(vt.getShape(), intType);
    Value t = arith::SIToFPOp::create(b, loc, type, arith::FPToSIOp::create(b, loc, intType, x));
    Value stepped = select(cmp(arith::CmpFPredicate::OGT, t, x), sub(t, constant(1.0)), t);
    return math::CopySignOp::create(b, loc, select(integral(x), x, stepped), x);
  }
  /// Round half away from zero: floor(|x|), plus one from a fraction of 0.5 up.
  Value round(Value x) {
    Value a = abs(x), t = floor(a);
    Value up = select(cmp(arith::CmpFPredicate::OGE, sub(a, t), constant(0.5)), add(t, constant(1.0)), t);
    return math::CopySignOp::create(b, loc, select(integral(x), x, up), x);
  }
  /// Round half to even: adding and subtracting 2^mantissa rounds |x| in the
  /// default rounding mode.
  Value roundEven(Value x) {
    Value big = constant(elem.isF32() ? 8388608.0 : 4503599627370496.0);
    Value r = sub(add(abs(x), big), big);
    return math::CopySignOp::create(b, loc, select(integral(x), x, r), x);
  }

private:
  PatternRewriter &b;
  Location loc;
  Type type;
  FloatType elem;
};

/// One pattern per op, ahead of upstream's expansions (benefit 2).
template <typename Op>
struct ExpandRounding : OpRewritePattern<Op> {
  ExpandRounding(MLIRContext *ctx) : OpRewritePattern<Op>(ctx, /*benefit=*/2) {}
  LogicalResult matchAndRewrite(Op op, PatternRewriter &rewriter) const override {
    if (!RoundingBuilder::supports(op.getType()))
      return rewriter.notifyMatchFailure(op, "only f32 and f64");
    RoundingBuilder r(rewriter, op);
    Value x = op->getOperand(0), result;
    if constexpr (std::is_same_v<Op, math::FloorOp>)
      result = r.floor(x);
    else if constexpr (std::is_same_v<Op, math::CeilOp>) // ceil(x) = -floor(-x)
      result = arith::NegFOp::create(rewriter, op.getLoc(), r.floor(arith::NegFOp::create(rewriter, op.getLoc(), x)));
    else if constexpr (std::is_same_v<Op, math::RoundOp>)
      result = r.round(x);
    else
      result = r.roundEven(x);
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// maxnumf/minnumf (NaN loses): the ordered comparison, or the other operand
/// when the second is NaN.
template <typename Op, arith::CmpFPredicate Pred>
struct ExpandMinMaxNum : OpRewritePattern<Op> {
  using OpRewritePattern<Op>::OpRewritePattern;
  LogicalResult matchAndRewrite(Op op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value a = op.getLhs(), b = op.getRhs();
    Value takeA = arith::OrIOp::create(rewriter, loc, arith::CmpFOp::create(rewriter, loc, Pred, a, b),
                                       arith::CmpFOp::create(rewriter, loc, arith::CmpFPredicate::UNO, b, b));
    rewriter.replaceOpWithNewOp<arith::SelectOp>(op, takeA, a, b);
    return success();
  }
};

struct ApproximateMathPass : impl::ApproximateMathBase<ApproximateMathPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    math::populateExpansionPatterns(patterns);
    populateDoubleMathPatterns(patterns);
    auto all = [](StringRef) { return true; };
    populateMathF32ExpansionPatterns(patterns, all);
    populateMathPolynomialApproximationPatterns(patterns, all);
    populateMathAlgebraicSimplificationPatterns(patterns);
    // bf16 <-> f32 as integer arithmetic: no __truncsfbf2 from the C library.
    arith::populateExpandBFloat16Patterns(patterns);
    patterns.add<ExpandRounding<math::FloorOp>, ExpandRounding<math::CeilOp>, ExpandRounding<math::RoundOp>,
                 ExpandRounding<math::RoundEvenOp>>(&getContext());
    patterns.add<ExpandMinMaxNum<arith::MaxNumFOp, arith::CmpFPredicate::OGT>,
                 ExpandMinMaxNum<arith::MinNumFOp, arith::CmpFPredicate::OLT>>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

struct CopyToLinalg : OpRewritePattern<memref::CopyOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(memref::CopyOp op, PatternRewriter &rewriter) const override {
    rewriter.replaceOpWithNewOp<linalg::CopyOp>(op, op.getSource(), op.getTarget());
    return success();
  }
};

struct LowerCopiesPass : impl::LowerCopiesBase<LowerCopiesPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<CopyToLinalg>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

/// Each result gets a tensor of its own: a value returned twice becomes a
/// copy the second time (buffer-results-to-out-params needs distinct buffers).
struct CopyRepeatedResultsPass : impl::CopyRepeatedResultsBase<CopyRepeatedResultsPass> {
  void runOnOperation() override {
    getOperation().walk([](func::ReturnOp ret) {
      llvm::SmallPtrSet<Value, 8> seen;
      OpBuilder b(ret);
      for (OpOperand &operand : ret->getOpOperands()) {
        Value v = operand.get();
        auto type = dyn_cast<RankedTensorType>(v.getType());
        if (!type || seen.insert(v).second)
          continue;
        Value empty = tensor::EmptyOp::create(b, ret.getLoc(), type.getShape(), type.getElementType());
        operand.set(linalg::CopyOp::create(b, ret.getLoc(), v, empty).getResult(0));
      }
    });
  }
};

/// memref<3x0x5xf32> has no bare-pointer lowering; memref<0xf32> does. The
/// argument changes type and its uses see a reinterpret_cast of it.
struct FlattenEmptyArgumentsPass : impl::FlattenEmptyArgumentsBase<FlattenEmptyArgumentsPass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (func.isExternal())
      return;
    Block &entry = func.getBody().front();
    OpBuilder b = OpBuilder::atBlockBegin(&entry);
    SmallVector<Type> inputs(func.getArgumentTypes());
    for (auto [i, arg] : llvm::enumerate(entry.getArguments())) {
      auto type = dyn_cast<MemRefType>(arg.getType());
      if (!type || !type.hasStaticShape() || type.getNumElements() != 0 || type.getRank() == 1 ||
          !type.getLayout().isIdentity())
        continue;
      auto flat = MemRefType::get({0}, type.getElementType(), MemRefLayoutAttrInterface(),
                                  type.getMemorySpace());
      arg.setType(flat);
      inputs[i] = flat;
      SmallVector<int64_t> strides(type.getRank(), 1);
      for (int64_t d = type.getRank() - 2; d >= 0; --d)
        strides[d] = strides[d + 1] * type.getDimSize(d + 1);
      auto view = memref::ReinterpretCastOp::create(b, func.getLoc(), type, arg, 0, type.getShape(), strides);
      arg.replaceAllUsesExcept(view, view);
    }
    func.setType(FunctionType::get(func.getContext(), inputs, func.getResultTypes()));
  }
};
} // namespace
} // namespace onnxc::codegen
