// Pipeline stages every target family shares: bufferization, workspace planning, LLVM dialect conversion.
#include "codegen/Passes.h"
#include "codegen/Pipelines.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

namespace onnxc::codegen {

void addBufferizationPasses(OpPassManager &pm, bool fillBordersOnly) {
  // Inits split first: a producer writes into a padded or concatenated tensor
  // only when its init is its own.
  pm.addNestedPass<func::FuncOp>(createSplitSharedInits());
  pm.addNestedPass<func::FuncOp>(createPadIntoProducers(PadIntoProducersOptions{fillBordersOnly}));
  pm.addNestedPass<func::FuncOp>(createCopyRepeatedResults());
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion = bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  bufferization::BufferResultsToOutParamsPassOptions outParams;
  outParams.hoistStaticAllocs = true;
  outParams.modifyPublicFunctions = true;
  pm.addPass(bufferization::createBufferResultsToOutParamsPass(outParams));
  pm.addNestedPass<func::FuncOp>(createLowerCopies());
  pm.addPass(createCSEPass()); // identical subviews: in-place slice copies become self-copies
  pm.addPass(createCanonicalizerPass());
}

void addWorkspacePlanningPasses(OpPassManager &pm, bool recordPlan) {
  PlanWorkspaceOptions options;
  options.recordPlan = recordPlan;
  pm.addPass(createPlanWorkspace(options));
}

void addLLVMConversionPasses(OpPassManager &pm, const TargetInfo &target) {
  // Upstream passes that build their own type converter get the width
  // explicitly (not all of them read the DLTI spec).
  unsigned indexBits = target.indexBits;
  pm.addNestedPass<func::FuncOp>(createFlattenEmptyArguments());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createConvertVectorToLLVM());
  FinalizeMemRefToLLVMConversionPassOptions memref;
  memref.indexBitwidth = indexBits;
  pm.addPass(createFinalizeMemRefToLLVMConversionPass(memref));
  pm.addPass(createConvertMathToLLVMPass());
  ArithToLLVMConversionPassOptions arith;
  arith.indexBitwidth = indexBits;
  pm.addPass(createArithToLLVMConversionPass(arith));
  ConvertFuncToLLVMPassOptions func;
  func.useBarePtrCallConv = true;
  func.indexBitwidth = indexBits;
  pm.addPass(createConvertFuncToLLVMPass(func));
  ConvertControlFlowToLLVMPassOptions cf;
  cf.indexBitwidth = indexBits;
  pm.addPass(createConvertControlFlowToLLVMPass(cf));
  pm.addPass(createReconcileUnrealizedCastsPass());
}

} // namespace onnxc::codegen
