// The CPU code generation pipeline (x86-64, AArch64, Cortex-M): register tiles, threads, loops, LLVM.
#include "codegen/Passes.h"
#include "codegen/Pipelines.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

namespace onnxc::codegen {

void buildCpuCodegenPipeline(OpPassManager &pm, const TargetInfo &target, const CpuCodegenOptions &options) {
  pm.addNestedPass<func::FuncOp>(createPackWeights());
  addBufferizationPasses(pm, /*fillBordersOnly=*/!target.compactCode);
  if (options.report)
    pm.addPass(createCountNodeFlops());
  pm.addNestedPass<func::FuncOp>(createVectorizeReductions());
  pm.addNestedPass<func::FuncOp>(createVectorizeElementwise());
  addWorkspacePlanningPasses(pm, options.report);
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
  pm.addNestedPass<func::FuncOp>(createApproximateMath());
  if (options.report)
    pm.addPass(createReportKernels());
  if (options.profile)
    pm.addPass(createInsertProfileHooks());
  if (target.hasThreads)
    pm.addPass(createOutlineParallelLoops());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  pm.addNestedPass<func::FuncOp>(createConvertVectorToSCFPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  addLLVMConversionPasses(pm, target);
}

} // namespace onnxc::codegen
