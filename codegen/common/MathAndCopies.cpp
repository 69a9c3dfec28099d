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
/// floor(x) without a rounding instruction (Cortex-M4's FPv4 has none, and
/// LLVM would call libm's floorf): truncate through an integer, step down for
/// negative non-integers, keep x when it is already integral (|x| >= 2^mantissa,
/// inf, NaN), and keep x's sign (floor(-0) = -0).
struct ExpandFloor : OpRewritePattern<math::FloorOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(math::FloorOp op, PatternRewriter &rewriter) const override {
    Type type = op.getType();
    auto elem = dyn_cast<FloatType>(getElementTypeOrSelf(type));
    if (!elem || (!elem.isF32() && !elem.isF64()))
      return rewriter.notifyMatchFailure(op, "only f32 and f64");
    Location loc = op.getLoc();
    Value x = op.getOperand();
    auto splat = [&](double v) -> Value {
      TypedAttr attr = rewriter.getFloatAttr(elem, v);
      if (auto vt = dyn_cast<VectorType>(type))
        attr = DenseElementsAttr::get(vt, attr);
      return arith::ConstantOp::create(rewriter, loc, attr);
    };
    Type intType = rewriter.getIntegerType(elem.getWidth());
    if (auto vt = dyn_cast<VectorType>(type))
      intType = VectorType::get(vt.getShape(), intType);
    Value truncated = arith::SIToFPOp::create(rewriter, loc, type, arith::FPToSIOp::create(rewriter, loc, intType, x));
    Value above = arith::CmpFOp::create(rewriter, loc, arith::CmpFPredicate::OGT, truncated, x);
    Value stepped = arith::SelectOp::create(rewriter, loc, above,
                                            arith::SubFOp::create(rewriter, loc, truncated, splat(1.0)), truncated);
    double integral = elem.isF32() ? 8388608.0 : 4503599627370496.0; // 2^23, 2^52
    Value isIntegral = arith::CmpFOp::create(rewriter, loc, arith::CmpFPredicate::UGE,
                                             math::AbsFOp::create(rewriter, loc, x), splat(integral));
    Value result = arith::SelectOp::create(rewriter, loc, isIntegral, x, stepped);
    rewriter.replaceOpWithNewOp<math::CopySignOp>(op, result, x);
    return success();
  }
};

struct ApproximateMathPass : impl::ApproximateMathBase<ApproximateMathPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    math::populateExpansionPatterns(patterns);
    auto all = [](StringRef) { return true; };
    populateMathF32ExpansionPatterns(patterns, all);
    populateMathPolynomialApproximationPatterns(patterns, all);
    populateMathAlgebraicSimplificationPatterns(patterns);
    // bf16 <-> f32 as integer arithmetic: no __truncsfbf2 from the C library.
    arith::populateExpandBFloat16Patterns(patterns);
    patterns.add<ExpandFloor>(&getContext());
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
