// The code generation pipelines: shared stages (codegen/common) and one builder per target family.
#ifndef ONNXC_CODEGEN_PIPELINES_H
#define ONNXC_CODEGEN_PIPELINES_H

#include "target/TargetInfo.h"

#include "mlir/Pass/PassManager.h"

namespace onnxc::codegen {

/// Tensors to buffers: one-shot bufferization, results as out-parameters,
/// copies as linalg (every target family).
void addBufferizationPasses(mlir::OpPassManager &pm);

/// Every remaining static buffer into the caller's workspace (every family).
void addWorkspacePlanningPasses(mlir::OpPassManager &pm);

/// Loops, vectors, memrefs, arith, math, func and cf to the LLVM dialect with
/// bare-pointer arguments and the target's index width.
void addLLVMConversionPasses(mlir::OpPassManager &pm, const TargetInfo &target);

/// CPUs (hosted and bare metal): linalg on tensors to the LLVM dialect. Vector
/// width, register tiles and threads follow `target`.
void buildCpuCodegenPipeline(mlir::OpPassManager &pm, const TargetInfo &target);

} // namespace onnxc::codegen

#endif // ONNXC_CODEGEN_PIPELINES_H
