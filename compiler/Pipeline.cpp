// Compilation phases: the pass pipelines from the onnx dialect down to the LLVM dialect.
#include "compiler/Pipeline.h"
#include "codegen/Passes.h"
#include "dialects/onnx/Passes.h"
#include "lowering/Passes.h"

#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"

using namespace mlir;

namespace onnxc {

void registerAllOnnxc(DialectRegistry &registry) {
  registry.insert<onnx::OnnxDialect>();
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
}

void registerOnnxcPasses() {
  registerAllPasses();
  onnx::registerOnnxGraphPasses();
  lowering::registerOnnxLoweringPasses();
  codegen::registerOnnxCodegenPasses();
}

/// Pass pipeline text of each phase (appended in order).
static const char *const kOnnxPipeline =
    "canonicalize,func.func(onnxc-fold-batchnorm),canonicalize,cse";
static const char *const kLinalgPipeline =
    "onnxc-lower-to-linalg,canonicalize,func.func(linalg-fuse-elementwise-ops),canonicalize,cse";
static const char *const kLlvmDialectPipeline =
    "one-shot-bufferize{bufferize-function-boundaries "
    "function-boundary-type-conversion=identity-layout-map},"
    "buffer-results-to-out-params{hoist-static-allocs modify-public-functions},"
    "func.func(onnxc-lower-copies),canonicalize,onnxc-plan-workspace,"
    "func.func(convert-linalg-to-loops,onnxc-approximate-math),"
    "lower-affine,convert-scf-to-cf,canonicalize,cse,"
    "expand-strided-metadata,lower-affine,finalize-memref-to-llvm,convert-math-to-llvm,"
    "convert-arith-to-llvm,convert-func-to-llvm{use-bare-ptr-memref-call-conv},"
    "convert-cf-to-llvm,reconcile-unrealized-casts";

LogicalResult addPasses(PassManager &pm, Phase phase) {
  std::string text = kOnnxPipeline;
  if (phase >= Phase::Linalg)
    text += std::string(",") + kLinalgPipeline;
  if (phase >= Phase::LlvmDialect)
    text += std::string(",") + kLlvmDialectPipeline;
  return parsePassPipeline(text, pm);
}

} // namespace onnxc
