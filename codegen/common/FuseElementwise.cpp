// Fuses elementwise linalg producers into elementwise consumers (never into reductions).
//
// Fusing a producer into a reduction would recompute it once per reduction
// step that reads it (a max-pool fused into the next 1x1 conv runs once per
// output channel), so reductions keep reading a materialized tensor.
#include "codegen/Passes.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

using namespace mlir;

namespace onnxc::codegen {
#define GEN_PASS_DEF_FUSEELEMENTWISE
#include "codegen/Passes.h.inc"

namespace {

bool isElementwiseFusionProfitable(OpOperand *fused) {
  Operation *producer = fused->get().getDefiningOp();
  auto consumer = dyn_cast<linalg::LinalgOp>(fused->getOwner());
  return producer && producer->hasOneUse() && consumer &&
         consumer.getNumReductionLoops() == 0;
}

struct FuseElementwisePass : impl::FuseElementwiseBase<FuseElementwisePass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    RewritePatternSet patterns(ctx);
    linalg::populateElementwiseOpsFusionPatterns(patterns, isElementwiseFusionProfitable);
    linalg::populateEraseUnusedOperandsAndResultsPatterns(patterns);
    linalg::GenericOp::getCanonicalizationPatterns(patterns, ctx);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
} // namespace onnxc::codegen
