// Compilation phases: the target-independent pipelines and the dispatch to a target family's code generator.
#include "compiler/Pipeline.h"
#include "codegen/Passes.h"
#include "codegen/Pipelines.h"
#include "dialects/onnx/Passes.h"
#include "lowering/Passes.h"

#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVM/NVVM/Target.h"
#include "mlir/Target/LLVMIR/Dialect/GPU/GPUToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/NVVM/NVVMToLLVMIRTranslation.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

namespace onnxc {

void registerAllOnnxc(DialectRegistry &registry) {
  registry.insert<onnx::OnnxDialect>();
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  registerGPUDialectTranslation(registry);
  registerNVVMDialectTranslation(registry);
  NVVM::registerNVVMTargetInterfaceExternalModels(registry);
}

void registerOnnxcPasses() {
  registerAllPasses();
  onnx::registerOnnxGraphPasses();
  lowering::registerOnnxLoweringPasses();
  codegen::registerOnnxCodegenPasses();
}

void addOnnxPasses(OpPassManager &pm) {
  pm.addPass(createCanonicalizerPass());
  pm.addNestedPass<func::FuncOp>(onnx::createFoldBatchNorm());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

void addLinalgPasses(OpPassManager &pm) {
  // After the C signature is read (Driver.cpp): it names the narrow types.
  pm.addPass(onnx::createLowerNarrowTypes());
  pm.addPass(lowering::createLowerOnnxToLinalg());
  pm.addPass(createCanonicalizerPass());
  pm.addNestedPass<func::FuncOp>(codegen::createFuseElementwise());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

void addCodegenPasses(OpPassManager &pm, const TargetInfo &target, const codegen::GpuCodegenOptions &gpu,
                      const codegen::CpuCodegenOptions &cpu) {
  switch (target.family) {
  case TargetFamily::Cpu:
    codegen::buildCpuCodegenPipeline(pm, target, cpu);
    return;
  case TargetFamily::Gpu:
    codegen::buildGpuCodegenPipeline(pm, target, gpu);
    return;
  }
}

} // namespace onnxc
