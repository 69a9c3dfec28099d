// Fuses elementwise linalg producers into elementwise consumers (never into reductions).
//
// Fusing a producer into a reduction would recompute it once per reduction
// step that reads it (a max-pool fused into the next 1x1 conv runs once per
// output channel), so reductions keep reading a materialized tensor. A
// producer that reads its own output (out += in, an Einsum with no summed
// index) is not fused either: a broadcasting consumer would run it once per
// broadcast element and accumulate that many times. Nor is a producer with
// transcendental or dividing math that the consumer broadcasts (a
// squeeze-excite sigmoid per channel would run once per pixel).
#include "codegen/Passes.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

using namespace mlir;

namespace onnxc::codegen {
#define GEN_PASS_DEF_FUSEELEMENTWISE
#include "codegen/Passes.h.inc"

namespace {

/// Whether `op`'s body costs more than a few arithmetic instructions per element.
bool hasCostlyMath(linalg::LinalgOp op) {
  return llvm::any_of(op.getBlock()->getOperations(), isCostlyMath);
}

bool isElementwiseFusionProfitable(OpOperand *fused) {
  auto producer = fused->get().getDefiningOp<linalg::LinalgOp>();
  auto consumer = dyn_cast<linalg::LinalgOp>(fused->getOwner());
  if (!producer || !producer->hasOneUse() || !consumer || consumer.getNumReductionLoops() != 0)
    return false;
  if (!consumer.getMatchingIndexingMap(fused).isPermutation() && hasCostlyMath(producer))
    return false;
  return llvm::none_of(producer.getDpsInitsMutable(),
                       [&](OpOperand &init) { return producer.payloadUsesValueFromOperand(&init); });
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
