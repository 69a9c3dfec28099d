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
    "canonicalize,func.func(onnxc-fold-batchnorm,onnxc-pack-weights),canonicalize,cse";
static const char *const kLinalgPipeline =
    "onnxc-lower-to-linalg,canonicalize,func.func(onnxc-fuse-elementwise),canonicalize,cse";
static std::string llvmDialectPipeline(const PipelineOptions &options) {
  return "func.func(onnxc-copy-repeated-results),one-shot-bufferize{bufferize-function-boundaries "
         "function-boundary-type-conversion=identity-layout-map},"
         "buffer-results-to-out-params{hoist-static-allocs modify-public-functions},"
         "func.func(onnxc-lower-copies),canonicalize,"
         "func.func(onnxc-vectorize-reductions{vector-bits=" +
         std::to_string(options.vectorBits) +
         "}),onnxc-plan-workspace,func.func(convert-linalg-to-loops,onnxc-approximate-math),"
         "onnxc-outline-parallel,canonicalize,cse,"
         "func.func(convert-vector-to-scf),lower-affine,convert-scf-to-cf,canonicalize,cse,"
         "func.func(onnxc-flatten-empty-arguments),expand-strided-metadata,lower-affine,convert-vector-to-llvm,finalize-memref-to-llvm,"
         "convert-math-to-llvm,convert-arith-to-llvm,"
         "convert-func-to-llvm{use-bare-ptr-memref-call-conv},"
         "convert-cf-to-llvm,reconcile-unrealized-casts";
}

LogicalResult addPasses(PassManager &pm, Phase phase, const PipelineOptions &options) {
  std::string text = kOnnxPipeline;
  if (phase >= Phase::Linalg)
    text += std::string(",") + kLinalgPipeline;
  if (phase >= Phase::LlvmDialect)
    text += "," + llvmDialectPipeline(options);
  return parsePassPipeline(text, pm);
}

} // namespace onnxc
