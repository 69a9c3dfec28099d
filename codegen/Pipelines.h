// The code generation pipelines: shared stages (codegen/common) and one builder per target family.
#ifndef ONNXC_CODEGEN_PIPELINES_H
#define ONNXC_CODEGEN_PIPELINES_H

#include "target/TargetInfo.h"

#include "mlir/Pass/PassManager.h"

#include <string>

namespace onnxc::codegen {

/// Tensors to buffers: one-shot bufferization, results as out-parameters,
/// copies as linalg (every target family). With `fillBordersOnly`, a padded
/// buffer's producer writes its interior and fills cover only the border (one
/// fill kernel per buffer suits GPUs; bare metal drops the padded buffer).
void addBufferizationPasses(mlir::OpPassManager &pm, bool fillBordersOnly = false);

/// Every remaining static buffer into the caller's workspace (every family);
/// with `recordPlan`, the plan stays as module attributes for --report.
void addWorkspacePlanningPasses(mlir::OpPassManager &pm, bool recordPlan = false);

/// Loops, vectors, memrefs, arith, math, func and cf to the LLVM dialect with
/// bare-pointer arguments and the target's index width.
void addLLVMConversionPasses(mlir::OpPassManager &pm, const TargetInfo &target);

/// CPUs (hosted and bare metal): linalg on tensors to the LLVM dialect. Vector
/// width, register tiles and threads follow `target`.
/// Choices of the CPU pipeline beyond the target facts.
struct CpuCodegenOptions {
  bool profile = false; // time each kernel through the shim (--profile)
  bool report = false;  // gather what --report shows (module attributes onnxc.report.*)
};

void buildCpuCodegenPipeline(mlir::OpPassManager &pm, const TargetInfo &target,
                             const CpuCodegenOptions &options = {});

/// Choices of the GPU pipeline beyond the target facts.
struct GpuCodegenOptions {
  /// Width of `index` inside kernels (32 when every buffer is under 2 GiB).
  unsigned kernelIndexBits = 32;
  /// Stop before mapping to blocks and threads: the same loops run on the host
  /// (the CPU check of the GPU tiling); the result is a CPU-ABI object.
  bool hostEmulation = false;
  /// "fp32", or "fp16"/"bf16": matmul-like kernels multiply on the tensor
  /// cores (mma.sync) with fp32 accumulation.
  std::string precision = "fp32";
};

/// NVIDIA GPUs: linalg on tensors to kernels in one gpu.module (NVVM) and a
/// host function in the LLVM dialect that launches them through the shim.
void buildGpuCodegenPipeline(mlir::OpPassManager &pm, const TargetInfo &target,
                             const GpuCodegenOptions &options);

} // namespace onnxc::codegen

#endif // ONNXC_CODEGEN_PIPELINES_H
