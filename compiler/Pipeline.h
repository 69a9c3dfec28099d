// Compilation phases and the pass pipelines (C++ builders) that lead to each one.
#ifndef ONNXC_COMPILER_PIPELINE_H
#define ONNXC_COMPILER_PIPELINE_H

#include "codegen/Pipelines.h"
#include "target/TargetInfo.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"

namespace onnxc {

/// Where `--emit` stops; each phase includes the ones before it.
/// (Ptx: the LLVM dialect, then the kernels' PTX; GPU targets only.)
enum class Phase { Onnx, Linalg, LlvmDialect, Ptx, Llvm, Asm, Obj };

/// Registers every dialect onnxc uses (for onnxc and onnxc-opt).
void registerAllOnnxc(mlir::DialectRegistry &registry);
/// Registers every pass by name (for onnxc-opt and textual pipelines).
void registerOnnxcPasses();

/// Graph passes on the onnx dialect (folding, canonical forms).
void addOnnxPasses(mlir::OpPassManager &pm);
/// onnx -> linalg on tensors, with elementwise fusion.
void addLinalgPasses(mlir::OpPassManager &pm);
/// linalg on tensors -> LLVM dialect, through `target`'s family pipeline.
void addCodegenPasses(mlir::OpPassManager &pm, const TargetInfo &target,
                      const codegen::GpuCodegenOptions &gpu = {}, const codegen::CpuCodegenOptions &cpu = {});

} // namespace onnxc

#endif // ONNXC_COMPILER_PIPELINE_H
