// The onnx -> linalg conversion pass: collects every family's patterns and applies them.
#include "dialects/onnx/OnnxDialect.h"
#include "lowering/Common.h"
#include "lowering/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;

namespace onnxc::lowering {
#define GEN_PASS_DEF_LOWERONNXTOLINALG
#include "lowering/Passes.h.inc"

namespace {
struct LowerOnnxToLinalgPass : impl::LowerOnnxToLinalgBase<LowerOnnxToLinalgPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    RewritePatternSet patterns(ctx);
    populateElementwisePatterns(patterns);
    populateLinearAlgebraPatterns(patterns);
    populateConvPatterns(patterns);
    populatePoolingPatterns(patterns);
    populateNormalizationPatterns(patterns);
    populateReductionPatterns(patterns);
    populateShapePatterns(patterns);
    populateLossPatterns(patterns);
    populateIndexingPatterns(patterns);
    populateGridSamplePatterns(patterns);
    populateRecurrentPatterns(patterns);
    populateResizePatterns(patterns);
    ConversionTarget target(*ctx);
    target.addIllegalDialect<onnx::OnnxDialect>();
    target.addLegalOp<ModuleOp, UnrealizedConversionCastOp>(); // signedness casts in bodies
    target.addLegalDialect<linalg::LinalgDialect, tensor::TensorDialect, arith::ArithDialect,
                           math::MathDialect, func::FuncDialect, scf::SCFDialect,
                           bufferization::BufferizationDialect>();
    ConversionConfig config;
    // Ops that fail to lower are named in the error; diagnostics carry node locations.
    // `none` placeholders of omitted inputs stay until their users are lowered.
    target.addLegalOp<onnx::NoValueOp>();
    if (failed(applyFullConversion(getOperation(), target, std::move(patterns), config)))
      return signalPassFailure();
    getOperation().walk([&](onnx::NoValueOp op) {
      if (op->use_empty())
        op->erase();
    });
  }
};
} // namespace
} // namespace onnxc::lowering
