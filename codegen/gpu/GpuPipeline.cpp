// The GPU code generation pipeline (CUDA): kernels formed from loop nests, outlined into one gpu.module, lowered to NVVM; host calls the shim.
#include "codegen/Passes.h"
#include "codegen/Pipelines.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

namespace onnxc::codegen {

void buildGpuCodegenPipeline(OpPassManager &pm, const TargetInfo &target, const GpuCodegenOptions &options) {
  addBufferizationPasses(pm);
  addWorkspacePlanningPasses(pm);
  pm.addNestedPass<func::FuncOp>(createParallelDimsFirst());
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToParallelLoopsPass());
  // A reduction's init and the loop that accumulates into it become one kernel.
  pm.addNestedPass<func::FuncOp>(createCanonicalizerPass());
  pm.addNestedPass<func::FuncOp>(createParallelLoopFusionPass());
  pm.addPass(createNarrowWeights(NarrowWeightsOptions{options.precision}));
  if (options.hostEmulation) {
    // The same kernels as loops on the host: checks tiling and indexing on a CPU.
    pm.addNestedPass<func::FuncOp>(createFormKernels(FormKernelsOptions{/*emulate=*/true, options.precision}));
    pm.addNestedPass<func::FuncOp>(createApproximateMath());
    pm.addPass(createCanonicalizerPass());
    pm.addPass(createCSEPass());
    pm.addPass(createLowerAffinePass());
    pm.addPass(createSCFToControlFlowPass());
    addLLVMConversionPasses(pm, target);
    return;
  }
  pm.addPass(createWeightsToArgument());
  pm.addNestedPass<func::FuncOp>(createFormKernels(FormKernelsOptions{/*emulate=*/false, options.precision}));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  pm.addPass(createOutlineKernels());

  // Kernels: NVVM with bare-pointer buffers and the kernel index width.
  GpuNVVMAttachTargetOptions nvvm;
  nvvm.chip = target.gpuArchs.front();
  nvvm.optLevel = 3;
  pm.addPass(createGpuNVVMAttachTarget(nvvm));
  OpPassManager &kernels = pm.nest<gpu::GPUModuleOp>();
  kernels.addPass(memref::createExpandStridedMetadataPass());
  kernels.addPass(createLowerAffinePass());
  kernels.addPass(createSCFToControlFlowPass());
  ConvertGpuOpsToNVVMOpsOptions toNvvm;
  toNvvm.indexBitwidth = options.kernelIndexBits;
  toNvvm.useBarePtrCallConv = true;
  kernels.addPass(createConvertGpuOpsToNVVMOps(toNvvm));
  kernels.addPass(createCanonicalizerPass());
  kernels.addPass(createCSEPass());
  kernels.addPass(createReconcileUnrealizedCastsPass());

  // Host: launches through the shim, then the CPU's LLVM lowering.
  pm.addPass(createLowerLaunches(LowerLaunchesOptions{options.kernelIndexBits}));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  addLLVMConversionPasses(pm, target);
}

} // namespace onnxc::codegen
